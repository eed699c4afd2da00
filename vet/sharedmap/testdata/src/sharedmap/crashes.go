// Package sharedmap holds, in this file, the shapes of the crashes safemap
// was built for, each reduced to the lines that crashed, and in silent.go,
// correct code that must not be reported.
package sharedmap

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// 1. A JSON-RPC client: the reader goroutine delivers each reply and
// deletes its id while callers register new ids.

type response struct {
	ID     uint64
	Result json.RawMessage
}

type rpcClient struct {
	enc     *json.Encoder
	dec     *json.Decoder
	nextID  uint64
	idMu    sync.Mutex
	pending map[uint64]chan response
}

func newRPCClient(rw io.ReadWriter) *rpcClient {
	c := &rpcClient{enc: json.NewEncoder(rw), dec: json.NewDecoder(rw), pending: make(map[uint64]chan response)}
	go c.readLoop()
	return c
}

func (c *rpcClient) readLoop() {
	for {
		var r response
		if err := c.dec.Decode(&r); err != nil {
			return
		}
		ch := c.pending[r.ID]
		delete(c.pending, r.ID) // want `map c.pending is written in the goroutine started at crashes.go:32 with no mutex held, while rpcClient.Call accesses it at crashes.go:54: use safemap.BucketMap\[uint64, chan response\]`
		ch <- r
	}
}

func (c *rpcClient) Call(method string) (json.RawMessage, error) {
	c.idMu.Lock()
	c.nextID++
	id := c.nextID
	c.idMu.Unlock()
	ch := make(chan response, 1)
	c.pending[id] = ch // want `map c.pending is written in rpcClient.Call, which can run while the goroutine started at crashes.go:32 runs, with no mutex held, while the goroutine accesses it at crashes.go:42`
	if err := c.enc.Encode(map[string]any{"id": id, "method": method}); err != nil {
		return nil, err
	}
	return (<-ch).Result, nil
}

// 2. A stream registry written by concurrent HTTP API calls.

type stream struct{ name string }

type api struct {
	streams map[string]*stream
}

func (a *api) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /streams", a.createStream)
	mux.HandleFunc("DELETE /streams/{name}", func(w http.ResponseWriter, r *http.Request) {
		delete(a.streams, r.PathValue("name")) // want `map a.streams is written in the HTTP handler registered at crashes.go:71 with no mutex held, while api.createStream accesses it at crashes.go:78: use safemap.BucketMap\[string, \*stream\]`
	})
}

func (a *api) createStream(w http.ResponseWriter, r *http.Request) {
	name := r.FormValue("name")
	a.streams[name] = &stream{name: name} // want `map a.streams is written in the HTTP handler registered at crashes.go:70 with no mutex held, while a function literal in api.routes accesses it at crashes.go:72`
	w.WriteHeader(http.StatusCreated)
}

// 3. A header map mutated from fan-out goroutines.

func fetchAll(urls []string) http.Header {
	merged := make(http.Header)
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(u)
			if err != nil {
				return
			}
			resp.Body.Close()
			merged.Set("X-From-"+u, resp.Status) // want `map merged is written in the goroutine started at crashes.go:89 with no mutex held, while other goroutines started by the same loop write it too: use safemap.BucketMap\[string, \[\]string\]`
		}()
	}
	wg.Wait()
	return merged
}

// 4. A timeout middleware writing headers beside the handler it wraps.

func withTimeout(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		go func() {
			next.ServeHTTP(w, r)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(d):
			w.Header().Set("Retry-After", "1") // want `map w.Header\(\) is written after the go statement at crashes.go:108 with no mutex held, while the goroutine accesses it at crashes.go:109`
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
}

// 5. A watcher whose Stop closes and removes the subscribers' channels while
// its notifier goroutine sends an update to each.

type watcher struct {
	subs    map[int]chan string
	updates chan string
}

func newWatcher() *watcher {
	w := &watcher{subs: make(map[int]chan string), updates: make(chan string)}
	go w.notify()
	return w
}

func (w *watcher) notify() {
	for u := range w.updates {
		for _, ch := range w.subs {
			ch <- u
		}
	}
}

func (w *watcher) Stop() {
	for id, ch := range w.subs {
		close(ch)
		delete(w.subs, id) // want `map w.subs is written in watcher.Stop, which can run while the goroutine started at crashes.go:131 runs, with no mutex held, while the goroutine accesses it at crashes.go:137`
	}
}

// More shapes that are reported.

var hits = map[string]int{}

func countHits(w http.ResponseWriter, r *http.Request) {
	hits[r.URL.Path]++ // want `map hits is written in the HTTP handler registered at crashes.go:159 with no mutex held, while concurrent requests run this write at once`
}

func serveHits() {
	http.HandleFunc("/", countHits)
}

type cacheHandler struct {
	cache map[string][]byte
}

func (h cacheHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.cache[r.URL.Path]; ok {
		w.Write(b)
		return
	}
	h.cache[r.URL.Path] = []byte("x") // want `map h.cache is written in the HTTP handler cacheHandler.ServeHTTP`
}

func writeAfterGo() map[int]int {
	m := map[int]int{}
	go func() {
		for k := range m {
			_ = k
		}
	}()
	m[1] = 1 // want `map m is written after the go statement at crashes.go:176 with no mutex held, while the goroutine accesses it at crashes.go:177`
	return m
}

func twoGoroutines() {
	m := map[string]int{}
	go func() {
		m["a"] = 1 // want `map m is written in the goroutine started at crashes.go:187 with no mutex held, while the goroutine started at crashes.go:190 accesses it at crashes.go:191`
	}()
	go func() {
		_ = len(m)
	}()
}

func clearInLoop(ms map[int]bool, n int) {
	for i := 0; i < n; i++ {
		go clear(ms) // a known miss: a go statement that calls a builtin is not analysed
	}
}

func goHelper(m map[int]int, keys []int) {
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go put(&wg, m, k)
	}
	wg.Wait()
}

func put(wg *sync.WaitGroup, m map[int]int, k int) {
	defer wg.Done()
	m[k] = k * k // want `map m is written in the goroutine started at crashes.go:205 with no mutex held, while other goroutines started by the same loop write it too`
}

func unlockedTooEarly(m map[int]int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			mu.Lock()
			_ = m[i]
			mu.Unlock()
			m[i] = i // want `map m is written in the goroutine started at crashes.go:219 with no mutex held, while other goroutines started by the same loop write it too`
		})
	}
	wg.Wait()
}

func lockedOnOnePath(m map[int]int, cond bool) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if cond {
				mu.Lock()
				defer mu.Unlock()
			}
			m[i] = i // want `map m is written in the goroutine started at crashes.go:233 with no mutex held, while other goroutines started by the same loop write it too`
		})
	}
	wg.Wait()
}

// A write under a read lock: RLock lets other requests in, writes too.
type readLockedCache struct {
	mu sync.RWMutex
	m  map[string]int
}

func (c *readLockedCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.m[r.URL.Path]++ // want `map c.m is written in .* with no mutex held`
}
