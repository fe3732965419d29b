package screening

import "math"

// MetricKneeMedial is the knee's offset medial to the ankle in shank
// lengths.
const MetricKneeMedial = "knee_medial_ratio"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricKneeMedial, Unit: "ratio", PerSide: true, Views: frontOnly, Movements: allMoves,
			Label:       "knee medial offset",
			Description: "horizontal offset of the knee medial to the ankle ÷ standing shank length (step-down knee-position proxy)",
			Validity:    "knee, ankle and both hips visible (the hips give the medial direction) and the shot's standing shank length known",
			Plausible:   Range{Min: -1, Max: 1, Source: "geometric bound: the knee cannot sit more than a shank length from the ankle"},
		},
		order: 120,
		frame: kneeMedialFrame,
	})
}

func kneeMedialFrame(fc *frameContext, s, i int) float64 {
	c, b, sj := fc.c, fc.b, sides[s]
	k, a := c.at(sj.knee, i), c.at(sj.ankle, i)
	m := medialX(c, s, i)
	sh := b.shotShank[b.shot[i]][s]
	if !k.ok() || !a.ok() || math.IsNaN(m) || !(sh > 0) {
		return nan
	}
	return (k.X - a.X) * m / sh
}
