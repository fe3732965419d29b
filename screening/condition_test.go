package screening_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Injected left/right leg swaps are detected and undone: the knee series
// match a run without swaps.
func TestLegSwapCorrection(t *testing.T) {
	cfg := synth.Config{Movement: synth.Squat, Reps: 3, NoisePx: 1, ValgusDeg: [2]float64{0, 14}, Seed: 5, KneeFlexionDeg: 80}
	clean, _ := generate(t, cfg)
	cfg.SwapFrames = [][2]int{{50, 53}, {120, 121}, {236, 245}}
	swapped, _ := generate(t, cfg)
	a := analyze(t, clean, nil)
	b := analyze(t, swapped, nil)
	if b.Quality.SwapsCorrected != 4+2+10 {
		t.Errorf("%d frames corrected, want 16", b.Quality.SwapsCorrected)
	}
	for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
		ma, mb := a.Series.Metric(screening.MetricFPPA, side), b.Series.Metric(screening.MetricFPPA, side)
		for i := range ma.Values {
			if !near(ma.Values[i], mb.Values[i], 1e-9) {
				t.Fatalf("%s FPPA frame %d: %v with swaps, %v without", side, i, mb.Values[i], ma.Values[i])
			}
		}
	}
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
