package safemap

import (
	"math/bits"
	"runtime"
	"sync/atomic"
)

// counter counts a map's entries. It is one word until two goroutines
// update it at the same instant; then it spreads its count over cache-line
// stripes, so that goroutines changing it at once seldom write the same
// line. A map used by one goroutine at a time, such as a map per request,
// so never pays for stripes. This follows Java's LongAdder.
//
// It is exact whenever no add is in flight. Its words are accessed through
// the functions of sync/atomic, for the reason given at bucket.loadMeta.
type counter struct {
	_       [0]atomic.Int64 // aligns base to 8 bytes where int64 aligns to 4 (386, arm)
	base    int64
	stripes atomic.Pointer[counterStripes]
}

type counterStripes struct {
	s []counterStripe
}

type counterStripe struct {
	_ [0]atomic.Int64 // as in counter
	n int64
	_ [cacheLineSize - 8]byte
}

// add adds delta to the count. Once the count is striped, the low bits of r
// pick the stripe: writers pass a hash of their key, or a random number.
func (c *counter) add(r uint64, delta int64) {
	s := c.stripes.Load()
	if s == nil {
		old := atomic.LoadInt64(&c.base)
		if atomic.CompareAndSwapInt64(&c.base, old, old+delta) {
			return
		}
		s = c.stripe() // another goroutine changed base meanwhile
	}
	atomic.AddInt64(&s.s[r&uint64(len(s.s)-1)].n, delta)
}

// stripe spreads the count over four stripes per P, up to 64 (4 KiB): two
// writers running at once then share a stripe with a probability of a
// quarter over the number of Ps. base keeps what it holds.
//
//go:noinline
func (c *counter) stripe() *counterStripes {
	n := 1 << bits.Len(uint(min(4*runtime.GOMAXPROCS(0), 64)-1))
	c.stripes.CompareAndSwap(nil, &counterStripes{make([]counterStripe, n)})
	return c.stripes.Load()
}

func (c *counter) load() int64 {
	n := atomic.LoadInt64(&c.base)
	if s := c.stripes.Load(); s != nil {
		for i := range s.s {
			n += atomic.LoadInt64(&s.s[i].n)
		}
	}
	return n
}
