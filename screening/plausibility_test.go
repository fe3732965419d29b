package screening_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// An FPPA beyond the physiological bound is never reported or graded: the
// rep's FPPA on that side is not assessable with the reason, no valid
// frame and no summary holds it, and the indicator says why. Raising the
// bound (thresholds.fppa_validity.max_abs_deg) reads the same rep.
func TestFPPAPlausibilityGate(t *testing.T) {
	tr, _ := generate(t, synth.Config{Movement: synth.SingleLegSquat, Reps: 3, NoisePx: 1, Seed: 2,
		ValgusDeg: [2]float64{55, 0}})
	r := analyze(t, tr, nil)
	if len(r.Reps) != 3 {
		t.Fatalf("%d reps", len(r.Reps))
	}
	bound := screening.DefaultThresholds().FPPAValidity.MaxAbsDeg
	for _, rep := range r.Reps {
		if v := rep.Metrics[screening.MetricFPPA].Left; !math.IsNaN(v) {
			t.Errorf("rep %d: FPPA %.1f° reported", rep.Index, v)
		}
		if rep.FPPA == nil || !strings.Contains(rep.FPPA.Left.Reason, "physiological") || rep.FPPA.Left.PeakDeg.Valid() || rep.FPPA.Left.BottomDeg.Valid() {
			t.Errorf("rep %d: FPPA details %+v, want no value and the reason", rep.Index, rep.FPPA)
		}
	}
	m := r.Series.Metric(screening.MetricFPPA, screening.SideLeft)
	for i, v := range m.Values {
		if m.Valid[i] && math.Abs(v) > bound {
			t.Fatalf("frame %d: FPPA %.1f° valid", i, v)
		}
	}
	for _, s := range r.Summary {
		if s.Name == screening.MetricFPPA && s.N > 0 && (math.Abs(float64(s.Max)) > bound || math.Abs(float64(s.Min)) > bound) {
			t.Errorf("summary %+v beyond ±%.0f°", s, bound)
		}
	}
	in := indicator(t, r, screening.IndDynamicKneeValgus, screening.SideLeft)
	if in.Level != screening.LevelNotAssessable || in.Value.Valid() {
		t.Errorf("valgus indicator %s %v, want not assessable", in.Level, in.Value)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"peak_deg":5`) {
		t.Errorf("report.json carries an implausible peak")
	}

	wide := analyze(t, tr, func(o *screening.Options) {
		if err := o.Thresholds.Set("thresholds.fppa_validity.max_abs_deg", 70); err != nil {
			t.Fatal(err)
		}
	})
	for _, rep := range wide.Reps {
		if v := rep.Metrics[screening.MetricFPPA].Left; !(v > 45) {
			t.Errorf("bound 70°: rep %d FPPA %.1f°, want the 55° valgus read", rep.Index, v)
		}
	}
}

// FPPA at the bottom of a deep squat, where the thigh is foreshortened, is
// null and never extrapolated from the valid frames.
func TestFPPABottomNotExtrapolated(t *testing.T) {
	tr, _ := generate(t, synth.Config{Reps: 2, KneeFlexionDeg: 120, ValgusDeg: [2]float64{10, 10}, NoisePx: 1})
	r := analyze(t, tr, nil)
	for _, rep := range r.Reps {
		for _, side := range []screening.FPPASide{rep.FPPA.Left, rep.FPPA.Right} {
			if side.BottomValid || side.BottomDeg.Valid() {
				t.Errorf("rep %d: bottom valid %v, bottom %v; want an invalid, null bottom", rep.Index, side.BottomValid, side.BottomDeg)
			}
			if !side.PeakDeg.Valid() {
				t.Errorf("rep %d: no peak over the valid descent", rep.Index)
			}
		}
	}
}

// Every metric documents a plausible range with its rationale, and every
// value a rep reports lies inside it.
func TestEveryMetricHasAPlausibleRange(t *testing.T) {
	for _, m := range screening.MetricSpecs() {
		if !m.Plausible.IsSet() || m.Plausible.Min >= m.Plausible.Max || m.Plausible.Source == "" {
			t.Errorf("%s: plausible range %+v", m.Name, m.Plausible)
		}
	}
	for _, cfg := range []synth.Config{
		{Reps: 3, NoisePx: 3, OutlierProb: 0.02, DropProb: 0.05},
		{Reps: 3, YawDeg: 90, NoisePx: 3, OutlierProb: 0.02},
		{Movement: synth.StepDown, Reps: 3, NoisePx: 3, OutlierProb: 0.02},
	} {
		tr, _ := generate(t, cfg)
		r := analyze(t, tr, nil)
		for _, rep := range r.Reps {
			for name, v := range rep.Metrics {
				spec, _ := screening.LookupMetric(name)
				xs := []float64{v.Value}
				if v.PerSide {
					xs = []float64{v.Left, v.Right}
				}
				for _, x := range xs {
					if !math.IsNaN(x) && (x < spec.Plausible.Min || x > spec.Plausible.Max) {
						t.Errorf("%+v rep %d: %s = %v outside %+v", cfg, rep.Index, name, x, spec.Plausible)
					}
				}
			}
		}
	}
}
