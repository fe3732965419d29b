package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/batch"
	"github.com/kneescreen/kneescreen/internal/dirlock"
	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// fakeAnalyses is a Deps whose analyses record their calls and write
// nothing; inputs whose base name starts with "bad" fail.
type fakeAnalyses struct {
	mu       sync.Mutex
	calls    map[string]string // input -> dir
	cfgs     []pipeline.Config
	inFlight atomic.Int32
	most     atomic.Int32
	delay    time.Duration
}

func (f *fakeAnalyses) deps() Deps {
	f.calls = map[string]string{}
	return Deps{
		LoadModel: func(ModelConfig) (Model, error) { return &fakeModel{name: "fake"}, nil },
		Analyze: func(ctx context.Context, input, dir string, cfg pipeline.Config) (*pipeline.Result, error) {
			n := f.inFlight.Add(1)
			defer f.inFlight.Add(-1)
			for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
			}
			f.mu.Lock()
			f.calls[input] = dir
			f.cfgs = append(f.cfgs, cfg)
			f.mu.Unlock()
			select {
			case <-time.After(f.delay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if strings.HasPrefix(filepath.Base(input), "bad") {
				return nil, errors.New("pipeline: no frames")
			}
			rep := &screening.Report{Movement: screening.MovementSquat, View: screening.ViewFront}
			return &pipeline.Result{Report: rep, Track: &pose.Track{}}, nil
		},
	}
}

func runWithDeps(deps Deps, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, Deps: deps, v: newViper()}
	code := execute(context.Background(), app, newRootCmd(app), args)
	return code, out.String(), errOut.String()
}

// TestAnalyzeBatchFolders: inputs sharing a name get folders of their
// own, derived from their paths, and batch.json maps each input to its
// folder (fault 3: d1/a.mp4, d2/a.mp4 and a-2.mp4 put two patients in
// a-2/).
func TestAnalyzeBatchFolders(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, f := range []string{"d1/a.mp4", "d2/a.mp4", "a-2.mp4", "d2/bad.mp4"} {
		touch(t, f)
	}
	var fa fakeAnalyses
	code, stdout, stderr := runWithDeps(fa.deps(), "analyze", "--progress", "never", "--out", "out", "d1/a.mp4", "d2/a.mp4", "a-2.mp4", "d2/bad.mp4")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	want := map[string]string{"d1/a.mp4": "out/d1/a", "d2/a.mp4": "out/d2/a", "a-2.mp4": "out/a-2", "d2/bad.mp4": "out/d2/bad"}
	for in, dir := range want {
		if fa.calls[in] != dir {
			t.Errorf("%s analysed into %q, want %q", in, fa.calls[in], dir)
		}
	}
	if !strings.Contains(stdout, "a-2.mp4: squat") {
		t.Errorf("stdout %q", stdout)
	}
	var rec struct {
		Inputs []batch.Entry `json:"inputs"`
	}
	b, err := os.ReadFile(filepath.Join("out", batch.RecordFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Inputs) != 4 {
		t.Fatalf("batch.json lists %d inputs", len(rec.Inputs))
	}
	for _, e := range rec.Inputs {
		wantStatus := batch.StatusAnalysed
		if e.Path == "d2/bad.mp4" {
			wantStatus = batch.StatusFailed
		}
		if "out/"+e.Folder != want[e.Path] || e.Status != wantStatus || len(e.SHA256) != 64 {
			t.Errorf("batch.json entry %+v", e)
		}
	}
	for _, f := range []string{batch.IndexFile, batch.SummaryFile} {
		if _, err := os.Stat(filepath.Join("out", f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join("out", dirlock.File)); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}

// TestAnalyzeOutputLocked: a second run into a folder another run holds
// fails at once, naming the folder and the holder, and analyses nothing
// (fault 4: two runs into one --out mixed their files).
func TestAnalyzeOutputLocked(t *testing.T) {
	out := t.TempDir()
	held, err := dirlock.Acquire(out)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	var fa fakeAnalyses
	code, _, stderr := runWithDeps(fa.deps(), "analyze", "--out", out, "a.mp4")
	if code != exitUsage || len(fa.calls) != 0 || !strings.Contains(stderr, out+" is in use by another kneescreen run (process ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, %d analyses, stderr %q", code, len(fa.calls), stderr)
	}
}

// TestAnalyzeBadSettingsBeforeWork: an unusable --out or a model file that
// is no model is one usage error (exit 2) before any input is analysed
// (fault 8: found after the pose pass, once per input).
func TestAnalyzeBadSettingsBeforeWork(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	junk := filepath.Join(dir, "junk.onnx")
	os.WriteFile(junk, []byte("this is not an ONNX model"), 0o644)
	var analyses atomic.Int32
	deps := Deps{LoadModel: loadModel, Analyze: func(context.Context, string, string, pipeline.Config) (*pipeline.Result, error) {
		analyses.Add(1)
		return nil, errors.New("must not run")
	}}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"out under a file", []string{"--out", filepath.Join(file, "out")}, "analyze: --out: mkdir " + file + ": not a directory"},
		{"out is a file", []string{"--out", file}, "analyze: --out: mkdir " + file + ": not a directory"},
		{"model file is no model", []string{"--model", junk, "--out", filepath.Join(dir, "o")}, "bad model"},
		{"model file missing", []string{"--model", filepath.Join(dir, "none.onnx"), "--out", filepath.Join(dir, "o")}, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"analyze", "--progress", "never"}, tc.args...)
			code, _, stderr := runWithDeps(deps, append(args, "a.mp4", "b.mp4", "c.mp4")...)
			if code != exitUsage || analyses.Load() != 0 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, %d analyses, stderr %q; want exit 2, none, one line with %q", code, analyses.Load(), stderr, tc.want)
			}
		})
	}
}

// TestAnalyzeJobs: --jobs N analyses N inputs at once, each on its share
// of the one thread budget, with one loaded model.
func TestAnalyzeJobs(t *testing.T) {
	t.Chdir(t.TempDir())
	var inputs []string
	for i := range 6 {
		p := filepath.Join("in", string(rune('a'+i))+".mp4")
		touch(t, p)
		inputs = append(inputs, p)
	}
	fa := fakeAnalyses{delay: 100 * time.Millisecond}
	args := append([]string{"analyze", "--progress", "never", "--jobs", "3", "--threads", "6", "--out", "out"}, inputs...)
	code, _, stderr := runWithDeps(fa.deps(), args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if m := fa.most.Load(); m != 3 {
		t.Errorf("at most %d analyses at once, want 3", m)
	}
	for _, cfg := range fa.cfgs {
		if cfg.Track.Threads != 2 || cfg.Track.Budget == nil || cfg.Track.Budget.Size() != 6 || cfg.Track.Budget != fa.cfgs[0].Track.Budget {
			t.Errorf("threads %d of a budget %v, want 2 of one shared budget of 6", cfg.Track.Threads, cfg.Track.Budget)
		}
	}
	if code, _, stderr := runWithDeps(fa.deps(), "analyze", "--jobs", "100000", "a.mp4"); code != exitUsage || !strings.Contains(stderr, "--jobs must be 0 (one per CPU) to") {
		t.Errorf("--jobs 100000: exit %d, %q", code, stderr)
	}
}

// TestAnalyzeRecursive: --recursive walks a tree for videos, skipping the
// output folder inside it; without it a folder is one recording.
func TestAnalyzeRecursive(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, f := range []string{"clinic/anna/squat.mp4", "clinic/ben/squat.mov", "clinic/ben/notes.txt", "clinic/reports/old/annotated.mp4"} {
		touch(t, f)
	}
	var fa fakeAnalyses
	code, stdout, stderr := runWithDeps(fa.deps(), "analyze", "--progress", "never", "--recursive", "--out", "clinic/reports", "clinic")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for in, dir := range fa.calls {
			if !yield(in + " -> " + dir) {
				return
			}
		}
	})
	want := []string{"clinic/anna/squat.mp4 -> clinic/reports/anna/squat", "clinic/ben/squat.mov -> clinic/reports/ben/squat"}
	if !slices.Equal(got, want) {
		t.Errorf("analyses %q, want %q", got, want)
	}
	if !strings.Contains(stdout, "1 files without a video extension passed over") {
		t.Errorf("stdout %q", stdout)
	}
	if code, _, stderr := runWithDeps(fa.deps(), "analyze", "--recursive", "--out", "o", "clinic/ben/notes.txt"); code != exitOK || fa.calls["clinic/ben/notes.txt"] != "o/notes" {
		t.Errorf("a file argument is an input also with --recursive: exit %d: %s", code, stderr)
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}
