package screening

// MetricHipFlexion is the hip's flexion angle in the sagittal plane.
const MetricHipFlexion = "hip_flexion_deg"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricHipFlexion, Unit: "deg", PerSide: true, Views: sideOnly, Movements: allMoves,
			Label:       "hip flexion",
			Description: "180° − shoulder-hip-knee angle in the sagittal plane; 0° = upright",
			Validity:    "shoulder, hip and knee visible",
		},
		order: 70,
		frame: hipFlexionFrame,
	})
}

func hipFlexionFrame(fc *frameContext, s, i int) float64 {
	c, sj := fc.c, sides[s]
	return FlexionAngle(c.at(sj.shoulder, i), c.at(sj.hip, i), c.at(sj.knee, i))
}
