package engine

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countTask counts how often each unit runs.
type countTask struct{ hits []atomic.Int32 }

func (c *countTask) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
	}
}

// workerPanicTask has two units. Unit 0, the caller's own region, waits
// until unit 1 has started, so unit 1 runs on a worker, and unit 1 panics.
type workerPanicTask struct {
	started  atomic.Bool
	timedOut atomic.Bool
}

func (w *workerPanicTask) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		if i == 1 {
			w.started.Store(true)
			panic("unit 1 failed")
		}
		deadline := time.Now().Add(10 * time.Second)
		for !w.started.Load() {
			if time.Now().After(deadline) {
				w.timedOut.Store(true)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// callerPanicTask panics in unit 0, which the calling goroutine starts with.
type callerPanicTask struct{}

func (callerPanicTask) Range(lo, hi int) {
	if lo == 0 {
		panic("unit 0 failed")
	}
}

// parallelForPanic runs t on p and returns the value parallelFor panicked
// with, or nil.
func parallelForPanic(p *pool, n int, t rangeTask) (r any) {
	defer func() { r = recover() }()
	p.parallelFor(n, 1, t)
	return nil
}

// TestPoolPanics checks that a panic in a unit of work, on a worker or on
// the calling goroutine, reaches the caller of parallelFor instead of
// crashing the process, and that the pool runs every unit of the next job
// exactly once afterwards.
func TestPoolPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		task func() rangeTask
		want string
	}{
		{"worker", func() rangeTask { return &workerPanicTask{} }, "unit 1 failed"},
		{"caller", func() rangeTask { return callerPanicTask{} }, "unit 0 failed"},
	} {
		for _, threads := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/threads%d", tc.name, threads), func(t *testing.T) {
				p := newPool(threads)
				defer p.close()
				task := tc.task()
				r := parallelForPanic(p, 2, task)
				if w, ok := task.(*workerPanicTask); ok && w.timedOut.Load() {
					t.Fatal("no worker joined the job within 10 s")
				}
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Fatalf("parallelFor panicked with %v, want %q", r, tc.want)
				}
				c := &countTask{hits: make([]atomic.Int32, 1000)}
				if r := parallelForPanic(p, len(c.hits), c); r != nil {
					t.Fatalf("the next job panicked: %v", r)
				}
				for i := range c.hits {
					if n := c.hits[i].Load(); n != 1 {
						t.Fatalf("after the panic, unit %d ran %d times, want 1", i, n)
					}
				}
			})
		}
	}
}

// stragglerTask has two units. Unit 0, the caller's, waits until unit 1 has
// started on a worker; unit 1 then sleeps for sleep, as a worker the kernel
// descheduled in the middle of its chunk.
type stragglerTask struct {
	sleep    time.Duration
	started  atomic.Bool
	timedOut atomic.Bool
}

func (w *stragglerTask) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		if i == 1 {
			w.started.Store(true)
			time.Sleep(w.sleep)
			continue
		}
		deadline := time.Now().Add(10 * time.Second)
		for !w.started.Load() {
			if time.Now().After(deadline) {
				w.timedOut.Store(true)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// TestPoolBacksOff checks that a worker keeping the caller waiting far
// longer than the job's work makes the pool run its next jobs on the caller
// alone (every unit still exactly once), and that once the back-off period
// has passed, parallel jobs that end without such a wait give the workers
// back.
func TestPoolBacksOff(t *testing.T) {
	p := newPool(2)
	defer p.close()
	// 20 ms is a time slice of a busy machine, far beyond stragglerWait
	// and beyond the time the caller waits for the worker to start.
	st := &stragglerTask{sleep: 20 * time.Millisecond}
	p.parallelFor(2, 1, st)
	if st.timedOut.Load() {
		t.Fatal("no worker joined the job within 10 s")
	}
	if p.backoff < minBackoff || p.inlineUntil <= monoNow()-p.backoff {
		t.Fatalf("after a 20 ms straggler: back-off %v, want at least %v", p.backoff, minBackoff)
	}
	// Within the period, a job runs on the caller: it is not published to
	// the workers (the generation stays).
	gen := p.state.Load() &^ (stateGen - 1)
	c := &countTask{hits: make([]atomic.Int32, 1000)}
	p.parallelFor(len(c.hits), 1, c)
	if g := p.state.Load() &^ (stateGen - 1); g != gen {
		t.Error("a job during the back-off was handed to the workers")
	}
	for i := range c.hits {
		if n := c.hits[i].Load(); n != 1 {
			t.Fatalf("during the back-off, unit %d ran %d times, want 1", i, n)
		}
	}
	// After it, a period of clean jobs halves the back-off, down to
	// nothing. A busy machine may deschedule a worker again, so allow a
	// few seconds.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		p.parallelFor(len(c.hits), 1, c)
		if p.backoff == 0 {
			return
		}
	}
	t.Fatalf("back-off still %v after 5 s of clean jobs", p.backoff)
}
