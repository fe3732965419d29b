package pipeline

import (
	"context"
	"encoding/json"
	"image"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
)

// threadCounter is a shared model whose estimators count the inference
// threads alive at once.
type threadCounter struct {
	mu                 sync.Mutex
	active, peak, made int
}

func (c *threadCounter) newEstimator(threads int) (Estimator, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active += threads
	c.peak = max(c.peak, c.active)
	c.made++
	return &countedEstimator{c: c, threads: threads}, nil
}

type countedEstimator struct {
	c       *threadCounter
	threads int
}

func (e *countedEstimator) Track(ctx context.Context, _ image.Image) (pose.Pose, error) {
	time.Sleep(time.Millisecond) // long enough for concurrent runs to overlap
	p := pose.NewPose(pose.COCO17)
	p.Person = true
	return p, ctx.Err()
}

func (e *countedEstimator) Close() {
	e.c.mu.Lock()
	e.c.active -= e.threads
	e.c.mu.Unlock()
}

// TestBudgetBoundsConcurrentRuns starts six pose passes at once, each
// asking for 2 threads, on one shared model and a budget of 4: all finish,
// two run at a time (the budget is used, not serialised), and never more
// than 4 inference threads are alive.
func TestBudgetBoundsConcurrentRuns(t *testing.T) {
	for _, symmetric := range []bool{false, true} {
		c := &threadCounter{}
		budget := NewBudget(4)
		var g errgroup.Group
		for range 6 {
			g.Go(func() error {
				tr, err := Track(context.Background(), &colourSource{n: 30}, TrackOptions{NewEstimator: c.newEstimator, Budget: budget,
					Threads: 2, Lanes: 2, Symmetric: symmetric})
				if err == nil && len(tr.Poses) != 30 {
					t.Errorf("%d poses, want 30", len(tr.Poses))
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if c.peak > budget.Size() || c.peak < 4 || c.active != 0 || c.made != 12 {
			t.Errorf("symmetric %v: peak %d threads on a budget of %d (want it used, not exceeded), %d left, %d estimators",
				symmetric, c.peak, budget.Size(), c.active, c.made)
		}
	}
	// A pass that waits for its threads stops when its context ends.
	budget := NewBudget(2)
	release, err := budget.acquire(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	c := &threadCounter{}
	if _, err := Track(ctx, &colourSource{n: 3}, TrackOptions{NewEstimator: c.newEstimator, Budget: budget}); err == nil || c.made != 0 {
		t.Errorf("waiting for a full budget: err %v, %d estimators made", err, c.made)
	}
}

// TestRunsShareOneModel analyses one clip twice at the same time with one
// loaded Lightning model and one thread budget: both reports equal a run
// of its own.
func TestRunsShareOneModel(t *testing.T) {
	in := testenv.Testdata(t, sample.FixtureFile)
	shared := lightning(t) // one loaded model
	run := func(budget *Budget) []byte {
		cfg := defaultConfig(t, report.FormatJSON)
		cfg.Track = TrackOptions{NewEstimator: shared, Symmetric: true, Threads: 2, Budget: budget}
		res, err := Run(context.Background(), in, filepath.Join(t.TempDir(), "out"), cfg)
		if err != nil {
			t.Error(err)
			return nil
		}
		b, _ := json.Marshal(res.Report.Reps)
		return b
	}
	alone := run(nil)
	budget := NewBudget(2)
	var both [2][]byte
	var wg sync.WaitGroup
	for i := range both {
		wg.Add(1)
		go func() { defer wg.Done(); both[i] = run(budget) }()
	}
	wg.Wait()
	for i, b := range both {
		if string(b) != string(alone) || len(b) < 10 {
			t.Errorf("concurrent run %d: reps %.200s, alone %.200s", i, b, alone)
		}
	}
}
