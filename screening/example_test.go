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
// of screening/synth; a real one comes from a pose estimator. The sagittal
// indicators (knee-dominant pattern, shank inclination, flexion
// asymmetry) are not assessable in a front view and are left out here.
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
	for _, in := range r.Indicators {
		if in.Level == screening.LevelNotAssessable {
			continue
		}
		fmt.Printf("%s (%s): %s, %.3g %s\n", in.ID, in.Side, in.Level, float64(in.Value), in.Unit)
	}
	// Output:
	// squat, front view, 3 reps
	// dynamic_knee_valgus (left): flag, 18.4 deg
	// dynamic_knee_valgus (right): ok, 2.22 deg
	// fppa_asymmetry (left): flag, 16.2 deg
	// knees_inside_ankles (both): flag, 0.678 ratio
}
