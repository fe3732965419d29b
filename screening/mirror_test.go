package screening_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Mirroring the track horizontally swaps left and right in every result
// and changes nothing else.
func TestMirrorSwapsLeftAndRightOnly(t *testing.T) {
	// In bilateral squats lateral lean is signed towards the person's
	// right and hip-line tilt positive with the left hip lower: mirroring
	// negates them, which is the left/right swap.
	squatFlips := map[string]bool{screening.MetricTrunkLateralLean: true, screening.MetricPelvicDrop: true}
	for _, tc := range []struct {
		name string
		cfg  synth.Config
		// flips lists scalar metrics whose sign is tied to a body side.
		flips map[string]bool
	}{
		{"single-leg squat, valgus and drop", synth.Config{Movement: synth.SingleLegSquat, ValgusDeg: [2]float64{14, 0}, PelvicDropDeg: 7, TrunkLeanDeg: 6}, nil},
		{"squat, one knee caves", synth.Config{Movement: synth.Squat, ValgusDeg: [2]float64{4, 16}, TrunkLeanDeg: 5},
			squatFlips},
		{"step-down, right stance", synth.Config{Movement: synth.StepDown, StanceRight: true, ValgusDeg: [2]float64{0, 12}, HandsOffWaist: true, TouchdownReps: []int{2}}, nil},
		{"single-leg squats on both legs", synth.Config{Movement: synth.SingleLegSquat, SwitchLegAfter: 2, ValgusDeg: [2]float64{14, 4}, PelvicDropDeg: 5}, nil},
		{"side view squat", synth.Config{Movement: synth.Squat, YawDeg: 90, KneeFlexionScale: [2]float64{1, 0.85}}, squatFlips},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Reps, cfg.NoisePx, cfg.DropProb, cfg.Seed = 4, 2, 0.02, 21
			cfg.WalkInS = 1.5
			tr, _ := generate(t, cfg)
			a := analyze(t, tr, nil)
			b := analyze(t, tr.Mirror(), nil)
			const tol = 1e-6
			if a.Movement != b.Movement || a.View != b.View || a.Stance.Other() != b.Stance && a.Stance != screening.SideBoth {
				t.Fatalf("movement/view/stance %s/%s/%s vs mirrored %s/%s/%s", a.Movement, a.View, a.Stance, b.Movement, b.View, b.Stance)
			}
			if len(a.Reps) != 4 || len(b.Reps) != len(a.Reps) {
				t.Fatalf("reps %d vs mirrored %d", len(a.Reps), len(b.Reps))
			}
			for k := range a.Reps {
				ra, rb := a.Reps[k], b.Reps[k]
				if ra.StartFrame != rb.StartFrame || ra.BottomFrame != rb.BottomFrame || ra.EndFrame != rb.EndFrame || ra.Side.Other() != rb.Side && ra.Side != screening.SideBoth {
					t.Errorf("rep %d: frames/side %d %d %d %s vs %d %d %d %s", k+1, ra.StartFrame, ra.BottomFrame, ra.EndFrame, ra.Side, rb.StartFrame, rb.BottomFrame, rb.EndFrame, rb.Side)
				}
				if len(ra.Metrics) != len(rb.Metrics) {
					t.Errorf("rep %d: %d metrics vs %d", k+1, len(ra.Metrics), len(rb.Metrics))
				}
				for name, ma := range ra.Metrics {
					mb := rb.Metrics[name]
					switch {
					case ma.PerSide:
						if !near(ma.Left, mb.Right, tol) || !near(ma.Right, mb.Left, tol) {
							t.Errorf("rep %d %s: L/R %v/%v vs mirrored %v/%v", k+1, name, ma.Left, ma.Right, mb.Left, mb.Right)
						}
					case tc.flips[name]:
						if !near(ma.Value, -mb.Value, tol) {
							t.Errorf("rep %d %s: %v vs mirrored %v, want negated", k+1, name, ma.Value, mb.Value)
						}
					default:
						if !near(ma.Value, mb.Value, tol) {
							t.Errorf("rep %d %s: %v vs mirrored %v", k+1, name, ma.Value, mb.Value)
						}
					}
				}
			}
			if len(a.Indicators) != len(b.Indicators) {
				t.Fatalf("%d indicators vs %d", len(a.Indicators), len(b.Indicators))
			}
			for _, ia := range a.Indicators {
				ib, ok := b.Indicator(ia.ID, ia.Side.Other())
				if !ok {
					t.Errorf("%s/%s has no mirrored counterpart", ia.ID, ia.Side)
					continue
				}
				if ia.Level != ib.Level || !near(float64(ia.Value), float64(ib.Value), 1e-3) || math.Abs(ia.Confidence-ib.Confidence) > 1e-3 {
					t.Errorf("%s/%s: %s %v %.3f vs mirrored %s %v %.3f", ia.ID, ia.Side, ia.Level, ia.Value, ia.Confidence, ib.Level, ib.Value, ib.Confidence)
				}
			}
			if len(a.StepDownScores) != len(b.StepDownScores) {
				t.Errorf("%d step-down scores vs %d", len(a.StepDownScores), len(b.StepDownScores))
			}
			for _, sa := range a.StepDownScores {
				found := false
				for _, sb := range b.StepDownScores {
					if sb.Side == sa.Side.Other() {
						found = true
						if sa.Total != sb.Total || sa.Assessable != sb.Assessable {
							t.Errorf("step-down %s: %d vs mirrored %d", sa.Side, sa.Total, sb.Total)
						}
						for j, ia := range sa.Items {
							if j >= len(sb.Items) {
								break
							}
							ib := sb.Items[j]
							if ia.Points != ib.Points || ia.RepsSeen != ib.RepsSeen || ia.EvidenceFrame != ib.EvidenceFrame || fmt.Sprint(ia.Evidence) != fmt.Sprint(ib.Evidence) {
								t.Errorf("step-down %s item %s: %d points %v vs mirrored %d points %v", sa.Side, ia.ID, ia.Points, ia.Evidence, ib.Points, ib.Evidence)
							}
						}
					}
				}
				if !found {
					t.Errorf("step-down score for %s has no mirrored counterpart", sa.Side)
				}
			}
			// Per-frame series swap sides too.
			for _, ms := range a.Series.Metrics {
				other := ms.Side.Other()
				mb := b.Series.Metric(ms.Name, other)
				for i := range ms.Values {
					want := ms.Values[i]
					if ms.Side == screening.SideBoth && tc.flips[ms.Name] {
						want = -want
					}
					if !near(want, mb.Values[i], tol) || ms.Valid[i] != mb.Valid[i] {
						t.Fatalf("series %s/%s frame %d: %v %v vs mirrored %v %v", ms.Name, ms.Side, i, ms.Values[i], ms.Valid[i], mb.Values[i], mb.Valid[i])
					}
				}
			}
		})
	}
}
