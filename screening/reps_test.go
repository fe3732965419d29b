package screening_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Rep counts must be exact for 1-20 reps, with the person walking in and
// out of frame, noisy and dropped keypoints, in front and side views and
// for each movement.
func TestRepCountsExact(t *testing.T) {
	for n := 1; n <= 20; n++ {
		for _, mv := range []string{synth.Squat, synth.SingleLegSquat, synth.StepDown} {
			yaw := 0.0
			if n%3 == 0 {
				yaw = 90
			}
			cfg := synth.Config{Movement: mv, Reps: n, NoisePx: 2, DropProb: 0.03, OutlierProb: 0.005,
				WalkInS: 2, WalkOutS: 2, YawDeg: yaw, StanceRight: n%2 == 0, Seed: int64(n)}
			// Vary tempo and pauses so rep length and spacing are not fixed.
			cfg.DescentS = 0.8 + 0.1*float64(n%4)
			cfg.AscentS = 0.7 + 0.15*float64(n%3)
			cfg.BottomS = 0.1 * float64(n%3)
			cfg.TopS = 0.3 + 0.4*float64(n%2)
			t.Run(fmt.Sprintf("%s/%d/yaw%.0f", mv, n, yaw), func(t *testing.T) {
				tr, truth := generate(t, cfg)
				r := analyze(t, tr, nil)
				if len(r.Reps) != n {
					t.Fatalf("%d reps, want %d", len(r.Reps), n)
				}
				// Each detected bottom lies within the true bottom pause
				// (±0.15 s).
				for i, rep := range r.Reps {
					want := float64(truth.BottomFrames[i]) / cfg.FPS
					if cfg.FPS == 0 {
						want = float64(truth.BottomFrames[i]) / 30
					}
					if math.Abs(rep.BottomS-want) > cfg.BottomS/2+0.15 {
						t.Errorf("rep %d bottom at %.2f s, want %.2f s", i+1, rep.BottomS, want)
					}
					if !(rep.StartS < rep.BottomS && rep.BottomS < rep.EndS) {
						t.Errorf("rep %d times out of order: %v %v %v", i+1, rep.StartS, rep.BottomS, rep.EndS)
					}
					if i > 0 && rep.StartS < r.Reps[i-1].EndS {
						t.Errorf("rep %d starts before rep %d ends", i+1, i)
					}
				}
			})
		}
	}
}

// Partial reps cut by the start or the end of the recording are not
// counted; nor are shallow bobs, nor a still person.
func TestRepEdgeCases(t *testing.T) {
	tr, _ := generate(t, synth.Config{Reps: 4, NoisePx: 2, Seed: 3})
	fps := tr.FPS
	// Rep k (0-based) bottom at lead + k·period + descent + bottom/2.
	period := 1.0 + 0.2 + 1.0 + 0.8
	bottom := func(k int) int { return int((1.0 + float64(k)*period + 1.1) * fps) }
	for _, tc := range []struct {
		name     string
		from, to int
		want     int
	}{
		{"whole", 0, len(tr.Poses), 4},
		{"starts at the first bottom", bottom(0), len(tr.Poses), 3},
		{"ends at the last bottom", 0, bottom(3), 3},
		{"both ends cut mid-rep", bottom(0) - 5, bottom(3) + 5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := *tr
			cut.Poses = tr.Poses[tc.from:tc.to]
			r := analyze(t, &cut, nil)
			if len(r.Reps) != tc.want {
				t.Errorf("%d reps, want %d", len(r.Reps), tc.want)
			}
		})
	}
	t.Run("shallow bobs", func(t *testing.T) {
		tr, _ := generate(t, synth.Config{Reps: 5, KneeFlexionDeg: 30, NoisePx: 2})
		r := analyze(t, tr, func(o *screening.Options) { o.Movement = screening.MovementSquat })
		if len(r.Reps) != 0 || !r.HasProblem(screening.ProblemNoReps) {
			t.Errorf("%d reps from 30° knee bends, want 0 and problem no_reps", len(r.Reps))
		}
	})
	t.Run("standing still", func(t *testing.T) {
		tr, _ := generate(t, synth.Config{NoReps: true, LeadS: 5, NoisePx: 3, DropProb: 0.05})
		r := analyze(t, tr, nil)
		if len(r.Reps) != 0 {
			t.Errorf("%d reps while standing still", len(r.Reps))
		}
	})
}
