package safemap

// Small helpers every map uses.

// cacheLineSize is the cache line size of amd64 and of most arm64 cores.
const cacheLineSize = 64

// noCopy makes go vet's copylocks check report a map copied after first use.
// It is a blank field, not embedded, so Lock and Unlock are not exported.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// nilFunc panics for a method called with a nil function.
func nilFunc(method string) {
	panic("safemap: " + method + " called with a nil function")
}
