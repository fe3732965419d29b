package synth

import (
	"errors"
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
		j := skeleton(&c, nil, s, 0, 0, false)
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
				c = truth.Clean.Poses[i].Keypoints[pose.Joint(j).Mirror()]
				if j < int(pose.LeftHip) {
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
