package analysis

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/worker"
	"github.com/kneescreen/kneescreen/vision"
)

// shortClip writes a 2 s, 320x240, 15 frames/s synthetic squat (one rep,
// left knee caving in).
func shortClip(t *testing.T) string {
	t.Helper()
	cfg := sample.DefaultConfig()
	cfg.Reps, cfg.Width, cfg.Height, cfg.FPS = 1, 320, 240, 15
	cfg.LeadS, cfg.DescentS, cfg.BottomS, cfg.AscentS, cfg.TailS = 0.3, 0.6, 0.1, 0.6, 0.3
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "squat.mp4")
	if err := c.WriteVideo(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAnalyze(t *testing.T) {
	a, err := New(Options{Model: "lightning", Threads: 2, Analyses: 2, Symmetric: true, Screening: screening.DefaultOptions(), Tool: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ThreadsPerAnalysis() != 1 {
		t.Errorf("2 threads for 2 analyses gives %d each", a.ThreadsPerAnalysis())
	}
	clip := shortClip(t)
	ctx := context.Background()

	t.Run("two at once share the model", func(t *testing.T) {
		var wg sync.WaitGroup
		dirs := []string{t.TempDir(), t.TempDir()}
		errs := make([]error, 2)
		var mu sync.Mutex
		passes := map[string]bool{}
		for i := range dirs {
			wg.Go(func() {
				errs[i] = a.Analyze(ctx, worker.Request{Video: clip, Name: "front squat.mp4", Dir: dirs[i], Movement: "auto", Stance: "auto", View: "auto", Sex: "female",
					Progress: func(pass string, done, total int) {
						mu.Lock()
						passes[pass] = true
						mu.Unlock()
					}})
			})
		}
		wg.Wait()
		for i, dir := range dirs {
			if errs[i] != nil {
				t.Fatalf("analysis %d: %v", i, errs[i])
			}
			for _, f := range queue.ResultFiles {
				if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
					t.Errorf("analysis %d: %s: %v", i, f, err)
				}
			}
			b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
			if !strings.Contains(string(b), `"sex": "female"`) || !strings.Contains(string(b), `"movement": "squat"`) {
				t.Errorf("analysis %d: report.json lacks the job's sex or the detected squat", i)
			}
			// The report names the upload, not the staging copy.
			if !strings.Contains(string(b), `"path": "front squat.mp4"`) || strings.Contains(string(b), clip) {
				t.Errorf("analysis %d: report.json does not name the upload", i)
			}
		}
		if !passes["pose"] || !passes["render"] {
			t.Errorf("progress passes %v, want pose and render", passes)
		}
		// One model, one budget: the process's threads, shared.
		if a.model == nil || a.budget == nil || a.budget.Size() != 2 {
			t.Errorf("model %v, budget %v; want one loaded model and a budget of 2 threads", a.model, a.budget)
		}
	})
	t.Run("bad options are permanent", func(t *testing.T) {
		err := a.Analyze(ctx, worker.Request{Video: clip, Dir: t.TempDir(), Movement: "jump", Stance: "auto", View: "auto", Sex: "female"})
		var perm *worker.PermanentError
		if !errors.As(err, &perm) || !strings.Contains(err.Error(), "jump") {
			t.Errorf("bad movement: %v", err)
		}
		err = a.Analyze(ctx, worker.Request{Video: clip, Dir: t.TempDir(), Movement: "squat", Stance: "auto", View: "oblique", Sex: "female"})
		if !errors.As(err, &perm) {
			t.Errorf("oblique view: %v", err)
		}
	})
	t.Run("a non-video is permanent and does not name the staging path", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "input.mp4")
		os.WriteFile(bad, []byte("hello, not a video at all"), 0o644)
		err := a.Analyze(ctx, worker.Request{Video: bad, Dir: t.TempDir(), Movement: "auto", Stance: "auto", View: "auto", Sex: "male"})
		var perm *worker.PermanentError
		if !errors.As(err, &perm) || !errors.Is(err, vision.ErrNotVideo) || strings.Contains(err.Error(), bad) {
			t.Errorf("non-video: %v", err)
		}
	})
	t.Run("a video that cannot be screened is permanent", func(t *testing.T) {
		// A thumbnail-sized recording: frames 24 pixels high.
		cfg := sample.DefaultConfig()
		cfg.Reps, cfg.Width, cfg.Height, cfg.FPS, cfg.LeadS, cfg.TailS = 0, 64, 24, 10, 0.3, 0.3
		c, err := sample.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tiny := filepath.Join(t.TempDir(), "input.mp4")
		if err := c.WriteVideo(ctx, tiny); err != nil {
			t.Fatal(err)
		}
		err = a.Analyze(ctx, worker.Request{Video: tiny, Dir: t.TempDir(), Movement: "auto", Stance: "auto", View: "auto", Sex: "male"})
		var perm *worker.PermanentError
		if !errors.As(err, &perm) || !errors.Is(err, pipeline.ErrFrameTooSmall) || strings.Contains(err.Error(), tiny) {
			t.Errorf("24-pixel frames: %v, want a permanent ErrFrameTooSmall not naming the staging path", err)
		}
	})
	t.Run("an empty room is permanent", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "input.mp4")
		w, err := vision.CreateVideo(empty, 15, 320, 240)
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(image.Rect(0, 0, 320, 240))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = 180, 190, 200, 255
		}
		for range 20 {
			if err := w.Write(img); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		err = a.Analyze(ctx, worker.Request{Video: empty, Dir: dir, Movement: "auto", Stance: "auto", View: "auto", Sex: "male"})
		var perm *worker.PermanentError
		if !errors.As(err, &perm) || !errors.Is(err, pipeline.ErrNoPerson) || strings.Contains(err.Error(), empty) {
			t.Errorf("an empty room: %v, want a permanent ErrNoPerson not naming the staging path", err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("an empty room left %d files in the job's folder", len(ents))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		err := a.Analyze(c, worker.Request{Video: clip, Dir: t.TempDir(), Movement: "auto", Stance: "auto", View: "auto", Sex: "male"})
		var perm *worker.PermanentError
		if !errors.Is(err, context.Canceled) || errors.As(err, &perm) {
			t.Errorf("cancelled analysis: %v, want a non-permanent context.Canceled", err)
		}
	})
}

func TestProbe(t *testing.T) {
	clip := shortClip(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("this is a text file"), 0o644)
	empty := filepath.Join(dir, "empty.mp4")
	os.WriteFile(empty, nil, 0o644)
	b, _ := os.ReadFile(clip)
	cut := filepath.Join(dir, "cut.mp4")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	ctx := context.Background()

	info, err := Prober{}.Probe(ctx, clip)
	if err != nil || info.Width != 320 || info.Height != 240 || info.FPS != 15 || info.Container != "mp4" {
		t.Errorf("probe of the clip: %+v, %v", info, err)
	}
	for _, c := range []struct {
		path string
		want error
	}{{text, vision.ErrNotVideo}, {empty, vision.ErrEmptyFile}, {cut, vision.ErrTruncated}} {
		_, err := Prober{}.Probe(ctx, c.path)
		if !errors.Is(err, c.want) || strings.Contains(err.Error(), dir) {
			t.Errorf("probe of %s: %v, want %v without the path", filepath.Base(c.path), err, c.want)
		}
	}
}
