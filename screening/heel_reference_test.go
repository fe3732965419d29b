package screening_test

import (
	"fmt"
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
// stance the flat heels of the front-view rep read as a rise.
func TestHeelRiseReferenceFromTheRepsStance(t *testing.T) {
	for _, yaw := range []float64{35, -35} {
		t.Run(fmt.Sprintf("turn from %.0f°", yaw), func(t *testing.T) {
			tr, _ := generate(t, synth.Config{Feet: true, Reps: 1, KneeFlexionDeg: 100, ToeOutDeg: 25, StanceWidthM: 0.3,
				YawDeg: yaw, YawEndDeg: 3, TurnAtS: 5, TurnS: 1, LeadS: 7.5, DistanceM: 2.5, NoisePx: 1, Seed: 31})
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
