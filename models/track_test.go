package models

import (
	"context"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// numJoints is MoveNet's keypoint count (COCO17; checked in
// TestMoveNetSkeleton).
const numJoints = 17

// dotPalette gives each joint a colour of its own direction in RGB space,
// so a dot stays recognisable when resampling blends it with black.
var dotPalette = func() [numJoints][3]float64 {
	var p [numJoints][3]float64
	n := 0
	for r := 0; r <= 2 && n < numJoints; r++ {
		for g := 0; g <= 2 && n < numJoints; g++ {
			for b := 0; b <= 2 && n < numJoints; b++ {
				if r+g+b == 0 || (r%2 == 0 && g%2 == 0 && b%2 == 0) {
					continue // black, or a multiple of a smaller vector
				}
				p[n] = [3]float64{float64(r) / 2, float64(g) / 2, float64(b) / 2}
				n++
			}
		}
	}
	return p
}()

// dotModel stands in for MoveNet in tests of the geometry around it: it
// "detects" joint j as the brightness-weighted centroid of the input pixels
// whose colour points in dotPalette[j]'s direction, with score 0.9, or score
// 0 when no such pixel is visible.
type dotModel struct {
	size  int
	calls int
}

func (m *dotModel) run(_ context.Context, in []int32, out []float32) error {
	m.calls++
	n := m.size
	var sx, sy, sw [numJoints]float64
	for i := 0; i < n*n; i++ {
		r, g, b := float64(in[3*i]), float64(in[3*i+1]), float64(in[3*i+2])
		norm := math.Sqrt(r*r + g*g + b*b)
		if norm < 40 {
			continue
		}
		for j, c := range dotPalette {
			cn := math.Sqrt(c[0]*c[0] + c[1]*c[1] + c[2]*c[2])
			if (r*c[0]+g*c[1]+b*c[2])/(norm*cn) > 0.995 {
				x, y := float64(i%n)+0.5, float64(i/n)+0.5
				sx[j] += norm * x
				sy[j] += norm * y
				sw[j] += norm
				break
			}
		}
	}
	for j := range numJoints {
		if sw[j] == 0 {
			out[3*j], out[3*j+1], out[3*j+2] = 0.5, 0.5, 0
			continue
		}
		out[3*j] = float32(sy[j] / sw[j] / float64(n))
		out[3*j+1] = float32(sx[j] / sw[j] / float64(n))
		out[3*j+2] = 0.9
	}
	return nil
}

// drawDots paints each joint's dot (a radius-r disc) at pts on a black
// image of the given bounds.
func drawDots(bounds image.Rectangle, pts [numJoints][2]float64, r float64) *image.RGBA {
	img := image.NewRGBA(bounds)
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			img.SetRGBA(x, y, color.RGBA{A: 255})
		}
	}
	for j, p := range pts {
		c := dotPalette[j]
		for y := int(p[1] - r - 1); y <= int(p[1]+r+1); y++ {
			for x := int(p[0] - r - 1); x <= int(p[0]+r+1); x++ {
				if math.Hypot(float64(x)+0.5-p[0], float64(y)+0.5-p[1]) <= r && image.Pt(x, y).In(bounds) {
					img.SetRGBA(x, y, color.RGBA{uint8(255 * c[0]), uint8(255 * c[1]), uint8(255 * c[2]), 255})
				}
			}
		}
	}
	return img
}

// standing returns a stick figure's joints centred at (cx, cy) with the
// given height in pixels, in COCO order.
func standing(cx, cy, height float64) [numJoints][2]float64 {
	u := height / 8
	rel := [numJoints][2]float64{
		{0, -3.3}, {0.5, -3.9}, {-0.5, -3.9}, {1.1, -3.6}, {-1.1, -3.6}, // head
		{1, -2.8}, {-1, -2.8}, {1.3, -1.6}, {-1.3, -1.6}, {1.4, -0.4}, {-1.4, -0.4}, // arms
		{0.6, 0}, {-0.6, 0}, {0.7, 1.9}, {-0.7, 1.9}, {0.7, 3.8}, {-0.7, 3.8}, // legs
	}
	var out [numJoints][2]float64
	for j, r := range rel {
		out[j] = [2]float64{cx + r[0]*u, cy + r[1]*u}
	}
	return out
}

func TestTrackMapsKeypointsToSourcePixels(t *testing.T) {
	tests := []struct {
		name   string
		bounds image.Rectangle
		cx, cy float64
		height float64
	}{
		{"portrait 1080x1920", image.Rect(0, 0, 1080, 1920), 540, 1000, 1100},
		{"landscape 1280x720, person off centre", image.Rect(0, 0, 1280, 720), 900, 360, 500},
		{"webcam 640x480, small person", image.Rect(0, 0, 640, 480), 200, 250, 180},
		{"sub-image with non-zero origin", image.Rect(100, 50, 740, 530), 420, 300, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := &dotModel{size: 192}
			e := newEstimator("dots", 192, model, Options{})
			pts := standing(tc.cx, tc.cy, tc.height)
			img := drawDots(tc.bounds, pts, tc.height/60+3)
			w, h := tc.bounds.Dx(), tc.bounds.Dy()
			var worst [3]float64
			for frame := range 3 {
				p, err := e.Track(context.Background(), img)
				if err != nil {
					t.Fatal(err)
				}
				if !p.Person {
					t.Fatalf("frame %d: person not found", frame)
				}
				for j, k := range p.Keypoints {
					d := math.Hypot(k.X-pts[j][0], k.Y-pts[j][1])
					worst[frame] = max(worst[frame], d)
				}
				r, ok := e.Region()
				if !ok {
					t.Fatal("Track left no region for the next frame")
				}
				if frame == 0 && r.Side >= float64(max(w, h)) {
					t.Errorf("after a clear pose the crop is still the full frame: %+v", r)
				}
			}
			// A model pixel spans Side/192 source pixels; the letterboxed
			// first frame is coarser than the crops that follow.
			full := float64(max(w, h)) / 192
			if worst[0] > 0.25*full {
				t.Errorf("letterboxed frame: worst keypoint error %.2f px, want <= %.2f", worst[0], 0.25*full)
			}
			r, _ := e.Region()
			crop := r.Side / 192
			if worst[2] > 0.25*crop {
				t.Errorf("cropped frame: worst keypoint error %.2f px, want <= %.2f", worst[2], 0.25*crop)
			}
			t.Logf("worst error: letterbox %.2f px, crop %.2f px (crop side %.0f)", worst[0], worst[2], r.Side)
		})
	}
}

func TestTrackFallsBackWhenPersonLost(t *testing.T) {
	model := &dotModel{size: 192}
	e := newEstimator("dots", 192, model, Options{})
	bounds := image.Rect(0, 0, 1280, 720)
	left := drawDots(bounds, standing(250, 360, 400), 9)
	right := drawDots(bounds, standing(1050, 360, 400), 9)
	empty := drawDots(bounds, [numJoints][2]float64{}, 0)
	ctx := context.Background()

	if p, err := e.Track(ctx, left); err != nil || !p.Person {
		t.Fatalf("first frame: person %v, err %v", p.Person, err)
	}
	cropLeft, _ := e.Region()
	// The person jumped out of the crop: Track must re-run on the full
	// frame in the same call and find them there.
	calls := model.calls
	p, err := e.Track(ctx, right)
	if err != nil || !p.Person {
		t.Fatalf("after a jump: person %v, err %v", p.Person, err)
	}
	if model.calls-calls != 2 {
		t.Errorf("after a jump: %d inferences, want 2 (crop, then full frame)", model.calls-calls)
	}
	if got := p.At(pose.LeftHip).X; math.Abs(got-(1050+0.6*50)) > 8 {
		t.Errorf("after a jump: left hip at x=%.1f, want about %.1f", got, 1050+0.6*50)
	}
	cropRight, _ := e.Region()
	if cropRight.X <= cropLeft.X {
		t.Errorf("crop did not follow the person: %+v then %+v", cropLeft, cropRight)
	}
	// Nobody there: the frame is reported without a person and the next
	// frame starts from the full letterbox again.
	p, err = e.Track(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	if p.Person {
		t.Error("empty frame reported a person")
	}
	if r, _ := e.Region(); r != Letterbox(1280, 720) {
		t.Errorf("after losing the person the next region is %+v, want the full letterbox %+v", r, Letterbox(1280, 720))
	}
	// Reset forgets the crop; so does a fresh Estimator.
	if _, err := e.Track(ctx, left); err != nil {
		t.Fatal(err)
	}
	e.Reset()
	if r, ok := e.Region(); ok || r != (Region{}) {
		t.Errorf("after Reset: Region() = %+v, %v; want none", r, ok)
	}
	if r, ok := newEstimator("dots", 192, model, Options{}).Region(); ok || r != (Region{}) {
		t.Errorf("before the first frame: Region() = %+v, %v; want none", r, ok)
	}
}

func TestEstimateModelSizedImageIsFedUnchanged(t *testing.T) {
	for _, n := range []int{192, 256} {
		var got []int32
		e := newEstimator("probe", n, runnerFunc(func(in []int32, out []float32) {
			got = append(got[:0], in...)
			for j := range numJoints {
				out[3*j], out[3*j+1], out[3*j+2] = 0.25, 0.75, 0.5
			}
		}), Options{})
		img := image.NewRGBA(image.Rect(10, 20, 10+n, 20+n))
		for i := range img.Pix {
			img.Pix[i] = uint8(i * 7)
		}
		p, err := e.Estimate(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		for y := range n {
			for x := range n {
				o := img.PixOffset(10+x, 20+y)
				i := (y*n + x) * 3
				if got[i] != int32(img.Pix[o]) || got[i+1] != int32(img.Pix[o+1]) || got[i+2] != int32(img.Pix[o+2]) {
					t.Fatalf("%d: pixel (%d,%d) fed as %v, want %v", n, x, y, got[i:i+3], img.Pix[o:o+3])
				}
			}
		}
		k := *p.At(pose.LeftKnee)
		if k.NX != 0.75 || k.NY != 0.25 || k.X != 10+0.75*float64(n) || k.Y != 20+0.25*float64(n) {
			t.Errorf("%d: keypoint %+v, want nx=0.75 ny=0.25 at (%v,%v)", n, k, 10+0.75*float64(n), 20+0.25*float64(n))
		}
	}
}

func TestMoveNetSkeleton(t *testing.T) {
	e := newEstimator("probe", 192, runnerFunc(func([]int32, []float32) {}), Options{})
	if e.Skeleton() != pose.COCO17 || pose.COCO17.Len() != numJoints {
		t.Fatalf("MoveNet's skeleton is %v with %d joints, want coco17 with %d", e.Skeleton(), e.Skeleton().Len(), numJoints)
	}
	p, err := e.Estimate(context.Background(), image.NewRGBA(image.Rect(0, 0, 64, 48)))
	if err != nil || p.Skeleton != pose.COCO17 || len(p.Keypoints) != numJoints {
		t.Errorf("pose of skeleton %v with %d keypoints, err %v", p.Skeleton, len(p.Keypoints), err)
	}
}

type runnerFunc func(in []int32, out []float32)

func (f runnerFunc) close() {}

func (m *dotModel) close() {}

func (f runnerFunc) run(_ context.Context, in []int32, out []float32) error {
	f(in, out)
	return nil
}

// TestTrackOnRealFrames follows people through real footage (the reference
// frames, sampled at 2 per second and letterboxed to 256x256, used here as
// a video) with the real Lightning model. MoveNet's cropping must pay off:
// the model sees the person larger, so mean keypoint scores rise over
// letterboxing the whole frame. Confident keypoints found both ways must land
// on the same source pixels, which checks the crop's mapping back.
func TestTrackOnRealFrames(t *testing.T) {
	root := testenv.Shared(t, "realdata/references")
	e, err := New(testModel(t, Lightning), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	var sumEstimate, sumTrack float64
	var dists []float64
	frames := 0
	for _, seq := range []string{"rjsong_front_squat", "eyantra_side_single_leg_squat", "workouttracker_squat_17", "sports2d_side_walking", "pooja_side_squat"} {
		files, err := filepath.Glob(filepath.Join(root, seq, "frame_*_256.png"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no frames", seq)
		}
		e.Reset()
		for _, f := range files {
			img := decodeFile(t, f)
			whole, err := e.Estimate(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			tracked, err := e.Track(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			if whole.Person && !tracked.Person {
				t.Errorf("%s: tracking lost the person the whole frame shows", f)
			}
			sumEstimate += whole.MeanScore()
			sumTrack += tracked.MeanScore()
			frames++
			for j, k := range tracked.Keypoints {
				w := whole.Keypoints[j]
				if k.Score > 0.5 && w.Score > 0.5 {
					dists = append(dists, math.Hypot(k.X-w.X, k.Y-w.Y))
				}
			}
		}
	}
	meanEstimate, meanTrack := sumEstimate/float64(frames), sumTrack/float64(frames)
	slices.Sort(dists)
	median := dists[len(dists)/2]
	t.Logf("%d frames: mean score %.3f letterboxed, %.3f tracked; confident keypoints agree to %.2f px (median of %d)",
		frames, meanEstimate, meanTrack, median, len(dists))
	if meanTrack < meanEstimate+0.05 {
		t.Errorf("tracking mean score %.3f, want at least 0.05 above letterboxing's %.3f", meanTrack, meanEstimate)
	}
	// 256-pixel frames; one Lightning heatmap cell is 256/48 = 5.3 px.
	if median > 2.5 {
		t.Errorf("tracked and letterboxed keypoints differ by %.2f px (median), want <= 2.5", median)
	}
}
