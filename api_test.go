package safemap_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateAPI = flag.String("api.write", "", "TestAPI: write the exported API to this file instead of checking it")

// TestAPI keeps the exported API from changing by accident. The API, one
// line per exported identifier in the manner of Go's own api/ directory,
// must equal the lines of the files in api/: api/v0.1.txt holds what
// v0.1.0 exports, and an addition goes into api/next.txt until it is
// released. A removal or a changed signature fails until api/ says so.
func TestAPI(t *testing.T) {
	got := exportedAPI(t)
	if *updateAPI != "" {
		require.NoError(t, os.WriteFile(*updateAPI, []byte(strings.Join(got, "\n")+"\n"), 0o644))
		return
	}
	files, err := filepath.Glob("api/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no API files in api/")
	var want []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for line := range strings.Lines(string(data)) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				want = append(want, line)
			}
		}
	}
	slices.Sort(want)
	var diff []string
	for _, line := range got {
		if _, found := slices.BinarySearch(want, line); !found {
			diff = append(diff, "+ "+line)
		}
	}
	for _, line := range want {
		if _, found := slices.BinarySearch(got, line); !found {
			diff = append(diff, "- "+line)
		}
	}
	assert.Empty(t, strings.Join(diff, "\n"),
		"the exported API differs from api/*.txt (+ exported but not listed, - listed but not exported); "+
			"if the change is meant, list an addition in api/next.txt, and bump the major version for a removal")
}

// exportedAPI returns the package's exported API, sorted: a line for each
// exported constant, variable, function, type, method and interface
// method, with types but without parameter names, so that renaming a
// parameter changes nothing.
func exportedAPI(t *testing.T) []string {
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	fset := token.NewFileSet()
	var lines []string
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			lines = append(lines, declAPI(decl)...)
		}
	}
	slices.Sort(lines)
	return lines
}

func declAPI(decl ast.Decl) []string {
	var lines []string
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			break
		}
		if d.Recv == nil {
			return []string{"func " + d.Name.Name + typeParams(d.Type.TypeParams) + signature(d.Type)}
		}
		recv := exprString(d.Recv.List[0].Type)
		if ast.IsExported(strings.TrimLeft(strings.SplitN(recv, "[", 2)[0], "*")) {
			return []string{fmt.Sprintf("method (%s) %s%s", recv, d.Name.Name, signature(d.Type))}
		}
	case *ast.GenDecl:
		var typ ast.Expr // a constant without a type takes the one before it, as with iota
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.ValueSpec:
				if s.Type != nil || s.Values != nil {
					typ = s.Type
				}
				for _, name := range s.Names {
					if name.IsExported() {
						line := d.Tok.String() + " " + name.Name
						if typ != nil {
							line += " " + exprString(typ)
						}
						lines = append(lines, line)
					}
				}
			case *ast.TypeSpec:
				if s.Name.IsExported() {
					lines = append(lines, typeAPI(s)...)
				}
			}
		}
	}
	return lines
}

func typeAPI(s *ast.TypeSpec) []string {
	name := "type " + s.Name.Name + typeParams(s.TypeParams)
	switch tt := s.Type.(type) {
	case *ast.InterfaceType:
		lines := []string{name + " interface"}
		for _, m := range tt.Methods.List {
			if fn, ok := m.Type.(*ast.FuncType); ok && len(m.Names) == 1 && m.Names[0].IsExported() {
				lines = append(lines, fmt.Sprintf("%s interface, %s%s", name, m.Names[0].Name, signature(fn)))
			} else if !ok {
				lines = append(lines, fmt.Sprintf("%s interface, %s", name, exprString(m.Type)))
			}
		}
		return lines
	case *ast.StructType:
		lines := []string{name + " struct"}
		for _, f := range tt.Fields.List {
			for _, n := range f.Names {
				if n.IsExported() {
					lines = append(lines, fmt.Sprintf("%s struct, %s %s", name, n.Name, exprString(f.Type)))
				}
			}
		}
		return lines
	}
	return []string{name + " " + exprString(s.Type)}
}

func typeParams(fl *ast.FieldList) string {
	if fl == nil {
		return ""
	}
	var ps []string
	for _, f := range fl.List {
		for _, n := range f.Names {
			ps = append(ps, n.Name+" "+exprString(f.Type))
		}
	}
	return "[" + strings.Join(ps, ", ") + "]"
}

// signature prints a function type's parameters and results, types only.
func signature(fn *ast.FuncType) string {
	s := "(" + fieldTypes(fn.Params) + ")"
	if fn.Results == nil {
		return s
	}
	results := fieldTypes(fn.Results)
	if len(fn.Results.List) == 1 && len(fn.Results.List[0].Names) <= 1 {
		return s + " " + results
	}
	return s + " (" + results + ")"
}

func fieldTypes(fl *ast.FieldList) string {
	var ts []string
	for _, f := range fl.List {
		for range max(len(f.Names), 1) {
			ts = append(ts, exprString(f.Type))
		}
	}
	return strings.Join(ts, ", ")
}

// exprString prints a type, leaving out the parameter names of a function
// type.
func exprString(e ast.Expr) string {
	if fn, ok := e.(*ast.FuncType); ok {
		return "func" + signature(fn)
	}
	return types.ExprString(e)
}
