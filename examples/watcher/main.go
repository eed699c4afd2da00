// Command watcher shows a hub that pushes updates to watchers, where a
// watcher can be stopped while an update is on its way to it. A Stop that
// closes the channel the update is sent on makes the sender panic ("send on
// closed channel"), and two stoppers that both close it panic too. Here the
// watchers live in a safemap.BucketMap: LoadAndDelete finds a watcher for
// exactly one stopper, which closes the watcher's done channel and nothing
// else, and a sender waits on done as well as on its send, so it moves on
// instead of sending to a watcher that has gone.
//
// Run it with: go run ./examples/watcher
package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosafemap/safemap"
)

// updateBuffer is how many updates can wait for a busy watcher before
// Publish waits for it too: enough to absorb a burst, few enough that a
// watcher that has stopped reading holds Publish up where it shows.
const updateBuffer = 8

// hub delivers every published update to every watcher.
type hub struct {
	nextID   atomic.Uint64
	watchers safemap.BucketMap[uint64, *watcher]
}

// A watcher calls its function with each update, on a goroutine of its own.
type watcher struct {
	hub     *hub
	id      uint64
	updates chan int      // sent on by Publish; never closed, so a send cannot panic
	done    chan struct{} // closed once, by the stop that removes the watcher from the hub
	exited  chan struct{} // closed when the watcher's goroutine has returned
}

// Watch calls fn with each update published from now on, one at a time, until
// the watcher is stopped. fn must not call Stop, which waits for fn to return;
// it may start a goroutine that does.
func (h *hub) Watch(fn func(update int)) *watcher {
	w := &watcher{
		hub:     h,
		id:      h.nextID.Add(1),
		updates: make(chan int, updateBuffer),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
	h.watchers.Store(w.id, w)
	go func() {
		defer close(w.exited)
		for {
			select {
			case u := <-w.updates:
				fn(u)
			case <-w.done:
				return
			}
		}
	}()
	return w
}

// Publish sends update to every watcher. It reports how many watchers it
// reached, and how many it found but gave up on, as they were stopped before
// they took the update.
func (h *hub) Publish(update int) (sent, gone int) {
	for _, w := range h.watchers.All() { // no lock is held while the loop body waits
		if w.send(update) {
			sent++
		} else {
			gone++
		}
	}
	return sent, gone
}

// send hands update to the watcher, or gives up once the watcher is stopped.
// The caller may have found w just before a Stop removed it: without done in
// the select it would wait forever for a goroutine that has returned, and
// had Stop closed updates instead, it would panic.
func (w *watcher) send(update int) bool {
	// Look at done first: select picks at random among the cases that are
	// ready, so with room in the buffer, a send begun after Stop returned
	// would go through half the time.
	select {
	case <-w.done:
		return false
	default:
	}
	select {
	case w.updates <- update:
		return true
	case <-w.done:
		return false
	}
}

// Stop stops the watcher and waits for its goroutine to return, so its
// function is not called after Stop returns. It reports whether this call
// stopped the watcher: of any number of Stops and Closes racing, exactly one
// does.
func (w *watcher) Stop() bool {
	// LoadAndDelete finds the watcher for only one caller: that one, and no
	// other, closes done. A Load followed by a Delete would let two callers
	// find it, and the second close would panic.
	_, stopped := w.hub.watchers.LoadAndDelete(w.id)
	if stopped {
		close(w.done)
	}
	<-w.exited
	return stopped
}

// Close stops every watcher and reports how many it stopped; the others had
// been stopped already, or were stopped meanwhile by a Stop of their own.
func (h *hub) Close() (stopped int) {
	for _, w := range h.watchers.All() {
		if w.Stop() {
			stopped++
		}
	}
	return stopped
}

// config is one run of the simulation.
type config struct {
	watchers   int
	publishers int
	updates    int // per publisher
}

// result is what a simulation saw.
type result struct {
	stoppedOnce int   // watchers that exactly one Stop or Close reported stopping
	late        int64 // updates delivered after a Stop of their watcher had returned
	delivered   int64 // updates delivered
	skipped     int64 // sends that gave up because their watcher had been stopped
	left        int   // watchers still in the hub after Close
}

// simulate runs publishers and stoppers at once. Every watcher has two
// stoppers racing to stop it, as a client hanging up and a server's idle
// timeout would: each waits until the watcher has seen a random number of
// updates, so that it stops the watcher while updates are sent to it, or
// until the publishers have finished, so that it races Close. It fails if
// any goroutine is still blocked after timeout.
func simulate(cfg config, timeout time.Duration) (result, error) {
	type stopper struct {
		after   int           // updates the watcher sees before this stopper stops it
		reached chan struct{} // closed when it has seen them
	}
	type tally struct {
		stoppers     [2]stopper
		seen         int          // updates seen, owned by the watcher's goroutine
		stopReturned atomic.Bool  // set once a Stop of the watcher has returned
		late         atomic.Int64 // updates its function saw after that
		wins         atomic.Int32 // stoppers whose Stop reported stopping it
	}
	var (
		h         hub
		delivered atomic.Int64
		skipped   atomic.Int64
		tallies   = make([]tally, cfg.watchers)
		watchers  = make([]*watcher, cfg.watchers)
		total     = cfg.publishers * cfg.updates
	)
	for i := range watchers {
		t := &tallies[i]
		for j := range t.stoppers {
			// Up to a quarter more updates than the watcher can see, so
			// that one stopper in five at least waits for the publishers
			// to finish.
			t.stoppers[j] = stopper{after: rand.IntN(total + total/4 + 1), reached: make(chan struct{})}
		}
		watchers[i] = h.Watch(func(int) {
			delivered.Add(1)
			if t.stopReturned.Load() {
				t.late.Add(1)
			}
			t.seen++
			for _, s := range t.stoppers {
				if t.seen == s.after {
					close(s.reached)
				}
			}
		})
	}

	var publishers, stoppers sync.WaitGroup
	published := make(chan struct{}) // closed when the publishers have finished
	for range cfg.publishers {
		publishers.Add(1)
		go func() {
			defer publishers.Done()
			for u := range cfg.updates {
				_, gone := h.Publish(u)
				skipped.Add(int64(gone))
			}
		}()
	}
	for i, w := range watchers {
		t := &tallies[i]
		for _, s := range t.stoppers {
			stoppers.Add(1)
			go func() {
				defer stoppers.Done()
				if s.after > 0 {
					select {
					case <-s.reached:
					case <-published:
					}
				}
				if w.Stop() {
					t.wins.Add(1)
				}
				t.stopReturned.Store(true)
			}()
		}
	}

	finished := make(chan int, 1) // never blocks, so a timed-out run leaks nothing more
	go func() {
		publishers.Wait()
		close(published)
		closed := h.Close()
		stoppers.Wait()
		finished <- closed
	}()
	var closed int
	select {
	case closed = <-finished:
	case <-time.After(timeout):
		return result{}, fmt.Errorf("goroutines still blocked after %v", timeout)
	}
	for _, w := range watchers {
		select {
		case <-w.exited:
		default:
			return result{}, errors.New("a watcher's goroutine is still running after Close")
		}
	}

	r := result{delivered: delivered.Load(), skipped: skipped.Load(), left: h.watchers.Len()}
	byClose := 0 // watchers no stopper reported stopping
	for i := range tallies {
		t := &tallies[i]
		r.late += t.late.Load()
		switch t.wins.Load() {
		case 0:
			byClose++
		case 1:
			r.stoppedOnce++
		}
	}
	// Every watcher's goroutine has returned, so each was stopped; if Close
	// stopped as many as the stoppers left, it stopped exactly those.
	if closed == byClose {
		r.stoppedOnce += byClose
	}
	return r, nil
}

// naiveSend is what happens when Stop closes the channel that a sender, which
// found the watcher just before, is about to send on.
func naiveSend() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	updates := make(chan int, 1)
	close(updates) // Stop
	updates <- 1   // the sender
	return nil
}

func run(w io.Writer) error {
	fmt.Fprintf(w, "a Stop that closes the channel being sent on: %v\n", naiveSend())

	cfg := config{watchers: 200, publishers: 4, updates: 100}
	fmt.Fprintf(w, "%d watchers, %d publishers sending %d updates each; two Stops per watcher race the sends, then Close\n",
		cfg.watchers, cfg.publishers, cfg.updates)
	r, err := simulate(cfg, 10*time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "watchers stopped exactly once: %d of %d\n", r.stoppedOnce, cfg.watchers)
	fmt.Fprintf(w, "updates delivered after Stop returned: %d\n", r.late)
	fmt.Fprintf(w, "watchers left in the hub: %d\n", r.left)
	if r.stoppedOnce != cfg.watchers || r.late != 0 || r.left != 0 {
		return errors.New("a watcher was stopped twice, or updated after Stop")
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "watcher:", err)
		os.Exit(1)
	}
}
