package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
//
// An inference is a chain of about 150 parallel steps, many of them only
// tens of µs long, while waking a parked goroutine costs tens of µs on a
// virtual machine. So the caller never waits for a worker to wake up: it
// publishes the job, works through it itself, and waits only for workers
// that actually joined. Workers spin for a while after each job so that
// they are awake for the next one, and park when the session goes idle.
//
// On a machine with more runnable threads than cores (other processes, a
// server's other analyses, threads outside the Go scheduler) the kernel can
// deschedule a worker in the middle of its chunk for a whole time slice,
// milliseconds, and the caller then waits for it at the end of the step;
// over 150 steps that can make two threads slower than one. So the caller
// times its wait for workers that joined: when one keeps it waiting longer
// than any chunk takes (stragglerWait) and longer than the caller's own
// share of the job took, the pool runs its jobs on the calling goroutine
// alone for a back-off period, doubled each time the straggling recurs and
// halved after as long again of parallel jobs without it, while its workers
// park. An uncontended pool never waits that long and keeps every thread.
//
// A panic in a unit of work, on any thread, is carried to the caller of
// parallelFor once every thread has left the job, so that the Session turns
// it into an error for the Run (as for a panic on the calling goroutine)
// and the pool stays usable, instead of the process crashing.
type pool struct {
	threads int
	workers int

	// state packs the job generation (high bits), a closed flag and the
	// number of workers inside the current job (low bits).
	state atomic.Uint64
	cur   job
	// The units of a job are split into one contiguous region per thread.
	// Each thread works through its own region first and then helps with
	// the others, so that consecutive steps split alike (a depthwise band
	// of rows, then the same pixels of the next 1x1 convolution) find their
	// data in the same core's cache.
	regions []region

	mu       sync.Mutex
	wake     *sync.Cond
	sleepers atomic.Int32
	closed   atomic.Bool
	// fault is the first panic value of a worker in the current job, set
	// under mu and read by the caller after every worker has left.
	fault any

	// backoff is the current back-off period, inlineUntil (on the
	// monotonic clock of monoNow) the end of it and since the start of the
	// last period or relaxation; only the caller of parallelFor touches
	// them.
	backoff     time.Duration
	inlineUntil time.Duration
	since       time.Duration
}

const (
	stateGen    = 1 << 32
	stateClosed = 1 << 31
	stateActive = stateClosed - 1
)

type job struct {
	t     rangeTask
	n     int
	chunk int
}

// region is one thread's share of a job, padded to its own cache line.
type region struct {
	next atomic.Int64 // next unit to hand out
	end  int64
	_    [48]byte
}

// spinTime is how long an idle worker polls for the next job before
// parking. It must outlast the gaps between the parallel steps of one
// inference (the caller's last chunk plus the serial operations between),
// because a parked worker can take a millisecond to run again on a busy
// virtual machine.
const spinTime = 500 * time.Microsecond

// stragglerWait is how long the caller may wait, after its own share of a
// job, for workers inside it before the pool backs off to one thread. A
// chunk is a fraction of one step, tens of µs on MoveNet; a worker that
// keeps the caller waiting much longer was descheduled by the kernel.
const stragglerWait = 250 * time.Microsecond

// minBackoff and maxBackoff bound the back-off period. Each period ends
// with a job that tries the workers again, at the risk of one more wait of
// a time slice: at most a few percent of maxBackoff.
const (
	minBackoff = 2 * time.Millisecond
	maxBackoff = 200 * time.Millisecond
)

// monoEpoch is the origin of monoNow.
var monoEpoch = time.Now()

// monoNow reads the monotonic clock.
func monoNow() time.Duration { return time.Since(monoEpoch) }

// newPool starts threads-1 workers.
func newPool(threads int) *pool {
	if threads < 1 {
		threads = 1
	}
	p := &pool{threads: threads, workers: threads - 1, regions: make([]region, threads)}
	p.wake = sync.NewCond(&p.mu)
	p.state.Store(stateClosed)
	for i := 0; i < p.workers; i++ {
		go p.worker(i + 1)
	}
	return p
}

func (p *pool) worker(self int) {
	var seen uint64
	for {
		gen := p.waitNewJob(seen)
		if p.closed.Load() {
			return
		}
		seen = gen
		// Join the job unless the caller has already closed it.
		for {
			s := p.state.Load()
			if s&^(stateGen-1) != gen || s&stateClosed != 0 {
				break
			}
			if p.state.CompareAndSwap(s, s+1) {
				if r := p.drainRecover(p.cur, self); r != nil {
					p.mu.Lock()
					if p.fault == nil {
						p.fault = r
					}
					p.mu.Unlock()
				}
				p.state.Add(^uint64(0)) // leave
				break
			}
		}
	}
}

// waitNewJob spins, then parks, until the job generation differs from seen
// or the pool closes, and returns the generation.
func (p *pool) waitNewJob(seen uint64) uint64 {
	var start time.Time
	for i := 0; ; i++ {
		if g := p.state.Load() &^ (stateGen - 1); g != seen || p.closed.Load() {
			return g
		}
		if i%64 == 63 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinTime {
				break
			}
			runtime.Gosched()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sleepers.Add(1)
	defer p.sleepers.Add(-1)
	for {
		if g := p.state.Load() &^ (stateGen - 1); g != seen || p.closed.Load() {
			return g
		}
		p.wake.Wait()
	}
}

// drain takes chunks of j, from region self first, until none are left.
func (p *pool) drain(j job, self int) {
	n := len(p.regions)
	for i := 0; i < n; i++ {
		r := &p.regions[(self+i)%n]
		for {
			lo := r.next.Add(int64(j.chunk)) - int64(j.chunk)
			if lo >= r.end {
				break
			}
			j.t.Range(int(lo), int(min(lo+int64(j.chunk), r.end)))
		}
	}
}

// drainRecover runs drain and returns the value of a panic in it, or nil.
// A thread that panics leaves the rest of its chunk undone; the others
// still finish theirs, so the job ends normally.
func (p *pool) drainRecover(j job, self int) (fault any) {
	defer func() { fault = recover() }()
	p.drain(j, self)
	return nil
}

// parallelFor runs t over units [0, n) across the pool, in chunks of at
// least grain units, and returns when all are done. If a unit panicked, on
// whichever thread, parallelFor panics with that value once no thread is
// left inside the job.
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
	if p.backoff > 0 && monoNow() < p.inlineUntil {
		t.Range(0, n)
		return
	}
	// A few chunks per thread balance uneven units without much overhead.
	chunk := max(grain, (n+4*p.threads-1)/(4*p.threads))
	j := job{t: t, n: n, chunk: chunk}
	// No worker is inside a job here, so cur and the regions are free to
	// write; the state store publishes them.
	p.cur = j
	for i := range p.regions {
		r := &p.regions[i]
		r.next.Store(int64(n * i / p.threads))
		r.end = int64(n * (i + 1) / p.threads)
	}
	gen := p.state.Load()&^(stateGen-1) + stateGen
	published := monoNow()
	p.state.Store(gen)
	if p.sleepers.Load() > 0 {
		p.mu.Lock()
		p.wake.Broadcast()
		p.mu.Unlock()
	}
	fault := p.drainRecover(j, 0)
	// Close the job to late workers, then wait for those inside.
	s := p.state.Add(stateClosed)
	if s&stateActive != 0 {
		start := monoNow()
		for i := 0; s&stateActive != 0; i++ {
			if i%64 == 63 {
				runtime.Gosched()
			}
			s = p.state.Load()
		}
		// A wait longer than the caller's own share took is no chunk
		// running late but a worker the kernel set aside.
		if now := monoNow(); now-start > stragglerWait && now-start > start-published {
			p.backoff = min(max(2*p.backoff, minBackoff), maxBackoff)
			p.inlineUntil = now + p.backoff
			p.since = now
		} else {
			p.relax(now)
		}
	} else if p.backoff > 0 {
		p.relax(monoNow())
	}
	p.cur = job{} // drop the reference to the step
	if fault == nil {
		fault = p.fault
	}
	p.fault = nil
	if fault != nil {
		panic(fault)
	}
}

// relax halves the back-off period once the workers have run a whole
// period after it (two since it began) without keeping the caller waiting.
// Relaxing per clean job instead would throw the period away at once: on a
// busy machine one job in hundreds meets a descheduled worker, and each
// such wait costs as much as hundreds of jobs gain from the workers.
func (p *pool) relax(now time.Duration) {
	if p.backoff > 0 && now-p.since > 2*p.backoff {
		if p.backoff /= 2; p.backoff < minBackoff {
			p.backoff = 0
		}
		p.since = now
	}
}

// close stops the workers.
func (p *pool) close() {
	if p == nil || p.closed.Swap(true) {
		return
	}
	p.mu.Lock()
	p.wake.Broadcast()
	p.mu.Unlock()
}
