// Package copylock copies each safemap type by value. TestNoCopy runs go vet
// on it and expects one report per copy: the maps must not be copied.
package copylock

import "github.com/gosafemap/safemap"

func Copies() []any {
	var a safemap.MutexMap[int, int]
	var b safemap.RWMap[int, int]
	var c safemap.SyncMap[int, int]
	var d safemap.ShardedMap[int, int]
	var e safemap.BucketMap[int, int]
	a2, b2, c2, d2, e2 := a, b, c, d, e
	return []any{&a2, &b2, &c2, &d2, &e2}
}
