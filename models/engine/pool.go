package engine

import (
	"sync"
	"sync/atomic"
)

// rangeTask is work split into n independent units; Range does units
// [lo, hi). Kernels implement it on per-session step structs so that
// dispatching work allocates nothing.
type rangeTask interface {
	Range(lo, hi int)
}

// pool is a small fixed set of worker goroutines owned by one Session. The
// calling goroutine takes part in the work, so a pool of one thread runs
// everything inline.
type pool struct {
	threads int
	work    []chan job
	wg      sync.WaitGroup
	next    atomic.Int64
	closed  bool
}

type job struct {
	t     rangeTask
	n     int
	chunk int
}

// newPool starts threads-1 workers.
func newPool(threads int) *pool {
	if threads < 1 {
		threads = 1
	}
	p := &pool{threads: threads}
	for i := 1; i < threads; i++ {
		ch := make(chan job, 1)
		p.work = append(p.work, ch)
		go p.worker(ch)
	}
	return p
}

func (p *pool) worker(ch chan job) {
	for j := range ch {
		p.drain(j)
		p.wg.Done()
	}
}

// drain takes chunks of j until none are left.
func (p *pool) drain(j job) {
	for {
		lo := int(p.next.Add(int64(j.chunk))) - j.chunk
		if lo >= j.n {
			return
		}
		hi := min(lo+j.chunk, j.n)
		j.t.Range(lo, hi)
	}
}

// parallelFor runs t over units [0, n) across the pool, in chunks of at
// least grain units, and returns when all are done.
func (p *pool) parallelFor(n, grain int, t rangeTask) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	if p == nil || p.threads == 1 || n <= grain {
		t.Range(0, n)
		return
	}
	// A few chunks per thread balance uneven units without much overhead.
	chunk := max(grain, (n+4*p.threads-1)/(4*p.threads))
	chunks := (n + chunk - 1) / chunk
	helpers := min(len(p.work), chunks-1)
	p.next.Store(0)
	j := job{t: t, n: n, chunk: chunk}
	p.wg.Add(helpers)
	for i := 0; i < helpers; i++ {
		p.work[i] <- j
	}
	p.drain(j)
	p.wg.Wait()
}

// close stops the workers.
func (p *pool) close() {
	if p == nil || p.closed {
		return
	}
	p.closed = true
	for _, ch := range p.work {
		close(ch)
	}
}
