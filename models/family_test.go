package models

import (
	"context"
	"errors"
	"image"
	"image/draw"
	_ "image/jpeg" // the shared COCO photos
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// testBlazePose opens a BlazePose model from KNEESCREEN_MODELS_DIR, skipping
// when its files are absent ('make models' converts them).
func testBlazePose(tb testing.TB, name string) PoseModel {
	tb.Helper()
	dir := os.Getenv(envModelsDir)
	if dir == "" {
		tb.Skipf("%s not set (make models converts BlazePose there); skipping", envModelsDir)
	}
	m, err := Open(name, dir, Options{Threads: 1})
	if errors.Is(err, ErrModelNotFound) {
		tb.Skipf("%s: %v; skipping", name, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestOpenSelectsTheFamily: each built-in name opens a model of its family,
// with its skeleton and networks, whatever the letter case.
func TestOpenSelectsTheFamily(t *testing.T) {
	tests := []struct {
		spec     string
		sk       *pose.Skeleton
		networks []string
	}{
		{"lightning", pose.COCO17, []string{"lightning"}},
		{"Lightning", pose.COCO17, []string{"lightning"}},
		{"blazepose", pose.BlazePose33, []string{"blazepose-detector", "blazepose-full"}},
		{"blazepose-lite", pose.BlazePose33, []string{"blazepose-detector", "blazepose-lite"}},
		{"BlazePose-Heavy", pose.BlazePose33, []string{"blazepose-detector", "blazepose-heavy"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			var m PoseModel
			if tt.sk == pose.BlazePose33 {
				m = testBlazePose(t, tt.spec)
			} else {
				var err error
				if m, err = Open(tt.spec, "", Options{Threads: 1}); err != nil {
					t.Fatal(err)
				}
			}
			if m.Skeleton() != tt.sk {
				t.Errorf("skeleton %v, want %v", m.Skeleton(), tt.sk)
			}
			var names []string
			for _, n := range m.Networks() {
				names = append(names, n.Name)
			}
			if !slices.Equal(names, tt.networks) {
				t.Errorf("networks %q, want %q", names, tt.networks)
			}
			e := m.NewPoseEstimator(1)
			defer e.Close()
			if e.Skeleton() != tt.sk || e.Name() != m.Name() {
				t.Errorf("estimator: skeleton %v, name %q; model %v, %q", e.Skeleton(), e.Name(), tt.sk, m.Name())
			}
		})
	}
}

// TestOpenErrors: an absent BlazePose file names itself and how to make it
// in one line; an unknown name lists the known ones.
func TestOpenErrors(t *testing.T) {
	empty := t.TempDir()
	detOnly := t.TempDir()
	if err := os.WriteFile(filepath.Join(detOnly, "blazepose-detector.onnx"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, spec, dir string
		is              error
		want            []string
	}{
		{"no BlazePose files", "blazepose", empty, ErrModelNotFound, []string{"blazepose-detector.onnx", empty, "make models",
			"kneescreen models convert --from package/models/blazepose-detector.json --out " + filepath.Join(empty, "blazepose-detector.onnx")}},
		{"no heavy landmark model", "blazepose-heavy", detOnly, ErrModelNotFound, []string{"blazepose-heavy.onnx", "make models",
			"package/models/blazepose-heavy.bin"}},
		{"a detector that is not ONNX", "blazepose-lite", detOnly, nil, []string{"blazepose-lite"}},
		{"unknown name", "blazepose-tiny", empty, ErrUnknownModel, []string{"blazepose-tiny", "blazepose-lite", "thunder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.is == nil {
				// The lite model must exist for the detector to be read.
				if err := os.WriteFile(filepath.Join(detOnly, "blazepose-lite.onnx"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				tt.is = ErrBadModel
			}
			_, err := Open(tt.spec, tt.dir, Options{})
			if !errors.Is(err, tt.is) {
				t.Fatalf("Open(%q): %v, want %v", tt.spec, err, tt.is)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// readPhoto decodes a shared photo.
func readPhoto(tb testing.TB, id string) *image.RGBA {
	tb.Helper()
	f, err := os.Open(testenv.Shared(tb, filepath.Join("realdata", "images", "coco", id+".jpg")))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	m := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(m, m.Bounds(), img, img.Bounds().Min, draw.Src)
	return m
}

// bodySize is the diagonal of the box around a pose's keypoints scored at
// least 0.3.
func bodySize(p *pose.Pose) float64 {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, k := range p.Keypoints {
		if k.Score >= 0.3 {
			x0, y0, x1, y1 = min(x0, k.X), min(y0, k.Y), max(x1, k.X), max(y1, k.Y)
		}
	}
	return math.Hypot(x1-x0, y1-y0)
}

// TestBlazePoseEstimatorKeypoints: through the seam, a BlazePose pose of a
// real photo has the 33 landmarks under pose.BlazePose33's names, and the
// joints MoveNet also has land where Lightning puts them, on the same side
// of the body (so the landmarks are not misnamed or mirrored); the feet
// are scored and lie near their ankles; NX, NY lie in the landmark model's
// 0..1 input square.
func TestBlazePoseEstimatorKeypoints(t *testing.T) {
	bp := testBlazePose(t, BlazePose)
	mn, err := Open(Lightning, "", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"000000000785", "000000196141"} {
		t.Run(id, func(t *testing.T) {
			img := readPhoto(t, id)
			est := bp.NewPoseEstimator(1)
			defer est.Close()
			p, err := est.Estimate(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Person || p.Skeleton != pose.BlazePose33 || len(p.Keypoints) != 33 {
				t.Fatalf("person %v, skeleton %v, %d keypoints", p.Person, p.Skeleton, len(p.Keypoints))
			}
			me := mn.NewPoseEstimator(1)
			defer me.Close()
			ref, err := me.Estimate(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			size := bodySize(&ref)
			n := 0
			for j, k := range ref.Keypoints {
				joint := ref.Skeleton.Joint(j)
				b, ok := p.Get(joint)
				if !ok {
					t.Fatalf("BlazePose pose has no %s", joint)
				}
				if k.Score < 0.3 || b.Score < 0.5 {
					continue
				}
				n++
				// 12% of the body's size: the two models define some
				// joints differently (BlazePose's hips sit lower), a
				// misnamed or mirrored joint is further off.
				if d := math.Hypot(b.X-k.X, b.Y-k.Y) / size; d > 0.12 {
					t.Errorf("%s: BlazePose (%.0f, %.0f), Lightning (%.0f, %.0f): %.0f%% of the body apart", joint, b.X, b.Y, k.X, k.Y, 100*d)
				}
			}
			if n < 8 {
				t.Errorf("only %d joints confident in both models", n)
			}
			for _, k := range p.Keypoints {
				if k.Score > 0.5 && (k.NX < 0 || k.NX > 1 || k.NY < 0 || k.NY > 1) {
					t.Errorf("keypoint %+v lies outside the landmark model's input square", k)
				}
			}
			for _, f := range [][3]pose.Joint{{pose.LeftHeel, pose.LeftFootIndex, pose.LeftAnkle}, {pose.RightHeel, pose.RightFootIndex, pose.RightAnkle}} {
				a, _ := p.Get(f[2])
				for _, j := range f[:2] {
					k, _ := p.Get(j)
					if !(k.Score > 0) || math.Hypot(k.X-a.X, k.Y-a.Y) > 0.15*size {
						t.Errorf("%s %+v: unscored or far from the ankle %+v", j, k, a)
					}
				}
			}
		})
	}
}

// TestBlazePoseSharedModel: estimators of 1 and 2 threads made from one
// loaded BlazePose model, run at the same time, find the same pose, and a
// tracker's second frame (the region from the first frame's landmarks,
// without the detector) lands on the same person.
func TestBlazePoseSharedModel(t *testing.T) {
	m := testBlazePose(t, BlazePoseLite)
	img := readPhoto(t, "000000000785")
	ref := m.NewPoseEstimator(1)
	want, err := ref.Estimate(context.Background(), img)
	ref.Close()
	if err != nil || !want.Person {
		t.Fatalf("person %v: %v", want.Person, err)
	}
	size := bodySize(&want)
	var wg sync.WaitGroup
	for _, threads := range []int{0, 2} {
		wg.Go(func() {
			e := m.NewPoseEstimator(threads)
			defer e.Close()
			for frame := range 3 {
				p, err := e.Track(context.Background(), img)
				if err != nil {
					t.Error(err)
					return
				}
				tol := 1e-3 // float rounding of another split of the work
				if frame > 0 {
					tol = 0.05 * size // another region (from the landmarks), another crop
				}
				for j, k := range p.Keypoints {
					w := want.Keypoints[j]
					if w.Score > 0.5 && math.Hypot(k.X-w.X, k.Y-w.Y) > tol {
						t.Errorf("%d threads, frame %d: %s at (%.1f, %.1f), Estimate (%.1f, %.1f)", threads, frame, p.Skeleton.Joint(j), k.X, k.Y, w.X, w.Y)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestNetworkRun runs each network on its fixed input: Lightning's int32
// image and, with the models converted, BlazePose's float inputs.
func TestNetworkRun(t *testing.T) {
	models := []PoseModel{}
	mn, err := Open(Lightning, "", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	models = append(models, mn)
	if os.Getenv(envModelsDir) != "" {
		if m, err := Open(BlazePoseLite, os.Getenv(envModelsDir), Options{Threads: 1}); err == nil {
			models = append(models, m)
		}
	}
	for _, m := range models {
		for _, n := range m.Networks() {
			r, err := n.NewRun(1)
			if err != nil {
				t.Fatalf("%s: %v", n.Name, err)
			}
			for range 2 {
				if err := r.Run(context.Background()); err != nil {
					t.Errorf("%s: %v", n.Name, err)
				}
			}
			r.Close()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, _ := mn.Networks()[0].NewRun(1)
	defer r.Close()
	if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}
