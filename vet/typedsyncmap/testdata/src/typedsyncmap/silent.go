package main

import (
	"fmt"
	"sync"
)

// sync.Maps the analyzer must leave alone.

// Values of two types.
var mixed sync.Map

// Keys of an interface type.
var anyKeys sync.Map

// Values stored as any.
var anyValues sync.Map

// Exported: other packages may use it.
var Exported sync.Map

// Passed by pointer to code the fix would have to follow.
var passed sync.Map

// A comma-ok assertion, which the fix would have to rewrite by hand.
var commaOK sync.Map

// A loaded value used without an assertion.
var printed sync.Map

// Declared with another in one spec.
var pairA, pairB sync.Map

// Range with a function that is not a literal.
var ranged sync.Map

// No Store at all: nothing says what it holds.
var empty sync.Map

type holder struct {
	// Exported field.
	Cache sync.Map
}

func count(m *sync.Map) int {
	n := 0
	m.Range(func(_, _ any) bool { n++; return true })
	return n
}

func silent() {
	mixed.Store("a", 1)
	mixed.Store("b", "two")

	var k any = "key"
	anyKeys.Store(k, 1)

	var v any = 3
	anyValues.Store("x", v)

	Exported.Store("e", 1)

	passed.Store("p", 1)
	fmt.Println("passed", count(&passed))

	commaOK.Store("c", 1)
	if x, ok := commaOK.Load("c"); ok {
		if n, ok := x.(int); ok {
			fmt.Println("commaOK", n)
		}
	}

	printed.Store("p", 2)
	if x, ok := printed.Load("p"); ok {
		fmt.Println("printed", x)
	}

	pairA.Store("a", 1)
	pairB.Store("b", 2)

	ranged.Store(1, 1)
	ranged.Range(visit)

	_, ok := empty.Load("x")
	fmt.Println("empty", ok)

	var h holder
	h.Cache.Store("h", 1)

	withLocalKeys()
}

func visit(k, v any) bool {
	fmt.Println("visit", k, v)
	return true
}

// Keys of a type declared in the function: the declaration cannot name it.
var localKeys sync.Map

func withLocalKeys() {
	type key struct{ a, b int }
	localKeys.Store(key{1, 2}, "x")
	if v, ok := localKeys.Load(key{1, 2}); ok {
		fmt.Println("local", v.(string))
	}
}
