package screening

// MetricShankInclination is the shank's forward inclination.
const MetricShankInclination = "shank_inclination_deg"

// IndLimitedShank grades limited forward shank inclination at depth.
const IndLimitedShank = "limited_shank_inclination"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricShankInclination, Unit: "deg", PerSide: true, Views: sideOnly, Movements: allMoves,
			Label:       "shank inclination",
			Description: "shank (ankle to knee) against vertical, positive with the knee forward of the ankle; ankle dorsiflexion proxy",
			Validity:    "knee and ankle visible and the person's facing direction known (it signs the angle)",
			Plausible:   Range{Min: -30, Max: 70, Source: "physiological bound: weight-bearing ankle dorsiflexion reaches about 40-50°; a knee far behind the ankle is implausible"},
		},
		order: 90,
		frame: shankInclinationFrame,
		grades: []grading{{
			id: IndLimitedShank, title: "Limited shank inclination", order: 70,
			category: CategoryCalfAndAnkle, sides: gradeEachLeg,
			cut: cutoffs{"thresholds.shank_inclination.watch_deg", "thresholds.shank_inclination.flag_deg"},
			// Only reps deep enough to demand dorsiflexion count.
			gate:  &repGate{metric: MetricKneeFlexion, minKey: "thresholds.shank_inclination.min_knee_flexion_deg"},
			focus: "Shin stays upright at depth: consider ankle dorsiflexion mobility (calf and soleus flexibility, knee-to-wall drills) and calf strength.",
		}},
	})
}

func shankInclinationFrame(fc *frameContext, s, i int) float64 {
	c, sj := fc.c, sides[s]
	return Inclination(c.at(sj.ankle, i), c.at(sj.knee, i), fc.facing)
}
