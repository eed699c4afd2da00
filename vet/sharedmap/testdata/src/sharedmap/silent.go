package sharedmap

// Correct code that must not be reported: each function is one shape.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// 1. A mutex held around the write, unlocked by hand.
func guardedByMutex(keys []string) map[string]int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	m := map[string]int{}
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			m[k]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return m
}

// 2. A deferred Unlock.
type registry struct {
	mu    sync.Mutex
	items map[string]int
}

func (r *registry) put(k string, v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items[k] = v
}

func (r *registry) start(keys []string) {
	for _, k := range keys {
		go func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.items[k] = len(k)
		}()
	}
}

// 3. An RWMutex: writes under Lock, reads under RLock.
type rwCache struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *rwCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.RLock()
	v, ok := c.m[r.URL.Path]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		c.m[r.URL.Path] = "computed"
		c.mu.Unlock()
	}
	fmt.Fprint(w, v)
}

// 4. An embedded mutex.
type counter struct {
	sync.Mutex
	n map[string]int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.Lock()
	defer c.Unlock()
	c.n[r.URL.Path]++
}

// 5. A helper called only with the lock held.
type table struct {
	mu   sync.Mutex
	rows map[int]string
}

func (t *table) setRow(k int, v string) { t.rows[k] = v }

func (t *table) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	t.setRow(len(r.URL.Path), r.URL.Path)
	t.mu.Unlock()
}

// 6. A helper whose name says the lock is held.
func (t *table) dropLocked(k int) { delete(t.rows, k) }

func (t *table) drop(k int) {
	go t.dropLocked(k)
}

// 7. A map confined to one goroutine (an actor): only the loop touches it.
type actor struct {
	reqs chan [2]string
	done chan struct{}
}

func newActor() *actor {
	a := &actor{reqs: make(chan [2]string), done: make(chan struct{})}
	go a.loop()
	return a
}

func (a *actor) loop() {
	state := map[string]string{}
	for {
		select {
		case kv := <-a.reqs:
			state[kv[0]] = kv[1]
		case <-a.done:
			return
		}
	}
}

// 8. A map field confined to the goroutine that owns it.
type owner struct {
	events chan string
	seen   map[string]bool
}

func startOwner() *owner {
	o := &owner{events: make(chan string), seen: map[string]bool{}}
	go o.run()
	return o
}

func (o *owner) run() {
	for e := range o.events {
		o.seen[e] = true
	}
}

func (o *owner) Send(e string) { o.events <- e }

// 9. A map built before the go statement and only read after.
func builtThenRead() {
	m := map[string]int{"a": 1, "b": 2}
	m["c"] = 3
	done := make(chan struct{})
	go func() {
		fmt.Println(m["a"])
		close(done)
	}()
	fmt.Println(m["b"])
	<-done
}

// 10. A map handed over through a channel.
func handOver() {
	ch := make(chan map[string]int)
	go func() {
		m := map[string]int{}
		m["x"] = 1
		ch <- m
	}()
	m := <-ch
	m["y"] = 2
}

// 11. A map sent to a goroutine that becomes its only user.
func handOverIn(in chan map[string]int) {
	go func() {
		for m := range in {
			m["seen"] = 1
		}
	}()
}

// 12. sync.Once initialisation.
var (
	once   sync.Once
	lookup map[string]int
)

func getLookup(k string) int {
	once.Do(func() {
		lookup = map[string]int{}
		lookup["a"] = 1
	})
	return lookup[k]
}

func lookupHandler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, getLookup(r.URL.Path))
}

func registerLookup() { http.HandleFunc("/lookup", lookupHandler) }

// 13. sync.OnceValue.
var table2 = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	m["a"] = 1
	return m
})

func tableHandler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, table2()[r.URL.Path])
}

func registerTable() { http.HandleFunc("/t", tableHandler) }

// 14. A per-request map in a handler.
func perRequest(w http.ResponseWriter, r *http.Request) {
	counts := map[string]int{}
	for k := range r.URL.Query() {
		counts[k]++
	}
	fmt.Fprint(w, counts)
}

func registerPerRequest(mux *http.ServeMux) { mux.HandleFunc("/count", perRequest) }

// 15. The request's own maps.
func requestMaps(mux *http.ServeMux) {
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Seen", "1")
		q := r.URL.Query()
		q.Set("page", "1")
		w.Header().Set("Content-Type", "text/plain")
		w.Header()["X-Custom"] = []string{"1"}
		delete(r.Header, "Cookie")
	})
}

// 16. A map made inside the goroutine.
func madeInside(n int) {
	for i := range n {
		go func() {
			m := make(map[int]int)
			m[i] = i
			clear(m)
		}()
	}
}

// 17. A map made in a function the goroutine calls.
func makeAndFill(n int) map[int]int {
	m := map[int]int{}
	for i := range n {
		m[i] = i
	}
	return m
}

func callsMaker(n int) {
	for range n {
		go func() { fmt.Println(len(makeAndFill(n))) }()
	}
}

// 18. WaitGroup-joined writes done before reads.
func joined() {
	m := map[string]int{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m["a"] = 1
	}()
	wg.Wait()
	fmt.Println(m["a"])
}

// 19. A done channel joins the goroutine before the read.
func joinedByChannel() {
	m := map[string]int{}
	done := make(chan bool)
	go func() {
		m["a"] = 1
		done <- true
	}()
	<-done
	m["b"] = 2
}

// 20. A select that waits for the goroutine on every path.
func joinedBySelect(ctx context.Context) error {
	m := map[string]int{}
	done := make(chan struct{})
	go func() {
		m["a"] = 1
		close(done)
	}()
	select {
	case <-done:
		m["b"] = 2
		return nil
	case <-ctx.Done():
		<-done
		return ctx.Err()
	}
}

// 21. Results collected per goroutine, merged by one goroutine.
func perGoroutineResults(keys []string) map[string]int {
	results := make(chan [2]any)
	for _, k := range keys {
		go func() { results <- [2]any{k, len(k)} }()
	}
	merged := map[string]int{}
	for range keys {
		r := <-results
		merged[r[0].(string)] = r[1].(int)
	}
	return merged
}

// 22. Results written to a slice, one index per goroutine, then copied.
func perIndex(keys []string) map[string]int {
	out := make([]int, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = len(k)
		}()
	}
	wg.Wait()
	m := map[string]int{}
	for i, k := range keys {
		m[k] = out[i]
	}
	return m
}

// 23. A map per loop iteration, handed to its own goroutine.
func perIteration(groups [][]string) {
	var wg sync.WaitGroup
	for _, g := range groups {
		m := map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range g {
				m[s] = true
			}
		}()
	}
	wg.Wait()
}

// 24. sync.Map.
var syncCache sync.Map

func syncMapHandler(w http.ResponseWriter, r *http.Request) {
	syncCache.Store(r.URL.Path, time.Now())
}

func registerSyncMap() { http.HandleFunc("/s", syncMapHandler) }

// 25. A concurrent map type with methods (like safemap's), not a built-in map.
type safeMap struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *safeMap) Store(k string, v int) {
	s.mu.Lock()
	s.m[k] = v
	s.mu.Unlock()
}

func useSafeMap(s *safeMap, keys []string) {
	for _, k := range keys {
		go s.Store(k, 1)
	}
}

// 26. Atomic counters instead of a map.
var served atomic.Int64

func atomicHandler(w http.ResponseWriter, r *http.Request) { served.Add(1) }

func registerAtomic() { http.HandleFunc("/a", atomicHandler) }

// 27. Writes in init, before any goroutine runs.
var routes = map[string]string{}

func init() {
	routes["/"] = "home"
	go func() { fmt.Println(len(routes)) }()
}

func routesHandler(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, routes[r.URL.Path]) }

func registerRoutes() { http.HandleFunc("/r", routesHandler) }

// 28. A goroutine that only reads a map nobody writes afterwards.
var config = map[string]string{"mode": "fast"}

func reader() {
	for i := 0; i < 3; i++ {
		go func() { fmt.Println(config["mode"]) }()
	}
}

// 29. A setup method called before the goroutine starts.
type server struct {
	handlers map[string]func()
	quit     chan struct{}
}

func (s *server) addDefaults() {
	s.handlers["ping"] = func() {}
}

func newServer() *server {
	s := &server{handlers: map[string]func(){}, quit: make(chan struct{})}
	s.addDefaults()
	go s.serve()
	return s
}

func (s *server) serve() {
	for {
		select {
		case <-s.quit:
			return
		default:
			for name, h := range s.handlers {
				_ = name
				h()
			}
		}
	}
}

// 30. A goroutine that is joined before its starter returns, so other
// methods cannot overlap it.
type batch struct {
	sizes map[string]int
}

func (b *batch) measure(keys []string) {
	done := make(chan struct{})
	go func() {
		for _, k := range keys {
			b.sizes[k] = len(k)
		}
		close(done)
	}()
	<-done
}

func (b *batch) Total() int {
	n := 0
	for _, v := range b.sizes {
		n += v
	}
	return n
}

// 31. Lock helpers named lock and unlock.
type guarded struct {
	mu sync.Mutex
	m  map[int]int
}

func (g *guarded) lock()   { g.mu.Lock() }
func (g *guarded) unlock() { g.mu.Unlock() }

func (g *guarded) fill(n int) {
	for i := range n {
		go func() {
			g.lock()
			g.m[i] = i
			g.unlock()
		}()
	}
}

// 32. errgroup-style Group.Go with a lock.
type group struct{ wg sync.WaitGroup }

func (g *group) Go(f func() error) {
	g.wg.Add(1)
	go func() { defer g.wg.Done(); _ = f() }()
}

func (g *group) Wait() { g.wg.Wait() }

func withGroup(keys []string) map[string]int {
	var g group
	var mu sync.Mutex
	m := map[string]int{}
	for _, k := range keys {
		g.Go(func() error {
			mu.Lock()
			defer mu.Unlock()
			m[k] = len(k)
			return nil
		})
	}
	g.Wait()
	return m
}

// 33. A handler closure that writes its own map, made per request.
func closureHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		seen := map[string]bool{}
		for _, c := range r.Cookies() {
			seen[c.Name] = true
		}
	}
}

// 34. Keys sorted after the goroutines are joined.
func sortedKeys(m map[string]int) []string {
	var wg sync.WaitGroup
	wg.Go(func() { fmt.Println(len(m)) })
	wg.Wait()
	m["z"] = 0
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// 35. A handler guarded by a mutex it shares with a goroutine.
type stats struct {
	mu   sync.Mutex
	hits map[string]int
}

func (s *stats) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
}

func (s *stats) routes(mux *http.ServeMux) {
	mux.HandleFunc("/", s.handle)
	go func() {
		for range time.Tick(time.Minute) {
			s.mu.Lock()
			clear(s.hits)
			s.mu.Unlock()
		}
	}()
}

// 36. Errors joined after the goroutines end.
func collectErrors(fns []func() error) error {
	errs := map[int]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() {
			if err := f(); err != nil {
				mu.Lock()
				errs[i] = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var all []error
	for _, e := range errs {
		all = append(all, e)
	}
	return errors.Join(all...)
}
