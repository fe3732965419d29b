package screening

// MetricKneeHipRatio is knee flexion over hip flexion.
const MetricKneeHipRatio = "knee_hip_flexion_ratio"

// IndKneeDominant grades a knee-dominant pattern.
const IndKneeDominant = "knee_dominant_pattern"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricKneeHipRatio, Unit: "ratio", PerSide: true, Views: sideOnly, Movements: allMoves,
			Label:       "knee/hip flexion",
			Description: "knee flexion ÷ hip flexion at the bottom (> 1: knee-dominant)",
			Validity:    "shoulder, hip, knee and ankle visible and hip flexion above 5° (the ratio is undefined near upright)",
			Plausible:   Range{Min: 0, Max: 8, Source: "expert default: squats and lunges give 0.5-2.5; beyond 8 the hip is nearly straight and the ratio meaningless"},
		},
		order: 80,
		frame: kneeHipRatioFrame,
		grades: []grading{{
			id: IndKneeDominant, title: "Knee-dominant pattern", order: 60,
			category: CategoryQuadsVsHamstrings, sides: gradeEachLeg, higherWorse: true,
			cut:   cutoffs{"thresholds.knee_hip_flexion_ratio.watch", "thresholds.knee_hip_flexion_ratio.flag"},
			focus: "Knee-dominant pattern (knees bend much more than hips): consider hip-hinge patterning and hamstring/gluteal strength so hips share the load.",
		}},
	})
}

func kneeHipRatioFrame(fc *frameContext, s, i int) float64 {
	kf, hf := kneeFlexionFrame(fc, s, i), hipFlexionFrame(fc, s, i)
	if !(hf > 5) { // ratio undefined near upright
		return nan
	}
	return kf / hf
}
