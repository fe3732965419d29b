package screening

import "math"

// MetricAnkleDorsiflexion is the ankle's dorsiflexion from standing, shank
// against foot, in a side view.
const MetricAnkleDorsiflexion = "ankle_dorsiflexion_deg"

// Ankle dorsiflexion is the angle the shank closes over the foot. In a
// side view it is the change, since standing (the standing frames of the rep's view segment with the foot where it stands in the rep), of the
// angle between the shank (ankle to knee) and the ankle-to-toe line: the
// ankle-to-toe line is fixed in the foot, so a foot that rocks onto its
// ball (heels rising) turns it with the shank and the reading stays the
// ankle's own, unlike shank_inclination_deg, which reads the shank
// against the vertical and counts a heel rise as dorsiflexion; the heel
// keypoint, which the model misplaces when the shank hides it, is not
// used. Standing is 0° (the shank about square to a flat foot); a deep
// squat needs about 35-40° (the weight-bearing lunge test's normal range,
// Bennell et al. 1998, reads the same shank-on-foot angle).

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricAnkleDorsiflexion, Unit: "deg", PerSide: true, Views: sideOnly, Movements: allMoves,
			Label:       "ankle dorsiflexion",
			Description: "the closing of the angle between the shank (ankle to knee) and the ankle-to-toe line since standing (the standing frames of the rep's view segment with the foot where it stands in the rep), in a side view; 0° = standing, positive with the knee forward over the foot (weight-bearing dorsiflexion proxy, independent of heel rise)",
			RepValue:    "value at the rep's bottom frame from a local quadratic fit over the valid frames within ±0.2 s; the free leg of a single-leg task is not read",
			Validity:    "knee and ankle visible, foot index scored at least thresholds.feet.min_score (a foot in plain view) and within thresholds.feet.max_toe_shift_ratio foot lengths (at least thresholds.feet.toe_shift_floor_px pixels) of where it stood, and standing frames in the rep's view segment with the foot where it stands in the rep (footmetrics.go: footReferences; a person who turned or stepped before the rep has none); needs a model with foot keypoints",
			Plausible:   Range{Min: -40, Max: 65, Source: "physiological bound: weight-bearing dorsiflexion rarely exceeds 50-55°, plantarflexion on tiptoe about 40-50° from standing"},
			Needs:       feetJoints,
		},
		order: 95,
		frame: ankleDorsiflexionFrame,
		valid: toeInView,
		rep:   ankleDorsiflexionRep,
	})
}

func ankleDorsiflexionFrame(fc *frameContext, s, i int) float64 {
	if fc.feet == nil {
		return nan
	}
	return fc.feet.refAt[s][i].ankleAngle - shankFootAngle(fc.c, s, i)
}

// ankleDorsiflexionRep reads the metric at the rep's bottom and says why
// a side is not read.
func ankleDorsiflexionRep(rc *repContext) MetricValue {
	v := rc.fitAtBottom(MetricAnkleDorsiflexion)
	for s := range 2 {
		if math.IsNaN(v.Side(sideNames[s])) {
			rc.why[s] = rc.footReason(s, false, true)
		}
	}
	return v
}

// toeInView: the model sees side s's toe in frame i (a foot hidden
// behind the other leg scores lower) where it stood.
func toeInView(fc *frameContext, s, i int) bool {
	return scoredAtLeast(fc.c, i, fc.thr.Feet.MinScore, footJoints[s][1]) && fc.toeStillAt(s, i)
}
