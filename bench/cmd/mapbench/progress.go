package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports how far a run has got on stderr: as a bar on a
// terminal, and otherwise, so that the log of a long run shows it too, as a
// line at every twentieth of the tasks. It is silent with -quiet.
//
// The time left is estimated task by task, since tasks differ by a factor
// of ten and more: a run of a cell takes about its -duration and a half (the
// testing package tries smaller counts first); bytes/entry fills a map of
// a million keys; a heap task fills one too, collects garbage a few times
// and runs -count times. The runs are alike, and their guess is scaled by
// what the finished ones took. Filling and collecting cost some maps five
// times what they cost others, so a map's heap task is predicted from its
// own bytes/entry task, which plan puts first, scaled by what the finished
// heap tasks took against their maps' bytes/entry.
type progress struct {
	w     io.Writer                // the terminal, for the bar
	bar   *progressbar.ProgressBar // nil unless stderr is a terminal
	lines io.Writer                // nil unless lines are written

	cfg      *config
	todo     []task
	finished int
	started  time.Time
	desc     string

	guess         [3]time.Duration // what one task of each kind should take
	took, guessed [3]time.Duration // of the finished tasks of each kind
	count         [3]int           // finished tasks of each kind
	memory        map[string]time.Duration
	// heapExtra and heapMemory add up, over the finished heap tasks of maps
	// whose bytes/entry is done, the time beyond their runs and the time of
	// their bytes/entry.
	heapExtra, heapMemory time.Duration
}

func newProgress(w io.Writer, cfg *config) *progress {
	p := &progress{cfg: cfg}
	switch {
	case cfg.quiet:
	case isTerminal(w):
		p.w = w
	default:
		p.lines = w
	}
	return p
}

// Guesses of how long the parts of a task take on an unloaded two-core
// machine; the estimate scales them by what it measures.
const (
	rampFactor  = 1.5                   // testing.Benchmark's runs before the one it reports
	fillPerKey  = 300 * time.Nanosecond // filling a map, per key stored
	gcPerKey    = 60 * time.Nanosecond  // one forced collection with the map live, per key stored
	benchGCs    = 4                     // the collections testing.Benchmark forces in one run
	countedCall = 100 * time.Nanosecond // one call, for -duration given as a count
	fixedCost   = 15 * time.Millisecond // a measurement's set-up
	memoryFixed = 50 * time.Millisecond // bytes/entry's set-up
)

// start sizes the bar and the estimate for tasks.
func (p *progress) start(tasks []task) {
	p.todo, p.started, p.memory = tasks, time.Now(), map[string]time.Duration{}
	p.guess[memoryTask] = memoryEntries*fillPerKey + 2*memoryEntries*gcPerKey + memoryFixed
	// Runs differ only by their key count; the guess of a run is that of
	// the average one.
	var sum time.Duration
	n := 0
	for _, t := range tasks {
		switch t.kind {
		case heapTask:
			stored := time.Duration(t.w.spec.Keys / 2)
			p.guess[heapTask] = stored*(fillPerKey+(2+measuredCycles)*gcPerKey) + p.heapRuns()
		case runTask:
			sum += p.runGuess(t.w.spec.Keys) + time.Duration(t.w.spec.Keys/2)*fillPerKey
			n++
		}
	}
	if n > 0 {
		p.guess[runTask] = sum / time.Duration(n)
	}
	if p.w != nil {
		p.bar = progressbar.NewOptions(len(tasks),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
}

// heapRuns is the part of a heap task that its runs take: -duration each,
// with no collection of their own.
func (p *progress) heapRuns() time.Duration { return time.Duration(p.cfg.count) * p.duration() }

// runGuess guesses one run by testing.B on a map of keys keys, already filled.
func (p *progress) runGuess(keys int) time.Duration {
	return time.Duration(float64(p.duration())*rampFactor) + fixedCost + benchGCs*time.Duration(keys/2)*gcPerKey
}

// duration guesses the time -duration asks for.
func (p *progress) duration() time.Duration {
	bt := p.cfg.benchtime
	if n, ok := strings.CutSuffix(bt, "x"); ok {
		calls, _ := strconv.Atoi(n)
		return time.Duration(calls) * countedCall
	}
	d, _ := time.ParseDuration(bt)
	return d
}

// describe names the task that starts.
func (p *progress) describe(t task, cfg *config) {
	switch t.kind {
	case memoryTask:
		p.desc = "bytes/entry " + t.impl.Name
	case heapTask:
		p.desc = fmt.Sprintf("heap %s %s", t.c.impl.Name, shortWorkload(t.w))
	default:
		// Short, so that bar and description fit an 80-column terminal.
		p.desc = fmt.Sprintf("run %d/%d %s %s", len(t.c.samples)+1, cfg.count, t.c.impl.Name, shortWorkload(t.w))
	}
	p.describeBar()
}

// describeBar shows the task and, once one is done, the time left.
func (p *progress) describeBar() {
	if p.bar == nil {
		return
	}
	if p.finished == 0 {
		p.bar.Describe(p.desc)
		return
	}
	p.bar.Describe(fmt.Sprintf("%s, about %s left", p.desc, p.remaining().Round(time.Second)))
}

// shortWorkload names a workload in a few words: "1k int uniform reads=90 g=2".
func shortWorkload(w *workloadResult) string {
	s := w.spec
	key := s.Key
	if w.keysFile != "" {
		key = w.keysFile
	}
	desc := fmt.Sprintf("%s %s %s %s", fmtCount(s.Keys), key, s.Dist, mixLabel(s))
	if s.ValueSize > 0 {
		desc += fmt.Sprintf(" %dB", s.ValueSize)
	}
	return desc + " g=" + strconv.Itoa(w.procs)
}

// done counts a task finished in took.
func (p *progress) done(t task, took time.Duration) {
	p.finished++
	k := t.kind
	p.count[k]++
	p.took[k] += took
	p.guessed[k] += p.guess[k]
	switch k {
	case memoryTask:
		p.memory[t.impl.Name] = took
	case heapTask:
		if m, ok := p.memory[t.c.impl.Name]; ok {
			p.heapExtra += max(took-p.heapRuns(), 0)
			p.heapMemory += m
		}
	}
	if p.bar != nil {
		p.bar.Add(1)
		p.describeBar()
	}
	n := len(p.todo)
	if p.lines == nil || p.finished*20/n == (p.finished-1)*20/n {
		return
	}
	elapsed := time.Since(p.started)
	fmt.Fprintf(p.lines, "mapbench: %3d%% of %d measurements, %s elapsed, about %s left (last: %s)\n",
		p.finished*100/n, n, elapsed.Round(time.Second), p.remaining().Round(time.Second), p.desc)
}

// remaining estimates the time the tasks not yet done will take.
func (p *progress) remaining() time.Duration {
	var left time.Duration
	for _, t := range p.todo[p.finished:] {
		left += p.predict(t)
	}
	return left
}

// predict estimates how long t will take.
func (p *progress) predict(t task) time.Duration {
	k := t.kind
	if k == heapTask {
		if m, ok := p.memory[t.c.impl.Name]; ok {
			factor := 1.7 // a heap task's filling and collecting against bytes/entry, on the machine this was written on
			if p.heapMemory > 0 {
				factor = float64(p.heapExtra) / float64(p.heapMemory)
			}
			return p.heapRuns() + time.Duration(factor*float64(m))
		}
	}
	if p.count[k] > 0 {
		return time.Duration(float64(p.guess[k]) * float64(p.took[k]) / float64(p.guessed[k]))
	}
	return p.guess[k]
}

// finish removes the bar.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
