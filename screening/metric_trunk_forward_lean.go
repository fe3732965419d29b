package screening

// MetricTrunkForwardLean is the trunk's lean in the sagittal plane.
const MetricTrunkForwardLean = "trunk_forward_lean_deg"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricTrunkForwardLean, Unit: "deg", Views: sideOnly, Movements: withHinge,
			Label:       "trunk forward lean",
			Description: "shoulder-midpoint to hip-midpoint line against vertical, positive = forward",
			Validity:    "both shoulders and both hips are visible and the person's facing direction is known (it signs the angle)",
			Plausible:   Range{Min: -30, Max: 100, Source: "physiological bound: the trunk extends about 25-30° and flexes to about horizontal in a hip hinge"},
		},
		order: 50,
		frame: trunkForwardLeanFrame,
	})
}

func trunkForwardLeanFrame(fc *frameContext, _, i int) float64 {
	hip, shoulder, ok := trunkLine(fc.c, i)
	if !ok {
		return nan
	}
	return Inclination(hip, shoulder, fc.facing)
}
