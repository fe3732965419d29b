package screening_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// FPPA at the bottom of a single-leg squat, filmed from the front on a
// 1080p frame with 2 px keypoint noise, over the 5 reps of a clinical trial
// (squat over a 5 s count, Munro 2012): the 5-rep mean is within 0.5° of
// the noise-free projected value, each rep within 1°, and that noise-free
// value is the set valgus (the generator sets it in the image).
//
// Why each rep is held to 1° and not 0.5°: 2 px of noise on hip, knee and
// ankle, with thigh and shank about 185 px long, gives 1.6° RMS of FPPA
// noise per raw frame (measured), and only the frames near peak flexion
// carry the bottom value. The bottom is read as a quadratic in depth over
// the whole rep (fppaAtDepth): over 200 reps (40 seeds, 15° set) that
// gives 0.31° RMS per rep, worst 1.06°, 8% of reps beyond 0.5°; the 30
// reps below give 0.29° RMS, worst 0.62°. Even an oracle that knows the
// exact time course of the set valgus and fits only its scale to the raw
// frames of each rep gets 0.21° RMS and a worst of 0.62° over the same 200
// reps: 0.5° in every single rep is beyond what the data holds at this
// noise and tempo. The mean of 5 reps (about 0.13° RMS) meets 0.5°.
func TestFPPAAtBottomAccuracy(t *testing.T) {
	for _, tc := range []struct {
		valgus [2]float64
		right  bool
		seed   int64
	}{
		{[2]float64{0, 0}, false, 1},
		{[2]float64{8, 0}, false, 2},
		{[2]float64{15, 0}, false, 3},
		{[2]float64{0, 12}, true, 4},
		{[2]float64{0, -6}, true, 5},
		{[2]float64{20, 0}, false, 6},
	} {
		st := 0
		if tc.right {
			st = 1
		}
		t.Run(fmt.Sprintf("valgus%.0f/stance%d", tc.valgus[st], st), func(t *testing.T) {
			tr, truth := generate(t, synth.Config{Movement: synth.SingleLegSquat, StanceRight: tc.right, Reps: 5,
				ValgusDeg: tc.valgus, NoisePx: 2, Seed: tc.seed, DescentS: 2.5, BottomS: 0.3, AscentS: 2.5})
			r := analyze(t, tr, nil)
			if len(r.Reps) != 5 {
				t.Fatalf("%d reps, want 5", len(r.Reps))
			}
			var got, want float64
			for _, rep := range r.Reps {
				side := rep.FPPA.Left
				if tc.right {
					side = rep.FPPA.Right
				}
				if !side.BottomValid {
					t.Fatalf("rep %d: bottom FPPA not valid", rep.Index)
				}
				got += float64(side.BottomDeg)
				want += truth.FPPA[st][rep.BottomFrame]
				if e := float64(side.BottomDeg) - truth.FPPA[st][rep.BottomFrame]; math.Abs(e) > 1 {
					t.Errorf("rep %d: bottom FPPA off by %.2f° (> 1°)", rep.Index, e)
				}
			}
			got /= 5
			want /= 5
			if math.Abs(got-want) > 0.5 {
				t.Errorf("bottom FPPA %.2f°, noise-free %.2f°: off by %.2f° (> 0.5°)", got, want, got-want)
			}
			if math.Abs(want-tc.valgus[st]) > 0.05 {
				t.Errorf("noise-free projection %.2f° far from set %.2f°", want, tc.valgus[st])
			}
		})
	}
}

// In a deep bilateral squat filmed from the front, the thighs point at the
// camera near the bottom; FPPA is then not valid there, but the peak over
// the valid descent still separates knees caving in from knees pushed out.
func TestDeepSquatKneesInVersusOut(t *testing.T) {
	run := func(valgus float64) *screening.Report {
		tr, _ := generate(t, synth.Config{Movement: synth.Squat, Reps: 4, KneeFlexionDeg: 120,
			ValgusDeg: [2]float64{valgus, valgus}, NoisePx: 2, Seed: 11})
		return analyze(t, tr, nil)
	}
	in, out := run(15), run(-10)
	for _, r := range []*screening.Report{in, out} {
		if len(r.Reps) != 4 {
			t.Fatalf("%d reps, want 4", len(r.Reps))
		}
		for _, rep := range r.Reps {
			if rep.FPPA.Left.BottomValid || rep.FPPA.Right.BottomValid {
				t.Errorf("rep %d: deep-squat bottom marked valid (thigh foreshortened)", rep.Index)
			}
		}
	}
	for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
		var mi, mo float64
		for k := range in.Reps {
			mi += in.Reps[k].Metrics[screening.MetricFPPA].Side(side)
			mo += out.Reps[k].Metrics[screening.MetricFPPA].Side(side)
		}
		mi /= 4
		mo /= 4
		if mi-mo < 5 {
			t.Errorf("%s: knees in %.1f° vs knees out %.1f°: want ≥ 5° more valgus", side, mi, mo)
		}
	}
}

// A side view cannot show the frontal plane: FPPA is not assessable, is
// left out of the reps, and the valgus indicator says so.
func TestSideViewFPPANotAssessable(t *testing.T) {
	for _, mv := range []string{synth.Squat, synth.SingleLegSquat} {
		t.Run(mv, func(t *testing.T) {
			tr, _ := generate(t, synth.Config{Movement: mv, Reps: 3, YawDeg: 90, NoisePx: 2, ValgusDeg: [2]float64{15, 15}})
			r := analyze(t, tr, nil)
			if r.View != screening.ViewSide {
				t.Fatalf("view %s, want side", r.View)
			}
			for _, m := range r.Metrics {
				if m.Name == screening.MetricFPPA && (m.Assessable || m.Reason == "") {
					t.Errorf("fppa_deg assessable=%v reason=%q in side view", m.Assessable, m.Reason)
				}
			}
			if len(r.Reps) != 3 {
				t.Fatalf("%d reps, want 3", len(r.Reps))
			}
			for _, rep := range r.Reps {
				if _, ok := rep.Metrics[screening.MetricFPPA]; ok || rep.FPPA != nil {
					t.Errorf("rep %d carries FPPA in a side view", rep.Index)
				}
				if _, ok := rep.Metrics[screening.MetricKneeFlexion]; !ok {
					t.Errorf("rep %d lacks knee flexion in a side view", rep.Index)
				}
			}
			for _, s := range []screening.Side{screening.SideLeft, screening.SideRight} {
				if in := indicator(t, r, screening.IndDynamicKneeValgus, s); in.Level != screening.LevelNotAssessable {
					t.Errorf("valgus indicator %s level %s, want not_assessable", s, in.Level)
				}
			}
			if fs := r.Series.Metric(screening.MetricFPPA, screening.SideLeft); fs.Assessable {
				t.Error("FPPA series marked assessable")
			} else {
				for i, v := range fs.Valid {
					if v {
						t.Fatalf("FPPA valid at frame %d in a side view", i)
					}
				}
			}
			if mv == synth.SingleLegSquat && !r.HasProblem(screening.ProblemWrongView) {
				t.Error("single-leg squat from the side: no wrong_view problem")
			}
		})
	}
}

// Knee flexion read from a side view matches the set knee flexion.
func TestSideViewKneeFlexion(t *testing.T) {
	for _, flex := range []float64{90, 110, 130} {
		tr, _ := generate(t, synth.Config{Movement: synth.Squat, Reps: 3, YawDeg: 90, NoisePx: 2, KneeFlexionDeg: flex, Seed: int64(flex)})
		r := analyze(t, tr, nil)
		if len(r.Reps) != 3 {
			t.Fatalf("flex %.0f: %d reps", flex, len(r.Reps))
		}
		for _, rep := range r.Reps {
			// The near (left) leg is seen square-on; perspective and the
			// bottom-frame pick allow a couple of degrees.
			if got := rep.Metrics[screening.MetricKneeFlexion].Left; math.Abs(got-flex) > 3 {
				t.Errorf("flex %.0f: rep %d knee flexion %.1f°", flex, rep.Index, got)
			}
		}
	}
}
