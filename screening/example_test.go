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
