package pipeline

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sync/semaphore"
)

// Budget is a process-wide allowance of inference threads that concurrent
// pose passes draw from: a clinic server's workers or a batch's parallel
// inputs share one Budget (and one loaded model), so however many analyses
// run at once, no more than Size threads estimate poses. A pass takes its
// threads before it starts its lanes, waiting while other passes hold
// them, and gives them back when its last lane is done; the other passes
// (screening, the annotated video) run outside the budget. A Budget is safe
// for concurrent use.
type Budget struct {
	size int
	sem  *semaphore.Weighted
}

// NewBudget returns a budget of threads inference threads (0 or less: one
// per CPU, GOMAXPROCS).
func NewBudget(threads int) *Budget {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return &Budget{size: threads, sem: semaphore.NewWeighted(int64(threads))}
}

// Size is the number of threads in the budget.
func (b *Budget) Size() int { return b.size }

// acquire takes n threads (at most Size), waiting until they are free or
// ctx ends, and returns the function that gives them back.
func (b *Budget) acquire(ctx context.Context, n int) (func(), error) {
	n = min(max(n, 1), b.size)
	if err := b.sem.Acquire(ctx, int64(n)); err != nil {
		return nil, fmt.Errorf("pipeline: waiting for inference threads: %w", err)
	}
	return func() { b.sem.Release(int64(n)) }, nil
}
