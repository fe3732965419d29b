package screening_test

import (
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// A person who stands a while obliquely to the camera, turns to face it
// and then squats with the heels flat has no heel rise: the standing
// reference of the heel's height above the toe comes from the standing
// frames of the rep's own view segment, not from the oblique stance. A
// toed-out foot seen 35° off the front is foreshortened less than seen 5°
// off it, so that with the camera looking down on the feet its heel
// stands higher above its toe in the image; measured against the oblique
// stance the flat heels of the front-view rep read as a rise. Likewise a
// person who stands 4 m from the camera, steps 1.2 m towards it (or 0.6 m
// to the side and 1 m towards it) and squats: nearer the camera the heel
// stands higher above the toe in the image; the reference comes from the
// standing frames with the foot where it stands in the rep.
func TestHeelRiseReferenceFromTheRepsStance(t *testing.T) {
	turn := func(yaw float64) synth.Config {
		return synth.Config{YawDeg: yaw, YawEndDeg: 3, TurnAtS: 5, TurnS: 1}
	}
	step := func(x, z float64) synth.Config {
		return synth.Config{StepM: [2]float64{x, z}, StepAtS: 5, StepS: 1}
	}
	for _, tc := range []struct {
		name string
		cfg  synth.Config
	}{
		{"turn from 35°", turn(35)}, {"turn from -35°", turn(-35)},
		{"step 1.2 m forward", step(0, 1.2)}, {"step 0.6 m right and 1 m forward", step(-0.6, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Feet, cfg.Reps, cfg.KneeFlexionDeg, cfg.ToeOutDeg, cfg.StanceWidthM = true, 1, 100, 25, 0.3
			cfg.LeadS, cfg.DistanceM, cfg.NoisePx, cfg.Seed = 7.5, 2.5, 1, 31
			if cfg.StepM != [2]float64{} {
				cfg.DistanceM, cfg.BodyFrac = 4, 0.5 // the feet stay in view nearer the camera
			}
			tr, _ := generate(t, cfg)
			r := analyze(t, tr, nil)
			if len(r.Reps) != 1 || r.Reps[0].View != screening.ViewFront {
				t.Fatalf("reps %+v, want one front-view rep", r.Reps)
			}
			rep := r.Reps[0]
			for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
				v := repValue(t, rep, screening.MetricHeelRise, side)
				f := finding(t, rep, screening.IndHeelRise, side)
				if !(math.Abs(v) < 0.04) || f.Level != screening.LevelOK {
					t.Errorf("%s heel (flat) reads %.3f, %s (%s); want 0±0.04, ok", side, v, f.Level, f.Reason)
				}
			}
		})
	}
}
