package sharedmap

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/cfg"
)

// lockset is the set of locks held at a point of a function, each named by
// the source text of the expression it was locked through ("s.mu", or "s"
// for a helper such as s.lock()). top is the set of every lock: the
// starting value of a block not yet reached by the must-analysis, which
// intersects what every path brings.
type lockset struct {
	top  bool
	keys []string // sorted
}

// has reports whether a lock that excludes writers is held: a read lock
// lets other readers, and so other writers under read locks, run at once.
func (l lockset) has() bool {
	if l.top {
		return true
	}
	for _, k := range l.keys {
		if !strings.HasSuffix(k, readLock) {
			return true
		}
	}
	return false
}

// readLock marks the key of a lock taken for reading (RLock), so that
// RUnlock undoes it and Unlock does not, and a write under it is unguarded.
const readLock = " (read)"

func (l lockset) with(k string) lockset {
	if l.top {
		return l
	}
	i := sort.SearchStrings(l.keys, k)
	if i < len(l.keys) && l.keys[i] == k {
		return l
	}
	keys := make([]string, 0, len(l.keys)+1)
	keys = append(keys, l.keys[:i]...)
	keys = append(keys, k)
	keys = append(keys, l.keys[i:]...)
	return lockset{keys: keys}
}

func (l lockset) without(k string) lockset {
	if l.top {
		// Only unreachable code starts from top; nothing is known there.
		return l
	}
	i := sort.SearchStrings(l.keys, k)
	if i == len(l.keys) || l.keys[i] != k {
		return l
	}
	keys := make([]string, 0, len(l.keys)-1)
	keys = append(keys, l.keys[:i]...)
	keys = append(keys, l.keys[i+1:]...)
	return lockset{keys: keys}
}

func (l lockset) meet(o lockset) lockset {
	switch {
	case l.top:
		return o
	case o.top:
		return l
	}
	var keys []string
	for _, k := range l.keys {
		if i := sort.SearchStrings(o.keys, k); i < len(o.keys) && o.keys[i] == k {
			keys = append(keys, k)
		}
	}
	return lockset{keys: keys}
}

func (l lockset) equal(o lockset) bool {
	if l.top != o.top || len(l.keys) != len(o.keys) {
		return false
	}
	for i := range l.keys {
		if l.keys[i] != o.keys[i] {
			return false
		}
	}
	return true
}

// lockOp reports whether call locks (+1) or unlocks (-1) something, and the
// name of what: Lock, RLock, TryLock and TryRLock of any type lock, Unlock and
// RUnlock unlock, and so do the package's own helpers whose names say so
// (lock, rlock, mustLock, unlockAll). The receiver names the lock, so that
// s.mu.Unlock() undoes s.mu.Lock(); a read lock's name ends in readLock.
func lockOp(call *ast.CallExpr) (key string, op int) {
	if len(call.Args) != 0 {
		return "", 0
	}
	var name string
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		name = fun.Sel.Name
		key = exprKey(fun.X)
	case *ast.Ident:
		name = fun.Name
	default:
		return "", 0
	}
	switch name {
	case "Lock", "TryLock":
		return key, +1
	case "RLock", "TryRLock":
		return key + readLock, +1
	case "Unlock":
		return key, -1
	case "RUnlock":
		return key + readLock, -1
	}
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "osthread"):
		return "", 0
	case strings.Contains(lower, "runlock"):
		return key + readLock, -1
	case strings.Contains(lower, "unlock"):
		return key, -1
	case strings.HasPrefix(lower, "rlock"), strings.HasSuffix(name, "RLock"):
		return key + readLock, +1
	case strings.HasPrefix(lower, "lock"), strings.HasSuffix(name, "Lock"):
		return key, +1
	}
	return "", 0
}

// exprKey is the source text of e without parentheses and address-of, which
// names a lock the same way whether it is reached as mu or &mu.
func exprKey(e ast.Expr) string {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	return types.ExprString(e)
}

// lockFlow computes which locks are held at each point of one function body,
// entering with entry held. Locks are tracked by the control-flow graph: a
// lock counts as held at a node when every path from the function's entry
// locks it and does not unlock it. A deferred call runs at return, so a
// deferred Unlock leaves the lock held for the rest of the body.
//
// visit is then called once per node of the body, in order, with the locks
// held just before it runs; it is called for every expression and statement
// inside the node too, except inside function literals (whose bodies are
// separate functions), with the locks held at the moment.
func lockFlow(body *ast.BlockStmt, entry lockset, visit func(n ast.Node, held lockset)) {
	g := cfg.New(body, func(*ast.CallExpr) bool { return true })
	in := make([]lockset, len(g.Blocks))
	for i := range in {
		in[i] = lockset{top: true}
	}
	if len(g.Blocks) == 0 {
		return
	}
	in[0] = entry
	transfer := func(b *cfg.Block, held lockset, visit func(ast.Node, lockset)) lockset {
		for _, n := range b.Nodes {
			held = walkLocks(n, held, visit)
		}
		return held
	}
	// Iterate to the fixed point. Blocks are few and sets small.
	for changed := true; changed; {
		changed = false
		for _, b := range g.Blocks {
			if !b.Live {
				continue
			}
			out := transfer(b, in[b.Index], nil)
			for _, s := range b.Succs {
				m := in[s.Index].meet(out)
				if !m.equal(in[s.Index]) {
					in[s.Index] = m
					changed = true
				}
			}
		}
	}
	for _, b := range g.Blocks {
		if b.Live {
			transfer(b, in[b.Index], visit)
		}
	}
}

// walkLocks applies the locking of node n to held, calling visit (if not
// nil) for each node inside n with the locks held before it.
func walkLocks(n ast.Node, held lockset, visit func(ast.Node, lockset)) lockset {
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if visit != nil {
			visit(n, held)
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			// The deferred call runs at return: its locking does not
			// happen here, but its arguments are evaluated here.
			if visit != nil {
				visit(n.Call, held)
				if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
					visit(lit, held)
				}
				for _, a := range n.Call.Args {
					ast.Inspect(a, walk)
				}
			}
			return false
		case *ast.GoStmt:
			if visit != nil {
				visit(n.Call, held)
				if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
					visit(lit, held)
				}
				for _, a := range n.Call.Args {
					ast.Inspect(a, walk)
				}
			}
			return false
		case *ast.CallExpr:
			// Arguments first, then the call's own effect.
			ast.Inspect(n.Fun, walk)
			for _, a := range n.Args {
				ast.Inspect(a, walk)
			}
			if k, op := lockOp(n); op > 0 {
				held = held.with(k)
			} else if op < 0 {
				held = held.without(k)
			}
			return false
		}
		return true
	}
	ast.Inspect(n, walk)
	return held
}
