// Package typedsyncmap defines an Analyzer that finds sync.Maps holding one
// key type and one value type, and suggests the typed safemap.SyncMap.
//
// # Analyzer typedsyncmap
//
// typedsyncmap: report a sync.Map whose keys have one comparable static
// type and whose values have one static type, with a fix that makes it a
// safemap.SyncMap[K, V]
//
// A sync.Map holds values of type any: every Load is followed by a type
// assertion that the compiler cannot check, and a Store of the wrong type
// panics far from where it happened. When every Store, LoadOrStore, Swap
// and CompareAndSwap of a sync.Map variable or struct field stores keys of
// one comparable type K and values of one type V (not an interface without
// methods), the analyzer suggests safemap.SyncMap[K, V] instead. The fix
//
//   - changes the declared type (sync.Map to safemap.SyncMap[K, V]) and
//     adds the import, dropping "sync" if nothing else uses it;
//   - deletes the assertions v.(V) on the values that Load, LoadOrStore,
//     LoadAndDelete and Swap return, and k.(K), v.(V) in Range callbacks,
//     whose parameters become K and V;
//   - rewrites m.CompareAndSwap(k, old, new) and m.CompareAndDelete(k, old)
//     to safemap.CompareAndSwap(&m, k, old, new) and
//     safemap.CompareAndDelete(&m, k, old).
//
// The zero safemap.SyncMap is ready for use, like a sync.Map's, so no
// initialisation changes. The analyzer reports only where it can fix: an
// unexported variable or field (its users are all in the package) declared
// alone with no initial value, used only by calls of these methods, whose
// loaded values are used only through an assertion to V (not the
// comma-ok form, which the fix would have to rewrite by hand).
package typedsyncmap

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/gosafemap/safemap/vet/internal/maps"
)

// Doc states the rule; the package documentation explains it.
const Doc = `report a sync.Map whose keys have one comparable static type and whose values have one static type, with a fix that makes it a safemap.SyncMap[K, V]

The fix changes the declaration, adds the import, deletes the type
assertions on loaded values and Range's arguments, and rewrites
CompareAndSwap and CompareAndDelete to safemap's functions. It is offered
only for an unexported variable or field that the fix can rewrite entirely.`

var Analyzer = &analysis.Analyzer{
	Name:     "typedsyncmap",
	Doc:      Doc,
	URL:      "https://pkg.go.dev/github.com/gosafemap/safemap/vet/typedsyncmap",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// A candidate is a sync.Map variable or field and what the fix must do to
// its uses.
type candidate struct {
	obj      *types.Var
	typeExpr ast.Expr // the declared type, sync.Map
	file     *ast.File

	keys, values    []types.Type // static types stored
	needComparableV bool
	keyArgs         []ast.Expr // keys only looked up: assignable to K
	valueArgs       []ast.Expr // values compared: assignable to V
	asserts         []assertion
	rangeFuncs      []*ast.FuncLit
	casCalls        []*ast.CallExpr
	bad             bool
}

// An assertion x.(T) that the fix deletes if T is the map's key or value
// type.
type assertion struct {
	expr  *ast.TypeAssertExpr
	value bool // asserts a value, not a key
}

func run(pass *analysis.Pass) (any, error) {
	// The library cannot import itself.
	if pass.Pkg.Path() == maps.SafemapPath {
		return nil, nil
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	info := pass.TypesInfo
	cands := make(map[*types.Var]*candidate)

	// Declarations: var m sync.Map, and struct fields m sync.Map.
	in.Preorder([]ast.Node{(*ast.ValueSpec)(nil), (*ast.Field)(nil)}, func(n ast.Node) {
		var names []*ast.Ident
		var typ ast.Expr
		switch n := n.(type) {
		case *ast.ValueSpec:
			if len(n.Values) != 0 {
				return
			}
			names, typ = n.Names, n.Type
		case *ast.Field:
			names, typ = n.Names, n.Type
		}
		if len(names) != 1 || typ == nil || !isSyncMapExpr(info, typ) {
			return
		}
		v, ok := info.Defs[names[0]].(*types.Var)
		if !ok || v.Exported() || names[0].Name == "_" {
			return
		}
		if _, isParam := n.(*ast.Field); isParam && !v.IsField() {
			return // a parameter or result: copied by the call, vet's copylocks reports it
		}
		cands[v] = &candidate{obj: v, typeExpr: typ, file: fileOf(pass, typ)}
	})
	if len(cands) == 0 {
		return nil, nil
	}

	// Uses.
	in.WithStack([]ast.Node{(*ast.Ident)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		id := n.(*ast.Ident)
		v, ok := info.Uses[id].(*types.Var)
		if !ok {
			return true
		}
		c := cands[v]
		if c == nil || c.bad {
			return true
		}
		use(pass, c, id, stack)
		return true
	})

	var sorted []*candidate
	for _, c := range cands {
		sorted = append(sorted, c)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].obj.Pos() < sorted[j].obj.Pos() })
	var fixes []*fix
	for _, c := range sorted {
		if f := plan(pass, c); f != nil {
			fixes = append(fixes, f)
		}
	}
	for _, f := range fixes {
		report(pass, f, fixes)
	}
	return nil, nil
}

func isSyncMapExpr(info *types.Info, e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Map" {
		return false
	}
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "sync" && n.Obj().Name() == "Map"
}

func fileOf(pass *analysis.Pass, n ast.Node) *ast.File {
	for _, f := range pass.Files {
		if f.FileStart <= n.Pos() && n.Pos() < f.FileEnd {
			return f
		}
	}
	return nil
}

// use records what the fix must do about one use of c's variable: id, at
// the top of stack.
func use(pass *analysis.Pass, c *candidate, id *ast.Ident, stack []ast.Node) {
	info := pass.TypesInfo
	// The map expression: m, or x.m for a field.
	i := len(stack) - 1
	if c.obj.IsField() {
		i--
		sel, ok := stack[i].(*ast.SelectorExpr)
		if !ok || sel.Sel != id {
			c.bad = true
			return
		}
	}
	// m.Method(args)
	if i < 2 {
		c.bad = true
		return
	}
	sel, ok := stack[i-1].(*ast.SelectorExpr)
	if !ok || sel.X != stack[i] {
		c.bad = true
		return
	}
	call, ok := stack[i-2].(*ast.CallExpr)
	if !ok || call.Fun != sel {
		c.bad = true
		return
	}
	var parent ast.Node
	if i >= 3 {
		parent = stack[i-3]
	}
	args := call.Args
	switch sel.Sel.Name {
	case "Store", "LoadOrStore", "Swap":
		c.keys = append(c.keys, staticType(info, args[0]))
		c.values = append(c.values, staticType(info, args[1]))
		if sel.Sel.Name != "Store" {
			results(pass, c, call, parent)
		}
	case "Load", "LoadAndDelete":
		c.keyArgs = append(c.keyArgs, args[0])
		results(pass, c, call, parent)
	case "Delete":
		c.keyArgs = append(c.keyArgs, args[0])
	case "CompareAndSwap":
		c.keys = append(c.keys, staticType(info, args[0]))
		c.values = append(c.values, staticType(info, args[2]))
		c.valueArgs = append(c.valueArgs, args[1])
		c.needComparableV = true
		c.casCalls = append(c.casCalls, call)
		if _, ok := parent.(*ast.ExprStmt); !ok && !usesBool(parent) {
			c.bad = true
		}
	case "CompareAndDelete":
		c.keyArgs = append(c.keyArgs, args[0])
		c.valueArgs = append(c.valueArgs, args[1])
		c.needComparableV = true
		c.casCalls = append(c.casCalls, call)
	case "Range":
		lit, ok := ast.Unparen(args[0]).(*ast.FuncLit)
		if !ok {
			c.bad = true
			return
		}
		rangeFunc(pass, c, lit)
	case "Clear":
	default:
		c.bad = true
	}
}

// usesBool reports whether parent uses a single bool result as is: the
// package functions return the same bool.
func usesBool(parent ast.Node) bool {
	switch parent.(type) {
	case *ast.IfStmt, *ast.AssignStmt, *ast.ReturnStmt, *ast.UnaryExpr, *ast.BinaryExpr, *ast.ParenExpr, *ast.CallExpr, *ast.ValueSpec:
		return true
	}
	return false
}

// staticType is the type of e, an untyped constant taking its default type.
func staticType(info *types.Info, e ast.Expr) types.Type {
	t := info.TypeOf(e)
	if t == nil {
		return nil
	}
	return types.Default(t)
}

// results records the assertions on the value result of call, which
// returns (value any, ok bool).
func results(pass *analysis.Pass, c *candidate, call *ast.CallExpr, parent ast.Node) {
	switch p := parent.(type) {
	case *ast.ExprStmt:
		return
	case *ast.AssignStmt:
		if len(p.Lhs) != 2 || len(p.Rhs) != 1 || p.Rhs[0] != call {
			c.bad = true
			return
		}
		id, ok := p.Lhs[0].(*ast.Ident)
		if !ok {
			c.bad = true
			return
		}
		if id.Name == "_" {
			return
		}
		v, ok := pass.TypesInfo.Defs[id].(*types.Var)
		if !ok || p.Tok != token.DEFINE {
			c.bad = true // assigned to a variable declared elsewhere, of type any
			return
		}
		assertUses(pass, c, v, true)
	default:
		c.bad = true
	}
}

// rangeFunc records the rewriting of a Range callback's parameters.
func rangeFunc(pass *analysis.Pass, c *candidate, lit *ast.FuncLit) {
	var params []*types.Var
	for _, f := range lit.Type.Params.List {
		if len(f.Names) == 0 {
			params = append(params, nil)
		}
		for _, n := range f.Names {
			v, _ := pass.TypesInfo.Defs[n].(*types.Var)
			params = append(params, v)
		}
	}
	if len(params) != 2 {
		c.bad = true
		return
	}
	for i, v := range params {
		if v != nil {
			assertUses(pass, c, v, i == 1)
		}
	}
	c.rangeFuncs = append(c.rangeFuncs, lit)
}

// assertUses records that every use of v is an assertion v.(T), to be
// deleted; any other use, or v's reassignment, rules the fix out.
func assertUses(pass *analysis.Pass, c *candidate, v *types.Var, value bool) {
	for _, f := range pass.Files {
		if v.Pos() < f.FileStart || v.Pos() >= f.FileEnd {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if c.bad {
				return false
			}
			if ta, ok := n.(*ast.TypeAssertExpr); ok && ta.Type != nil {
				if id, ok := ast.Unparen(ta.X).(*ast.Ident); ok && pass.TypesInfo.Uses[id] == v {
					c.asserts = append(c.asserts, assertion{expr: ta, value: value})
					return false
				}
			}
			if id, ok := n.(*ast.Ident); ok && pass.TypesInfo.Uses[id] == v {
				c.bad = true
			}
			return true
		})
	}
	// A comma-ok assertion v2, ok := v.(T) stays true for a typed value,
	// but would no longer compile: rule it out.
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == 2 && len(as.Rhs) == 1 {
				for _, a := range c.asserts {
					if ast.Unparen(as.Rhs[0]) == a.expr {
						c.bad = true
					}
				}
			}
			if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 2 && len(vs.Values) == 1 {
				for _, a := range c.asserts {
					if ast.Unparen(vs.Values[0]) == a.expr {
						c.bad = true
					}
				}
			}
			return !c.bad
		})
	}
}

// A fix is a candidate with its types settled.
type fix struct {
	c    *candidate
	k, v types.Type
}

// plan settles K and V, or returns nil if the map does not hold one
// comparable key type and one value type, or the fix cannot be written.
func plan(pass *analysis.Pass, c *candidate) *fix {
	if c.bad || len(c.keys) == 0 || c.file == nil {
		return nil
	}
	k, ok := unique(c.keys)
	if !ok || types.IsInterface(k) || !types.Comparable(k) {
		return nil
	}
	v, ok := unique(c.values)
	if !ok || isEmptyInterface(v) {
		return nil
	}
	if b, isBasic := v.(*types.Basic); isBasic && b.Kind() == types.UntypedNil {
		return nil
	}
	if c.needComparableV && !types.Comparable(v) {
		return nil
	}
	if namesLocalType(k) || namesLocalType(v) {
		return nil // declared in a function: the map's declaration cannot name it
	}
	for _, a := range c.keyArgs {
		if t := pass.TypesInfo.TypeOf(a); t == nil || !types.AssignableTo(types.Default(t), k) && !constAssignable(pass.TypesInfo, a, k) {
			return nil
		}
	}
	for _, a := range c.valueArgs {
		if t := pass.TypesInfo.TypeOf(a); t == nil || !types.AssignableTo(types.Default(t), v) && !constAssignable(pass.TypesInfo, a, v) {
			return nil
		}
	}
	for _, a := range c.asserts {
		want := k
		if a.value {
			want = v
		}
		if !types.Identical(pass.TypesInfo.TypeOf(a.expr.Type), want) {
			return nil
		}
	}
	return &fix{c: c, k: k, v: v}
}

func constAssignable(info *types.Info, e ast.Expr, t types.Type) bool {
	tv := info.Types[e]
	if tv.Value == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return false
	}
	switch {
	case b.Info()&types.IsInteger != 0:
		_, exact := constantInt(tv)
		return exact
	case b.Info()&types.IsString != 0:
		tb, ok := tv.Type.(*types.Basic)
		return ok && tb.Info()&types.IsString != 0
	}
	return false
}

func constantInt(tv types.TypeAndValue) (int64, bool) {
	s := tv.Value.ExactString()
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// namesLocalType reports whether t mentions a type declared inside a
// function.
func namesLocalType(t types.Type) bool {
	switch t := t.(type) {
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() != nil && obj.Parent() != obj.Pkg().Scope() {
			return true
		}
		for i := range t.TypeArgs().Len() {
			if namesLocalType(t.TypeArgs().At(i)) {
				return true
			}
		}
	case *types.Alias:
		obj := t.Obj()
		return obj.Pkg() != nil && obj.Parent() != obj.Pkg().Scope() || namesLocalType(types.Unalias(t))
	case *types.Pointer:
		return namesLocalType(t.Elem())
	case *types.Slice:
		return namesLocalType(t.Elem())
	case *types.Array:
		return namesLocalType(t.Elem())
	case *types.Chan:
		return namesLocalType(t.Elem())
	case *types.Map:
		return namesLocalType(t.Key()) || namesLocalType(t.Elem())
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := range tup.Len() {
				if namesLocalType(tup.At(i).Type()) {
					return true
				}
			}
		}
	case *types.Struct:
		for i := range t.NumFields() {
			if namesLocalType(t.Field(i).Type()) {
				return true
			}
		}
	}
	return false
}

func unique(ts []types.Type) (types.Type, bool) {
	var t types.Type
	for _, u := range ts {
		if u == nil {
			return nil, false
		}
		if t == nil {
			t = u
		} else if !types.Identical(t, u) {
			return nil, false
		}
	}
	return t, t != nil
}

func isEmptyInterface(t types.Type) bool {
	i, ok := t.Underlying().(*types.Interface)
	return ok && i.Empty()
}

// report reports f's map with its fix. all holds every fix of the package,
// which -fix applies together: the "sync" import goes when none of them
// leaves a use of it in the file.
func report(pass *analysis.Pass, f *fix, all []*fix) {
	c := f.c
	var edits []analysis.TextEdit
	files := map[*ast.File]bool{c.file: true}
	for _, call := range c.casCalls {
		files[fileOf(pass, call)] = true
	}
	names := make(map[*ast.File]string)
	for file := range files {
		name, edit, ok := importSafemap(pass, file, all)
		if !ok {
			return
		}
		names[file] = name
		if edit != nil {
			edits = append(edits, *edit)
		}
	}
	q := qualifier(pass, c.file)
	kt, vt := types.TypeString(f.k, q.qualify), types.TypeString(f.v, q.qualify)
	if q.failed {
		return
	}
	edits = append(edits, analysis.TextEdit{
		Pos: c.typeExpr.Pos(), End: c.typeExpr.End(),
		NewText: fmt.Appendf(nil, "%s.SyncMap[%s, %s]", names[c.file], kt, vt),
	})
	for _, a := range c.asserts {
		edits = append(edits, analysis.TextEdit{Pos: a.expr.X.End(), End: a.expr.End()})
	}
	for _, lit := range c.rangeFuncs {
		var ps []string
		for _, field := range lit.Type.Params.List {
			if len(field.Names) == 0 {
				ps = append(ps, "_")
			}
			for _, n := range field.Names {
				ps = append(ps, n.Name)
			}
		}
		// Range callbacks are in c.file or another file; the types are
		// spelled for the declaring file, so the callback's file must
		// import what they name alike.
		lq := qualifier(pass, fileOf(pass, lit))
		lk, lv := types.TypeString(f.k, lq.qualify), types.TypeString(f.v, lq.qualify)
		if lq.failed {
			return
		}
		edits = append(edits, analysis.TextEdit{
			Pos: lit.Type.Params.Opening, End: lit.Type.Params.Closing + 1,
			NewText: fmt.Appendf(nil, "(%s %s, %s %s)", ps[0], lk, ps[1], lv),
		})
	}
	for _, call := range c.casCalls {
		sel := call.Fun.(*ast.SelectorExpr)
		name := names[fileOf(pass, call)]
		edits = append(edits, analysis.TextEdit{
			Pos: call.Pos(), End: call.Lparen + 1,
			NewText: fmt.Appendf(nil, "%s.%s(&%s, ", name, sel.Sel.Name, maps.Source(pass, sel.X)),
		})
	}
	pass.Report(analysis.Diagnostic{
		Pos: c.typeExpr.Pos(),
		End: c.typeExpr.End(),
		Message: fmt.Sprintf("sync.Map %s only holds %s keys and %s values: safemap.SyncMap[%s, %s] needs no type assertions",
			c.obj.Name(), kt, vt, kt, vt),
		SuggestedFixes: []analysis.SuggestedFix{{
			Message:   fmt.Sprintf("Change %s to safemap.SyncMap[%s, %s]", c.obj.Name(), kt, vt),
			TextEdits: edits,
		}},
	})
}

// typeQualifier spells package names as file imports them.
type typeQualifier struct {
	pass   *analysis.Pass
	file   *ast.File
	failed bool
}

func qualifier(pass *analysis.Pass, file *ast.File) *typeQualifier {
	return &typeQualifier{pass: pass, file: file}
}

func (q *typeQualifier) qualify(p *types.Package) string {
	if p == q.pass.Pkg {
		return ""
	}
	for _, imp := range q.file.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path != p.Path() {
			continue
		}
		if imp.Name != nil {
			if imp.Name.Name == "_" || imp.Name.Name == "." {
				break
			}
			return imp.Name.Name
		}
		return p.Name()
	}
	q.failed = true
	return p.Name()
}

// importSafemap returns the name file knows safemap by, and the edit that
// imports it if it does not yet: the "sync" import's path becomes
// safemap's when the fixes leave sync unused, else a new import follows.
func importSafemap(pass *analysis.Pass, file *ast.File, all []*fix) (string, *analysis.TextEdit, bool) {
	for _, imp := range file.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == maps.SafemapPath {
			if imp.Name != nil {
				if imp.Name.Name == "_" || imp.Name.Name == "." {
					return "", nil, false
				}
				return imp.Name.Name, nil, true
			}
			return "safemap", nil, true
		}
	}
	if file.Scope.Lookup("safemap") != nil || pass.Pkg.Scope().Lookup("safemap") != nil {
		return "", nil, false
	}
	var syncSpec *ast.ImportSpec
	for _, imp := range file.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "sync" && imp.Name == nil {
			syncSpec = imp
		}
	}
	if syncSpec != nil && !syncUsedAfter(pass, file, all) {
		return "safemap", &analysis.TextEdit{
			Pos: syncSpec.Path.Pos(), End: syncSpec.Path.End(),
			NewText: []byte(strconv.Quote(maps.SafemapPath)),
		}, true
	}
	// Add an import after the last one.
	var last *ast.GenDecl
	for _, d := range file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			last = g
		}
	}
	if last == nil {
		return "safemap", &analysis.TextEdit{
			Pos: file.Name.End(), End: file.Name.End(),
			NewText: []byte("\n\nimport " + strconv.Quote(maps.SafemapPath)),
		}, true
	}
	if last.Rparen.IsValid() {
		return "safemap", &analysis.TextEdit{
			Pos: last.Rparen, End: last.Rparen,
			NewText: []byte("\n\t" + strconv.Quote(maps.SafemapPath) + "\n"),
		}, true
	}
	return "safemap", &analysis.TextEdit{
		Pos: last.End(), End: last.End(),
		NewText: []byte("\nimport " + strconv.Quote(maps.SafemapPath)),
	}, true
}

// syncUsedAfter reports whether file still refers to package sync once
// every fix has replaced its declared types.
func syncUsedAfter(pass *analysis.Pass, file *ast.File, all []*fix) bool {
	used := false
	ast.Inspect(file, func(n ast.Node) bool {
		if used {
			return false
		}
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		pn, ok := pass.TypesInfo.Uses[id].(*types.PkgName)
		if !ok || pn.Imported().Path() != "sync" {
			return true
		}
		for _, f := range all {
			if f.c.typeExpr == ast.Expr(sel) {
				return false
			}
		}
		used = true
		return false
	})
	return used
}
