package screening

import "github.com/kneescreen/kneescreen/pose"

// MetricTrunkLateralLean is the trunk's lean in the frontal plane.
const MetricTrunkLateralLean = "trunk_lateral_lean_deg"

// IndTrunkLateralLean grades trunk lateral lean in single-leg tasks.
const IndTrunkLateralLean = "trunk_lateral_lean"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricTrunkLateralLean, Unit: "deg", Views: frontOnly, Movements: allMoves,
			Label:       "trunk lateral lean",
			Description: "shoulder-midpoint to hip-midpoint line against vertical; positive towards the stance side (single-leg tasks) or the person's right (squats)",
			Validity:    "both shoulders and both hips are visible and the hips apart in the image (they sign the angle)",
			Plausible:   Range{Min: -45, Max: 45, Source: "physiological bound: trunk lateral flexion reaches about 30-35° each way in adults; beyond ±45° a keypoint is misplaced"},
		},
		order: 40,
		frame: trunkLateralLeanFrame,
		grades: []grading{{
			id: IndTrunkLateralLean, title: "Trunk lateral lean", order: 50,
			category: CategoryHipVsKnee, sides: gradeStanceLeg, movements: singleLeg, higherWorse: true, magnitude: true,
			cut:   cutoffs{"thresholds.trunk_lateral_lean.watch", "thresholds.trunk_lateral_lean.flag"},
			focus: "Trunk leans sideways: often compensates for weak stance-side hip abductors; consider hip abductor strength and trunk control.",
		}},
	})
}

func trunkLateralLeanFrame(fc *frameContext, _, i int) float64 {
	ls, rs := fc.frontal(pose.LeftShoulder, i), fc.frontal(pose.RightShoulder, i)
	lh, rh := fc.frontal(pose.LeftHip, i), fc.frontal(pose.RightHip, i)
	if !ls.ok() || !rs.ok() || !lh.ok() || !rh.ok() {
		return nan
	}
	refSide := fc.stanceAt[i]
	if refSide < 0 {
		refSide = 1 // squats: positive towards the person's right
	}
	ref, other := fc.frontal(sides[refSide].hip, i), fc.frontal(sides[1-refSide].hip, i)
	return Inclination(mid(lh, rh), mid(ls, rs), sign(ref.X-other.X))
}
