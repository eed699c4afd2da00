// Command headers shows a response's headers written by two goroutines at
// once, as when a timeout middleware adds its headers while the handler,
// still running, adds its own. Add appends with Compute, so two writers
// adding to one name never lose a value, and it appends to a copy of the
// values, never in place; Values hands out a clipped slice, so a reader that
// appends to what it got cannot write into an array the map holds.
//
// Run it with: go run ./examples/headers
package main

import (
	"fmt"
	"io"
	"maps"
	"net/textproto"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/gosafemap/safemap"
)

// A header is one header line.
type header struct{ name, value string }

// headerStore maps header names to their values, as http.Header does, for
// goroutines that write and read it at once. A slice it has stored is never
// written again: every Add stores a new one.
type headerStore struct {
	m safemap.BucketMap[string, []string]
}

// Add adds value to the values of name.
func (h *headerStore) Add(name, value string) {
	h.m.Compute(textproto.CanonicalMIMEHeaderKey(name), func(old []string, _ bool) ([]string, safemap.ComputeOp) {
		// Append to a copy: old[:len(old):len(old)] has no room, so append
		// moves the values to a new array. Appending to old itself would
		// write the element after its last one whenever old has room (and
		// append leaves room), and every slice the map has handed out for
		// name shares that array. A reader holding one with its room, from
		// Load or Range, may append to it at the same moment:
		//
		//	reader:  v, _ := m.Load("Vary"); v = append(v, "Cookie")
		//	writer:  old = append(old, "X-Deadline") // in Compute's fn
		//
		// Both write the same element: a data race, after which the reader
		// holds the writer's value or the map holds the reader's.
		return append(old[:len(old):len(old)], value), safemap.UpdateOp
	})
}

// Values returns the values of name, in the order they were added. The
// slice is clipped, its capacity cut to its length, so a caller that
// appends to it gets an array of its own, rather than writing into the
// map's, where the next caller's append would write too.
func (h *headerStore) Values(name string) []string {
	v, _ := h.m.Load(textproto.CanonicalMIMEHeaderKey(name))
	return slices.Clip(v)
}

// Names returns the names that have values, sorted.
func (h *headerStore) Names() []string {
	var names []string
	for name := range h.m.All() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// The headers of the program's handler and of its timeout middleware. Both
// add to Vary and Cache-Control.
var (
	handlerHeaders = []header{
		{"Content-Type", "application/json"},
		{"Vary", "Accept-Encoding"},
		{"Cache-Control", "private"},
		{"Set-Cookie", "session=7f3a"},
		{"Set-Cookie", "theme=dark"},
		{"Vary", "Cookie"},
	}
	timeoutHeaders = []header{
		{"Vary", "X-Deadline"},
		{"Retry-After", "2"},
		{"Cache-Control", "no-store"},
		{"X-Timeout", "2s"},
		{"Server-Timing", "deadline;dur=2000"},
	}
)

// serve has each writer add its headers to h on a goroutine of its own,
// while as many goroutines as readers says read the values of names over
// and over, each appending a value of its own to every slice it gets. It
// returns how many reads saw a value move: the store's values out of the
// order they had, a reader's value in the store, or a writer's value in a
// reader's slice.
func serve(h *headerStore, writers [][]header, names []string, readers int) (moved int) {
	var wg sync.WaitGroup
	for _, headers := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, hd := range headers {
				h.Add(hd.name, hd.value)
			}
		}()
	}
	written := make(chan struct{})
	go func() {
		wg.Wait()
		close(written)
	}()

	var mu sync.Mutex
	var read sync.WaitGroup
	for i := range readers {
		read.Add(1)
		go func() {
			defer read.Done()
			own := fmt.Sprintf("reader-%d", i)
			n := 0
			for done := false; !done; {
				select {
				case <-written:
					done = true // one more pass, over the final values
				default:
				}
				for _, name := range names {
					got := h.Values(name)
					mine := append(got, own) // as an access log adding a note of its own
					now := h.Values(name)
					// Values only grow, so what was read is still there.
					if len(now) < len(got) || !slices.Equal(now[:len(got)], got) ||
						slices.Contains(now, own) || mine[len(got)] != own {
						n++
					}
				}
				runtime.Gosched() // let the writers run: there may be fewer cores than readers
			}
			mu.Lock()
			moved += n
			mu.Unlock()
		}()
	}
	read.Wait()
	return moved
}

// compare returns the headers of writers that h lacks, and those h has that
// no writer added, as "Name: value" lines, sorted.
func compare(h *headerStore, writers [][]header) (missing, extra []string) {
	count := make(map[string]int) // added minus held
	for _, headers := range writers {
		for _, hd := range headers {
			count[textproto.CanonicalMIMEHeaderKey(hd.name)+": "+hd.value]++
		}
	}
	for _, name := range h.Names() {
		for _, v := range h.Values(name) {
			count[name+": "+v]--
		}
	}
	for _, line := range slices.Sorted(maps.Keys(count)) {
		for ; count[line] > 0; count[line]-- {
			missing = append(missing, line)
		}
		for ; count[line] < 0; count[line]++ {
			extra = append(extra, line)
		}
	}
	return missing, extra
}

// inPlace shows, on one goroutine, what an Add that appended in place would
// do to a reader that appended to the values it got from Load, unclipped:
// it returns the reader's last value.
func inPlace() string {
	stored := slices.Grow([]string{"Accept-Encoding", "Cookie"}, 1) // room for one more, as append leaves
	got := stored                                                   // what Load returns
	got = append(got, "User-Agent")                                 // the reader
	_ = append(stored, "X-Deadline")                                // an Add, in place
	return got[len(got)-1]
}

func run(w io.Writer) error {
	fmt.Fprintf(w, "a reader appends \"User-Agent\" to the Vary values it got, an Add appends \"X-Deadline\" in place:\n  the reader's slice now ends in %q\n", inPlace())

	const responses = 200
	writers := [][]header{handlerHeaders, timeoutHeaders}
	var names []string
	for _, hd := range slices.Concat(handlerHeaders, timeoutHeaders) {
		names = append(names, hd.name)
	}
	slices.Sort(names)
	names = slices.Compact(names)

	stores := make([]*headerStore, responses)
	moved := make([]int, responses)
	var wg sync.WaitGroup
	for i := range stores {
		stores[i] = new(headerStore)
		wg.Add(1)
		go func() {
			defer wg.Done()
			moved[i] = serve(stores[i], writers, names, 1)
		}()
	}
	wg.Wait()

	var nMissing, nExtra, nMoved int
	for i, h := range stores {
		missing, extra := compare(h, writers)
		nMissing += len(missing)
		nExtra += len(extra)
		nMoved += moved[i]
	}
	fmt.Fprintf(w, "%d responses, each written by its handler (%d values) and its timeout (%d values) at once, and read by an access log\n",
		responses, len(handlerHeaders), len(timeoutHeaders))
	fmt.Fprintln(w, "the first, each name's values sorted:")
	for _, name := range stores[0].Names() {
		v := slices.Sorted(slices.Values(stores[0].Values(name)))
		fmt.Fprintf(w, "  %s: %s\n", name, strings.Join(v, ", "))
	}
	fmt.Fprintf(w, "values lost: %d; values no writer added: %d; reads that saw a value move: %d\n", nMissing, nExtra, nMoved)
	if nMissing != 0 || nExtra != 0 || nMoved != 0 {
		return fmt.Errorf("%d values lost, %d values no writer added, %d reads saw a value move", nMissing, nExtra, nMoved)
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "headers:", err)
		os.Exit(1)
	}
}
