package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/spf13/cobra"
)

// runAnalyzeCapture runs args with the analyze command's run replaced by
// one that records its options.
func runAnalyzeCapture(t *testing.T, args []string) (int, string, *AnalyzeOptions) {
	t.Helper()
	var got *AnalyzeOptions
	code, _, stderr := runCapture(t, "analyze", args, func(app *App) *cobra.Command {
		return NewCmdAnalyze(app, func(_ context.Context, o *AnalyzeOptions) error { got = o; return nil })
	})
	return code, stderr, got
}

func TestAnalyzeOptions(t *testing.T) {
	cfgFile := writeFile(t, "k.yaml", "thresholds:\n  fppa:\n    male_watch_deg: 9\nanalyze:\n  movement: step-down\n")
	badRange := writeFile(t, "bad.yaml", "thresholds:\n  fppa:\n    male_watch_deg: 99\n")
	typo := writeFile(t, "typo.yaml", "thresholds:\n  fppa:\n    male_wach_deg: 9\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
		check    func(t *testing.T, o *AnalyzeOptions)
	}{
		{name: "defaults", args: []string{"analyze", "a.mp4"}, check: func(t *testing.T, o *AnalyzeOptions) {
			c := o.Config
			if c.Out != "kneescreen-out" || !c.Symmetric || len(c.Formats) != 4 || c.Model != "lightning" || o.Screening.Movement != "auto" {
				t.Errorf("defaults: %+v", c)
			}
			if o.Screening.Thresholds.FPPA.FemaleFlagDeg != 16.8 {
				t.Errorf("female flag threshold %v, want the default 16.8", o.Screening.Thresholds.FPPA.FemaleFlagDeg)
			}
		}},
		{name: "flags", args: []string{"analyze", "--movement", "single-leg-squat", "--view", "front", "--stance", "right", "--sex", "female",
			"--formats", "json,csv", "--out", "x", "a.mp4", "b.mp4"}, check: func(t *testing.T, o *AnalyzeOptions) {
			s := o.Screening
			if s.Movement != "single-leg-squat" || s.View != "front" || s.Stance != "right" || s.Sex != "female" {
				t.Errorf("screening options %+v", s)
			}
			if !o.Config.Formats[report.FormatJSON] || !o.Config.Formats[report.FormatCSV] || o.Config.Formats[report.FormatVideo] {
				t.Errorf("formats %v", o.Config.Formats)
			}
			if len(o.Inputs) != 2 || o.Config.Out != "x" {
				t.Errorf("inputs %v out %q", o.Inputs, o.Config.Out)
			}
		}},
		{name: "threshold from env", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_THRESHOLDS_FPPA_FEMALE_FLAG_DEG": "18"},
			check: func(t *testing.T, o *AnalyzeOptions) {
				if got := o.Screening.Thresholds.FPPA.FemaleFlagDeg; got != 18 {
					t.Errorf("female flag threshold %v, want 18 from the environment", got)
				}
			}},
		{name: "threshold and movement from file", args: []string{"analyze", "--config", cfgFile, "a.mp4"}, check: func(t *testing.T, o *AnalyzeOptions) {
			if got := o.Screening.Thresholds.FPPA.MaleWatchDeg; got != 9 {
				t.Errorf("male watch threshold %v, want 9 from the file", got)
			}
			if o.Screening.Movement != "step-down" {
				t.Errorf("movement %q, want step-down from the file", o.Screening.Movement)
			}
		}},
		{name: "flag beats file", args: []string{"analyze", "--config", cfgFile, "--movement", "squat", "a.mp4"}, check: func(t *testing.T, o *AnalyzeOptions) {
			if o.Screening.Movement != "squat" {
				t.Errorf("movement %q, want squat from the flag", o.Screening.Movement)
			}
		}},
		{name: "no input", args: []string{"analyze"}, wantCode: exitUsage, wantErr: "requires at least 1 arg"},
		{name: "bad movement", args: []string{"analyze", "--movement", "jumping", "a.mp4"}, wantCode: exitUsage, wantErr: "unknown movement"},
		{name: "oblique view not offered", args: []string{"analyze", "--view", "oblique", "a.mp4"}, wantCode: exitUsage, wantErr: "want auto, front or side"},
		{name: "bad format", args: []string{"analyze", "--formats", "pdf", "a.mp4"}, wantCode: exitUsage, wantErr: "unknown format"},
		{name: "bad sex", args: []string{"analyze", "--sex", "x", "a.mp4"}, wantCode: exitUsage, wantErr: "unknown sex"},
		{name: "threshold out of range", args: []string{"analyze", "--config", badRange, "a.mp4"}, wantCode: exitUsage, wantErr: "thresholds.fppa.male_watch_deg"},
		{name: "threshold typo", args: []string{"analyze", "--config", typo, "a.mp4"}, wantCode: exitUsage, wantErr: "male_wach_deg"},
		// Bad settings are usage errors before any work (fault 8), and
		// counts of threads and lanes are bounded (fault 2).
		{name: "threads beyond the bound", args: []string{"analyze", "--threads", "1000000", "a.mp4"}, wantCode: exitUsage, wantErr: "--threads must be 0 (all CPUs) to"},
		{name: "negative threads", args: []string{"analyze", "--threads", "-1", "a.mp4"}, wantCode: exitUsage, wantErr: "--threads must be 0 (all CPUs) to"},
		{name: "lanes beyond the bound", args: []string{"analyze", "--lanes", "200", "a.mp4"}, wantCode: exitUsage, wantErr: "--lanes must be 0 (one per CPU) to"},
		{name: "lanes from env beyond the bound", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_ANALYZE_LANES": "100000"}, wantCode: exitUsage, wantErr: "--lanes must be"},
		{name: "negative estimate rate", args: []string{"analyze", "--estimate-hz", "-1", "a.mp4"}, wantCode: exitUsage, wantErr: "--estimate-hz must be 0 (every frame) to 1000, got -1"},
		{name: "estimate rate NaN", args: []string{"analyze", "--estimate-hz", "NaN", "a.mp4"}, wantCode: exitUsage, wantErr: "--estimate-hz must be 0 (every frame) to 1000, got NaN"},
		{name: "tiny video", args: []string{"analyze", "--video-max-side", "1", "a.mp4"}, wantCode: exitUsage, wantErr: "--video-max-side must be 0 (the input's size) or at least 160 pixels, got 1"},
		{name: "image fps Inf", args: []string{"analyze", "--image-fps", "Inf", "a.mp4"}, wantCode: exitUsage, wantErr: "--image-fps must be above 0 and at most 1000 frames/s, got +Inf"},
		{name: "image fps NaN", args: []string{"analyze", "--image-fps", "NaN", "a.mp4"}, wantCode: exitUsage, wantErr: "--image-fps must be above 0"},
		{name: "bogus encoder", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_VIDEO_ENCODER": "bogus"}, wantCode: exitUsage, wantErr: `KNEESCREEN_VIDEO_ENCODER="bogus": want ffmpeg, opencv or auto`},
		{name: "bogus encoder without video", args: []string{"analyze", "--formats", "json", "a.mp4"}, env: map[string]string{"KNEESCREEN_VIDEO_ENCODER": "bogus"},
			check: func(t *testing.T, o *AnalyzeOptions) {}},
		{name: "bad env threshold", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_THRESHOLDS_LSI_FLAG": "lots"}, wantCode: exitUsage, wantErr: "thresholds.lsi.flag"},
		// A misspelt environment variable is a usage error naming it and
		// the setting meant, as a misspelt key in the file is; every
		// setting's own variable is taken.
		{name: "env typo", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_ANALYZE_MOVMENT": "step-down"}, wantCode: exitUsage,
			wantErr: "environment: KNEESCREEN_ANALYZE_MOVMENT: names no setting; did you mean KNEESCREEN_ANALYZE_MOVEMENT? unset or rename it"},
		{name: "env threshold typo", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_THRESHOLDS_FPPA_FEMALE_FLAG_DG": "18"}, wantCode: exitUsage,
			wantErr: "did you mean KNEESCREEN_THRESHOLDS_FPPA_FEMALE_FLAG_DEG?"},
		{name: "env filter unknown", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_FILTER_SMOOTHNESS": "3"}, wantCode: exitUsage,
			wantErr: "environment: KNEESCREEN_FILTER_SMOOTHNESS: names no setting; unset or rename it"},
		{name: "env settings", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_ANALYZE_MOVEMENT": "step-down", "KNEESCREEN_ANALYZE_VIDEO_MAX_SIDE": "0",
			"KNEESCREEN_ANALYZE_IMAGE_FPS": "25", "KNEESCREEN_FILTER_CUTOFF_HZ": "4", "KNEESCREEN_ANALYZE_MODELS_DIR": "/nonexistent", "KNEESCREEN_SERVE_ADMIN_PASSWORD": "not analyze's"},
			check: func(t *testing.T, o *AnalyzeOptions) {
				if o.Screening.Movement != "step-down" || o.Config.VideoMaxSide != 0 || o.Config.ImageFPS != 25 || o.Screening.Filter.CutoffHz != 4 {
					t.Errorf("movement %q, video max side %d, image fps %v, cutoff %v from the environment", o.Screening.Movement, o.Config.VideoMaxSide, o.Config.ImageFPS, o.Screening.Filter.CutoffHz)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stderr, o := runAnalyzeCapture(t, tt.args)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			if tt.wantErr != "" {
				if !strings.Contains(stderr, tt.wantErr) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q, want one line mentioning %q", stderr, tt.wantErr)
				}
				return
			}
			if o == nil {
				t.Fatal("command did not run")
			}
			tt.check(t, o)
		})
	}
}

// TestAnalyzeCommand runs the real command on a rendered clip between two
// bad inputs: the clip's report is written in its own sub-folder, each bad
// input is named on stderr with its cause, and the exit code is 1.
func TestAnalyzeCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, sample.FixtureFile)
	copyFile(t, testenv.Testdata(t, sample.FixtureFile), good)
	empty := filepath.Join(dir, "empty.mp4")
	os.WriteFile(empty, nil, 0o644)
	missing := filepath.Join(dir, "missing.mov")
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"analyze", "--formats", "json,html", "--symmetric=false", "--out", out, empty, good, missing}, &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitFailed, stderr.String())
	}
	wantErrs := []string{
		"kneescreen: analyze " + empty + ": file is empty; copy or export the recording again",
		"kneescreen: analyze " + missing + ": not found; check the name and the folder (a relative path starts in the current folder)",
		"kneescreen: analyze: 2 of 3 inputs failed: some inputs failed",
	}
	if got := strings.Split(strings.TrimSpace(stderr.String()), "\n"); strings.Join(got, "\n") != strings.Join(wantErrs, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), strings.Join(wantErrs, "\n"))
	}
	if !strings.Contains(stdout.String(), good+": squat, front view, 1 reps") {
		t.Errorf("stdout %q lacks the summary line of %s", stdout.String(), good)
	}
	// One sub-folder per input, named after it.
	sub := filepath.Join(out, strings.TrimSuffix(sample.FixtureFile, ".mp4"))
	doc, err := os.ReadFile(filepath.Join(sub, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.ValidateReport(doc); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sub, report.HTMLFile)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"empty", "missing"} {
		if _, err := os.Stat(filepath.Join(out, bad)); err == nil {
			t.Errorf("a folder was made for the failed input %s", bad)
		}
	}
}

// fakeModel is a Model whose estimators find one fixed pose.
type fakeModel struct {
	name    string
	threads []int // threads of each estimator made
	pose    pose.Pose
}

func (m *fakeModel) Name() string { return m.name }

func (m *fakeModel) NewEstimator(threads int) (Estimator, error) {
	m.threads = append(m.threads, threads)
	return &fakeEstimator{p: m.pose}, nil
}

type fakeEstimator struct{ p pose.Pose }

func (e *fakeEstimator) Track(context.Context, image.Image) (pose.Pose, error) {
	return e.p.Clone(), nil
}
func (e *fakeEstimator) Estimate(context.Context, image.Image) (pose.Pose, error) {
	return e.p.Clone(), nil
}
func (e *fakeEstimator) InputSize() int { return 192 }
func (e *fakeEstimator) Close()         {}

// TestAnalyzeRunsWithFakes runs the analyze command through the root with
// a fake model loader and a fake analysis: the model is loaded once, with
// the model flags; each input gets one analysis whose pipeline.Config is
// built from the flags (the one builder); failures are reported per input.
func TestAnalyzeRunsWithFakes(t *testing.T) {
	var loads []ModelConfig
	model := &fakeModel{name: "fake-model"}
	type call struct {
		input, dir string
		cfg        pipeline.Config
	}
	var calls []call
	deps := Deps{
		LoadModel: func(c ModelConfig) (Model, error) {
			loads = append(loads, c)
			if c.Model == "broken.onnx" {
				return nil, errors.New("models: broken.onnx: bad model")
			}
			return model, nil
		},
		Analyze: func(_ context.Context, input, dir string, cfg pipeline.Config) (*pipeline.Result, error) {
			calls = append(calls, call{input, dir, cfg})
			if strings.HasPrefix(filepath.Base(input), "bad") {
				return nil, errors.New("pipeline: no frames")
			}
			rep := &screening.Report{Movement: screening.MovementSquat, View: screening.ViewFront, Reps: make([]screening.Rep, 2),
				Indicators: []screening.Indicator{{Level: screening.LevelFlag}, {Level: screening.LevelOK}}}
			return &pipeline.Result{Report: rep, Track: &pose.Track{Poses: make([]pose.Pose, 30)}}, nil
		},
	}
	out := filepath.Join(t.TempDir(), "o")
	runWith := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		app := &App{Out: &out, Err: &errOut, Deps: deps, v: newViper()}
		code := execute(context.Background(), app, newRootCmd(app), args)
		return code, out.String(), errOut.String()
	}

	code, stdout, stderr := runWith("analyze", "--model", "thunder", "--threads", "3", "--lanes", "2", "--symmetric=false",
		"--movement", "step-down", "--stance", "left", "--formats", "json,video", "--video-max-side", "0", "--image-fps", "12",
		"--estimate-hz", "10", "--progress", "never", "--out", out, "a.mp4", "bad.mp4", "frames/")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitFailed, stderr)
	}
	if len(loads) != 1 || loads[0].Model != "thunder" || loads[0].Threads != 3 {
		t.Fatalf("model loads %+v, want one of thunder with 3 threads", loads)
	}
	if len(calls) != 3 {
		t.Fatalf("%d analyses, want 3", len(calls))
	}
	wantDirs := []string{filepath.Join(out, "a"), filepath.Join(out, "bad"), filepath.Join(out, "frames")}
	for i, c := range calls {
		cfg := c.cfg
		if c.dir != wantDirs[i] {
			t.Errorf("input %s written to %s, want %s", c.input, c.dir, wantDirs[i])
		}
		if cfg.Track.Symmetric || cfg.Track.Lanes != 2 || cfg.Track.Threads != 3 || cfg.ImageFPS != 12 || cfg.VideoMaxSide != 0 || cfg.Track.EstimateHz != 10 {
			t.Errorf("pipeline config %+v", cfg)
		}
		// One thread budget for the command, shared by its analyses.
		if b := cfg.Track.Budget; b == nil || b.Size() != 3 || b != calls[0].cfg.Track.Budget {
			t.Errorf("input %d: thread budget %v", i, b)
		}
		if !cfg.Formats[report.FormatJSON] || !cfg.Formats[report.FormatVideo] || len(cfg.Formats) != 2 {
			t.Errorf("formats %v", cfg.Formats)
		}
		if cfg.Analysis.Model != "fake-model" || cfg.Analysis.Symmetric || cfg.Progress == nil {
			t.Errorf("analysis %+v, progress set %v", cfg.Analysis, cfg.Progress != nil)
		}
		s := cfg.Screening
		if s.Movement != screening.MovementStepDown || s.Stance != screening.SideLeft || s.View != screening.ViewAuto || s.Thresholds.FPPA.FemaleFlagDeg != 16.8 {
			t.Errorf("screening options %+v", s)
		}
		// The estimators come from the loaded model.
		est, err := cfg.Track.NewEstimator(1)
		if err != nil || est == nil {
			t.Errorf("estimator factory: %v", err)
		}
	}
	if !strings.Contains(stdout, "a.mp4: squat, front view, 2 reps, 1 flag, 0 watch, 1 ok -> "+wantDirs[0]) {
		t.Errorf("stdout %q", stdout)
	}
	wantErr := []string{"kneescreen: analyze bad.mp4: pipeline: no frames", "kneescreen: analyze: 1 of 3 inputs failed: some inputs failed"}
	if got := strings.Split(strings.TrimSpace(stderr), "\n"); strings.Join(got, "|") != strings.Join(wantErr, "|") {
		t.Errorf("stderr %q, want %q", got, wantErr)
	}

	// Defaults: the annotated video capped at DefaultVideoMaxSide, every
	// format, symmetric; a model that does not load is a usage error and
	// nothing runs.
	calls, loads = nil, nil
	if code, _, stderr := runWith("analyze", "--progress", "never", "--out", out, "a.mp4"); code != exitOK || len(calls) != 1 {
		t.Fatalf("exit %d, %d analyses; stderr %q", code, len(calls), stderr)
	}
	if cfg := calls[0].cfg; cfg.VideoMaxSide != pipeline.DefaultVideoMaxSide || len(cfg.Formats) != 4 || !cfg.Track.Symmetric || loads[0].Model != "lightning" || cfg.Track.EstimateHz != 0 {
		t.Errorf("defaults: video max side %d, formats %v, symmetric %v, model %q", cfg.VideoMaxSide, cfg.Formats, cfg.Track.Symmetric, loads[0].Model)
	}
	calls = nil
	if code, _, stderr := runWith("analyze", "--model", "broken.onnx", "--out", out, "a.mp4"); code != exitUsage || len(calls) != 0 || !strings.Contains(stderr, "bad model") {
		t.Errorf("broken model: exit %d, %d analyses, stderr %q", code, len(calls), stderr)
	}
}

// TestPoseWithFakeModel: pose prints the loaded model's keypoints by the
// names of its skeleton, so a 33-landmark model's output needs no change
// here.
func TestPoseWithFakeModel(t *testing.T) {
	p := pose.NewPose(pose.BlazePose33)
	p.Person = true
	p.At(pose.LeftHeel).X = 12.5
	model := &fakeModel{name: "fake", pose: p}
	still := filepath.Join(t.TempDir(), "still.png")
	f, err := os.Create(still)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, v: newViper(),
		Deps: Deps{LoadModel: func(ModelConfig) (Model, error) { return model, nil }}}
	if code := execute(context.Background(), app, newRootCmd(app), []string{"pose", "--json", "--threads", "2", still}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var line poseJSON
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if len(line.Keypoints) != 33 || line.Keypoints[29].Name != "left_heel" || line.Keypoints[29].X != 12.5 || len(model.threads) != 1 || model.threads[0] != 2 {
		t.Errorf("%d keypoints, #29 %+v; estimators made with threads %v", len(line.Keypoints), line.Keypoints[29], model.threads)
	}
}

// copyFile copies src to dst.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
