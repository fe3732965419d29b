package synth

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
)

func TestGenerateGroundTruth(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"squat front", Config{Reps: 3, ValgusDeg: [2]float64{10, -5}}},
		{"single-leg right", Config{Movement: SingleLegSquat, StanceRight: true, Reps: 2, ValgusDeg: [2]float64{0, 12}}},
		{"step-down", Config{Movement: StepDown, Reps: 4, ValgusDeg: [2]float64{7, 0}}},
		{"portrait 60 fps", Config{Reps: 2, Width: 1080, Height: 1920, FPS: 60, ValgusDeg: [2]float64{6, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, truth, err := Generate(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg := tc.cfg
			if err := cfg.defaults(); err != nil {
				t.Fatal(err)
			}
			if len(truth.BottomFrames) != cfg.Reps || truth.Reps != cfg.Reps {
				t.Fatalf("%d bottoms for %d reps", len(truth.BottomFrames), cfg.Reps)
			}
			if len(tr.Poses) != len(truth.Clean.Poses) || tr.Width != cfg.Width || tr.FPS != cfg.FPS {
				t.Fatalf("track shape %d/%d %d %v", len(tr.Poses), len(truth.Clean.Poses), tr.Width, tr.FPS)
			}
			st := []int{0, 1}
			if cfg.Movement != Squat {
				st = []int{0}
				if cfg.StanceRight {
					st = []int{1}
				}
			}
			for _, b := range truth.BottomFrames {
				for _, s := range st {
					// In a front view the generator sets FPPA in the image.
					if got := truth.FPPA[s][b]; math.Abs(got-cfg.ValgusDeg[s]) > 1e-3 {
						t.Errorf("bottom frame %d side %d: projected FPPA %.4f, set %.4f", b, s, got, cfg.ValgusDeg[s])
					}
				}
			}
			// Standing frames: FPPA 0, thigh at full length.
			for _, s := range st {
				if f := truth.FPPA[s][0]; math.Abs(f) > 1e-4 {
					t.Errorf("standing FPPA side %d = %v", s, f)
				}
				if r := truth.ThighRatio[s][0]; math.Abs(r-1) > 1e-9 {
					t.Errorf("standing thigh ratio side %d = %v", s, r)
				}
			}
			// Noise-free track: every keypoint in the image, scored, time
			// increasing.
			for i, p := range truth.Clean.Poses {
				if !p.Person || p.Frame != i || (i > 0 && p.Time <= truth.Clean.Poses[i-1].Time) {
					t.Fatalf("pose %d: person %v frame %d time %v", i, p.Person, p.Frame, p.Time)
				}
			}
		})
	}
}

// Segment lengths of the 3D stick body stay fixed through a rep (the
// valgus displacement only bends the knee sideways, within a few percent).
func TestSkeletonSegments(t *testing.T) {
	c := Config{Reps: 1}
	if err := c.defaults(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []float64{0, 0.3, 0.7, 1} {
		j := skeleton(&c, nil, s, 0, 0, false, 0)
		d := func(a, b pose.Joint) float64 { v := j[a].sub(j[b]); return math.Sqrt(v.dot(v)) }
		if got := d(pose.LeftKnee, pose.LeftAnkle); math.Abs(got-shankL) > 1e-9 {
			t.Errorf("phase %.1f: shank %v, want %v", s, got, shankL)
		}
		if got := d(pose.LeftHip, pose.LeftKnee); math.Abs(got-thighL) > 1e-9 {
			t.Errorf("phase %.1f: thigh %v, want %v", s, got, thighL)
		}
		if got := d(pose.LeftShoulder, pose.RightShoulder); math.Abs(got-2*shoulder) > 1e-9 {
			t.Errorf("phase %.1f: shoulders %v apart", s, got)
		}
	}
}

func TestWalkInOutLeavesFrame(t *testing.T) {
	tr, _, err := Generate(Config{Reps: 1, WalkInS: 2, WalkOutS: 2})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Poses[0].Person || tr.Poses[len(tr.Poses)-1].Person {
		t.Error("person visible at the very start or end of a walk-in/out")
	}
	mid := tr.Poses[len(tr.Poses)/2]
	if !mid.Person {
		t.Error("person not visible mid-recording")
	}
}

func TestNoiseDropsAndSwaps(t *testing.T) {
	cfg := Config{Reps: 1, NoisePx: 3, DropProb: 0.2, SwapFrames: [][2]int{{10, 12}}, Seed: 4}
	tr, truth, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var dropped, n int
	var se float64
	for i, p := range tr.Poses {
		for j, k := range p.Keypoints {
			c := truth.Clean.Poses[i].Keypoints[j]
			if i >= 10 && i <= 12 {
				// The legs swap sides in the swapped frames.
				c = truth.Clean.Poses[i].Keypoints[pose.COCO17.Mirror(j)]
				if hip, _ := pose.COCO17.Index(pose.LeftHip); j < hip {
					c = truth.Clean.Poses[i].Keypoints[j]
				}
			}
			if k.Score < 0.3 {
				dropped++
				continue
			}
			se += (k.X-c.X)*(k.X-c.X) + (k.Y-c.Y)*(k.Y-c.Y)
			n++
		}
	}
	if frac := float64(dropped) / float64(dropped+n); math.Abs(frac-0.2) > 0.03 {
		t.Errorf("dropped share %.3f, want 0.2", frac)
	}
	if sd := math.Sqrt(se / float64(2*n)); math.Abs(sd-3) > 0.2 {
		t.Errorf("noise SD %.2f px, want 3 (swapped frames must swap legs only)", sd)
	}
	if _, _, err := Generate(Config{Movement: "lunge"}); !errors.Is(err, ErrConfig) {
		t.Errorf("bad movement: %v", err)
	}
	if _, _, err := Generate(Config{Reps: -1}); !errors.Is(err, ErrConfig) {
		t.Errorf("negative reps: %v", err)
	}
}

// A touchdown puts the free foot on the floor, segment lengths intact, in
// the set rep only and for a sustained time.
func TestTouchdown(t *testing.T) {
	for _, tc := range []struct {
		mv    string
		right bool
	}{{StepDown, false}, {StepDown, true}, {SingleLegSquat, false}} {
		t.Run(fmt.Sprintf("%s/right=%v", tc.mv, tc.right), func(t *testing.T) {
			c := Config{Movement: tc.mv, StanceRight: tc.right, Reps: 3, TouchdownReps: []int{2}}
			if err := c.defaults(); err != nil {
				t.Fatal(err)
			}
			flex := touchdownFlex(&c, tc.right)
			if flex < c.KneeFlexionDeg {
				t.Fatalf("touchdown flexion %.1f° below the configured %.1f°", flex, c.KneeFlexionDeg)
			}
			cc := c
			cc.KneeFlexionDeg = flex
			j := skeleton(&cc, nil, 1, 0, 0, tc.right, 1)
			fh, fk, fa := pose.RightHip, pose.RightKnee, pose.RightAnkle
			if tc.right {
				fh, fk, fa = pose.LeftHip, pose.LeftKnee, pose.LeftAnkle
			}
			d := func(a, b pose.Joint) float64 { v := j[a].sub(j[b]); return math.Sqrt(v.dot(v)) }
			if math.Abs(d(fh, fk)-thighL) > 1e-9 || math.Abs(d(fk, fa)-shankL) > 1e-9 {
				t.Errorf("free leg thigh %.4f shank %.4f, want %.2f %.2f", d(fh, fk), d(fk, fa), thighL, shankL)
			}
			if math.Abs(j[fa].y-ankleH) > 1e-6 {
				t.Errorf("free ankle at %.3f m, want on the floor (%.2f m)", j[fa].y, ankleH)
			}
			_, truth, err := Generate(Config{Movement: tc.mv, StanceRight: tc.right, Reps: 3, TouchdownReps: []int{2}})
			if err != nil {
				t.Fatal(err)
			}
			b := truth.BottomFrames
			down := 0
			for i, on := range truth.FreeFootDown {
				if !on {
					continue
				}
				down++
				if math.Abs(float64(i-b[1])) >= math.Min(math.Abs(float64(i-b[0])), math.Abs(float64(i-b[2]))) {
					t.Fatalf("free foot down at frame %d, outside rep 2 (bottoms %v)", i, b)
				}
			}
			if s := float64(down) / 30; s < 0.4 {
				t.Errorf("free foot down for %.2f s, want a sustained touchdown", s)
			}
		})
	}
}
