package screening

// MetricKneeFlexion is the knee's flexion angle in the sagittal plane.
const MetricKneeFlexion = "knee_flexion_deg"

// IndFlexionAsymmetry grades the limb symmetry index of knee flexion.
const IndFlexionAsymmetry = "flexion_asymmetry"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricKneeFlexion, Unit: "deg", PerSide: true, Views: sideOnly, Movements: withHinge,
			Label:       "knee flexion",
			Description: "180° − hip-knee-ankle angle in the sagittal plane; 0° = straight",
			Validity:    "hip, knee and ankle visible",
			Plausible:   Range{Min: -15, Max: 160, Source: "physiological bound: knee hyperextension to about 10°, flexion to about 155° in a full squat"},
		},
		order: 60,
		frame: kneeFlexionFrame,
		grades: []grading{{
			id: IndFlexionAsymmetry, title: "Left/right flexion asymmetry", order: 80,
			category: CategoryAsymmetry, sides: gradeAsymmetry,
			cut:   cutoffs{"thresholds.lsi.watch", "thresholds.lsi.flag"},
			asym:  &asymmetry{stat: asymLSI, weakerLower: true, needs: "knee flexion"},
			focus: "Legs bend unequally: consider single-leg strength work on the weaker side and recheck symmetry after a training block.",
		}},
	})
}

func kneeFlexionFrame(fc *frameContext, s, i int) float64 {
	c, sj := fc.c, sides[s]
	return FlexionAngle(c.at(sj.hip, i), c.at(sj.knee, i), c.at(sj.ankle, i))
}
