package worker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/server/queue"
)

// fake is an Analyzer whose behaviour each test sets.
type fake struct {
	calls   atomic.Int32
	active  atomic.Int32
	peak    atomic.Int32
	delay   time.Duration
	fail    func(call int32) error
	started chan struct{}
}

func (f *fake) Analyze(ctx context.Context, req Request) error {
	n := f.calls.Add(1)
	a := f.active.Add(1)
	defer f.active.Add(-1)
	for {
		p := f.peak.Load()
		if a <= p || f.peak.CompareAndSwap(p, a) {
			break
		}
	}
	if f.started != nil {
		f.started <- struct{}{}
	}
	if _, err := os.Stat(req.Video); err != nil {
		return err
	}
	steps := 10
	for i := range steps {
		req.Progress("pose", i+1, steps)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(f.delay / time.Duration(steps)):
		}
	}
	if f.fail != nil {
		if err := f.fail(n); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(req.Dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"report.json", "report.html", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(req.Dir, name), []byte(`{"movement":"`+req.Movement+`"}`), 0o644); err != nil {
			return err
		}
	}
	return nil
}

type env struct {
	c      *queue.Conn
	events chan queue.Event
}

func setup(t *testing.T, cfg queue.Config) *env {
	t.Helper()
	e, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	ctx, cancel := context.WithCancel(context.Background())
	c, err := queue.Connect(ctx, queue.ConnectOptions{Embedded: e})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	t.Cleanup(cancel)
	if err := c.Setup(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	ev := make(chan queue.Event, 1000)
	go c.ConsumeEvents(ctx, func(_ context.Context, e queue.Event) error { ev <- e; return nil })
	go c.ConsumeDeadLetters(ctx, func(_ context.Context, e queue.Event) error { ev <- e; return nil })
	return &env{c: c, events: ev}
}

// enqueue stores a video and queues n jobs for it.
func (e *env) enqueue(t *testing.T, ids ...int64) {
	t.Helper()
	ctx := context.Background()
	name := queue.NewVideoName()
	if _, err := e.c.PutVideo(ctx, name, strings.NewReader("not really a video")); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := e.c.PublishJob(ctx, queue.Job{ID: id, Recording: id, Video: name, Ext: "mp4", Movement: "squat", Enqueued: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// until collects events until a final one (done, failed, dead) for each
// of the jobs.
func (e *env) until(t *testing.T, timeout time.Duration, jobs ...int64) map[int64][]queue.Event {
	t.Helper()
	got := map[int64][]queue.Event{}
	left := map[int64]bool{}
	for _, j := range jobs {
		left[j] = true
	}
	deadline := time.After(timeout)
	for len(left) > 0 {
		select {
		case ev := <-e.events:
			got[ev.Job] = append(got[ev.Job], ev)
			if ev.Kind == queue.EventDone || ev.Kind == queue.EventFailed || ev.Kind == queue.EventDead {
				delete(left, ev.Job)
			}
		case <-deadline:
			t.Fatalf("jobs %v not finished in %s; events %+v", left, timeout, got)
		}
	}
	return got
}

func start(t *testing.T, e *env, a Analyzer, cfg Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := New(e.c, a, cfg)
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func kinds(evs []queue.Event) []queue.EventKind {
	var k []queue.EventKind
	for _, e := range evs {
		if len(k) == 0 || k[len(k)-1] != e.Kind {
			k = append(k, e.Kind)
		}
	}
	return k
}

func TestSuccess(t *testing.T) {
	e := setup(t, queue.Config{AckWait: time.Second})
	f := &fake{delay: 1500 * time.Millisecond} // longer than AckWait
	defer start(t, e, f, Config{Name: "w1", ProgressEvery: 100 * time.Millisecond})()
	e.enqueue(t, 1)
	evs := e.until(t, 20*time.Second, 1)[1]
	if k := kinds(evs); len(k) != 3 || k[0] != queue.EventRunning || k[1] != queue.EventProgress || k[2] != queue.EventDone {
		t.Errorf("events %v, want running, progress..., done", k)
	}
	last := 0.0
	for _, ev := range evs {
		if ev.Kind == queue.EventProgress {
			if ev.Progress < last || ev.Progress > 1 || ev.Pass != "pose" {
				t.Errorf("progress %v after %v (pass %q)", ev.Progress, last, ev.Pass)
			}
			last = ev.Progress
		}
		if ev.Worker != "w1" || ev.Attempt != 1 {
			t.Errorf("event from %q attempt %d, want w1 attempt 1 (no redelivery while alive)", ev.Worker, ev.Attempt)
		}
	}
	m, err := e.c.GetManifest(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	// notes.txt is not a result file: not stored.
	if len(m.Files) != 2 || m.Files[0] != "report.html" || m.Files[1] != "report.json" {
		t.Errorf("manifest files %v", m.Files)
	}
	if b, _ := e.c.GetResultBytes(context.Background(), 1, "report.json"); string(b) != `{"movement":"squat"}` {
		t.Errorf("stored report.json %q", b)
	}
	if f.calls.Load() != 1 {
		t.Errorf("analysed %d times", f.calls.Load())
	}
}

func TestFailures(t *testing.T) {
	t.Run("permanent fails at once", func(t *testing.T) {
		e := setup(t, queue.Config{AckWait: time.Second, MaxDeliver: 3})
		f := &fake{fail: func(int32) error { return Permanent(errors.New("clip.mp4: not a video")) }}
		defer start(t, e, f, Config{RetryDelay: 50 * time.Millisecond})()
		e.enqueue(t, 2)
		evs := e.until(t, 10*time.Second, 2)[2]
		if last := evs[len(evs)-1]; last.Kind != queue.EventFailed || last.Error != "clip.mp4: not a video" {
			t.Errorf("last event %+v", last)
		}
		time.Sleep(300 * time.Millisecond)
		if n := f.calls.Load(); n != 1 {
			t.Errorf("a permanent failure was tried %d times", n)
		}
	})
	t.Run("transient retried then given up", func(t *testing.T) {
		e := setup(t, queue.Config{AckWait: time.Second, MaxDeliver: 3})
		f := &fake{fail: func(int32) error { return errors.New("disk full") }}
		defer start(t, e, f, Config{RetryDelay: 50 * time.Millisecond})()
		e.enqueue(t, 3)
		evs := e.until(t, 10*time.Second, 3)[3]
		last := evs[len(evs)-1]
		if last.Kind != queue.EventFailed || last.Attempt != 3 || last.Error != "gave up after 3 attempts: disk full" {
			t.Errorf("last event %+v", last)
		}
		if n := f.calls.Load(); n != 3 {
			t.Errorf("tried %d times, want 3 (MaxDeliver)", n)
		}
	})
	t.Run("transient then success", func(t *testing.T) {
		e := setup(t, queue.Config{AckWait: time.Second, MaxDeliver: 3})
		f := &fake{fail: func(n int32) error {
			if n == 1 {
				return errors.New("out of memory")
			}
			return nil
		}}
		defer start(t, e, f, Config{RetryDelay: 50 * time.Millisecond})()
		e.enqueue(t, 4)
		evs := e.until(t, 10*time.Second, 4)[4]
		if last := evs[len(evs)-1]; last.Kind != queue.EventDone || last.Attempt != 2 {
			t.Errorf("last event %+v", last)
		}
	})
	t.Run("panic is a transient failure", func(t *testing.T) {
		e := setup(t, queue.Config{AckWait: time.Second, MaxDeliver: 2})
		f := &fake{fail: func(int32) error { panic("index out of range") }}
		defer start(t, e, f, Config{RetryDelay: 50 * time.Millisecond})()
		e.enqueue(t, 5)
		evs := e.until(t, 10*time.Second, 5)[5]
		if last := evs[len(evs)-1]; last.Kind != queue.EventFailed || last.Attempt != 2 {
			t.Errorf("last event %+v", last)
		}
	})
}

// TestAlreadyFinished: a job whose results are stored (its worker died
// before acknowledging) is reported done without a second analysis.
func TestAlreadyFinished(t *testing.T) {
	e := setup(t, queue.Config{})
	ctx := context.Background()
	if err := e.c.PutManifest(ctx, queue.Manifest{Job: 6, Files: []string{"report.json"}, Worker: "old", Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	defer start(t, e, f, Config{})()
	e.enqueue(t, 6)
	evs := e.until(t, 10*time.Second, 6)[6]
	if len(evs) != 1 || evs[0].Kind != queue.EventDone || f.calls.Load() != 0 {
		t.Errorf("events %+v after %d analyses, want one done and none", evs, f.calls.Load())
	}
}

// TestStopHandsBack: stopping a worker mid-job hands the job straight
// back, and another worker finishes it well before the ack wait.
func TestStopHandsBack(t *testing.T) {
	e := setup(t, queue.Config{AckWait: 30 * time.Second})
	slow := &fake{delay: 20 * time.Second, started: make(chan struct{}, 1)}
	stop := start(t, e, slow, Config{Name: "leaving"})
	e.enqueue(t, 7)
	<-slow.started
	begin := time.Now()
	stop()
	quick := &fake{}
	defer start(t, e, quick, Config{Name: "staying"})()
	evs := e.until(t, 10*time.Second, 7)[7]
	last := evs[len(evs)-1]
	if last.Kind != queue.EventDone || last.Worker != "staying" || last.Attempt != 2 {
		t.Errorf("last event %+v", last)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("handed-back job took %s to finish", d)
	}
}

// TestBudget: a worker never runs more analyses at once than its budget.
func TestBudget(t *testing.T) {
	e := setup(t, queue.Config{})
	f := &fake{delay: 200 * time.Millisecond}
	defer start(t, e, f, Config{Concurrency: 2})()
	ids := []int64{11, 12, 13, 14, 15, 16}
	e.enqueue(t, ids...)
	got := e.until(t, 20*time.Second, ids...)
	for _, id := range ids {
		if evs := got[id]; evs[len(evs)-1].Kind != queue.EventDone {
			t.Errorf("job %d: %+v", id, evs[len(evs)-1])
		}
	}
	if p := f.peak.Load(); p != 2 {
		t.Errorf("peak concurrent analyses %d, want 2", p)
	}
}
