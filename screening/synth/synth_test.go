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
	if _, _, err := Generate(Config{Movement: "cartwheel"}); !errors.Is(err, ErrConfig) {
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

// The knee-placement options put the knee where they say, with exact
// segment lengths: over a toed-out foot (per rep), at a body-frame FPPA,
// and a lunge's rear knee near the floor with both feet planted.
func TestKneePlacementAndNewMovements(t *testing.T) {
	dist := func(a, b vec3) float64 { v := a.sub(b); return math.Sqrt(v.dot(v)) }
	lengths := func(t *testing.T, j map[pose.Joint]vec3, sides ...int) {
		t.Helper()
		for _, s := range sides {
			h, k, a := pose.LeftHip, pose.LeftKnee, pose.LeftAnkle
			if s == 1 {
				h, k, a = pose.RightHip, pose.RightKnee, pose.RightAnkle
			}
			if math.Abs(dist(j[h], j[k])-thighL) > 1e-9 || math.Abs(dist(j[k], j[a])-shankL) > 1e-9 {
				t.Errorf("side %d: thigh %.6f shank %.6f", s, dist(j[h], j[k]), dist(j[k], j[a]))
			}
		}
	}
	t.Run("knee over a toed-out foot, per rep", func(t *testing.T) {
		cfg := Config{Reps: 3, ToeOutDeg: 30, StanceWidthM: 0.5, KneeMedial: [2]float64{-0.05, -0.05},
			KneeMedialByRep: [][2]float64{{0.2, 0.1}, {-0.1, 0}}}
		_, truth, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]float64{{0.2, 0.1}, {-0.1, 0}, {-0.05, -0.05}}
		for k, b := range truth.BottomFrames {
			for s := range 2 {
				if got := truth.KneeMedial[s][b]; math.Abs(got-want[k][s]) > 1e-6 {
					t.Errorf("rep %d side %d: knee medial %.4f, set %.4f", k+1, s, got, want[k][s])
				}
			}
		}
		if got := truth.KneeMedial[0][0]; math.Abs(got) > 1e-6 {
			t.Errorf("standing knee medial %.4f, want 0", got)
		}
		c := cfg.repConfig(0)
		if err := c.defaults(); err != nil {
			t.Fatal(err)
		}
		lengths(t, skeleton(&c, nil, 1, 0, 0, false, 0), 0, 1)
		if _, _, err := Generate(Config{ToeOutDeg: 20, ValgusDeg: [2]float64{5, 5}}); !errors.Is(err, ErrConfig) {
			t.Errorf("toe-out with valgus: %v", err)
		}
	})
	t.Run("valgus in the body's frontal plane", func(t *testing.T) {
		_, truth, err := Generate(Config{Reps: 2, ValgusInBody: true, ValgusDeg: [2]float64{12, -6}, YawDeg: 30})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range truth.BottomFrames {
			for s, want := range []float64{12, -6} {
				if got := truth.BodyFPPA[s][b]; math.Abs(got-want) > 1e-4 {
					t.Errorf("side %d: body FPPA %.4f, set %.1f", s, got, want)
				}
			}
		}
	})
	t.Run("lunge", func(t *testing.T) {
		c := Config{Movement: Lunge, StanceRight: true}
		if err := c.defaults(); err != nil {
			t.Fatal(err)
		}
		for _, s := range []float64{0, 0.5, 1} {
			j := skeleton(&c, nil, s, 0, 0, true, 0)
			lengths(t, j, 0, 1)
			if j[pose.RightAnkle].z <= j[pose.LeftAnkle].z+0.8 || math.Abs(j[pose.RightAnkle].y-ankleH) > 1e-9 {
				t.Errorf("phase %.1f: front (right) ankle %v, rear %v", s, j[pose.RightAnkle], j[pose.LeftAnkle])
			}
			if s == 1 && math.Abs(j[pose.LeftKnee].y-c.LungeKneeHeightM) > 1e-6 {
				t.Errorf("rear knee %.4f m above the floor, want %.2f", j[pose.LeftKnee].y, c.LungeKneeHeightM)
			}
		}
	})
	t.Run("hip hinge", func(t *testing.T) {
		c := Config{Movement: HipHinge}
		if err := c.defaults(); err != nil {
			t.Fatal(err)
		}
		j := skeleton(&c, nil, 1, 0, 0, false, 0)
		lengths(t, j, 0, 1)
		pelvis := lerp(j[pose.LeftHip], j[pose.RightHip], 0.5)
		sh := lerp(j[pose.LeftShoulder], j[pose.RightShoulder], 0.5)
		lean := math.Atan2(sh.z-pelvis.z, sh.y-pelvis.y) * 180 / math.Pi
		if math.Abs(lean-c.TrunkFlexDeg) > 1e-6 {
			t.Errorf("trunk lean %.2f°, want %.0f°", lean, c.TrunkFlexDeg)
		}
	})
	t.Run("camera turns", func(t *testing.T) {
		_, truth, err := Generate(Config{Reps: 2, YawDeg: 90, YawEndDeg: 0, TurnAtS: 2, TurnS: 1})
		if err != nil {
			t.Fatal(err)
		}
		if y0, y1 := truth.YawDeg[0], truth.YawDeg[len(truth.YawDeg)-1]; y0 != 90 || y1 != 0 {
			t.Errorf("yaw %.1f° → %.1f°, want 90° → 0°", y0, y1)
		}
	})
}

// Feet gives the track BlazePose's skeleton with every landmark in view;
// a foot on the floor lies along its toe-out, heel behind the ankle and
// toe ahead of it, both just above the floor; the single-leg task's free
// foot hangs with its shank. Without Feet the track is COCO-17.
func TestFeet(t *testing.T) {
	tr, _, err := Generate(Config{Reps: 1})
	if err != nil || tr.Skeleton != pose.COCO17 {
		t.Fatalf("default skeleton %v, %v", tr.Skeleton, err)
	}
	tr, _, err = Generate(Config{Reps: 1, Feet: true, ToeOutDeg: 30})
	if err != nil || tr.Skeleton != pose.BlazePose33 || len(tr.Poses[0].Keypoints) != 33 {
		t.Fatalf("Feet: skeleton %v, %v", tr.Skeleton, err)
	}
	for _, k := range tr.Poses[0].Keypoints {
		if !(k.Score > 0.3) {
			t.Fatalf("a landmark out of view: %+v", k)
		}
	}
	c := Config{Feet: true, ToeOutDeg: 30, StanceWidthM: 0.4}
	if err := c.defaults(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []float64{0, 1} {
		j := skeleton(&c, nil, s, 0, 0, false, 0)
		for side, fj := range footJoints {
			a := j[[2]pose.Joint{pose.LeftAnkle, pose.RightAnkle}[side]]
			heel, toe := j[fj[0]], j[fj[1]]
			d := toe.sub(heel)
			if got := math.Atan2(sideX[side]*d.x, d.z) * 180 / math.Pi; math.Abs(got-30) > 1e-6 {
				t.Errorf("depth %.0f side %d: foot turned out %.1f°, want 30°", s, side, got)
			}
			if heel.z >= a.z || toe.z <= a.z || math.Abs(heel.y-heelUp) > 1e-9 || math.Abs(toe.y-toeUp) > 1e-9 {
				t.Errorf("depth %.0f side %d: heel %+v, toe %+v, ankle %+v", s, side, heel, toe, a)
			}
		}
	}
	c = Config{Feet: true, Movement: SingleLegSquat}
	if err := c.defaults(); err != nil {
		t.Fatal(err)
	}
	j := skeleton(&c, nil, 1, 0, 0, false, 0)
	k, a, toe := j[pose.RightKnee], j[pose.RightAnkle], j[pose.RightFootIndex]
	if u, d := k.sub(a), toe.sub(a); math.Abs(u.dot(d)/math.Sqrt(u.dot(u)*d.dot(d))+math.Sin(math.Atan((ankleH-toeUp)/toeFwd))) > 1e-6 {
		t.Errorf("free foot not square to its shank: knee %+v ankle %+v toe %+v", k, a, toe)
	}
}

// A step (StepM) moves the whole person: seen from the front, 0.5 m to
// the left moves the ankles 0.5 m × focal ÷ distance pixels in the image
// (towards +x: the person's left is the camera's right), and 1 m towards
// the camera scales the standing body by distance ÷ (distance − 1).
func TestStepMovesThePerson(t *testing.T) {
	cfg := Config{Reps: 1, LeadS: 4, StepAtS: 1, StepS: 1, BodyFrac: 0.5}
	base, _, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := 0.5 * 1080 * 4 / height
	for _, tc := range []struct {
		name         string
		step         [2]float64
		dx, scaleSet float64
	}{{"left", [2]float64{0.5, 0}, 0.5 * f / 4, 1}, {"forward", [2]float64{0, 1}, 0, 4.0 / 3}} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			c.StepM = tc.step
			tr, _, err := Generate(c)
			if err != nil {
				t.Fatal(err)
			}
			// Before the step the person stands where the base one does;
			// at 3 s (after the step, before the rep) moved.
			i0, i1 := 10, 90
			a0, b0 := tr.Poses[i0].At(pose.LeftAnkle), base.Poses[i0].At(pose.LeftAnkle)
			if math.Abs(a0.X-b0.X) > 1e-9 || math.Abs(a0.Y-b0.Y) > 1e-9 {
				t.Errorf("before the step the ankle is at %v, want %v", *a0, *b0)
			}
			mid := func(p *pose.Pose) float64 { return (p.At(pose.LeftAnkle).X + p.At(pose.RightAnkle).X) / 2 }
			if got := mid(&tr.Poses[i1]) - mid(&base.Poses[i1]); math.Abs(got-tc.dx) > 0.5 {
				t.Errorf("ankles moved %.1f px sideways, want %.1f", got, tc.dx)
			}
			span := func(p *pose.Pose) float64 { return p.At(pose.LeftAnkle).Y - p.At(pose.Nose).Y }
			if got := span(&tr.Poses[i1]) / span(&base.Poses[i1]); math.Abs(got-tc.scaleSet) > 0.01 {
				t.Errorf("body scaled %.3f, want %.3f", got, tc.scaleSet)
			}
		})
	}
}
