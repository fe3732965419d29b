package blazepose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // the shared COCO photos
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// The tests below run the converted models: they skip without
// KNEESCREEN_MODELS_DIR ('make models' writes the models there) or without
// the shared real images.

var (
	modelsOnce sync.Map // variant -> *Model
)

// loadVariant loads (once per test binary) a landmark variant with the
// detector from KNEESCREEN_MODELS_DIR, skipping when it is absent.
func loadVariant(tb testing.TB, variant string) *Model {
	tb.Helper()
	if m, ok := modelsOnce.Load(variant); ok {
		return m.(*Model)
	}
	dir := os.Getenv("KNEESCREEN_MODELS_DIR")
	if dir == "" {
		tb.Skip("KNEESCREEN_MODELS_DIR not set (make models converts the BlazePose models there); skipping")
	}
	for _, f := range []string{"blazepose-detector.onnx", "blazepose-" + variant + ".onnx"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			tb.Skipf("%s absent from %s (run make models); skipping", f, dir)
		}
	}
	m, err := LoadDir(dir, variant, Options{Threads: 2})
	if err != nil {
		tb.Fatal(err)
	}
	modelsOnce.Store(variant, m)
	return m
}

// readImage decodes a shared image into RGBA.
func readImage(tb testing.TB, rel string) *image.RGBA {
	tb.Helper()
	f, err := os.Open(testenv.Shared(tb, rel))
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

// cocoNames are MoveNet's 17 keypoints in order; BlazePose has each under
// the same name.
var cocoNames = []string{"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
	"left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
	"left_ankle", "right_ankle"}

// moveNetPoint is a MoveNet Thunder keypoint of a shared reference frame,
// in source pixels of the original image.
type moveNetPoint struct{ x, y, score float64 }

// moveNetFrame reads the shared Thunder reference for frame n of a
// reference folder, mapped to the pixels of the image the folder was made
// from (square=false) or of its 256x256 letterboxed PNG (square=true).
func moveNetFrame(tb testing.TB, folder string, n int, square bool) []moveNetPoint {
	tb.Helper()
	dir := testenv.Shared(tb, filepath.Join("realdata", "references", folder))
	raw, err := os.ReadFile(filepath.Join(dir, "frames.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var fr struct {
		Side int `json:"square_side"`
		PadX int `json:"pad_x"`
		PadY int `json:"pad_y"`
	}
	if err := json.Unmarshal(raw, &fr); err != nil {
		tb.Fatal(err)
	}
	side, padX, padY := float64(fr.Side), float64(fr.PadX), float64(fr.PadY)
	if square {
		side, padX, padY = 256, 0, 0
	}
	want := fmt.Sprintf("frame_%04d_256.png", n)
	for _, ref := range testenv.ReadReferences(tb, filepath.Join(dir, "reference.jsonl")) {
		if ref.Model != "movenet-thunder" || ref.Image != want {
			continue
		}
		out := make([]moveNetPoint, len(ref.Keypoints))
		for k, kp := range ref.Keypoints {
			out[k] = moveNetPoint{x: kp[1]*side - padX, y: kp[0]*side - padY, score: kp[2]}
		}
		return out
	}
	tb.Fatalf("no Thunder reference for %s in %s", want, dir)
	return nil
}

// agreement compares BlazePose's landmarks with MoveNet's keypoints on the
// joints both have, where both are confident (MoveNet score >= 0.3,
// visibility >= 0.5). It returns the median and largest distance as
// fractions of the person's size (the diagonal of the box around MoveNet's
// confident keypoints) and how many joints were compared.
func agreement(p Pose, mn []moveNetPoint) (median, worst float64, n int, worstJoint string) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, k := range mn {
		if k.score >= 0.3 {
			x0, y0, x1, y1 = min(x0, k.x), min(y0, k.y), max(x1, k.x), max(y1, k.y)
		}
	}
	size := math.Hypot(x1-x0, y1-y0)
	var d []float64
	for j, k := range mn {
		l := p.Landmarks[Index(cocoNames[j])]
		if k.score < 0.3 || l.Visibility < 0.5 {
			continue
		}
		v := math.Hypot(l.X-k.x, l.Y-k.y) / size
		d = append(d, v)
		if v > worst {
			worst, worstJoint = v, cocoNames[j]
		}
	}
	if len(d) == 0 {
		return math.Inf(1), math.Inf(1), 0, ""
	}
	slices.Sort(d)
	return d[len(d)/2], worst, len(d), worstJoint
}

// Agreement bars with MoveNet: the two models are trained on different
// data and define some joints differently (BlazePose's hips sit lower and
// wider), so they differ by a few per cent of the body's size on the joints
// both see; a wrong person, a mirrored or rotated projection, or a half
// region error moves joints by tens of per cent.
const (
	maxMedianDisagreement = 0.04
	maxJointDisagreement  = 0.12
)

func checkAgreement(t *testing.T, what string, p Pose, mn []moveNetPoint) {
	t.Helper()
	med, worst, n, wj := agreement(p, mn)
	t.Logf("%s: %d joints compared with MoveNet; median distance %.1f%%, worst %.1f%% (%s) of the body's size", what, n, 100*med, 100*worst, wj)
	if n < 8 {
		t.Errorf("%s: only %d joints confident in both models", what, n)
	}
	if med > maxMedianDisagreement || worst > maxJointDisagreement {
		t.Errorf("%s: BlazePose and MoveNet disagree: median %.3f, worst %.3f (%s)", what, med, worst, wj)
	}
}

// TestEstimateMatchesMoveNet: on shared COCO photos of one person the 33
// landmarks land on MoveNet's 17 keypoints, heels and toes near the ankles.
func TestEstimateMatchesMoveNet(t *testing.T) {
	for _, variant := range Variants {
		t.Run(variant, func(t *testing.T) {
			m := loadVariant(t, variant)
			tr := m.NewTracker()
			defer tr.Close()
			for _, id := range []string{"000000000785", "000000196141"} {
				img := readImage(t, filepath.Join("realdata", "images", "coco", id+".jpg"))
				p, err := tr.Estimate(context.Background(), img)
				if err != nil {
					t.Fatal(err)
				}
				if !p.Person || !p.Detected {
					t.Fatalf("%s: no person (presence %.2f, detected %v)", id, p.Presence, p.Detected)
				}
				mn := moveNetFrame(t, "coco_"+id, 1, false)
				checkAgreement(t, id, p, mn)
				// The feet: heel and toe within a foot's length of the ankle.
				for _, side := range []string{"left", "right"} {
					a := p.Landmarks[Index(side+"_ankle")]
					shin := math.Hypot(a.X-p.Landmarks[Index(side+"_knee")].X, a.Y-p.Landmarks[Index(side+"_knee")].Y)
					for _, f := range []string{"_heel", "_foot_index"} {
						l := p.Landmarks[Index(side+f)]
						if d := math.Hypot(l.X-a.X, l.Y-a.Y); d > shin {
							t.Errorf("%s: %s%s is %.0f px from the ankle, more than the shin (%.0f px)", id, side, f, d, shin)
						}
					}
				}
			}
		})
	}
}

// TestTrackFollowsPerson: after the first frame the detector does not run;
// a shifted frame moves the landmarks by the shift.
func TestTrackFollowsPerson(t *testing.T) {
	m := loadVariant(t, "full")
	tr := m.NewTracker()
	defer tr.Close()
	src := readImage(t, "realdata/images/coco/000000000785.jpg")
	frame := func(dx, dy int) *image.RGBA {
		f := image.NewRGBA(image.Rect(0, 0, 600, 400))
		draw.Draw(f, f.Bounds(), src, image.Pt(dx, dy), draw.Src)
		return f
	}
	ctx := context.Background()
	if _, ok := tr.Region(); ok {
		t.Error("Region before the first frame")
	}
	a, err := tr.Track(ctx, frame(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Person || !a.Detected {
		t.Fatalf("first frame: person %v, detected %v", a.Person, a.Detected)
	}
	r, ok := tr.Region()
	if !ok || !near(r.CX, a.HipCentre.X, 1e-9) || !near(r.W, 2.5*math.Hypot(a.ScalePoint.X-a.HipCentre.X, a.ScalePoint.Y-a.HipCentre.Y), 1e-6) {
		t.Errorf("next region %+v (ok %v) is not built from the hip centre %+v and scale point %+v", r, ok, a.HipCentre, a.ScalePoint)
	}
	// The content moves 13 px left and 7 px up.
	b, err := tr.Track(ctx, frame(13, 7))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Person || b.Detected {
		t.Fatalf("second frame: person %v, detected %v; want tracked without the detector", b.Person, b.Detected)
	}
	var sum float64
	for k := range b.Landmarks {
		sum += math.Hypot(b.Landmarks[k].X-(a.Landmarks[k].X-13), b.Landmarks[k].Y-(a.Landmarks[k].Y-7))
	}
	// The region sits differently on the person, so predictions change a
	// little; they must follow the shift to within 1.5% of the region.
	if mean := sum / NumLandmarks; mean > 0.015*r.W {
		t.Errorf("landmarks moved by the shift ± %.1f px on average, more than 1.5%% of the %.0f px region", mean, r.W)
	}
}

// TestTrackLosesPerson: an empty frame ends tracking (the detector ran and
// found nobody); the next frame with the person detects again.
func TestTrackLosesPerson(t *testing.T) {
	m := loadVariant(t, "lite")
	tr := m.NewTracker()
	defer tr.Close()
	ctx := context.Background()
	img := readImage(t, "realdata/images/coco/000000000785.jpg")
	black := image.NewRGBA(img.Bounds())
	for i, want := range []struct{ person, detected bool }{{true, true}, {true, false}, {false, true}, {true, true}} {
		f := img
		if i == 2 {
			f = black
		}
		p, err := tr.Track(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if p.Person != want.person || p.Detected != want.detected {
			t.Errorf("frame %d: person %v detected %v, want %v %v", i, p.Person, p.Detected, want.person, want.detected)
		}
		if _, ok := tr.Region(); ok != want.person {
			t.Errorf("frame %d: Region ok = %v", i, ok)
		}
	}
	tr.Reset()
	if p, _ := tr.Track(ctx, img); !p.Detected {
		t.Error("after Reset the detector did not run")
	}
}

// TestEstimateRotated: a photo turned a quarter turn clockwise gives the same
// landmarks turned with it: the region's rotation and its inverse
// projection hold for a person lying on their side.
func TestEstimateRotated(t *testing.T) {
	m := loadVariant(t, "full")
	tr := m.NewTracker()
	defer tr.Close()
	img := readImage(t, "realdata/images/coco/000000000785.jpg")
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	rot := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Source pixel (x, y) goes to (h-1-y, x).
			rot.SetRGBA(h-1-y, x, img.RGBAAt(x, y))
		}
	}
	ctx := context.Background()
	a, err := tr.Estimate(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.Estimate(ctx, rot)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Person || !b.Person {
		t.Fatalf("person upright %v, turned %v", a.Person, b.Person)
	}
	if d := normalizeRadians(b.Region.Rotation - a.Region.Rotation - math.Pi/2); math.Abs(d) > 0.15 {
		t.Errorf("region rotation %.2f upright, %.2f turned: want a quarter turn more", a.Region.Rotation, b.Region.Rotation)
	}
	var sum float64
	for k := range a.Landmarks {
		// Continuous point (x, y) of the upright photo is (h - y, x) turned.
		sum += math.Hypot(b.Landmarks[k].X-(float64(h)-a.Landmarks[k].Y), b.Landmarks[k].Y-a.Landmarks[k].X)
	}
	if mean := sum / NumLandmarks; mean > 0.02*a.Region.W {
		t.Errorf("turned landmarks are %.1f px from the upright ones turned, more than 2%% of the region", mean)
	}
}

// TestTrackSharedClip follows the person through ten frames (2 per second)
// of a shared squat clip, as the letterboxed 256x256 reference frames: the
// detector runs on the first frame only and every frame agrees with
// MoveNet's reference.
func TestTrackSharedClip(t *testing.T) {
	m := loadVariant(t, "full")
	tr := m.NewTracker()
	defer tr.Close()
	detections := 0
	for n := 1; n <= 10; n++ {
		f, err := os.Open(testenv.Shared(t, fmt.Sprintf("realdata/references/rjsong_front_squat/frame_%04d_256.png", n)))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		p, err := tr.Track(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Person {
			t.Fatalf("frame %d: person lost", n)
		}
		if p.Detected {
			detections++
		}
		checkAgreement(t, fmt.Sprintf("frame %d", n), p, moveNetFrame(t, "rjsong_front_squat", n, true))
	}
	if detections != 1 {
		t.Errorf("the detector ran on %d of 10 frames, want only the first", detections)
	}
}

// TestTrackDoesNotAllocate: following a person allocates nothing per frame.
func TestTrackDoesNotAllocate(t *testing.T) {
	m := loadVariant(t, "lite")
	tr := m.NewTracker()
	defer tr.Close()
	img := readImage(t, "realdata/images/coco/000000000785.jpg")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if p, err := tr.Track(ctx, img); err != nil || !p.Person {
			t.Fatalf("frame %d: %v, person %v", i, err, p.Person)
		}
	}
	// Twenty runs, not three: a pool worker that parks allocates the
	// runtime's wait record (a sudog) when a garbage collection has just
	// emptied the runtime's cache of them. That is the scheduler's one-off,
	// not the tracker's per frame, and AllocsPerRun's integer average over
	// twenty runs lets it pass while any per-frame allocation still fails
	// (seen under GOGC=10 and a load of eight on two cores).
	if n := testing.AllocsPerRun(20, func() { _, _ = tr.Track(ctx, img) }); n != 0 {
		t.Errorf("Track allocates %v times per tracked frame", n)
	}
}

// TestLoadErrors: bad variants, missing files and models of the wrong kind
// give errors that say what to do.
func TestLoadErrors(t *testing.T) {
	if _, err := LoadDir(t.TempDir(), "medium", Options{}); err == nil {
		t.Error("unknown variant accepted")
	}
	dir := t.TempDir()
	_, err := LoadDir(dir, "full", Options{})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing files: %v", err)
	}
	lightning, err := os.ReadFile(filepath.Join("..", "lightning.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load("x", lightning, lightning, Options{}); !errors.Is(err, ErrBadModel) {
		t.Errorf("MoveNet as BlazePose: %v, want ErrBadModel", err)
	}
	if _, err := Load("x", []byte("not onnx"), nil, Options{}); !errors.Is(err, ErrBadModel) {
		t.Errorf("garbage: %v, want ErrBadModel", err)
	}
}

// TestEmptyImage: an empty image is refused before any inference.
func TestEmptyImage(t *testing.T) {
	m := loadVariant(t, "lite")
	tr := m.NewTracker()
	defer tr.Close()
	if _, err := tr.Track(context.Background(), image.NewRGBA(image.Rect(0, 0, 0, 5))); !errors.Is(err, ErrBadImage) {
		t.Errorf("empty image: %v, want ErrBadImage", err)
	}
}

// TestNames: the 33 MediaPipe names, unique, left and right paired.
func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for i, n := range Names {
		if seen[n] {
			t.Errorf("%q twice", n)
		}
		seen[n] = true
		if Index(n) != i {
			t.Errorf("Index(%q) = %d, want %d", n, Index(n), i)
		}
	}
	for _, n := range Names {
		if len(n) > 5 && n[:5] == "left_" && !seen["right_"+n[5:]] {
			t.Errorf("%q has no right counterpart", n)
		}
	}
	for _, c := range cocoNames {
		if Index(c) < 0 {
			t.Errorf("COCO joint %q missing", c)
		}
	}
	if Index("left_heel") != 29 || Index("right_foot_index") != 32 || Index("nope") != -1 {
		t.Error("heel, toe or unknown name at the wrong index")
	}
}
