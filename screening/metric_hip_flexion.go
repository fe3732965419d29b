package screening

// MetricHipFlexion is the hip's flexion angle in the sagittal plane.
const MetricHipFlexion = "hip_flexion_deg"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricHipFlexion, Unit: "deg", PerSide: true, Views: sideOnly, Movements: withHinge,
			Label:       "hip flexion",
			Description: "180° − shoulder-hip-knee angle in the sagittal plane; 0° = upright",
			Validity:    "shoulder, hip and knee visible",
			Plausible:   Range{Min: -30, Max: 150, Source: "physiological bound: hip extension about 20-30°, flexion about 120-135° (more with a posterior pelvic tilt at the bottom of a deep squat)"},
		},
		order: 70,
		frame: hipFlexionFrame,
	})
}

func hipFlexionFrame(fc *frameContext, s, i int) float64 {
	c, sj := fc.c, sides[s]
	return FlexionAngle(c.at(sj.shoulder, i), c.at(sj.hip, i), c.at(sj.knee, i))
}
