// Package checkthenact defines an Analyzer that reports a Load of a
// concurrent map followed by a Store or Delete of the same key that depends
// on what the Load found.
//
// # Analyzer checkthenact
//
// checkthenact: report a Load whose absent branch Stores, or whose present
// branch Deletes, the same key of the same concurrent map
//
// Each method of sync.Map and of safemap's maps is atomic, but two calls are
// not: in
//
//	if _, ok := m.Load(k); !ok {
//		m.Store(k, v)
//	}
//
// another goroutine can store k between Load and Store, and one of the two
// values is lost; in
//
//	if v, ok := m.Load(k); ok {
//		m.Delete(k)
//		use(v)
//	}
//
// another goroutine can store a new value between Load and Delete, and
// Delete removes it unseen. LoadOrStore, LoadOrCompute, LoadAndDelete and
// Compute (CompareAndSwap and CompareAndDelete for conditions on the value)
// do both steps at once.
//
// The analyzer looks at sync.Map, *sync.Map, every map type of
// github.com/gosafemap/safemap, and the interface safemap.Map. The Load's ok
// result must decide an if statement directly (in its init statement or the
// statement before it), and the map and key expressions must be the same
// variables, with no call in them.
//
// It suggests a fix where the rewrite is mechanical: an if with no else,
// whose only statement is m.Store(k, v) with v free of effects, becomes
// m.LoadOrStore(k, v); an if whose body starts with m.Delete(k) loads with
// LoadAndDelete instead and loses that statement.
package checkthenact

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/gosafemap/safemap/vet/internal/maps"
)

// Doc states the rule; the package documentation explains it.
const Doc = `report a Load whose absent branch Stores, or whose present branch Deletes, the same key of the same concurrent map

Another goroutine can act between the two calls on a sync.Map or a safemap
map: a value stored in between is overwritten, or deleted unseen. Use
LoadOrStore, LoadOrCompute, LoadAndDelete or Compute, which do both steps
at once. A fix is suggested where the rewrite is mechanical.`

var Analyzer = &analysis.Analyzer{
	Name:     "checkthenact",
	Doc:      Doc,
	URL:      "https://pkg.go.dev/github.com/gosafemap/safemap/vet/checkthenact",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// A load is m.Load(k) whose results are assigned by as.
type load struct {
	as    *ast.AssignStmt
	call  *ast.CallExpr
	recv  ast.Expr
	key   ast.Expr
	value ast.Expr // the first result's left-hand side
	ok    types.Object
	kind  maps.Kind
	init  bool // as is the if statement's init statement
}

func run(pass *analysis.Pass) (any, error) {
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	// Statements directly before each if statement.
	prev := make(map[*ast.IfStmt]ast.Stmt)
	in.Preorder([]ast.Node{(*ast.BlockStmt)(nil), (*ast.CaseClause)(nil), (*ast.CommClause)(nil)}, func(n ast.Node) {
		var list []ast.Stmt
		switch n := n.(type) {
		case *ast.BlockStmt:
			list = n.List
		case *ast.CaseClause:
			list = n.Body
		case *ast.CommClause:
			list = n.Body
		}
		for i := 1; i < len(list); i++ {
			if ifs, ok := list[i].(*ast.IfStmt); ok {
				prev[ifs] = list[i-1]
			}
		}
	})
	in.WithStack([]ast.Node{(*ast.IfStmt)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		ifs := n.(*ast.IfStmt)
		var l *load
		if ifs.Init != nil {
			l = loadOf(pass, ifs.Init)
			if l != nil {
				l.init = true
			}
		} else if p := prev[ifs]; p != nil {
			l = loadOf(pass, p)
		}
		if l == nil || lockedBefore(stack, ifs) {
			return true
		}
		present, absent := branches(pass.TypesInfo, ifs, l.ok)
		if present == nil && absent == nil {
			return true
		}
		if store := findCall(pass.TypesInfo, absent, l, "Store"); store != nil {
			reportStore(pass, ifs, l, store, absent)
		} else if del := findCall(pass.TypesInfo, present, l, "Delete"); del != nil {
			reportDelete(pass, ifs, l, del, present)
		}
		return true
	})
	return nil, nil
}

// lockedBefore reports whether the function around ifs calls a Lock method
// before it: a mutex that every writer takes makes Load and Store one step,
// and the analyzer then cannot tell a race from a guarded sequence.
func lockedBefore(stack []ast.Node, ifs *ast.IfStmt) bool {
	var body ast.Node
	for i := len(stack) - 1; i >= 0 && body == nil; i-- {
		switch f := stack[i].(type) {
		case *ast.FuncDecl:
			body = f.Body
		case *ast.FuncLit:
			body = f.Body
		}
	}
	if body == nil {
		return false
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found || n == nil || n.Pos() >= ifs.Pos() {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 0 {
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && (sel.Sel.Name == "Lock" || sel.Sel.Name == "RLock") {
				found = true
			}
		}
		return !found
	})
	return found
}

// loadOf returns the load that s makes: v, ok := m.Load(k) or v, ok = ....
func loadOf(pass *analysis.Pass, s ast.Stmt) *load {
	as, ok := s.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return nil
	}
	call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Load" {
		return nil
	}
	kind := maps.KindOf(pass.TypesInfo.TypeOf(sel.X))
	if kind == maps.NotMap || !noCalls(pass.TypesInfo, sel.X) || !noCalls(pass.TypesInfo, call.Args[0]) {
		return nil
	}
	okID, isIdent := as.Lhs[1].(*ast.Ident)
	if !isIdent || okID.Name == "_" {
		return nil
	}
	return &load{
		as: as, call: call, recv: sel.X, key: call.Args[0], value: as.Lhs[0],
		ok: pass.TypesInfo.ObjectOf(okID), kind: kind,
	}
}

// noCalls reports whether e names the same thing each time it is evaluated:
// it makes no call other than a conversion, and receives from no channel.
func noCalls(info *types.Info, e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if tv, isType := info.Types[n.Fun]; !isType || !tv.IsType() {
				ok = false
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		case *ast.FuncLit:
			ok = false
		}
		return ok
	})
	return ok
}

// branches returns the branches of ifs taken when the key was present and
// when it was absent, if ifs's condition is ok or !ok.
func branches(info *types.Info, ifs *ast.IfStmt, ok types.Object) (present, absent ast.Stmt) {
	var elseStmt ast.Stmt
	if ifs.Else != nil {
		elseStmt = ifs.Else
	}
	switch cond := ast.Unparen(ifs.Cond).(type) {
	case *ast.Ident:
		if info.ObjectOf(cond) == ok {
			return ifs.Body, elseStmt
		}
	case *ast.UnaryExpr:
		if id, isIdent := ast.Unparen(cond.X).(*ast.Ident); isIdent && cond.Op == token.NOT && info.ObjectOf(id) == ok {
			return elseStmt, ifs.Body
		}
	}
	return nil, nil
}

// findCall returns the first call of method name on l's map with l's key in
// branch, outside function literals.
func findCall(info *types.Info, branch ast.Stmt, l *load, name string) *ast.CallExpr {
	if branch == nil {
		return nil
	}
	var found *ast.CallExpr
	ast.Inspect(branch, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr)
			if ok && sel.Sel.Name == name && len(n.Args) >= 1 && maps.SameExpr(info, sel.X, l.recv) && maps.SameExpr(info, n.Args[0], l.key) {
				found = n
			}
		}
		return true
	})
	return found
}

func reportStore(pass *analysis.Pass, ifs *ast.IfStmt, l *load, store *ast.CallExpr, absent ast.Stmt) {
	use := "LoadOrStore, LoadOrCompute or Compute"
	if l.kind == maps.SyncMap {
		use = "LoadOrStore (or CompareAndSwap for a condition on the old value)"
	}
	d := analysis.Diagnostic{
		Pos: l.call.Pos(),
		End: l.call.End(),
		Message: fmt.Sprintf("another goroutine can store %s between this Load and the Store at line %d, and one of the two values is lost; use %s, which check and store at once",
			maps.Source(pass, l.key), pass.Fset.Position(store.Pos()).Line, use),
	}
	// The mechanical case: if _, ok := m.Load(k); !ok { m.Store(k, v) }.
	if l.init && ifs.Else == nil && absent == ifs.Body && len(ifs.Body.List) == 1 && isBlank(l.value) && len(store.Args) == 2 {
		if es, ok := ifs.Body.List[0].(*ast.ExprStmt); ok && ast.Unparen(es.X) == store && maps.Pure(pass.TypesInfo, store.Args[1]) {
			text := fmt.Sprintf("%s.LoadOrStore(%s, %s)", maps.Source(pass, l.recv), maps.Source(pass, l.key), maps.Source(pass, store.Args[1]))
			d.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   "Use LoadOrStore",
				TextEdits: []analysis.TextEdit{{Pos: ifs.Pos(), End: ifs.End(), NewText: []byte(text)}},
			}}
		}
	}
	pass.Report(d)
}

func reportDelete(pass *analysis.Pass, ifs *ast.IfStmt, l *load, del *ast.CallExpr, present ast.Stmt) {
	use := "LoadAndDelete, CompareAndDelete or Compute"
	if l.kind == maps.SyncMap {
		use = "LoadAndDelete or CompareAndDelete"
	}
	d := analysis.Diagnostic{
		Pos: l.call.Pos(),
		End: l.call.End(),
		Message: fmt.Sprintf("another goroutine can store %s between this Load and the Delete at line %d, and Delete removes a value nobody saw; use %s, which check and delete at once",
			maps.Source(pass, l.key), pass.Fset.Position(del.Pos()).Line, use),
	}
	// The mechanical case: the present branch starts by deleting the key.
	if l.init && present == ifs.Body && len(ifs.Body.List) >= 1 && len(del.Args) == 1 {
		if es, ok := ifs.Body.List[0].(*ast.ExprStmt); ok && ast.Unparen(es.X) == del && onItsOwnLine(pass, ifs.Body, 0) {
			var edits []analysis.TextEdit
			if isBlank(l.value) && len(ifs.Body.List) == 1 && ifs.Else == nil {
				edits = []analysis.TextEdit{{Pos: ifs.Pos(), End: ifs.End(), NewText: []byte(maps.Source(pass, es))}}
			} else {
				sel := ast.Unparen(l.call.Fun).(*ast.SelectorExpr)
				edits = []analysis.TextEdit{
					{Pos: sel.Sel.Pos(), End: sel.Sel.End(), NewText: []byte("LoadAndDelete")},
					deleteLine(pass, es),
				}
			}
			d.SuggestedFixes = []analysis.SuggestedFix{{Message: "Use LoadAndDelete", TextEdits: edits}}
		}
	}
	pass.Report(d)
}

// deleteLine removes statement s with its line's indentation and newline.
func deleteLine(pass *analysis.Pass, s ast.Stmt) analysis.TextEdit {
	tf := pass.Fset.File(s.Pos())
	start := tf.LineStart(tf.Line(s.Pos()))
	end := s.End()
	if line := tf.Line(s.End()); line < tf.LineCount() {
		end = tf.LineStart(line + 1)
	}
	return analysis.TextEdit{Pos: start, End: end}
}

// onItsOwnLine reports whether the i'th statement of b shares no line with
// other code.
func onItsOwnLine(pass *analysis.Pass, b *ast.BlockStmt, i int) bool {
	tf := pass.Fset.File(b.Pos())
	s := b.List[i]
	if tf.Line(s.Pos()) == tf.Line(b.Lbrace) || tf.Line(s.End()) == tf.Line(b.Rbrace) {
		return false
	}
	return i+1 == len(b.List) || tf.Line(b.List[i+1].Pos()) > tf.Line(s.End())
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}
