package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/vision"
)

func TestMain(m *testing.M) {
	// The display probe of a live session runs this test binary.
	vision.ServeDisplayProbe()
	if os.Getenv("KNEESCREEN_TEST_RUN_MAIN") == "1" {
		// Re-executed by TestSIGINTStopsCleanly: behave as the real binary.
		os.Exit(Main())
	}
	isolateConfigEnv()
	vision.Quiet()
	os.Exit(m.Run())
}

// isolateConfigEnv unsets the KNEESCREEN_* variables the CLI reads as
// configuration, so the tests see the defaults whatever the calling shell or
// CI exports (CI sets KNEESCREEN_MODELS_DIR for the models tests). Variables
// that only tell tests where material lives are kept.
func isolateConfigEnv() {
	keep := map[string]bool{"KNEESCREEN_SHARED": true, "KNEESCREEN_NPM_MODELS": true, "KNEESCREEN_THUNDER_ONNX": true}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "KNEESCREEN_") && !keep[name] {
			os.Unsetenv(name)
		}
	}
}

// TestSIGINTStopsCleanly runs the real Main in a child process, interrupts
// a long probe once it has started, and expects a prompt, clean exit 130.
func TestSIGINTStopsCleanly(t *testing.T) {
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	writeClip(t, clip, 30, 64, 48, 30)
	args := []string{"probe", "--jobs", "1"}
	for i := 0; i < 5000; i++ { // far more work than the test waits for
		args = append(args, clip)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KNEESCREEN_TEST_RUN_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	if _, err := r.ReadString('\n'); err != nil { // the first result: work has begun
		t.Fatalf("no output before interrupting: %v; stderr %q", err, stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("child ended with %v, want exit code %d; stderr %q", err, exitInterrupted, stderr.String())
	}
	if stderr.String() != "kneescreen: interrupted\n" {
		t.Errorf("stderr %q, want the one line \"kneescreen: interrupted\"", stderr.String())
	}
	if n := bytes.Count(rest, []byte("\n")) + 1; n >= len(args)-3 {
		t.Errorf("%d of %d inputs reported after the interrupt: it did not stop", n, len(args)-3)
	}
}

// writeClip writes n frames of w x h at fps with the vision writer.
func writeClip(t *testing.T, path string, n, w, h int, fps float64) {
	t.Helper()
	vw, err := vision.CreateVideo(path, fps, w, h)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < n; i++ {
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = uint8(8*i), 128, uint8(p), 255
		}
		if err := vw.Write(img); err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestProbeCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.mp4"), filepath.Join(dir, "b.avi")
	writeClip(t, a, 12, 64, 48, 24)
	writeClip(t, b, 7, 32, 96, 10)
	empty := filepath.Join(dir, "empty.mov")
	os.WriteFile(empty, nil, 0o644)
	missing := filepath.Join(dir, "missing.mp4")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []vision.ProbeResult
		wantErrs []string // stderr lines, in order
	}{
		{
			name: "all good", args: []string{"probe", a, b}, wantCode: exitOK,
			wantOut: []vision.ProbeResult{
				{Path: a, Container: "mp4", Codec: "avc1", Width: 64, Height: 48, FPS: 24, FrameCount: 12, HeaderFrameCount: 12, Duration: 0.5},
				{Path: b, Container: "avi", Codec: "MJPG", Width: 32, Height: 96, FPS: 10, FrameCount: 7, HeaderFrameCount: 7, Duration: 0.7},
			},
		},
		{
			name: "bad inputs between good ones", args: []string{"probe", "--jobs", "1", empty, a, missing, dir, b}, wantCode: exitFailed,
			wantOut: []vision.ProbeResult{
				{Path: a, Container: "mp4", Codec: "avc1", Width: 64, Height: 48, FPS: 24, FrameCount: 12, HeaderFrameCount: 12, Duration: 0.5},
				{Path: b, Container: "avi", Codec: "MJPG", Width: 32, Height: 96, FPS: 10, FrameCount: 7, HeaderFrameCount: 7, Duration: 0.7},
			},
			wantErrs: []string{
				"kneescreen: probe " + empty + ": file is empty; copy or export the recording again",
				"kneescreen: probe " + missing + ": not found; check the name and the folder (a relative path starts in the current folder)",
				"kneescreen: probe " + dir + ": is a directory, not a video file",
				"kneescreen: probe: 3 of 5 inputs failed: some inputs failed",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errOut)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut.String())
			}
			var got []vision.ProbeResult
			dec := json.NewDecoder(&out)
			for dec.More() {
				var r vision.ProbeResult
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("stdout is not JSON lines: %v", err)
				}
				got = append(got, r)
			}
			if len(got) != len(tt.wantOut) {
				t.Fatalf("got %d results, want %d: %+v", len(got), len(tt.wantOut), got)
			}
			for i := range got {
				g, w := got[i], tt.wantOut[i]
				if d := g.Duration - w.Duration; d > 1e-6 || d < -1e-6 {
					t.Errorf("result %d duration %v, want %v", i, g.Duration, w.Duration)
				}
				g.Duration = w.Duration
				if g != w {
					t.Errorf("result %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			var errs []string
			if s := strings.TrimSuffix(errOut.String(), "\n"); s != "" {
				errs = strings.Split(s, "\n")
			}
			if strings.Join(errs, "\n") != strings.Join(tt.wantErrs, "\n") {
				t.Errorf("stderr:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tt.wantErrs, "\n"))
			}
		})
	}
}

func TestProbeJobsPrecedence(t *testing.T) {
	file := writeFile(t, "k.yaml", "probe:\n  jobs: 3\n")
	tests := []struct {
		name string
		args []string
		env  string
		want int
	}{
		{"default", []string{"probe", "x"}, "", 0},
		{"file", []string{"--config", file, "probe", "x"}, "", 3},
		{"env over file", []string{"--config", file, "probe", "x"}, "5", 5},
		{"flag over env", []string{"--config", file, "probe", "--jobs", "7", "x"}, "5", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("KNEESCREEN_PROBE_JOBS", tt.env)
			}
			var got *ProbeOptions
			var out, errOut bytes.Buffer
			app := &App{Out: &out, Err: &errOut, v: newViper()}
			root := newRootCmd(app)
			// Swap the registered probe for one that captures its options.
			for _, c := range root.Commands() {
				if c.Name() == "probe" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(NewCmdProbe(app, func(_ context.Context, o *ProbeOptions) error { got = o; return nil }))
			if code := execute(context.Background(), app, root, tt.args); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if got.Config.Jobs != tt.want || len(got.Inputs) != 1 || got.Inputs[0] != "x" {
				t.Errorf("options %+v, want jobs %d and input x", got, tt.want)
			}
		})
	}
}
