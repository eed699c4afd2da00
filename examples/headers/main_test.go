package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := `a reader appends "User-Agent" to the Vary values it got, an Add appends "X-Deadline" in place:
  the reader's slice now ends in "X-Deadline"
200 responses, each written by its handler (6 values) and its timeout (5 values) at once, and read by an access log
the first, each name's values sorted:
  Cache-Control: no-store, private
  Content-Type: application/json
  Retry-After: 2
  Server-Timing: deadline;dur=2000
  Set-Cookie: session=7f3a, theme=dark
  Vary: Accept-Encoding, Cookie, X-Deadline
  X-Timeout: 2s
values lost: 0; values no writer added: 0; reads that saw a value move: 0
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestManyWriters has many writers add to the same few names while readers
// append to what they read: no value is lost or added, each writer's values
// keep the order it added them in, and no reader's append reaches the store.
func TestManyWriters(t *testing.T) {
	const writers, perWriter, readers = 16, 100, 8
	names := []string{"Vary", "Set-Cookie", "Cache-Control", "X-Trace"}
	var all [][]header
	for w := range writers {
		var hs []header
		for i := range perWriter {
			hs = append(hs, header{names[(w+i)%len(names)], fmt.Sprintf("w%02d-%03d", w, i)})
		}
		all = append(all, hs)
	}
	slices.Sort(names)

	rounds := 5
	if testing.Short() {
		rounds = 1
	}
	for range rounds {
		h := new(headerStore)
		moved := make(chan int, 1)
		go func() { moved <- serve(h, all, names, readers) }()
		select {
		case n := <-moved:
			if n != 0 {
				t.Errorf("%d reads saw a value move", n)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("writers or readers still running after 10s")
		}

		missing, extra := compare(h, all)
		if len(missing) != 0 || len(extra) != 0 {
			t.Fatalf("lost %d values %q, and %d no writer added %q",
				len(missing), missing[:min(3, len(missing))], len(extra), extra[:min(3, len(extra))])
		}
		for _, name := range names {
			// Values of one writer, in the order the store holds them.
			byWriter := make(map[string][]string)
			for _, v := range h.Values(name) {
				w, _, _ := strings.Cut(v, "-")
				byWriter[w] = append(byWriter[w], v)
			}
			for w, vs := range byWriter {
				if !slices.IsSorted(vs) {
					t.Errorf("%s: writer %s's values out of the order it added them: %q", name, w, vs)
				}
			}
		}
	}
}

// TestReaderAppend checks both halves of the pattern one step at a time,
// with a stored slice that has room to spare, as append leaves it.
func TestReaderAppend(t *testing.T) {
	var h headerStore
	for _, v := range []string{"Accept-Encoding", "Cookie", "Origin"} {
		h.Add("vary", v)
	}
	if raw, _ := h.m.Load("Vary"); cap(raw) == len(raw) {
		t.Fatalf("the stored slice has no room (len %d, cap %d): nothing to test", len(raw), cap(raw))
	}
	want := []string{"Accept-Encoding", "Cookie", "Origin"}

	// Values clips: two readers that append get arrays of their own, and
	// the store does not change.
	a := append(h.Values("Vary"), "a")
	b := append(h.Values("Vary"), "b")
	if a[3] != "a" || b[3] != "b" {
		t.Errorf("readers' appends wrote one array: a ends in %q, b in %q", a[3], b[3])
	}
	if got := h.Values("Vary"); !slices.Equal(got, want) {
		t.Errorf("after readers appended, Values = %q, want %q", got, want)
	}

	// Add copies: a reader that got the stored slice itself, with its
	// room, and appended to it, keeps its value, and the store gets the
	// writer's.
	raw, _ := h.m.Load("Vary")
	raw = append(raw, "raw")
	h.Add("Vary", "X-Deadline")
	if raw[3] != "raw" {
		t.Errorf("Add wrote into the array a reader held: the reader's value is now %q", raw[3])
	}
	if got, want := h.Values("Vary"), append(want, "X-Deadline"); !slices.Equal(got, want) {
		t.Errorf("after Add, Values = %q, want %q", got, want)
	}
}
