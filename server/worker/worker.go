package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kneescreen/kneescreen/server/queue"
)

// Analyzer analyses one video into a folder of result files. It must be
// safe for concurrent use; the worker calls it at most Config.Concurrency
// times at once.
type Analyzer interface {
	Analyze(ctx context.Context, req Request) error
}

// Request is one analysis.
type Request struct {
	// Video is the local copy of the upload; Name the upload's own name,
	// for the report to show (display only).
	Video string
	Name  string
	// Dir is the folder to write the result files into (names from
	// queue.ResultFiles; others are ignored).
	Dir string
	// Movement, Stance, View and Sex are the screening options as the
	// command line spells them ("auto", "squat", "left", "female", ...).
	Movement, Stance, View, Sex string
	// Progress receives the analysis's progress: pass ("pose", "render")
	// and frames done of total (total -1 when unknown).
	Progress func(pass string, done, total int)
}

// PermanentError marks a failure no retry can fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError (nil stays nil).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// Config is a worker's budget and identity.
type Config struct {
	// Name identifies the worker in events (default: host name and pid).
	Name string
	// Concurrency is how many analyses run at once (0: 1).
	Concurrency int
	// TempDir stages videos and results ("": the system's).
	TempDir string
	// Log receives one line per job step (nil: discarded).
	Log io.Writer
	// ProgressEvery is the least time between progress events (0: 500 ms).
	ProgressEvery time.Duration
	// RetryDelay is the first retry's delay, doubled per attempt (0: 2 s).
	RetryDelay time.Duration
}

// Worker runs jobs from a queue with an Analyzer.
type Worker struct {
	q   *queue.Conn
	a   Analyzer
	cfg Config
	// running counts analyses in progress (for tests and status).
	running atomic.Int32
}

// New returns a worker.
func New(q *queue.Conn, a Analyzer, cfg Config) *Worker {
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 500 * time.Millisecond
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	return &Worker{q: q, a: a, cfg: cfg}
}

// Name is the worker's name in events.
func (w *Worker) Name() string { return w.cfg.Name }

// Running returns how many analyses are in progress.
func (w *Worker) Running() int { return int(w.running.Load()) }

func (w *Worker) logf(format string, args ...any) {
	fmt.Fprintf(w.cfg.Log, "worker %s: %s\n", w.cfg.Name, fmt.Sprintf(format, args...))
}

// Run takes jobs until ctx ends, at most Concurrency at a time, and
// returns once every job it started has been finished or handed back.
func (w *Worker) Run(ctx context.Context) error {
	jobs, err := w.q.Jobs(ctx)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	slots := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		d, err := jobs.Next(ctx, 10*time.Second)
		if ctx.Err() != nil {
			<-slots
			if d != nil {
				_ = d.Retry(0)
			}
			return nil
		}
		if err != nil {
			w.logf("%v", err)
			<-slots
			sleep(ctx, time.Second)
			continue
		}
		if d == nil {
			<-slots
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			w.handle(ctx, d)
		})
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// handle runs one delivery to its end: done, failed, or handed back.
func (w *Worker) handle(ctx context.Context, d *queue.Delivery) {
	job := d.Job
	start := time.Now()
	// Reports and acks must get out even while the worker stops.
	bg := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	}
	ev := queue.Event{Job: job.ID, Attempt: d.Attempt, Worker: w.cfg.Name}
	publish := func(kind queue.EventKind, msg string) error {
		c, cancel := bg()
		defer cancel()
		e := ev
		e.Kind, e.Error = kind, msg
		return w.q.PublishEvent(c, e)
	}

	// Finished before (by a worker that died before acknowledging)?
	if m, err := w.q.GetManifest(ctx, job.ID); err == nil {
		w.logf("job %d (attempt %d): results already stored by %s, reporting done", job.ID, d.Attempt, m.Worker)
		w.finish(ctx, d, publish)
		return
	}
	if err := publish(queue.EventRunning, ""); err != nil {
		w.logf("job %d: %v; handing it back", job.ID, err)
		_ = d.Retry(w.cfg.RetryDelay)
		return
	}
	w.logf("job %d (recording %d, attempt %d): running", job.ID, job.Recording, d.Attempt)
	w.running.Add(1)
	err := w.run(ctx, d)
	w.running.Add(-1)

	var perm *PermanentError
	switch {
	case err == nil:
		w.logf("job %d: analysed in %.1f s", job.ID, time.Since(start).Seconds())
		w.finish(ctx, d, publish)
	case ctx.Err() != nil:
		w.logf("job %d: stopped; handing it back to the queue", job.ID)
		_ = d.Retry(0)
	case errors.As(err, &perm):
		w.logf("job %d: failed: %v", job.ID, err)
		if perr := publish(queue.EventFailed, err.Error()); perr != nil {
			_ = d.Retry(w.cfg.RetryDelay) // report it next time
			return
		}
		_ = d.Drop(err.Error())
	case d.Last:
		msg := fmt.Sprintf("gave up after %d attempts: %v", d.Attempt, err)
		w.logf("job %d: %s", job.ID, msg)
		if perr := publish(queue.EventFailed, msg); perr != nil {
			_ = d.Retry(w.cfg.RetryDelay)
			return
		}
		_ = d.Drop(msg)
	default:
		delay := w.cfg.RetryDelay << min(d.Attempt-1, 6)
		w.logf("job %d (attempt %d): %v; retrying in %s", job.ID, d.Attempt, err, delay)
		_ = d.Retry(delay)
	}
}

// finish reports a job whose results are stored as done and acknowledges
// it.
func (w *Worker) finish(ctx context.Context, d *queue.Delivery, publish func(queue.EventKind, string) error) {
	if err := publish(queue.EventDone, ""); err != nil {
		w.logf("job %d: %v; it will be reported when redelivered", d.Job.ID, err)
		_ = d.Retry(w.cfg.RetryDelay)
		return
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.Done(c); err != nil {
		// Redelivered later, it finds the manifest and reports done again.
		w.logf("job %d: acknowledging: %v", d.Job.ID, err)
	}
}

// videoExts are the file extensions a staged video may get (from the
// upload's probed container), so FFmpeg sees a familiar name.
var videoExts = []string{"mp4", "mov", "webm", "mkv", "avi"}

// run stages the video, analyses it while keeping the job alive and
// stores the results.
func (w *Worker) run(ctx context.Context, d *queue.Delivery) (err error) {
	job := d.Job
	dir, err := os.MkdirTemp(w.cfg.TempDir, "kneescreen-job-*")
	if err != nil {
		return fmt.Errorf("worker: staging folder: %w", err)
	}
	defer os.RemoveAll(dir)
	ext := "video"
	if slices.Contains(videoExts, job.Ext) {
		ext = job.Ext
	}
	video := filepath.Join(dir, "input."+ext)
	if err := w.q.GetVideoFile(ctx, job.Video, video); err != nil {
		if errors.Is(err, queue.ErrBlobNotFound) {
			return Permanent(fmt.Errorf("the uploaded video is gone (deleted?): %w", err))
		}
		return err
	}
	out := filepath.Join(dir, "out")

	// One goroutine keeps the job alive and reports progress.
	var prog atomic.Pointer[queue.Event]
	stop := make(chan struct{})
	var keep sync.WaitGroup
	keep.Go(func() { w.keepAlive(ctx, d, &prog, stop) })
	defer func() {
		close(stop)
		keep.Wait()
	}()

	req := Request{Video: video, Name: job.Name, Dir: out, Movement: job.Movement, Stance: job.Stance, View: job.View, Sex: job.Sex,
		Progress: func(pass string, done, total int) {
			f := 0.0
			if total > 0 {
				f = float64(done) / float64(total)
			}
			prog.Store(&queue.Event{Job: job.ID, Kind: queue.EventProgress, Attempt: d.Attempt, Worker: w.cfg.Name, Pass: pass, Progress: f})
		}}
	if err := w.analyze(ctx, req); err != nil {
		return err
	}
	return w.store(ctx, d, out)
}

// analyze calls the Analyzer, turning a panic into an error so one bad
// video cannot take the worker down (it is retried, then fails).
func (w *Worker) analyze(ctx context.Context, req Request) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("worker: analysis panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return w.a.Analyze(ctx, req)
}

// keepAlive sends in-progress signals every third of the ack wait and the
// latest progress at most every ProgressEvery, until stop closes.
func (w *Worker) keepAlive(ctx context.Context, d *queue.Delivery, prog *atomic.Pointer[queue.Event], stop chan struct{}) {
	every := w.q.Config().AckWait / 3
	if every <= 0 {
		every = 10 * time.Second
	}
	alive := time.NewTicker(every)
	defer alive.Stop()
	tick := time.NewTicker(w.cfg.ProgressEvery)
	defer tick.Stop()
	var sent *queue.Event
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-alive.C:
			if err := d.InProgress(); err != nil {
				w.logf("job %d: in-progress signal: %v", d.Job.ID, err)
			}
		case <-tick.C:
			if ev := prog.Load(); ev != nil && ev != sent {
				sent = ev
				if err := w.q.PublishEvent(ctx, *ev); err != nil {
					w.logf("job %d: progress: %v", d.Job.ID, err)
				}
			}
		}
	}
}

// store uploads the result files the analysis wrote, then the manifest.
func (w *Worker) store(ctx context.Context, d *queue.Delivery, out string) error {
	var files []string
	for _, name := range queue.ResultFiles {
		f, err := os.Open(filepath.Join(out, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("worker: result %s: %w", name, err)
		}
		err = w.q.PutResult(ctx, d.Job.ID, name, f)
		f.Close()
		if err != nil {
			return err
		}
		files = append(files, name)
	}
	if len(files) == 0 {
		return fmt.Errorf("worker: the analysis wrote no result file")
	}
	return w.q.PutManifest(ctx, queue.Manifest{Job: d.Job.ID, Files: files, Worker: w.cfg.Name, Attempt: d.Attempt})
}
