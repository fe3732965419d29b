package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// MetricPelvicDrop is the hip line's tilt from standing.
const MetricPelvicDrop = "pelvic_drop_deg"

// IndPelvicDrop grades pelvic drop of the free side.
const IndPelvicDrop = "pelvic_drop"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricPelvicDrop, Unit: "deg", Views: frontOnly, Movements: singleLeg,
			Label:       "pelvic drop",
			Description: "tilt of the hip line from its standing angle, positive when the unsupported side drops",
			Validity:    "both hips visible; the standing tilt is the median over standing frames (0 when there are none)",
			Plausible:   Range{Min: -30, Max: 30, Source: "physiological bound: pelvic drop in single-leg tasks stays within 10-15° (hip adduction under load); beyond ±30° a hip keypoint is misplaced"},
		},
		order:  30,
		frame:  pelvicTiltFrame,
		finish: baselinePelvis,
		grades: []grading{{
			id: IndPelvicDrop, title: "Pelvic drop", order: 40,
			category: CategoryHipVsKnee, sides: gradeStanceLeg, movements: singleLeg, higherWorse: true,
			cut:   cutoffs{"thresholds.pelvic_drop.watch", "thresholds.pelvic_drop.flag"},
			focus: "Pelvis drops on the free side: consider gluteus medius strength of the stance hip (side-lying abduction, side plank, single-leg balance progressions).",
		}},
	})
}

// pelvicTiltFrame is the hip line's tilt from the right hip, positive
// when the left hip is lower; baselinePelvis re-signs it per frame's
// stance leg.
func pelvicTiltFrame(fc *frameContext, _, i int) float64 {
	return LineTilt(fc.frontal(pose.RightHip, i), fc.frontal(pose.LeftHip, i))
}

// baselinePelvis turns the hip-line tilt into pelvic drop: tilt minus the
// person's standing tilt (so camera roll and an uneven stance cancel),
// signed so that a drop of the side opposite each frame's stance leg is
// positive (the left hip dropping in bilateral tasks).
func baselinePelvis(fc *frameContext, m *MetricSeries) {
	var st []float64
	for i, v := range m.Values {
		if fc.b.standing[i] {
			st = append(st, v)
		}
	}
	base := percentile(st, 50)
	if math.IsNaN(base) {
		base = 0
	}
	for i := range m.Values {
		m.Values[i] -= base
		if fc.stanceAt[i] == 0 {
			m.Values[i] = -m.Values[i]
		}
	}
}
