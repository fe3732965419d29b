package screening_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Injected left/right leg swaps are detected and undone, feet with their
// legs: the knee series match a run without swaps, with foot keypoints
// and without.
func TestLegSwapCorrection(t *testing.T) {
	for _, feet := range []bool{true, false} {
		cfg := synth.Config{Movement: synth.Squat, Reps: 3, NoisePx: 1, ValgusDeg: [2]float64{0, 14}, Seed: 5, KneeFlexionDeg: 80, Feet: feet}
		clean, _ := generate(t, cfg)
		cfg.SwapFrames = [][2]int{{50, 53}, {120, 121}, {236, 245}}
		swapped, _ := generate(t, cfg)
		a := analyze(t, clean, nil)
		b := analyze(t, swapped, nil)
		if b.Quality.SwapsCorrected != 4+2+10 {
			t.Errorf("feet %v: %d frames corrected, want 16", feet, b.Quality.SwapsCorrected)
		}
		for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
			for _, m := range []string{screening.MetricFPPA, screening.MetricKneeMedialOffset} {
				ma, mb := a.Series.Metric(m, side), b.Series.Metric(m, side)
				for i := range ma.Values {
					if !near(ma.Values[i], mb.Values[i], 1e-9) {
						t.Fatalf("feet %v, %s %s frame %d: %v with swaps, %v without", feet, side, m, i, mb.Values[i], ma.Values[i])
					}
				}
			}
		}
	}
	cfg := synth.Config{Movement: synth.Squat, Reps: 3, NoisePx: 1, ValgusDeg: [2]float64{0, 14}, Seed: 5, KneeFlexionDeg: 80}
	clean, _ := generate(t, cfg)
	cfg.SwapFrames = [][2]int{{50, 53}, {120, 121}, {236, 245}}
	swapped, _ := generate(t, cfg)
	a := analyze(t, clean, nil)
	// Without correction the swaps would show.
	c := analyze(t, swapped, func(o *screening.Options) { o.Filter.FixSwaps = false })
	if c.Quality.SwapsCorrected != 0 {
		t.Errorf("swaps corrected with FixSwaps off")
	}
	diff := 0.0
	mc, ma := c.Series.Metric(screening.MetricFPPA, screening.SideRight), a.Series.Metric(screening.MetricFPPA, screening.SideRight)
	for i := 230; i < 250; i++ {
		diff = math.Max(diff, math.Abs(mc.Values[i]-ma.Values[i]))
	}
	if diff < 5 {
		t.Errorf("uncorrected swaps changed right FPPA by only %.1f°; the test does not exercise swaps", diff)
	}
}

// Outliers and dropped keypoints are rejected and bridged: rep counts and
// FPPA stay close to the clean reading.
func TestOutliersAndDrops(t *testing.T) {
	for _, tc := range []struct {
		drop, outlier float64
	}{{0, 0}, {0.1, 0}, {0, 0.03}, {0.1, 0.03}} {
		t.Run(fmt.Sprintf("drop%.2f/outlier%.2f", tc.drop, tc.outlier), func(t *testing.T) {
			tr, truth := generate(t, synth.Config{Movement: synth.SingleLegSquat, Reps: 4, NoisePx: 2, ValgusDeg: [2]float64{12, 0},
				DropProb: tc.drop, OutlierProb: tc.outlier, Seed: 17})
			r := analyze(t, tr, nil)
			if len(r.Reps) != 4 {
				t.Fatalf("%d reps, want 4", len(r.Reps))
			}
			if tc.outlier > 0 && r.Quality.OutliersRejected == 0 {
				t.Error("no outliers rejected")
			}
			if tc.drop > 0 && (r.Quality.KeypointsDropped == 0 || r.Quality.GapSamplesFilled == 0) {
				t.Errorf("dropped %d, filled %d", r.Quality.KeypointsDropped, r.Quality.GapSamplesFilled)
			}
			var got, want float64
			for _, rep := range r.Reps {
				got += float64(rep.FPPA.Left.BottomDeg) / 4
				want += truth.FPPA[0][rep.BottomFrame] / 4
			}
			if math.Abs(got-want) > 1 {
				t.Errorf("bottom FPPA %.2f°, truth %.2f°", got, want)
			}
		})
	}
}

func TestViewClassification(t *testing.T) {
	for _, tc := range []struct {
		yaw  float64
		want screening.View
	}{{0, screening.ViewFront}, {15, screening.ViewFront}, {180, screening.ViewFront}, {60, screening.ViewOblique},
		{90, screening.ViewSide}, {270, screening.ViewSide}, {80, screening.ViewSide}} {
		for _, mv := range []string{synth.Squat, synth.SingleLegSquat} {
			tr, _ := generate(t, synth.Config{Movement: mv, Reps: 2, YawDeg: tc.yaw, NoisePx: 2})
			r := analyze(t, tr, nil)
			if r.View != tc.want {
				t.Errorf("%s yaw %.0f: view %s, want %s", mv, tc.yaw, r.View, tc.want)
			}
			if c := r.ViewConfidence; !(c > 0 && c <= 1) {
				t.Errorf("%s yaw %.0f: view confidence %v", mv, tc.yaw, c)
			}
			forced := analyze(t, tr, func(o *screening.Options) { o.View = screening.ViewFront })
			if forced.View != screening.ViewFront || !forced.ViewForced || forced.ViewConfidence != 1 {
				t.Errorf("forced view not honoured: %s %v", forced.View, forced.ViewForced)
			}
		}
	}
}

func TestMovementClassification(t *testing.T) {
	for _, tc := range []struct {
		cfg    synth.Config
		want   screening.Movement
		stance screening.Side
	}{
		{synth.Config{Movement: synth.Squat}, screening.MovementSquat, screening.SideBoth},
		{synth.Config{Movement: synth.SingleLegSquat}, screening.MovementSingleLegSquat, screening.SideLeft},
		{synth.Config{Movement: synth.SingleLegSquat, StanceRight: true}, screening.MovementSingleLegSquat, screening.SideRight},
		{synth.Config{Movement: synth.StepDown}, screening.MovementStepDown, screening.SideLeft},
		{synth.Config{Movement: synth.StepDown, StanceRight: true, YawDeg: 90}, screening.MovementStepDown, screening.SideRight},
		{synth.Config{Movement: synth.SingleLegSquat, YawDeg: 270}, screening.MovementSingleLegSquat, screening.SideLeft},
	} {
		cfg := tc.cfg
		cfg.Reps, cfg.NoisePx = 3, 2
		tr, _ := generate(t, cfg)
		r := analyze(t, tr, nil)
		if r.Movement != tc.want || r.Stance != tc.stance {
			t.Errorf("%s stanceRight=%v yaw %.0f: %s/%s, want %s/%s", cfg.Movement, cfg.StanceRight, cfg.YawDeg, r.Movement, r.Stance, tc.want, tc.stance)
		}
	}
	// Forcing the movement and stance overrides classification.
	tr, _ := generate(t, synth.Config{Movement: synth.SingleLegSquat, Reps: 3, NoisePx: 2})
	r := analyze(t, tr, func(o *screening.Options) {
		o.Movement, o.Stance = screening.MovementStepDown, screening.SideRight
	})
	if r.Movement != screening.MovementStepDown || r.Stance != screening.SideRight || !r.MovementForced {
		t.Errorf("forced: %s/%s forced=%v", r.Movement, r.Stance, r.MovementForced)
	}
}

// A zoomed cut-in (the image scaled up and shifted for a while, as in an
// edited tutorial) keeps its own scale: reps inside and outside it count,
// with the same depth.
func TestZoomedCutIn(t *testing.T) {
	cfg := synth.Config{Movement: synth.Squat, Reps: 4, NoisePx: 1.5, TopS: 1.2, Seed: 41}
	tr, _ := generate(t, cfg)
	// Rep k runs from 1 + k·3.4 s; zoom from the middle of the pause before
	// rep 2 (index 1) to the middle of the pause after it.
	from, to := int((1+3.4-0.6)*tr.FPS), int((1+2*3.4-0.6)*tr.FPS)
	for i := from; i < to; i++ {
		for j := range tr.Poses[i].Keypoints {
			k := &tr.Poses[i].Keypoints[j]
			k.X = 1.6*(k.X-960) + 900
			k.Y = 1.6*(k.Y-540) + 400
		}
	}
	r := analyze(t, tr, nil)
	if r.Quality.CameraCuts != 2 {
		t.Errorf("%d camera cuts, want 2", r.Quality.CameraCuts)
	}
	if len(r.Reps) != 4 {
		t.Fatalf("%d reps, want 4", len(r.Reps))
	}
	d1 := r.Reps[0].Metrics[screening.MetricDepth].Value
	d2 := r.Reps[1].Metrics[screening.MetricDepth].Value
	if math.Abs(d1-d2) > 0.02 {
		t.Errorf("depth %.3f outside the cut-in, %.3f inside: want equal", d1, d2)
	}
}
