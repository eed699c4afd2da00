// Command typedsyncmap is a program whose sync.Maps each hold one key type
// and one value type. TestFixedProgram runs it before and after the fix
// (main.go.golden) and compares what it prints.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

type user struct {
	name  string
	admin bool
}

// A package-level map, used with every method.
var users sync.Map // want `sync.Map users only holds int keys and \*user values: safemap.SyncMap\[int, \*user\] needs no type assertions`

func addUsers() {
	users.Store(1, &user{name: "ann"})
	users.Store(2, &user{name: "bob", admin: true})
	if u, loaded := users.LoadOrStore(1, &user{name: "other"}); loaded {
		fmt.Println("kept", u.(*user).name)
	}
	if u, ok := users.Load(2); ok {
		fmt.Println("admin", u.(*user).admin)
	}
	old, _ := users.Swap(2, &user{name: "bea"})
	fmt.Println("swapped out", old.(*user).name)
	var names []string
	users.Range(func(id, u any) bool {
		names = append(names, fmt.Sprint(id.(int), "=", u.(*user).name))
		return true
	})
	sort.Strings(names)
	fmt.Println(strings.Join(names, " "))
	if u, loaded := users.LoadAndDelete(1); loaded {
		fmt.Println("deleted", u.(*user).name)
	}
	users.Delete(2)
	_, ok := users.Load(2)
	fmt.Println("2 present:", ok)
}

// A struct field with comparable values, for CompareAndSwap.
type counters struct {
	mu    sync.Mutex
	state sync.Map // want `sync.Map state only holds string keys and int values: safemap.SyncMap\[string, int\] needs no type assertions`
}

func (c *counters) run() {
	c.state.Store("a", 1)
	c.state.Store("b", 2)
	fmt.Println("cas a 1->10:", c.state.CompareAndSwap("a", 1, 10))
	fmt.Println("cas a 1->20:", c.state.CompareAndSwap("a", 1, 20))
	if c.state.CompareAndDelete("b", 2) {
		fmt.Println("deleted b")
	}
	v, _ := c.state.Load("a")
	fmt.Println("a =", v.(int))
	c.state.Range(func(k, _ any) bool {
		fmt.Println("key", k.(string))
		return true
	})
	c.state.Clear()
	_, ok := c.state.Load("a")
	fmt.Println("after clear:", ok)
	c.mu.Lock()
	c.mu.Unlock()
}

// A local map whose loaded value is used once, and asserted in a closure.
func local() {
	var seen sync.Map // want `sync.Map seen only holds string keys and \[\]byte values`
	for _, w := range []string{"x", "y", "x"} {
		v, loaded := seen.LoadOrStore(w, []byte(w))
		if loaded {
			show := func() { fmt.Println("again", string(v.([]byte))) }
			show()
		}
	}
}

func main() {
	addUsers()
	var c counters
	c.run()
	local()
	measure()
	silent()
}
