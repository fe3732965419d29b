package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
)

// runAnalyzeCapture runs args with the analyze command's run replaced by
// one that records its options.
func runAnalyzeCapture(t *testing.T, args []string) (int, string, *AnalyzeOptions) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, v: newViper()}
	root := newRootCmd(app)
	for _, c := range root.Commands() {
		if c.Name() == "analyze" {
			root.RemoveCommand(c)
		}
	}
	var got *AnalyzeOptions
	root.AddCommand(NewCmdAnalyze(app, func(_ context.Context, o *AnalyzeOptions) error { got = o; return nil }))
	code := execute(context.Background(), app, root, args)
	return code, errOut.String(), got
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
			if c.Out != "kneescreen-out" || !c.Symmetric || len(c.formats) != 4 || c.Model != "lightning" || o.Screening.Movement != "auto" {
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
			if !o.Config.formats[report.FormatJSON] || !o.Config.formats[report.FormatCSV] || o.Config.formats[report.FormatVideo] {
				t.Errorf("formats %v", o.Config.formats)
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
		{name: "bad env threshold", args: []string{"analyze", "a.mp4"}, env: map[string]string{"KNEESCREEN_THRESHOLDS_LSI_FLAG": "lots"}, wantCode: exitUsage, wantErr: "thresholds.lsi.flag"},
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
	cfg := sample.DefaultConfig()
	cfg.Width, cfg.Height, cfg.Reps = 480, 270, 1
	cfg.LeadS, cfg.TailS = 0.5, 0.5
	clip, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "squat.mp4")
	if err := clip.WriteVideo(context.Background(), good); err != nil {
		t.Fatal(err)
	}
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
		"kneescreen: analyze " + empty + ": file is empty",
		"kneescreen: analyze " + missing + ": not found",
		"kneescreen: analyze: 2 of 3 inputs failed: some inputs failed",
	}
	if got := strings.Split(strings.TrimSpace(stderr.String()), "\n"); strings.Join(got, "\n") != strings.Join(wantErrs, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), strings.Join(wantErrs, "\n"))
	}
	if !strings.Contains(stdout.String(), good+": squat, front view, 1 reps") {
		t.Errorf("stdout %q lacks the summary line of %s", stdout.String(), good)
	}
	doc, err := os.ReadFile(filepath.Join(out, "squat", report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.ValidateReport(doc); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "squat", report.HTMLFile)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"empty", "missing"} {
		if _, err := os.Stat(filepath.Join(out, bad)); err == nil {
			t.Errorf("a folder was made for the failed input %s", bad)
		}
	}
}

func TestOutputDirs(t *testing.T) {
	got := outputDirs("o", []string{"a/x.mp4", "b/x.mov", "c/y.mp4", "frames/"})
	want := []string{"o/x", "o/x-2", "o/y", "o/frames"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("outputDirs = %v, want %v", got, want)
	}
	if got := outputDirs("o", []string{"a.mp4"}); got[0] != "o" {
		t.Errorf("one input goes to %s, want o itself", got[0])
	}
}
