package screening_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Screen three bilateral squats filmed from the front, the left knee
// caving in to 18° at the bottom. The track comes from the synthetic body
// of screening/synth; a real one comes from a pose estimator.
func ExampleAnalyze() {
	track, _, err := synth.Generate(synth.Config{Movement: synth.Squat, Reps: 3, KneeFlexionDeg: 80,
		ValgusDeg: [2]float64{18, 2}, NoisePx: 1, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	opts := screening.DefaultOptions()
	opts.Sex = screening.SexFemale
	r, err := screening.Analyze(context.Background(), track, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, %s view, %d reps\n", r.Movement, r.View, len(r.Reps))
	for _, rep := range r.Reps {
		fppa := rep.Metrics[screening.MetricFPPA]
		fmt.Printf("rep %d: peak FPPA left %.1f°, right %.1f°\n", rep.Index, fppa.Left, fppa.Right)
	}
	for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
		in, _ := r.Indicator(screening.IndDynamicKneeValgus, side)
		fmt.Printf("%s %s: %s (mean %.1f°, flag at %.1f°; %s)\n", in.Title, in.Side, in.Level, in.Value, in.Threshold, in.ConfigKey)
	}
	// Output:
	// squat, front view, 3 reps
	// rep 1: peak FPPA left 19.0°, right 2.2°
	// rep 2: peak FPPA left 18.0°, right 2.3°
	// rep 3: peak FPPA left 18.5°, right 2.0°
	// Dynamic knee valgus (FPPA) left: flag (mean 18.5°, flag at 16.8°; thresholds.fppa.female_flag_deg)
	// Dynamic knee valgus (FPPA) right: ok (mean 2.2°, flag at 16.8°; thresholds.fppa.female_flag_deg)
}

// Six squats with the feet wide and turned out, the knees caving in on
// the first three and pushed out on the last three: every rep carries its
// own findings, and the clip's indicator summarises them.
func ExampleRep_findings() {
	in, out := [2]float64{0.22, 0.22}, [2]float64{-0.04, -0.04}
	track, _, err := synth.Generate(synth.Config{Reps: 6, StanceWidthM: 0.6, ToeOutDeg: 30, KneeFlexionDeg: 125,
		KneeMedialByRep: [][2]float64{in, in, in, out, out, out}, NoisePx: 1, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	r, err := screening.Analyze(context.Background(), track, screening.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	for _, rep := range r.Reps {
		for _, f := range rep.Findings {
			if f.Indicator == screening.IndKneeInsideFoot && f.Side == screening.SideLeft {
				fmt.Printf("rep %d, %s view: left knee inside foot %s\n", rep.Index, rep.View, f.Level)
			}
		}
	}
	in2, _ := r.Indicator(screening.IndKneeInsideFoot, screening.SideLeft)
	fmt.Printf("clip: %s (%d of %d reps at watch or worse)\n", in2.Level, in2.RepsWatch, in2.RepsAssessed)
	// Output:
	// rep 1, front view: left knee inside foot flag
	// rep 2, front view: left knee inside foot flag
	// rep 3, front view: left knee inside foot flag
	// rep 4, front view: left knee inside foot ok
	// rep 5, front view: left knee inside foot ok
	// rep 6, front view: left knee inside foot ok
	// clip: flag (3 of 6 reps at watch or worse)
}
