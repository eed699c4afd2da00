package main

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := `a Stop that closes the channel being sent on: send on closed channel
200 watchers, 4 publishers sending 100 updates each; two Stops per watcher race the sends, then Close
watchers stopped exactly once: 200 of 200
updates delivered after Stop returned: 0
watchers left in the hub: 0
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestStopRacesSend runs the simulation over and over: a send on a closed
// channel, or a second close of done, would crash the test binary, and a
// sender or watcher left waiting fails it at the timeout.
func TestStopRacesSend(t *testing.T) {
	defer goleak.VerifyNone(t)
	rounds := 20
	if testing.Short() {
		rounds = 3
	}
	cfg := config{watchers: 50, publishers: 8, updates: 50}
	var delivered, skipped int64
	for range rounds {
		r, err := simulate(cfg, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.stoppedOnce != cfg.watchers {
			t.Errorf("%d of %d watchers stopped exactly once", r.stoppedOnce, cfg.watchers)
		}
		if r.late != 0 {
			t.Errorf("%d updates delivered after Stop returned", r.late)
		}
		if r.left != 0 {
			t.Errorf("%d watchers left in the hub after Close", r.left)
		}
		delivered += r.delivered
		skipped += r.skipped
	}
	t.Logf("%d rounds: %d updates delivered, %d sends given up on a watcher stopped meanwhile", rounds, delivered, skipped)
}

// TestSendToStoppedWatcher holds a watcher the way Publish does, with the
// send blocked because the watcher is busy, and stops it: the send must give
// up rather than panic or wait for good.
func TestSendToStoppedWatcher(t *testing.T) {
	defer goleak.VerifyNone(t)
	var h hub
	release := make(chan struct{})
	var calls atomic.Int32
	w := h.Watch(func(int) {
		calls.Add(1)
		<-release
	})

	// The watcher takes one update and blocks in its function; the buffer
	// takes updateBuffer more, and the next send waits.
	for u := range updateBuffer + 1 {
		if !w.send(u) {
			t.Fatalf("send %d gave up on a running watcher", u)
		}
	}
	sent := make(chan bool)
	go func() { sent <- w.send(-1) }()

	stopped := make(chan bool)
	go func() { stopped <- w.Stop() }()
	select {
	case ok := <-sent:
		if ok {
			t.Error("a send went through after Stop closed done")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the send is still blocked 5s after Stop")
	}

	close(release) // let the function return, so that Stop can
	select {
	case ok := <-stopped:
		if !ok {
			t.Error("the only Stop reported that it did not stop the watcher")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop has not returned 5s after the function did")
	}
	n := calls.Load()
	if w.send(-2) {
		t.Error("a send went through after Stop returned")
	}
	if _, gone := h.Publish(-3); gone != 0 || h.watchers.Len() != 0 {
		t.Error("Publish found the stopped watcher")
	}
	if calls.Load() != n {
		t.Error("the function was called after Stop returned")
	}
}

// TestStopsRace has many goroutines stop one watcher at once: exactly one
// of them stops it, and all of them return.
func TestStopsRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	for range 100 {
		var h hub
		w := h.Watch(func(int) {})
		var stopped atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if w.Stop() {
					stopped.Add(1)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stopped.Add(int32(h.Close()))
		}()
		waitFor(t, &wg, 5*time.Second)
		if n := stopped.Load(); n != 1 {
			t.Fatalf("%d Stops and Closes reported stopping the watcher, want 1", n)
		}
	}
}

// waitFor fails the test if wg is not done within d.
func waitFor(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("goroutines still blocked after %v", d)
	}
}
