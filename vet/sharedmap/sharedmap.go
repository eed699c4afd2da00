// Package sharedmap defines an Analyzer that reports writes to a built-in
// map that can run at the same time as another access to that map, with no
// mutex held.
//
// # Analyzer sharedmap
//
// sharedmap: report a built-in map written by concurrent code, with no mutex
// held, while another access to the same map can run
//
// A built-in map is not safe for concurrent use: a write that overlaps
// another goroutine's read or write of the same map crashes the program with
// "fatal error: concurrent map writes". The analyzer reports such a write
// only where the code gives strong evidence of both concurrency and sharing:
//
//   - Concurrent code is the body of a go statement (or of
//     sync.WaitGroup.Go and errgroup's Group.Go), including the functions
//     and methods of the package it calls, to a depth of three calls, and
//     HTTP handlers (functions passed where a func(http.ResponseWriter,
//     *http.Request) is expected, http.HandlerFunc conversions, and ServeHTTP
//     methods), which a server runs for many requests at once.
//   - A shared map is a package-level variable, a field reached through a
//     value the concurrent code shares with its starter, or a variable that
//     a closure captures. Maps made inside the concurrent code, and a
//     handler's per-request values, are not shared.
//   - The other access is the same write in another run of the same code (a
//     handler, or a go statement inside a loop), an access by the code that
//     follows the go statement before it waits for the goroutine (by
//     receiving from a channel or calling Wait), an access by a goroutine
//     started there, or, for a goroutine that outlives the function that
//     starts it, an access in another function of the package that is not
//     reached only from the goroutine or before it starts.
//   - A write is guarded when, on every path to it in its function, a Lock
//     (or a helper named like lock; an RLock does not exclude other writers
//     under RLock, so it does not count) is called with no Unlock in
//     between (a deferred Unlock keeps it held); when every call of its
//     function holds a lock, or the function's name ends in "Locked"; and
//     inside a sync.Once's function.
//
// A write counts as an assignment to an index of the map, delete and clear,
// and the Set, Add and Del methods of http.Header, url.Values and
// textproto.MIMEHeader. The diagnostic names the map, the concurrent code,
// the other access, and the safemap type that replaces the map.
package sharedmap

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"
)

// Doc states the rule; the package documentation explains it.
const Doc = `report a built-in map written by concurrent code, with no mutex held, while another access to the same map can run

A built-in map is not safe for concurrent use: a write overlapping another
read or write of the same map crashes with "fatal error: concurrent map
writes". sharedmap reports an assignment to an index, delete or clear (or
Set/Add/Del on http.Header and url.Values) of a shared map (package-level
variable, field of a shared value, variable captured by a closure) in the
body of a go statement or an HTTP handler, when no sync.Mutex or
sync.RWMutex is held around it on every path and another access to the same
map can run at the same time: another run of the same handler or of a
goroutine started in a loop, the code after the go statement before it waits
for the goroutine, or another function of the package for a goroutine that
outlives its starter. Replace the map with a safemap map, or hold a mutex.`

var Analyzer = &analysis.Analyzer{
	Name: "sharedmap",
	Doc:  Doc,
	URL:  "https://pkg.go.dev/github.com/gosafemap/safemap/vet/sharedmap",
	Run:  run,
}

// maxDepth bounds how many calls deep the analysis follows concurrent code
// into the package's own functions; maxFuncs bounds how many functions one
// goroutine's code may span. Deeper code is rarely where the shared map is
// written, and following it costs time on large packages.
const (
	maxDepth = 3
	maxFuncs = 40
)

// A refKind says what a ref denotes.
type refKind int

const (
	varRef    refKind = iota // the variable root
	fieldRef                 // field of a value reached from root
	headerRef                // the header map of the http.ResponseWriter root
)

// A ref is what an expression denotes, in terms of a root variable of the
// function that starts the concurrent code (or a package-level variable).
type ref struct {
	kind  refKind
	root  *types.Var
	field *types.Var
	// direct says the field is one of root's own (root.field), not a field
	// of a value reached through root's fields (root.a.b.field).
	direct bool
}

func (r ref) sameMap(o ref) bool {
	return r.kind == o.kind && r.root == o.root && r.field == o.field
}

// sameField reports whether r and o are the same field or package-level
// variable, whatever the value they are reached from: two functions that
// receive a *Client reach one Client's map for all the analysis can tell.
func (r ref) sameField(o ref) bool {
	switch {
	case r.kind == fieldRef && o.kind == fieldRef:
		return r.field == o.field
	case r.kind == varRef && o.kind == varRef:
		return r.root == o.root && isPackageLevel(r.root)
	}
	return false
}

// env binds the parameters of a function followed from concurrent code to
// what the caller's arguments denote; a nil ref means unknown.
type env map[*types.Var]*ref

// An access is one use of a map.
type access struct {
	ref     ref
	write   bool
	guarded bool
	pos     token.Pos
	text    string     // the map's source text
	typ     *types.Map // the map's type
	fn      string     // the function it is in, for messages
}

// A root is code that runs concurrently: a goroutine or an HTTP handler.
type root struct {
	site    token.Pos // the go statement, registration, or ServeHTTP method
	handler bool
	desc    string // "the goroutine started at x.go:12"

	body   ast.Node // *ast.FuncLit or *ast.FuncDecl run concurrently
	env    env
	scope  ast.Node            // the declaration whose variables it shares
	lit    *ast.FuncLit        // its literal, whose own variables are not shared
	shared map[*types.Var]bool // more shared variables: a ServeHTTP receiver

	// goroutines only
	spawn  ast.Node      // the go statement or Go call
	fn     ast.Node      // the function (FuncDecl or FuncLit) containing it
	decl   *ast.FuncDecl // the top-level declaration containing it
	loop   ast.Node      // innermost loop of fn containing spawn
	target *ast.FuncDecl

	accesses []access
	reach    map[*ast.FuncDecl]bool // every package function its code may call
}

type checker struct {
	pass  *analysis.Pass
	info  *types.Info
	decls map[*types.Func]*ast.FuncDecl

	held      map[ast.Node]bool // a lock is held just before this node
	litEntry  map[*ast.FuncLit]lockset
	litParent map[*ast.FuncLit]ast.Node // enclosing FuncDecl or FuncLit
	litDecl   map[*ast.FuncLit]*ast.FuncDecl
	goLits    map[*ast.FuncLit]bool // run as goroutines (or handlers)
	onceLits  map[*ast.FuncLit]bool
	onceFuncs map[*types.Func]bool
	guarded   map[*ast.FuncDecl]bool // every call holds a lock

	calls    map[*ast.FuncDecl][]callSite        // where each function is referred to
	callees  map[ast.Node]map[*ast.FuncDecl]bool // functions each body refers to
	cfgs     map[*ast.BlockStmt]*cfg.CFG
	inFile   map[*ast.FuncDecl]*ast.File
	roots    []*root
	reported map[token.Pos]bool
	// lastClause holds the last case of each select with no default.
	lastClause map[*ast.CommClause]bool
	preWaits   map[*ast.FuncDecl][]access
	children   map[ast.Node][]*ast.FuncLit // literals directly inside a function
}

type callSite struct {
	pos  token.Pos
	in   *ast.FuncDecl
	lit  *ast.FuncLit // innermost literal containing it, if any
	call bool         // a call, not another use of the function's name
	held bool
}

func run(pass *analysis.Pass) (any, error) {
	c := &checker{
		pass:       pass,
		info:       pass.TypesInfo,
		decls:      make(map[*types.Func]*ast.FuncDecl),
		held:       make(map[ast.Node]bool),
		litEntry:   make(map[*ast.FuncLit]lockset),
		litParent:  make(map[*ast.FuncLit]ast.Node),
		litDecl:    make(map[*ast.FuncLit]*ast.FuncDecl),
		goLits:     make(map[*ast.FuncLit]bool),
		onceLits:   make(map[*ast.FuncLit]bool),
		onceFuncs:  make(map[*types.Func]bool),
		guarded:    make(map[*ast.FuncDecl]bool),
		calls:      make(map[*ast.FuncDecl][]callSite),
		callees:    make(map[ast.Node]map[*ast.FuncDecl]bool),
		cfgs:       make(map[*ast.BlockStmt]*cfg.CFG),
		inFile:     make(map[*ast.FuncDecl]*ast.File),
		reported:   make(map[token.Pos]bool),
		lastClause: make(map[*ast.CommClause]bool),
		preWaits:   make(map[*ast.FuncDecl][]access),
		children:   make(map[ast.Node][]*ast.FuncLit),
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if obj, ok := c.info.Defs[fd.Name].(*types.Func); ok {
					c.decls[obj] = fd
				}
				c.inFile[fd] = f
			}
		}
	}
	c.findRoots()
	c.computeLocks()
	c.computeCalls()
	c.computeGuarded()
	for _, r := range c.roots {
		c.collectRoot(r)
	}
	for _, r := range c.roots {
		if r.handler {
			c.checkHandler(r)
		} else {
			c.checkGoroutine(r)
		}
	}
	return nil, nil
}

// ---- finding concurrent code ----

func (c *checker) findRoots() {
	for _, f := range c.pass.Files {
		testFile := strings.HasSuffix(c.pass.Fset.File(f.Pos()).Name(), "_test.go")
		var stack []ast.Node // enclosing FuncDecls and FuncLits
		var loops []ast.Node
		inspector.New([]*ast.File{f}).Nodes(nil, func(n ast.Node, push bool) bool {
			if !push {
				switch n.(type) {
				case *ast.FuncDecl, *ast.FuncLit:
					stack = stack[:len(stack)-1]
				case *ast.ForStmt, *ast.RangeStmt:
					loops = loops[:len(loops)-1]
				}
				return true
			}
			var decl *ast.FuncDecl
			if len(stack) > 0 {
				decl, _ = stack[0].(*ast.FuncDecl)
			}
			switch n := n.(type) {
			case *ast.FuncDecl:
				stack = append(stack, n)
				if !testFile && n.Body != nil && isServeHTTP(c.info, n) {
					c.addServeHTTP(n)
				}
			case *ast.FuncLit:
				if len(stack) > 0 {
					p := stack[len(stack)-1]
					c.litParent[n] = p
					c.children[p] = append(c.children[p], n)
				}
				c.litDecl[n] = decl
				stack = append(stack, n)
			case *ast.ForStmt, *ast.RangeStmt:
				loops = append(loops, n)
			case *ast.SelectStmt:
				var last *ast.CommClause
				for _, cc := range n.Body.List {
					cc := cc.(*ast.CommClause)
					if cc.Comm == nil {
						last = nil
						break
					}
					last = cc
				}
				if last != nil {
					c.lastClause[last] = true
				}
			case *ast.GoStmt:
				if len(stack) > 0 {
					c.addGo(n, n.Call, stack[len(stack)-1], decl, innerLoop(loops, stack))
				}
			case *ast.CallExpr:
				c.noteOnce(n)
				if len(stack) > 0 && isGoMethod(c.info, n) {
					c.addGo(n, n, stack[len(stack)-1], decl, innerLoop(loops, stack))
				}
				if !testFile {
					c.addHandlers(n, decl)
				}
			}
			return true
		})
	}
}

// innerLoop returns the innermost loop that is inside the innermost
// function, or nil.
func innerLoop(loops, stack []ast.Node) ast.Node {
	if len(loops) == 0 || len(stack) == 0 {
		return nil
	}
	l, fn := loops[len(loops)-1], stack[len(stack)-1]
	if l.Pos() > fn.Pos() && l.End() <= fn.End() {
		return l
	}
	return nil
}

// isGoMethod reports whether call starts its function argument as a
// goroutine: sync.WaitGroup's Go, or a Go method of a type named Group
// (errgroup, conc) whose argument is a function.
func isGoMethod(info *types.Info, call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Go" || len(call.Args) != 1 {
		return false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	if !ok {
		return false
	}
	if _, ok := info.TypeOf(call.Args[0]).Underlying().(*types.Signature); !ok {
		return false
	}
	name := named.Obj().Name()
	return name == "Group" || (name == "WaitGroup" && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "sync")
}

func (c *checker) addGo(spawn ast.Node, call *ast.CallExpr, fn ast.Node, decl *ast.FuncDecl, loop ast.Node) {
	r := &root{
		site:  spawn.Pos(),
		spawn: spawn,
		fn:    fn,
		decl:  decl,
		loop:  loop,
		scope: decl,
		desc:  "the goroutine started at " + c.where(spawn.Pos()),
	}
	if decl == nil {
		return
	}
	var fun ast.Expr = call.Fun
	args := call.Args
	if _, ok := spawn.(*ast.CallExpr); ok { // wg.Go(f): f runs, with no arguments
		fun, args = call.Args[0], nil
	}
	fun = ast.Unparen(fun)
	e := make(env)
	switch f := fun.(type) {
	case *ast.FuncLit:
		r.body, r.lit = f, f
		c.goLits[f] = true
		c.bindParams(e, f.Type, args, nil)
	default:
		callee, recv := c.funcValue(f)
		if callee == nil || callee == decl {
			return
		}
		r.body, r.target = callee, callee
		c.bindParams(e, callee.Type, args, nil)
		c.bindRecv(e, callee, recv, nil)
	}
	r.env = e
	c.roots = append(c.roots, r)
}

// funcValue returns the package's declaration of the function that f names
// (a function, a method value x.m, or a method expression), and the
// receiver expression of a method value.
func (c *checker) funcValue(f ast.Expr) (*ast.FuncDecl, ast.Expr) {
	switch f := ast.Unparen(f).(type) {
	case *ast.Ident:
		if fn, ok := c.info.Uses[f].(*types.Func); ok {
			return c.decls[fn], nil
		}
	case *ast.SelectorExpr:
		fn, ok := c.info.Uses[f.Sel].(*types.Func)
		if !ok {
			return nil, nil
		}
		if sel := c.info.Selections[f]; sel != nil && sel.Kind() == types.MethodVal {
			return c.decls[fn.Origin()], f.X
		}
		if c.info.Selections[f] == nil {
			return c.decls[fn], nil
		}
	case *ast.IndexExpr: // an instantiated generic function
		return c.funcValue(f.X)
	}
	return nil, nil
}

// bindParams binds the parameters of ft to what args denote in caller.
func (c *checker) bindParams(e env, ft *ast.FuncType, args []ast.Expr, caller env) {
	i := 0
	for _, field := range ft.Params.List {
		for _, name := range field.Names {
			v, _ := c.info.Defs[name].(*types.Var)
			if v != nil {
				if i < len(args) {
					if r, ok := c.resolve(args[i], caller); ok {
						e[v] = &r
					} else {
						e[v] = nil
					}
				} else {
					e[v] = nil
				}
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
}

func (c *checker) bindRecv(e env, fd *ast.FuncDecl, recv ast.Expr, caller env) {
	if fd.Recv == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
		return
	}
	v, _ := c.info.Defs[fd.Recv.List[0].Names[0]].(*types.Var)
	if v == nil {
		return
	}
	if recv == nil {
		e[v] = nil
		return
	}
	if r, ok := c.resolve(recv, caller); ok {
		e[v] = &r
	} else {
		e[v] = nil
	}
}

// isServeHTTP reports whether fd is a ServeHTTP method with the signature of
// http.Handler's.
func isServeHTTP(info *types.Info, fd *ast.FuncDecl) bool {
	if fd.Recv == nil || fd.Name.Name != "ServeHTTP" {
		return false
	}
	fn, ok := info.Defs[fd.Name].(*types.Func)
	return ok && isHandlerSig(fn.Signature())
}

func isHandlerSig(sig *types.Signature) bool {
	if sig.Params().Len() != 2 || sig.Results().Len() != 0 {
		return false
	}
	return isNamed(sig.Params().At(0).Type(), "net/http", "ResponseWriter") &&
		isPtrTo(sig.Params().At(1).Type(), "net/http", "Request")
}

func (c *checker) addServeHTTP(fd *ast.FuncDecl) {
	r := &root{
		site:    fd.Pos(),
		handler: true,
		body:    fd,
		target:  fd,
		env:     make(env),
		shared:  make(map[*types.Var]bool),
		desc:    "the HTTP handler " + funcName(c.info, fd),
	}
	if len(fd.Recv.List[0].Names) > 0 {
		if v, ok := c.info.Defs[fd.Recv.List[0].Names[0]].(*types.Var); ok {
			r.shared[v] = true
		}
	}
	c.roots = append(c.roots, r)
}

// addHandlers records the functions that call passes where an HTTP handler
// function is expected: http.HandleFunc, ServeMux.HandleFunc, routers'
// HandleFunc, and conversions to http.HandlerFunc.
func (c *checker) addHandlers(call *ast.CallExpr, decl *ast.FuncDecl) {
	var fns []ast.Expr
	if tv, ok := c.info.Types[call.Fun]; ok && tv.IsType() {
		if isNamed(tv.Type, "net/http", "HandlerFunc") && len(call.Args) == 1 {
			fns = append(fns, call.Args[0])
		}
	} else if sig, ok := c.info.TypeOf(call.Fun).(*types.Signature); ok {
		for i, a := range call.Args {
			if i >= sig.Params().Len() {
				break
			}
			pt := sig.Params().At(i).Type()
			if ps, ok := pt.Underlying().(*types.Signature); ok && isHandlerSig(ps) && !isHandlerParam(c.info, a) {
				fns = append(fns, a)
			}
		}
	}
	for _, f := range fns {
		r := &root{
			site:    f.Pos(),
			handler: true,
			env:     make(env),
			scope:   decl,
			desc:    "the HTTP handler registered at " + c.where(call.Pos()),
		}
		switch f := ast.Unparen(f).(type) {
		case *ast.FuncLit:
			r.body, r.lit = f, f
			c.goLits[f] = true
		default:
			callee, recv := c.funcValue(f)
			if callee == nil {
				continue
			}
			r.body, r.target = callee, callee
			c.bindRecv(r.env, callee, recv, nil)
			if recv == nil {
				r.scope = nil
			}
		}
		c.roots = append(c.roots, r)
	}
}

// isHandlerParam reports whether a is itself a variable of function type
// (a middleware passing on the handler it was given), not a handler defined
// here.
func isHandlerParam(info *types.Info, a ast.Expr) bool {
	id, ok := ast.Unparen(a).(*ast.Ident)
	if !ok {
		return false
	}
	_, isVar := info.Uses[id].(*types.Var)
	return isVar
}

// noteOnce records functions run by sync.Once.Do and sync.OnceFunc,
// OnceValue and OnceValues, which run once and before every later caller
// returns: their writes need no lock.
func (c *checker) noteOnce(call *ast.CallExpr) {
	fn := typeutil.Callee(c.info, call)
	f, ok := fn.(*types.Func)
	if !ok || f.Pkg() == nil || f.Pkg().Path() != "sync" || len(call.Args) != 1 {
		return
	}
	switch f.Name() {
	case "Do", "OnceFunc", "OnceValue", "OnceValues":
	default:
		return
	}
	if f.Name() == "Do" {
		if recv := f.Signature().Recv(); recv == nil || !isPtrTo(recv.Type(), "sync", "Once") {
			return
		}
	}
	switch a := ast.Unparen(call.Args[0]).(type) {
	case *ast.FuncLit:
		c.onceLits[a] = true
	default:
		if d, _ := c.funcValue(a); d != nil {
			if obj, ok := c.info.Defs[d.Name].(*types.Func); ok {
				c.onceFuncs[obj] = true
			}
		}
	}
}

// ---- locks ----

func (c *checker) computeLocks() {
	visit := func(n ast.Node, held lockset) {
		switch n := n.(type) {
		case *ast.FuncLit:
			c.litEntry[n] = held
		case ast.Expr:
			if held.has() {
				c.held[n] = true
			}
		case ast.Stmt:
			if held.has() {
				c.held[n] = true
			}
		}
	}
	for _, f := range c.pass.Files {
		// Declarations first, then literals in source order, so that a
		// literal's enclosing function has recorded its entry locks.
		var lits []*ast.FuncLit
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				lockFlow(fd.Body, lockset{}, visit)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok {
				lits = append(lits, lit)
			}
			return true
		})
		for _, lit := range lits {
			entry := c.litEntry[lit]
			if c.goLits[lit] {
				entry = lockset{}
			}
			lockFlow(lit.Body, entry, visit)
		}
	}
}

// computeCalls records where each function of the package is referred to,
// and which functions each body refers to.
func (c *checker) computeCalls() {
	for _, f := range c.pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			var lits []*ast.FuncLit
			calls := make(map[*ast.Ident]bool)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if n == nil {
					return false
				}
				switch n := n.(type) {
				case *ast.FuncLit:
					lits = append(lits, n)
				case *ast.CallExpr:
					switch f := ast.Unparen(n.Fun).(type) {
					case *ast.Ident:
						calls[f] = true
					case *ast.SelectorExpr:
						calls[f.Sel] = true
					case *ast.IndexExpr:
						if id, ok := f.X.(*ast.Ident); ok {
							calls[id] = true
						}
					}
				case *ast.Ident:
					fn, ok := c.info.Uses[n].(*types.Func)
					if !ok {
						return true
					}
					callee := c.decls[fn.Origin()]
					if callee == nil {
						return true
					}
					var lit *ast.FuncLit
					for i := len(lits) - 1; i >= 0; i-- {
						if lits[i].Pos() <= n.Pos() && n.End() <= lits[i].End() {
							lit = lits[i]
							break
						}
					}
					var body ast.Node = fd
					if lit != nil {
						body = lit
					}
					if c.callees[body] == nil {
						c.callees[body] = make(map[*ast.FuncDecl]bool)
					}
					c.callees[body][callee] = true
					c.calls[callee] = append(c.calls[callee], callSite{
						pos: n.Pos(), in: fd, lit: lit, call: calls[n],
					})
				}
				return true
			})
		}
	}
}

// computeGuarded finds the functions every call of which holds a lock (or
// runs in sync.Once, or in such a function): their writes are guarded by
// their callers. Functions named ...Locked are taken at their word.
func (c *checker) computeGuarded() {
	// Which call expressions hold a lock.
	heldCall := make(map[token.Pos]bool)
	for n := range c.held {
		if call, ok := n.(*ast.CallExpr); ok {
			switch f := ast.Unparen(call.Fun).(type) {
			case *ast.Ident:
				heldCall[f.Pos()] = true
			case *ast.SelectorExpr:
				heldCall[f.Sel.Pos()] = true
			case *ast.IndexExpr:
				heldCall[f.X.Pos()] = true
			}
		}
	}
	for fd, sites := range c.calls {
		for i := range sites {
			sites[i].held = heldCall[sites[i].pos]
		}
		c.calls[fd] = sites
	}
	for obj, fd := range c.decls {
		name := fd.Name.Name
		if strings.HasSuffix(name, "Locked") || strings.HasSuffix(name, "locked") || strings.HasSuffix(name, "LK") || c.onceFuncs[obj] {
			c.guarded[fd] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, fd := range c.decls {
			if c.guarded[fd] {
				continue
			}
			sites := c.calls[fd]
			if len(sites) == 0 {
				continue
			}
			all := true
			for _, s := range sites {
				if !s.call || !(s.held || c.fnGuarded(s.lit, s.in)) {
					all = false
					break
				}
			}
			if all {
				c.guarded[fd] = true
				changed = true
			}
		}
	}
}

// fnGuarded reports whether the code of lit (if not nil) or else of fd runs
// with a lock held for all the analysis knows.
func (c *checker) fnGuarded(lit *ast.FuncLit, fd *ast.FuncDecl) bool {
	for lit != nil {
		if c.onceLits[lit] {
			return true
		}
		if c.goLits[lit] {
			return false
		}
		switch p := c.litParent[lit].(type) {
		case *ast.FuncLit:
			lit = p
		case *ast.FuncDecl:
			return c.guarded[p]
		default:
			return false
		}
	}
	return fd != nil && c.guarded[fd]
}

// ---- resolving expressions ----

// resolve returns what e denotes: a variable, a field of what a variable
// points to, or the header map of a ResponseWriter variable.
func (c *checker) resolve(e ast.Expr, en env) (ref, bool) {
	switch e := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return c.resolve(e.X, en)
		}
	case *ast.StarExpr:
		return c.resolve(e.X, en)
	case *ast.Ident:
		v, ok := c.info.Uses[e].(*types.Var)
		if !ok || v.IsField() {
			return ref{}, false
		}
		if r, ok := en[v]; ok {
			if r == nil {
				return ref{}, false
			}
			return *r, true
		}
		return ref{kind: varRef, root: v}, true
	case *ast.SelectorExpr:
		sel := c.info.Selections[e]
		if sel == nil {
			if v, ok := c.info.Uses[e.Sel].(*types.Var); ok { // pkg.Var
				return ref{kind: varRef, root: v}, true
			}
			return ref{}, false
		}
		if sel.Kind() != types.FieldVal {
			return ref{}, false
		}
		base, ok := c.resolve(e.X, en)
		if !ok || base.kind == headerRef {
			return ref{}, false
		}
		return ref{kind: fieldRef, root: base.root, field: sel.Obj().(*types.Var), direct: base.kind == varRef}, true
	case *ast.CallExpr:
		if w := headerOf(c.info, e); w != nil {
			base, ok := c.resolve(w, en)
			if !ok || base.kind != varRef {
				return ref{}, false
			}
			return ref{kind: headerRef, root: base.root}, true
		}
	}
	return ref{}, false
}

// headerOf returns w if call is w.Header() for an http.ResponseWriter w.
func headerOf(info *types.Info, call *ast.CallExpr) ast.Expr {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Header" || len(call.Args) != 0 {
		return nil
	}
	if isNamed(info.TypeOf(sel.X), "net/http", "ResponseWriter") {
		return sel.X
	}
	return nil
}

// ---- collecting accesses ----

type walker struct {
	c       *checker
	out     *[]access
	visited map[*ast.FuncDecl]bool
	follow  bool
}

// collectRoot gathers the accesses to maps made by the code of r.
func (c *checker) collectRoot(r *root) {
	w := &walker{c: c, out: &r.accesses, visited: make(map[*ast.FuncDecl]bool), follow: true}
	switch b := r.body.(type) {
	case *ast.FuncLit:
		w.walk(b.Body, r.env, b, nil, false, 0)
	case *ast.FuncDecl:
		w.visited[b] = true
		w.walk(b.Body, r.env, nil, b, false, 0)
	}
	r.reach = c.reachFrom(r.body)
}

// walk records the map accesses in n, made by code in lit (or, if nil, in
// fd) running under en. guarded says that the caller held a lock.
func (w *walker) walk(n ast.Node, en env, lit *ast.FuncLit, fd *ast.FuncDecl, guarded bool, depth int) {
	c := w.c
	done := make(map[ast.Expr]bool)
	var visit func(n ast.Node) bool
	add := func(e ast.Expr, write bool, at ast.Node) {
		done[e] = true
		mt, ok := c.info.TypeOf(e).Underlying().(*types.Map)
		if !ok {
			return
		}
		r, ok := c.resolve(e, en)
		if !ok {
			return
		}
		name := "function literal"
		if fd != nil {
			name = funcName(c.info, fd)
		} else if d := c.litDecl[lit]; d != nil {
			name = "a function literal in " + funcName(c.info, d)
		}
		*w.out = append(*w.out, access{
			ref:     r,
			write:   write,
			guarded: guarded || c.held[at] || c.fnGuarded(lit, fd),
			pos:     at.Pos(),
			text:    types.ExprString(e),
			typ:     mt,
			fn:      name,
		})
	}
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case nil:
			return false
		case *ast.FuncLit:
			if c.goLits[n] {
				return false // its own concurrent code
			}
			w.walk(n.Body, en, n, fd, guarded, depth)
			return false
		case *ast.GoStmt:
			for _, a := range n.Call.Args {
				ast.Inspect(a, visit)
			}
			if _, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); !ok {
				ast.Inspect(n.Call.Fun, visit)
			}
			return false
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if ix, ok := ast.Unparen(l).(*ast.IndexExpr); ok && isMap(c.info, ix.X) {
					add(ix.X, true, n)
				}
			}
		case *ast.IncDecStmt:
			if ix, ok := ast.Unparen(n.X).(*ast.IndexExpr); ok && isMap(c.info, ix.X) {
				add(ix.X, true, n)
			}
		case *ast.CallExpr:
			if m := mapWritten(c.info, n); m != nil {
				add(m, true, n)
			}
			if rw := headerOf(c.info, n); rw != nil && !done[n] {
				add(n, false, n)
				return false
			}
			w.call(n, en, lit, fd, guarded, depth, add)
		case *ast.SelectorExpr:
			if !done[n] && isMap(c.info, n) {
				add(n, false, n)
			}
			ast.Inspect(n.X, visit)
			return false
		case *ast.Ident:
			if !done[n] && isMap(c.info, n) {
				add(n, false, n)
			}
		}
		return true
	}
	ast.Inspect(n, visit)
}

// call follows a call into the package's own function, binding its
// parameters, or, for a call the analysis cannot follow, counts a
// ResponseWriter passed to it as an access to its header map.
func (w *walker) call(call *ast.CallExpr, en env, lit *ast.FuncLit, fd *ast.FuncDecl, guarded bool, depth int, add func(ast.Expr, bool, ast.Node)) {
	c := w.c
	callee, recv := c.funcValue(call.Fun)
	if callee == nil {
		if tv, ok := c.info.Types[call.Fun]; ok && tv.IsType() {
			return
		}
		for _, a := range call.Args {
			if isNamed(c.info.TypeOf(a), "net/http", "ResponseWriter") {
				if r, ok := c.resolve(a, en); ok && r.kind == varRef {
					*w.out = append(*w.out, access{
						ref:     ref{kind: headerRef, root: r.root},
						write:   false,
						guarded: true, // not ours to report
						pos:     call.Pos(),
						text:    types.ExprString(a) + ".Header()",
						typ:     types.NewMap(types.Typ[types.String], types.NewSlice(types.Typ[types.String])),
						fn:      "a call passing it on",
					})
				}
			}
		}
		return
	}
	if !w.follow || depth >= maxDepth || w.visited[callee] || len(w.visited) >= maxFuncs {
		return
	}
	w.visited[callee] = true
	e := make(env)
	c.bindParams(e, callee.Type, call.Args, en)
	c.bindRecv(e, callee, recv, en)
	w.walk(callee.Body, e, nil, callee, guarded || c.held[call] || c.fnGuarded(lit, fd), depth+1)
}

// mapWritten returns the map that call writes: delete(m, k), clear(m), or
// m.Set/Add/Del for the map types of net/http, net/url and net/textproto.
func mapWritten(info *types.Info, call *ast.CallExpr) ast.Expr {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if b, ok := info.Uses[f].(*types.Builtin); ok && (b.Name() == "delete" || b.Name() == "clear") && len(call.Args) >= 1 && isMap(info, call.Args[0]) {
			return call.Args[0]
		}
	case *ast.SelectorExpr:
		switch f.Sel.Name {
		case "Set", "Add", "Del":
		default:
			return nil
		}
		t := info.TypeOf(f.X)
		if isNamed(t, "net/http", "Header") || isNamed(t, "net/url", "Values") || isNamed(t, "net/textproto", "MIMEHeader") {
			return f.X
		}
	}
	return nil
}

func isMap(info *types.Info, e ast.Expr) bool {
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	if tv, ok := info.Types[e]; ok && tv.IsType() {
		return false
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

// reachFrom returns every package function that the code of body may call,
// however deep.
func (c *checker) reachFrom(body ast.Node) map[*ast.FuncDecl]bool {
	seen := make(map[*ast.FuncDecl]bool)
	var visit func(n ast.Node)
	visit = func(n ast.Node) {
		for fd := range c.callees[n] {
			if !seen[fd] {
				seen[fd] = true
				visit(fd)
			}
		}
		// Literals nested in n refer to functions too.
		for _, lit := range c.children[n] {
			if !c.goLits[lit] {
				visit(lit)
			}
		}
	}
	if fd, ok := body.(*ast.FuncDecl); ok {
		seen[fd] = true
	}
	visit(body)
	return seen
}

// ---- the code after a go statement ----

// after returns the accesses made by the code of r.fn that can run after
// r's go statement before waiting for anything, and the goroutines it
// starts there. reachesEnd reports whether that code can return from fn.
func (c *checker) after(r *root) (acc []access, goroutines []ast.Node, reachesEnd bool) {
	var body *ast.BlockStmt
	var lit *ast.FuncLit
	var fd *ast.FuncDecl
	switch f := r.fn.(type) {
	case *ast.FuncLit:
		body, lit = f.Body, f
	case *ast.FuncDecl:
		body, fd = f.Body, f
	}
	g := c.cfgOf(body)
	comms := selectComms(body)
	// Find the spawn.
	var start *cfg.Block
	index := -1
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			if n.Pos() <= r.spawn.Pos() && r.spawn.End() <= n.End() {
				start, index = b, i
			}
		}
		if start != nil {
			break
		}
	}
	if start == nil {
		return nil, nil, false
	}
	w := &walker{c: c, out: &acc, visited: make(map[*ast.FuncDecl]bool), follow: true}
	if fd != nil {
		w.visited[fd] = true
	}
	seen := make(map[*cfg.Block]bool)
	var visitBlock func(b *cfg.Block, from int)
	visitBlock = func(b *cfg.Block, from int) {
		if from == 0 {
			if seen[b] {
				return
			}
			seen[b] = true
			if c.blockJoins(b) {
				return
			}
		}
		for _, n := range b.Nodes[from:] {
			if !comms[n] && c.joins(n) {
				return
			}
			w.walk(n, nil, lit, fd, false, 0)
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.GoStmt:
					goroutines = append(goroutines, m)
				case *ast.CallExpr:
					if isGoMethod(c.info, m) {
						goroutines = append(goroutines, m)
					}
				case *ast.FuncLit:
					return false
				}
				return true
			})
		}
		if len(b.Succs) == 0 {
			reachesEnd = true
		}
		for _, s := range b.Succs {
			visitBlock(s, 0)
		}
	}
	visitBlock(start, index+1)
	// The go statement's own arguments and the rest of its node ran before it.
	acc = slicesDeleteFunc(acc, func(a access) bool { return a.pos <= r.spawn.End() && a.pos >= r.spawn.Pos() })
	return acc, goroutines, reachesEnd
}

func slicesDeleteFunc(s []access, del func(access) bool) []access {
	out := s[:0]
	for _, a := range s {
		if !del(a) {
			out = append(out, a)
		}
	}
	return out
}

func (c *checker) cfgOf(body *ast.BlockStmt) *cfg.CFG {
	g := c.cfgs[body]
	if g == nil {
		g = cfg.New(body, func(*ast.CallExpr) bool { return true })
		c.cfgs[body] = g
	}
	return g
}

// selectComms returns the communication statements of the select statements
// in body: the control-flow graph evaluates them all before choosing a case,
// so a receive there waits only on the path of its own case.
func selectComms(body *ast.BlockStmt) map[ast.Node]bool {
	comms := make(map[ast.Node]bool)
	ast.Inspect(body, func(n ast.Node) bool {
		if cc, ok := n.(*ast.CommClause); ok && cc.Comm != nil {
			comms[cc.Comm] = true
		}
		return true
	})
	return comms
}

// blockJoins reports whether entering b waits for another goroutine: the
// case of a select that receives, or the body of a range over a channel.
// It also stops at the path the control-flow graph adds past the last case
// of a select with no default, which no execution takes: such a select
// blocks until a case is ready.
func (c *checker) blockJoins(b *cfg.Block) bool {
	switch b.Kind {
	case cfg.KindSelectAfterCase:
		if cc, ok := b.Stmt.(*ast.CommClause); ok && c.lastClause[cc] {
			return true
		}
	case cfg.KindSelectCaseBody:
		if cc, ok := b.Stmt.(*ast.CommClause); ok && cc.Comm != nil {
			return c.joins(cc.Comm)
		}
	case cfg.KindRangeBody:
		if rs, ok := b.Stmt.(*ast.RangeStmt); ok {
			if _, ok := c.info.TypeOf(rs.X).Underlying().(*types.Chan); ok {
				return waitsOn(rs.X)
			}
		}
	}
	return false
}

// joins reports whether n waits for another goroutine: it receives from a
// channel or calls a method named Wait. A receive from a timer (time.After,
// ctx.Done(), t.C) does not wait for anything the program does.
func (c *checker) joins(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if m.Op == token.ARROW && waitsOn(m.X) {
				found = true
			}
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(m.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Wait" {
				found = true
			}
		case *ast.RangeStmt:
			return false
		}
		return !found
	})
	return found
}

func waitsOn(ch ast.Expr) bool {
	switch ch := ast.Unparen(ch).(type) {
	case *ast.CallExpr:
		return false
	case *ast.SelectorExpr:
		return ch.Sel.Name != "C"
	}
	return true
}

// ---- pairing accesses ----

func (c *checker) checkHandler(r *root) {
	for _, a := range r.accesses {
		if !a.write || a.guarded || !c.isShared(r, a.ref.root) {
			continue
		}
		other := "concurrent requests run this write at once"
		for _, b := range c.handlerAccesses(a) {
			if b.pos != a.pos {
				other = fmt.Sprintf("%s accesses it at %s", b.fn, c.where(b.pos))
				break
			}
		}
		c.report(a, "in "+r.desc, other)
	}
}

func (c *checker) handlerAccesses(a access) []access {
	var out []access
	for _, h := range c.roots {
		if !h.handler {
			continue
		}
		for _, b := range h.accesses {
			if b.ref.sameMap(a.ref) && c.isShared(h, b.ref.root) {
				out = append(out, b)
			}
		}
	}
	return out
}

func (c *checker) checkGoroutine(r *root) {
	var mine []access
	for _, a := range r.accesses {
		if c.isShared(r, a.ref.root) {
			mine = append(mine, a)
		}
	}
	if len(mine) == 0 {
		return
	}
	after, goroutines, reachesEnd := c.after(r)

	// Other runs of the same go statement.
	if r.loop != nil {
		for _, a := range mine {
			if a.write && !a.guarded && c.outside(a.ref.root, r.loop) {
				c.report(a, "in "+r.desc, "other goroutines started by the same loop write it too")
			}
		}
	}
	// The code after the go statement, and goroutines it starts.
	for _, b := range after {
		if r.loop != nil && b.pos < r.spawn.Pos() && !c.outside(b.ref.root, r.loop) {
			continue // a variable of an earlier iteration
		}
		for _, a := range mine {
			if !a.ref.sameMap(b.ref) {
				continue
			}
			switch {
			case a.write && !a.guarded:
				c.report(a, "in "+r.desc, fmt.Sprintf("the code after the go statement accesses it at %s", c.where(b.pos)))
			case b.write && !b.guarded:
				c.report(b, "after the go statement at "+c.where(r.site), fmt.Sprintf("the goroutine accesses it at %s", c.where(a.pos)))
			}
		}
	}
	for _, g := range goroutines {
		other := c.rootAt(g)
		if other == nil || other == r {
			continue // another run of r: see the loop above
		}
		for _, b := range other.accesses {
			if !c.isShared(other, b.ref.root) {
				continue
			}
			if r.loop != nil && other.site < r.site && !c.outside(b.ref.root, r.loop) {
				continue // a variable of an earlier iteration
			}
			for _, a := range mine {
				if !a.ref.sameMap(b.ref) {
					continue
				}
				switch {
				case a.write && !a.guarded:
					c.report(a, "in "+r.desc, fmt.Sprintf("%s accesses it at %s", other.desc, c.where(b.pos)))
				case b.write && !b.guarded:
					c.report(b, "in "+other.desc, fmt.Sprintf("%s accesses it at %s", r.desc, c.where(a.pos)))
				}
			}
		}
	}
	// Other functions of the package, for a goroutine that outlives the
	// function that starts it.
	if !reachesEnd || r.decl == nil || c.isTest(r.decl) {
		return
	}
	// A field counts when the goroutine reaches it from the value that owns
	// the goroutine: the receiver of the method that starts it, or a value
	// the starting function makes (a constructor).
	ownerVars := c.owners(r.decl)
	owners := make(map[*types.Named]bool)
	for v := range ownerVars {
		if n := namedOf(v.Type()); n != nil {
			owners[n] = true
		}
	}
	others := c.elsewhere(r, owners)
	for _, a := range mine {
		if a.ref.kind == headerRef || (a.ref.kind == varRef && !isPackageLevel(a.ref.root)) {
			continue
		}
		if a.ref.kind == fieldRef && !isPackageLevel(a.ref.root) && (!ownerVars[a.ref.root] || !a.ref.direct) {
			continue
		}
		for _, b := range others {
			if !a.ref.sameField(b.ref) {
				continue
			}
			switch {
			case a.write && !a.guarded:
				c.report(a, "in "+r.desc, fmt.Sprintf("%s accesses it at %s", b.fn, c.where(b.pos)))
			case b.write && !b.guarded:
				c.report(b, "in "+b.fn+", which can run while "+r.desc+" runs,", fmt.Sprintf("the goroutine accesses it at %s", c.where(a.pos)))
			}
		}
	}
}

func (c *checker) rootAt(n ast.Node) *root {
	for _, r := range c.roots {
		if !r.handler && r.spawn == n {
			return r
		}
	}
	return nil
}

// elsewhere returns the accesses, made before any wait, by the package's
// functions that can run while r's goroutine does: not its own code, not
// the function that starts it, not functions only it or its starter call
// (before starting it), and not init or tests.
func (c *checker) elsewhere(r *root, owners map[*types.Named]bool) []access {
	var out []access
	for _, fd := range c.sortedDecls() {
		if r.reach[fd] || fd == r.decl || fd.Name.Name == "init" || c.isTest(fd) || c.onlyBefore(fd, r) {
			continue
		}
		for _, a := range c.preWait(fd) {
			if a.ref.kind != fieldRef && !(a.ref.kind == varRef && isPackageLevel(a.ref.root)) {
				continue
			}
			if a.ref.kind == fieldRef && !isPackageLevel(a.ref.root) {
				// A field counts only when reached from the receiver of a
				// method of the type that owns the goroutine.
				recv := receiverOf(c.info, fd)
				if recv == nil || a.ref.root != recv || !a.ref.direct || !owners[namedOf(recv.Type())] {
					continue
				}
			}
			out = append(out, a)
		}
	}
	return out
}

// onlyBefore reports whether every use of fd is a call made by r's starter
// before the go statement, so that fd runs before the goroutine does.
func (c *checker) onlyBefore(fd *ast.FuncDecl, r *root) bool {
	sites := c.calls[fd]
	if len(sites) == 0 {
		return false
	}
	for _, s := range sites {
		if s.in != r.decl || !s.call || s.pos >= r.spawn.Pos() {
			return false
		}
		if r.loop != nil && s.pos >= r.loop.Pos() {
			return false
		}
	}
	return true
}

// owners returns the receiver of fd, and the variables fd sets to a value
// it makes: &T{...}, T{...} or new(T).
func (c *checker) owners(fd *ast.FuncDecl) map[*types.Var]bool {
	out := make(map[*types.Var]bool)
	if v := receiverOf(c.info, fd); v != nil {
		out[v] = true
	}
	made := func(e ast.Expr) bool {
		e = ast.Unparen(e)
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = ast.Unparen(u.X)
		}
		switch e := e.(type) {
		case *ast.CompositeLit:
			return true
		case *ast.CallExpr:
			id, ok := ast.Unparen(e.Fun).(*ast.Ident)
			return ok && id.Name == "new" && c.info.Uses[id] == types.Universe.Lookup("new")
		}
		return false
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && made(n.Rhs[i]) {
						if v, ok := c.info.ObjectOf(id).(*types.Var); ok {
							out[v] = true
						}
					}
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i, id := range n.Names {
					if made(n.Values[i]) {
						if v, ok := c.info.Defs[id].(*types.Var); ok {
							out[v] = true
						}
					}
				}
			}
		}
		return true
	})
	return out
}

func receiverOf(info *types.Info, fd *ast.FuncDecl) *types.Var {
	if fd.Recv == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
		return nil
	}
	v, _ := info.Defs[fd.Recv.List[0].Names[0]].(*types.Var)
	return v
}

// namedOf returns the named type of t or of what t points to.
func namedOf(t types.Type) *types.Named {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	n, _ := t.(*types.Named)
	if n != nil {
		n = n.Origin()
	}
	return n
}

// preWait returns the accesses of fd reachable from its entry without
// waiting for another goroutine (cached).
func (c *checker) preWait(fd *ast.FuncDecl) []access {
	if acc, ok := c.preWaits[fd]; ok {
		return acc
	}
	g := c.cfgOf(fd.Body)
	comms := selectComms(fd.Body)
	var acc []access
	w := &walker{c: c, out: &acc, visited: map[*ast.FuncDecl]bool{fd: true}}
	seen := make(map[*cfg.Block]bool)
	var visit func(b *cfg.Block)
	visit = func(b *cfg.Block) {
		if seen[b] || c.blockJoins(b) {
			return
		}
		seen[b] = true
		for _, n := range b.Nodes {
			if !comms[n] && c.joins(n) {
				return
			}
			w.walk(n, nil, nil, fd, false, 0)
		}
		for _, s := range b.Succs {
			visit(s)
		}
	}
	if len(g.Blocks) > 0 {
		visit(g.Blocks[0])
	}
	c.preWaits[fd] = acc
	return acc
}

func (c *checker) sortedDecls() []*ast.FuncDecl {
	out := make([]*ast.FuncDecl, 0, len(c.decls))
	for _, fd := range c.decls {
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos() < out[j].Pos() })
	return out
}

func (c *checker) isTest(fd *ast.FuncDecl) bool {
	return strings.HasSuffix(c.pass.Fset.File(fd.Pos()).Name(), "_test.go")
}

// isShared reports whether the variable root is shared by r's code with
// other code: a package-level variable, a variable of the function that
// starts (or registers) it declared outside its literal, or a ServeHTTP
// receiver.
func (c *checker) isShared(r *root, v *types.Var) bool {
	if v == nil {
		return false
	}
	if isPackageLevel(v) || r.shared[v] {
		return true
	}
	if r.scope == nil {
		return false
	}
	p := v.Pos()
	if p < r.scope.Pos() || p >= r.scope.End() {
		return false
	}
	if r.lit != nil && p >= r.lit.Pos() && p < r.lit.End() {
		return false
	}
	if r.target != nil && r.target == r.scope {
		return false
	}
	return true
}

// outside reports whether v outlives one iteration of loop.
func (c *checker) outside(v *types.Var, loop ast.Node) bool {
	return isPackageLevel(v) || v.Pos() < loop.Pos() || v.Pos() >= loop.End()
}

func isPackageLevel(v *types.Var) bool {
	return v != nil && v.Pkg() != nil && v.Parent() == v.Pkg().Scope()
}

// ---- reporting ----

func (c *checker) report(a access, site, other string) {
	if c.reported[a.pos] {
		return
	}
	c.reported[a.pos] = true
	c.pass.Report(analysis.Diagnostic{
		Pos: a.pos,
		Message: fmt.Sprintf("map %s is written %s with no mutex held, while %s: use %s or hold a sync.Mutex around every access",
			a.text, site, other, c.safemapType(a.typ)),
	})
}

func (c *checker) safemapType(m *types.Map) string {
	q := types.RelativeTo(c.pass.Pkg)
	return fmt.Sprintf("safemap.BucketMap[%s, %s]", types.TypeString(m.Key(), q), types.TypeString(m.Elem(), q))
}

func (c *checker) where(p token.Pos) string {
	pos := c.pass.Fset.Position(p)
	return fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
}

func funcName(info *types.Info, fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		t := fd.Recv.List[0].Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		if ix, ok := t.(*ast.IndexExpr); ok {
			t = ix.X
		}
		if ix, ok := t.(*ast.IndexListExpr); ok {
			t = ix.X
		}
		return types.ExprString(t) + "." + fd.Name.Name
	}
	return fd.Name.Name
}

func isNamed(t types.Type, pkg, name string) bool {
	if t == nil {
		return false
	}
	t = types.Unalias(t)
	n, ok := t.(*types.Named)
	return ok && n.Obj().Name() == name && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg
}

func isPtrTo(t types.Type, pkg, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), pkg, name)
}
