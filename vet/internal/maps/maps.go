// Package maps holds what the analyzers share: recognising sync.Map and
// safemap's maps, reading source text, and telling expressions that can be
// evaluated earlier, or more often, without a change in behaviour.
package maps

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// SafemapPath is the import path of the safemap library.
const SafemapPath = "github.com/gosafemap/safemap"

// Kind says which concurrent map a type is.
type Kind int

const (
	NotMap  Kind = iota
	SyncMap      // sync.Map or *sync.Map
	Safemap      // a map type of package safemap, or the interface safemap.Map
)

// KindOf reports which concurrent map t is, looking through one pointer.
func KindOf(t types.Type) Kind {
	if t == nil {
		return NotMap
	}
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	n, ok := t.(*types.Named)
	if !ok {
		return NotMap
	}
	obj := n.Origin().Obj()
	if obj.Pkg() == nil {
		return NotMap
	}
	switch obj.Pkg().Path() {
	case "sync":
		if obj.Name() == "Map" {
			return SyncMap
		}
	case SafemapPath:
		// Every map type of the package has Load and Store.
		if hasMethod(n, "Load") && hasMethod(n, "Store") {
			return Safemap
		}
	}
	return NotMap
}

func hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

// Source returns the source text of n.
func Source(pass *analysis.Pass, n ast.Node) string {
	return SourceRange(pass, n.Pos(), n.End())
}

// SourceRange returns the source text from pos to end.
func SourceRange(pass *analysis.Pass, pos, end token.Pos) string {
	tf := pass.Fset.File(pos)
	if tf == nil {
		return ""
	}
	content, err := pass.ReadFile(tf.Name())
	if err != nil {
		return ""
	}
	lo, hi := tf.Offset(pos), tf.Offset(end)
	if lo < 0 || hi > len(content) || lo > hi {
		return ""
	}
	return string(content[lo:hi])
}

// Pure reports whether evaluating e has no effect and cannot panic, so that
// it may be evaluated when it was not before: identifiers, constants,
// composite literals and function literals of such parts, conversions,
// field selections that follow no pointer, and arithmetic other than
// division.
func Pure(info *types.Info, e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident, *ast.BasicLit, *ast.FuncLit:
		return true
	case *ast.CompositeLit:
		for _, elt := range e.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if _, isStruct := info.TypeOf(e).Underlying().(*types.Struct); !isStruct && !Pure(info, kv.Key) {
					return false
				}
				elt = kv.Value
			}
			if !Pure(info, elt) {
				return false
			}
		}
		return true
	case *ast.UnaryExpr:
		switch e.Op {
		case token.AND:
			_, ok := ast.Unparen(e.X).(*ast.CompositeLit)
			return ok && Pure(info, e.X)
		case token.SUB, token.ADD, token.NOT, token.XOR:
			return Pure(info, e.X)
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.QUO, token.REM:
			return false
		}
		return Pure(info, e.X) && Pure(info, e.Y)
	case *ast.SelectorExpr:
		if sel := info.Selections[e]; sel != nil {
			return sel.Kind() == types.FieldVal && !sel.Indirect() && !isPointer(info.TypeOf(e.X)) && Pure(info, e.X)
		}
		_, isPkg := info.Uses[identOf(e.X)].(*types.PkgName)
		return isPkg
	case *ast.CallExpr:
		if tv, ok := info.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			// A conversion; to an interface it allocates, which is no effect.
			return Pure(info, e.Args[0])
		}
	}
	return false
}

func isPointer(t types.Type) bool {
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// SameExpr reports whether a and b are the same pure expression of the same
// variables: the same key of the same map, both times.
func SameExpr(info *types.Info, a, b ast.Expr) bool {
	a, b = ast.Unparen(a), ast.Unparen(b)
	switch a := a.(type) {
	case *ast.Ident:
		b, ok := b.(*ast.Ident)
		if !ok || a.Name != b.Name {
			return false
		}
		oa, ob := info.ObjectOf(a), info.ObjectOf(b)
		return oa != nil && oa == ob
	case *ast.BasicLit:
		b, ok := b.(*ast.BasicLit)
		return ok && a.Kind == b.Kind && a.Value == b.Value
	case *ast.SelectorExpr:
		b, ok := b.(*ast.SelectorExpr)
		return ok && a.Sel.Name == b.Sel.Name && info.ObjectOf(a.Sel) == info.ObjectOf(b.Sel) && SameExpr(info, a.X, b.X)
	case *ast.StarExpr:
		b, ok := b.(*ast.StarExpr)
		return ok && SameExpr(info, a.X, b.X)
	case *ast.UnaryExpr:
		b, ok := b.(*ast.UnaryExpr)
		return ok && a.Op == b.Op && a.Op != token.ARROW && SameExpr(info, a.X, b.X)
	case *ast.BinaryExpr:
		b, ok := b.(*ast.BinaryExpr)
		return ok && a.Op == b.Op && SameExpr(info, a.X, b.X) && SameExpr(info, a.Y, b.Y)
	case *ast.IndexExpr:
		b, ok := b.(*ast.IndexExpr)
		return ok && SameExpr(info, a.X, b.X) && SameExpr(info, a.Index, b.Index)
	case *ast.CallExpr:
		// Only conversions: a call may return another value each time.
		b, ok := b.(*ast.CallExpr)
		if !ok || len(a.Args) != 1 || len(b.Args) != 1 {
			return false
		}
		ta, tb := info.Types[a.Fun], info.Types[b.Fun]
		return ta.IsType() && tb.IsType() && types.Identical(ta.Type, tb.Type) && SameExpr(info, a.Args[0], b.Args[0])
	}
	return false
}
