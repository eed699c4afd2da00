package main

import (
	"fmt"
	"sync"
)

// A file that uses sync only for the map: the fix imports safemap in its
// place.
var lengths sync.Map // want `sync.Map lengths only holds string keys and int values`

func measure() {
	for _, s := range []string{"a", "bb"} {
		lengths.Store(s, len(s))
	}
	n, _ := lengths.Load("bb")
	fmt.Println("len bb", n.(int))
}
