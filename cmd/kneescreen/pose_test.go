package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
)

// captureCmd runs args on a tree whose pose and bench commands only capture
// their Options.
func captureCmd(t *testing.T, args []string) (code int, stderr string, po *PoseOptions, bo *BenchOptions) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, v: newViper()}
	root := &cobra.Command{Use: "kneescreen", SilenceErrors: true, SilenceUsage: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return app.configure(cmd) }}
	root.PersistentFlags().String("config", "", "")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	root.AddCommand(
		NewCmdPose(app, func(_ context.Context, o *PoseOptions) error { po = o; return nil }),
		NewCmdBench(app, func(_ context.Context, o *BenchOptions) error { bo = o; return nil }),
	)
	code = execute(context.Background(), app, root, args)
	return code, errOut.String(), po, bo
}

func TestPoseAndBenchConfig(t *testing.T) {
	file := writeFile(t, "k.yaml", "pose:\n  model: thunder\n  fps: 12\nbench:\n  runs: 7\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		check    func(t *testing.T, po *PoseOptions, bo *BenchOptions)
	}{
		{"pose defaults", []string{"pose", "in.mp4"}, nil, exitOK, func(t *testing.T, po *PoseOptions, _ *BenchOptions) {
			c := po.Config
			if c.Model != "lightning" || c.ModelsDir != "" || c.Threads != 0 || c.JSON || c.FPS != 30 || po.Input != "in.mp4" {
				t.Errorf("config %+v input %q", c, po.Input)
			}
		}},
		{"pose from file and flags", []string{"--config", file, "pose", "--json", "--threads", "2", "x"}, nil, exitOK,
			func(t *testing.T, po *PoseOptions, _ *BenchOptions) {
				c := po.Config
				if c.Model != "thunder" || !c.JSON || c.Threads != 2 || c.FPS != 12 {
					t.Errorf("config %+v", c)
				}
			}},
		{"shared models dir from env", []string{"pose", "x"}, map[string]string{"KNEESCREEN_MODELS_DIR": "/m"}, exitOK,
			func(t *testing.T, po *PoseOptions, _ *BenchOptions) {
				if po.Config.ModelsDir != "/m" {
					t.Errorf("models dir %q, want /m", po.Config.ModelsDir)
				}
			}},
		{"per-command env beats shared env", []string{"bench"},
			map[string]string{"KNEESCREEN_MODELS_DIR": "/m", "KNEESCREEN_BENCH_MODELS_DIR": "/b"}, exitOK,
			func(t *testing.T, _ *PoseOptions, bo *BenchOptions) {
				if bo.Config.ModelsDir != "/b" {
					t.Errorf("models dir %q, want /b", bo.Config.ModelsDir)
				}
			}},
		{"flag beats env", []string{"bench", "--models-dir", "/f"}, map[string]string{"KNEESCREEN_MODELS_DIR": "/m"}, exitOK,
			func(t *testing.T, _ *PoseOptions, bo *BenchOptions) {
				if bo.Config.ModelsDir != "/f" {
					t.Errorf("models dir %q, want /f", bo.Config.ModelsDir)
				}
			}},
		{"bench defaults and file", []string{"--config", file, "bench", "--model", "x.onnx"}, nil, exitOK,
			func(t *testing.T, _ *PoseOptions, bo *BenchOptions) {
				c := bo.Config
				if c.Model != "x.onnx" || c.Runs != 7 || c.Warmup != 2 {
					t.Errorf("config %+v", c)
				}
			}},
		{"pose needs one input", []string{"pose"}, nil, exitUsage, nil},
		{"pose bad fps", []string{"pose", "--fps", "0", "x"}, nil, exitUsage, nil},
		{"negative threads", []string{"pose", "--threads", "-1", "x"}, nil, exitUsage, nil},
		{"bench zero runs", []string{"bench", "--runs", "0"}, nil, exitUsage, nil},
		{"bench takes no args", []string{"bench", "x"}, nil, exitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stderr, po, bo := captureCmd(t, tt.args)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			if tt.check != nil {
				tt.check(t, po, bo)
			}
		})
	}
}

func readPoseLines(t *testing.T, out string) []poseJSON {
	t.Helper()
	return readPoseLinesOf(t, out, pose.COCO17)
}

// readPoseLinesOf reads pose's JSON lines, each with the keypoints of
// skeleton sk under their names, in order.
func readPoseLinesOf(t *testing.T, out string, sk *pose.Skeleton) []poseJSON {
	t.Helper()
	var lines []poseJSON
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l poseJSON
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("bad output line %q: %v", sc.Text(), err)
		}
		if len(l.Keypoints) != sk.Len() {
			t.Fatalf("line has %d keypoints, want %d", len(l.Keypoints), sk.Len())
		}
		for j, k := range l.Keypoints {
			if k.Name != string(sk.Joint(j)) {
				t.Fatalf("keypoint %d named %q, want %q", j, k.Name, sk.Joint(j))
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// TestPoseModelSizedImage runs the command on a reference input of the
// model's own size: nx, ny must be the model's outputs (checked against the
// original TF.js model) and x, y the same in pixels.
func TestPoseModelSizedImage(t *testing.T) {
	dir := testenv.Shared(t, "realdata/references/coco_000000000785")
	ref := readReference(t, filepath.Join(dir, "reference.jsonl"), "frame_0001_192.png", "movenet-lightning")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"pose", "--json", filepath.Join(dir, "frame_0001_192.png")}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := readPoseLines(t, out.String())
	if len(lines) != 1 || lines[0].Frame != 0 || lines[0].TimeS != 0 || !lines[0].Person {
		t.Fatalf("got %+v, want one frame 0 with a person", lines)
	}
	for j, k := range lines[0].Keypoints {
		want := ref.Keypoints[j]
		if math.Abs(float64(k.NY)-want[0]) > 2e-5 || math.Abs(float64(k.NX)-want[1]) > 2e-5 || math.Abs(float64(k.Score)-want[2]) > 2e-5 {
			t.Errorf("%s: (ny %v, nx %v, score %v), reference %v", k.Name, k.NY, k.NX, k.Score, want)
		}
		if math.Abs(k.X-192*float64(k.NX)) > 1e-3 || math.Abs(k.Y-192*float64(k.NY)) > 1e-3 {
			t.Errorf("%s: pixel (%v, %v) is not 192 * (nx, ny) = (%v, %v)", k.Name, k.X, k.Y, 192*k.NX, 192*k.NY)
		}
	}
}

func readReference(t *testing.T, path, image, model string) testenv.Reference {
	t.Helper()
	for _, r := range testenv.ReadReferences(t, path) {
		if r.Image == image && r.Model == model {
			return r
		}
	}
	t.Fatalf("%s: no line for %s %s", path, image, model)
	return testenv.Reference{}
}

// TestPoseVideo runs the command on a real video: one line per decoded
// frame, in order, with increasing times, a person in nearly every frame,
// and keypoints inside the frame where confident.
func TestPoseVideo(t *testing.T) {
	video := testenv.Shared(t, "realdata/videos/workouttracker_squat_17.mp4")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"pose", "--json", video}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := readPoseLines(t, out.String())
	if len(lines) < 30 {
		t.Fatalf("%d frames, want a few seconds of video", len(lines))
	}
	persons := 0
	for i, l := range lines {
		if l.Frame != i {
			t.Fatalf("line %d is frame %d", i, l.Frame)
		}
		if i > 0 && !(l.TimeS > lines[i-1].TimeS) {
			t.Fatalf("frame %d at %vs, not after frame %d at %vs", i, l.TimeS, i-1, lines[i-1].TimeS)
		}
		if l.Person {
			persons++
		}
	}
	if persons < len(lines)*9/10 {
		t.Errorf("a person in %d of %d frames of a squat video, want at least 90%%", persons, len(lines))
	}
}

func TestPoseErrors(t *testing.T) {
	dir := t.TempDir()
	notImage := writeFile(t, "fake.png", "not a png")
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr int
	}{
		{"missing input", []string{"pose", filepath.Join(dir, "nope.mp4")}, []string{"nope.mp4", "no such file"}, exitFailed},
		{"undecodable image", []string{"pose", notImage}, []string{"fake.png", "cannot decode"}, exitFailed},
		{"thunder not converted", []string{"pose", "--model", "thunder", "--models-dir", dir, notImage},
			[]string{"thunder", "kneescreen models convert", "make models"}, exitFailed},
		{"blazepose not converted", []string{"pose", "--model", "blazepose", "--models-dir", dir, notImage},
			[]string{"blazepose", "make models", dir}, exitFailed},
		{"unknown model", []string{"pose", "--model", "posenet", notImage}, []string{"posenet", "blazepose"}, exitFailed},
		{"empty folder", []string{"pose", dir}, []string{"vision:", dir}, exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errOut)
			if code != tt.wantErr {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantErr, errOut.String())
			}
			msg := errOut.String()
			if strings.Count(msg, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func TestBenchRuns(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "--runs", "3", "--warmup", "1", "--threads", "1"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var r BenchResult
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.Model != "lightning" || r.Network != "lightning" || r.Threads != 1 || r.Runs != 3 || !(r.MsMedian > 0) || r.MsP90 < r.MsMedian || !(r.CPUMs > 0) {
		t.Errorf("bench result %+v", r)
	}
}

// blazePoseDir returns the folder holding the converted BlazePose models,
// skipping the test without them.
func blazePoseDir(t *testing.T, variant string) string {
	t.Helper()
	dir := os.Getenv("KNEESCREEN_MODELS_DIR")
	if dir == "" {
		t.Skip("KNEESCREEN_MODELS_DIR not set (make models converts BlazePose there); skipping")
	}
	for _, f := range []string{"blazepose-detector.onnx", "blazepose-" + variant + ".onnx"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Skipf("%s absent (run make models); skipping", f)
		}
	}
	return dir
}

// TestPoseBlazePose: pose --model blazepose --json on a photo prints the
// 33 BlazePose landmarks by name with scores; the heels and toes are
// confident, below the knees and near the ankles.
func TestPoseBlazePose(t *testing.T) {
	dir := blazePoseDir(t, "full")
	img := testenv.Shared(t, "realdata/images/coco/000000000785.jpg")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"pose", "--model", "blazepose", "--models-dir", dir, "--json", img}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := readPoseLinesOf(t, out.String(), pose.BlazePose33)
	if len(lines) != 1 || !lines[0].Person {
		t.Fatalf("got %+v, want one frame with a person", lines)
	}
	kp := map[string]keypointJSON{}
	for _, k := range lines[0].Keypoints {
		kp[k.Name] = k
	}
	for _, side := range []string{"left", "right"} {
		knee, ankle := kp[side+"_knee"], kp[side+"_ankle"]
		shank := math.Hypot(knee.X-ankle.X, knee.Y-ankle.Y)
		for _, f := range []string{side + "_heel", side + "_foot_index"} {
			k := kp[f]
			if k.Score < 0.5 || k.Y < knee.Y || math.Hypot(k.X-ankle.X, k.Y-ankle.Y) > shank {
				t.Errorf("%s %+v: want confident, below the knee (y %.0f) and within a shank (%.0f px) of the ankle %+v", f, k, knee.Y, shank, ankle)
			}
		}
	}
}

// TestBenchBlazePose: bench times BlazePose's two networks, one line each.
func TestBenchBlazePose(t *testing.T) {
	dir := blazePoseDir(t, "lite")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "--model", "blazepose-lite", "--models-dir", dir, "--runs", "2", "--warmup", "1", "--threads", "1"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	var nets []string
	for dec.More() {
		var r BenchResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Model != "blazepose-lite" || r.Threads != 1 || r.Runs != 2 || !(r.MsMedian > 0) || r.MsP90 < r.MsMedian {
			t.Errorf("bench result %+v", r)
		}
		nets = append(nets, r.Network)
	}
	if want := []string{"blazepose-detector", "blazepose-lite"}; !slices.Equal(nets, want) {
		t.Errorf("networks timed %q, want %q", nets, want)
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{[]float64{5}, 0.5, 5},
		{[]float64{3, 1, 2}, 0.5, 2},
		{[]float64{4, 1, 3, 2}, 0.5, 2.5},
		{[]float64{10, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0.9, 9.1},
		{[]float64{1, 2}, 1, 2},
	}
	for _, tt := range tests {
		if got := quantile(append([]float64(nil), tt.xs...), tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("quantile(%v, %v) = %v, want %v", tt.xs, tt.q, got, tt.want)
		}
	}
}

// cancelWriter cancels a context once it has seen n lines.
type cancelWriter struct {
	bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	if w.n -= bytes.Count(p, []byte("\n")); w.n <= 0 {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// TestPoseInterrupted cancels the command's context (as SIGINT does) after
// a few frames: the pipeline must stop promptly, exit 130, and not print
// the rest of the video.
func TestPoseInterrupted(t *testing.T) {
	video := testenv.Shared(t, "realdata/videos/pooja_side_squat.mp4")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelWriter{n: 3, cancel: cancel}
	var errOut bytes.Buffer
	code := run(ctx, []string{"pose", "--json", video}, out, &errOut)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, errOut.String())
	}
	if lines := strings.Count(out.String(), "\n"); lines < 3 || lines > 10 {
		t.Errorf("%d lines printed after cancelling at the 3rd, want 3 and at most a few in flight", lines)
	}
}

// TestPoseText checks the readable output: a photo with a person lists the
// joints; a black image says nobody is there.
func TestPoseText(t *testing.T) {
	photo := filepath.Join(testenv.Shared(t, "realdata/images/coco"), "000000000785.jpg")
	black := filepath.Join(t.TempDir(), "black.png")
	f, err := os.Create(black)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct {
		path string
		want []string
	}{
		{photo, []string{"frame 0  0.000s  person (mean score", "left_knee "}},
		{black, []string{"frame 0  0.000s  no person"}},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"pose", tt.path}, &out, &errOut); code != exitOK {
			t.Fatalf("%s: exit %d: %s", tt.path, code, errOut.String())
		}
		if strings.Count(out.String(), "\n") != 1 {
			t.Errorf("%s: want one line, got %q", tt.path, out.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: output %q lacks %q", tt.path, out.String(), w)
			}
		}
	}
}

// TestPoseMatchesAnalyze: on a video, pose prints the keypoints analyze
// screens (the same pose pass: tracking, reduction, symmetric averaging),
// so its JSON agrees with analyze's keypoints.csv to the CSV's rounding.
func TestPoseMatchesAnalyze(t *testing.T) {
	video := testenv.Testdata(t, sample.FixtureFile)
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"analyze", "--formats", "csv", "--progress", "never", "--out", dir, video}, &out, &errOut); code != exitOK {
		t.Fatalf("analyze: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"pose", "--json", video}, &out, &errOut); code != exitOK {
		t.Fatalf("pose: exit %d: %s", code, errOut.String())
	}
	lines := readPoseLines(t, out.String())
	f, err := os.Open(filepath.Join(dir, report.KeypointsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(lines)+1 || len(lines) < 90 {
		t.Fatalf("pose printed %d frames, keypoints.csv has %d rows; the clip has over 90 frames", len(lines), len(rows)-1)
	}
	worst := 0.0
	for i, l := range lines {
		for k, kp := range l.Keypoints {
			if rows[0][3+3*k] != kp.Name+"_x" {
				t.Fatalf("column %q, keypoint %q", rows[0][3+3*k], kp.Name)
			}
			for c, v := range []float64{kp.X, kp.Y, float64(kp.Score)} {
				got, err := strconv.ParseFloat(rows[i+1][3+3*k+c], 64)
				if err != nil {
					t.Fatal(err)
				}
				worst = max(worst, math.Abs(got-v))
			}
		}
	}
	// keypoints.csv rounds x, y to 0.01 px and scores to 1e-4.
	if worst > 0.005+1e-9 {
		t.Errorf("pose and analyze differ by up to %v", worst)
	}
}
