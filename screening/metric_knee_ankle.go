package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// MetricKneeAnkleRatio is the knee separation over the ankle separation.
const MetricKneeAnkleRatio = "knee_ankle_separation_ratio"

// IndKneesInsideAnkles grades the knee-ankle separation ratio.
const IndKneesInsideAnkles = "knees_inside_ankles"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricKneeAnkleRatio, Unit: "ratio", Views: frontOnly, Movements: []Movement{MovementSquat},
			Label:       "knee/ankle separation",
			Description: "horizontal distance between the knees ÷ distance between the ankles (< 1: knees inside the ankles)",
			Validity:    "both knees and ankles visible and the ankles at least 2% of leg length apart (feet together make the ratio meaningless)",
			Plausible:   Range{Min: 0.2, Max: 10, Source: "geometric bound: the knees cannot pass each other, and with the ankles at least 2% of leg length apart they cannot spread beyond about 10 times that; outside, keypoints are swapped or misplaced"},
		},
		order: 20,
		frame: kneeAnkleFrame,
		grades: []grading{{
			id: IndKneesInsideAnkles, title: "Knees inside the ankles", order: 30,
			category: CategoryInnerVsOuterThigh, sides: gradeBoth, movements: []Movement{MovementSquat},
			cut:   cutoffs{"thresholds.knee_ankle.watch_ratio", "thresholds.knee_ankle.flag_ratio"},
			focus: "Knees track inside the feet in the squat: consider cueing knees over toes, hip abductor/external rotator strength and adductor flexibility.",
		}},
	})
}

func kneeAnkleFrame(fc *frameContext, _, i int) float64 {
	lk, rk := fc.frontal(pose.LeftKnee, i), fc.frontal(pose.RightKnee, i)
	la, ra := fc.frontal(pose.LeftAnkle, i), fc.frontal(pose.RightAnkle, i)
	if !lk.ok() || !rk.ok() || !la.ok() || !ra.ok() {
		return nan
	}
	ad := math.Abs(la.X - ra.X)
	if ad < 0.02*fc.b.scale[i] { // feet together: ratio meaningless
		return nan
	}
	return math.Abs(lk.X-rk.X) / ad
}
