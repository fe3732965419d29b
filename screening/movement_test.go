package screening_test

import (
	"fmt"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Bilateral squats are never read as single-leg, whatever the camera's
// angle, stance width or depth, with noisy, occluded far-side ankles: both
// feet stay grounded through the rep even where perspective makes the far
// foot look raised.
func TestBilateralSquatNeverSingleLeg(t *testing.T) {
	for _, yaw := range []float64{0, 35, 60, 90, -40} {
		for _, width := range []float64{0.18, 0.45, 0.7} {
			for _, flex := range []float64{80, 125} {
				name := fmt.Sprintf("yaw%.0f/width%.2f/flex%.0f", yaw, width, flex)
				t.Run(name, func(t *testing.T) {
					tr, _ := generate(t, synth.Config{Reps: 3, YawDeg: yaw, StanceWidthM: width, KneeFlexionDeg: flex,
						ToeOutDeg: 10 + 40*width, NoisePx: 3, OccludedNoisePx: 4, DropProb: 0.03, Seed: int64(yaw + 100*width + flex)})
					r := analyze(t, tr, nil)
					if r.Movement != screening.MovementSquat || len(r.Reps) != 3 {
						t.Fatalf("%s, %d reps; want 3 bilateral squat reps", r.Movement, len(r.Reps))
					}
					for _, rep := range r.Reps {
						if rep.Movement != screening.MovementSquat || rep.Side != screening.SideBoth {
							t.Errorf("rep %d: %s on %s", rep.Index, rep.Movement, rep.Side)
						}
					}
				})
			}
		}
	}
}

// A split-stance lunge is its own movement, in front and side views, on
// either leg, static or stepping forward into it (the stepping foot moves
// with the hips, like a single-leg squat's free foot, until it lands):
// the front leg is the stance leg and the only one graded, and the
// frontal metrics of knee control are read for it.
func TestLunge(t *testing.T) {
	for _, tc := range []struct {
		yaw   float64
		right bool
		step  bool
	}{{0, false, false}, {0, true, false}, {90, false, false}, {-90, true, false}, {10, true, false},
		{0, false, true}, {90, true, true}, {-35, false, true}} {
		t.Run(fmt.Sprintf("yaw%.0f/right=%v/step=%v", tc.yaw, tc.right, tc.step), func(t *testing.T) {
			tr, _ := generate(t, synth.Config{Movement: synth.Lunge, StanceRight: tc.right, Reps: 3, YawDeg: tc.yaw, NoisePx: 2, Seed: 8,
				ValgusDeg: [2]float64{10, 10}, LungeStep: tc.step})
			r := analyze(t, tr, nil)
			front := screening.SideLeft
			if tc.right {
				front = screening.SideRight
			}
			if r.Movement != screening.MovementLunge || r.Stance != front || len(r.Reps) != 3 {
				t.Fatalf("%s on %s, %d reps; want 3 lunge reps on %s", r.Movement, r.Stance, len(r.Reps), front)
			}
			for _, rep := range r.Reps {
				if rep.Movement != screening.MovementLunge || rep.Side != front {
					t.Errorf("rep %d: %s on %s", rep.Index, rep.Movement, rep.Side)
				}
				if rep.View != screening.ViewFront {
					continue
				}
				f := rep.Metrics[screening.MetricFPPA]
				if got, rear := f.Side(front), f.Side(front.Other()); got != got || rear == rear {
					t.Errorf("rep %d: front-leg FPPA %.1f°, rear %.1f°; want the front leg's value only", rep.Index, got, rear)
				}
			}
		})
	}
}

// A hip hinge (kettlebell pick-up: trunk far forward, knees bent little)
// is not a squat: its reps are hip-hinge reps and no knee-control metric
// or indicator is read from them. A Romanian deadlift barely lowers the
// hips and gives no squat rep at all.
func TestHipHingeIsNotASquat(t *testing.T) {
	for _, tc := range []struct {
		name       string
		flex, lean float64
		yaw        float64
	}{
		{"kettlebell pick-up, front", 55, 70, 0},
		{"kettlebell pick-up, side", 55, 70, 90},
		{"kettlebell pick-up, oblique", 60, 65, 40},
		{"Romanian deadlift, side", 25, 80, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := generate(t, synth.Config{Movement: synth.HipHinge, KneeFlexionDeg: tc.flex, TrunkFlexDeg: tc.lean,
				YawDeg: tc.yaw, Reps: 3, NoisePx: 2, Seed: 5})
			r := analyze(t, tr, nil)
			for _, rep := range r.Reps {
				if rep.Movement != screening.MovementHipHinge {
					t.Errorf("rep %d: %s, want hip-hinge", rep.Index, rep.Movement)
				}
				for _, name := range []string{screening.MetricFPPA, screening.MetricKneeHipRatio, screening.MetricShankInclination} {
					if _, ok := rep.Metrics[name]; ok {
						t.Errorf("rep %d: %s read in a hip hinge", rep.Index, name)
					}
				}
			}
			if len(r.Reps) > 0 && r.Movement != screening.MovementHipHinge {
				t.Errorf("movement %s, want hip-hinge", r.Movement)
			}
			for _, in := range r.Indicators {
				if in.Level != screening.LevelNotAssessable && in.ID != screening.IndFlexionAsymmetry {
					t.Errorf("%s/%s graded %s in a hip hinge", in.ID, in.Side, in.Level)
				}
			}
		})
	}
}

// A track with foot keypoints (BlazePose) is classified, counted and
// viewed as the same body without them (MoveNet): movement, view and reps
// come from the COCO-17 joints both skeletons share, and the feet only add
// the toe-out.
func TestFeetChangeNoClassification(t *testing.T) {
	for _, cfg := range []synth.Config{
		{Movement: synth.Squat, ToeOutDeg: 25, StanceWidthM: 0.45},
		{Movement: synth.Squat, YawDeg: 35},
		{Movement: synth.Squat, YawDeg: 90},
		{Movement: synth.SingleLegSquat, StanceRight: true},
		{Movement: synth.StepDown},
		{Movement: synth.Lunge, YawDeg: 80},
		{Movement: synth.HipHinge, YawDeg: 90},
	} {
		cfg.Reps, cfg.NoisePx, cfg.Seed = 3, 2, 4
		t.Run(fmt.Sprintf("%s/yaw%.0f", cfg.Movement, cfg.YawDeg), func(t *testing.T) {
			coco, _ := generate(t, cfg)
			cfg.Feet = true
			blaze, _ := generate(t, cfg)
			a, b := analyze(t, coco, nil), analyze(t, blaze, nil)
			if a.Movement != b.Movement || a.View != b.View || len(a.Reps) != len(b.Reps) {
				t.Fatalf("with feet %s, %s view, %d reps; without %s, %s view, %d reps", b.Movement, b.View, len(b.Reps), a.Movement, a.View, len(a.Reps))
			}
			for k := range a.Reps {
				if a.Reps[k].Movement != b.Reps[k].Movement || a.Reps[k].View != b.Reps[k].View || a.Reps[k].Side != b.Reps[k].Side {
					t.Errorf("rep %d: with feet %s/%s/%s, without %s/%s/%s", k+1, b.Reps[k].Movement, b.Reps[k].View, b.Reps[k].Side,
						a.Reps[k].Movement, a.Reps[k].View, a.Reps[k].Side)
				}
			}
		})
	}
}
