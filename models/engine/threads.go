package engine

import "runtime"

// NewSessionThreads is NewSession with its own number of worker threads
// instead of the Model's (WithThreads; values below 1 mean 1). One loaded
// Model then serves sessions of different sizes: pose-estimation lanes
// that share a process-wide thread budget each take the threads they were
// given, and the weights are loaded and checked once.
func (m *Model) NewSessionThreads(threads int) *Session {
	s := m.NewSession()
	if threads < 1 {
		threads = 1
	}
	if threads == s.pool.threads {
		return s
	}
	// The pool is only used when the session runs; swap it before the
	// first run. The replaced pool's workers stop now; the new one is
	// stopped by Close or, for a session dropped without Close, by its
	// own cleanup.
	s.pool.close()
	s.pool = newPool(threads)
	runtime.AddCleanup(s, func(p *pool) { p.close() }, s.pool)
	return s
}
