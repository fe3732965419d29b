package screening

// MetricThighLength is the thigh's image length over its standing length.
const MetricThighLength = "thigh_length_ratio"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricThighLength, Unit: "ratio", PerSide: true, Views: frontOnly, Movements: allMoves,
			Label:       "thigh length",
			Description: "thigh image length ÷ standing thigh length; FPPA is valid while it is ≥ thresholds.fppa_validity.min_thigh_length_ratio",
			Validity:    "hip and knee visible and the standing thigh length at the person's place known",
			Plausible:   Range{Min: 0, Max: 1.5, Source: "geometric bound: a segment's image length cannot exceed its standing length by more than keypoint noise"},
			Auxiliary:   true,
		},
		order: 110,
		frame: thighLengthFrame,
	})
}

func thighLengthFrame(fc *frameContext, s, i int) float64 {
	c, b, sj := fc.c, fc.b, sides[s]
	h, k := c.at(sj.hip, i), c.at(sj.knee, i)
	th := b.shotThigh[b.shot[i]][s]
	if !h.ok() || !k.ok() || !(th > 0) {
		return nan
	}
	return dist(h, k) / th
}
