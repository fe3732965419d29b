package screening

// MetricShankForward is the knee's forward travel ahead of the ankle in a
// front view, in standing shank lengths.
const MetricShankForward = "shank_forward_ratio"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricShankForward, Unit: "ratio", PerSide: true, Views: frontOnly, Movements: allMoves,
			Label:       "shank forward travel",
			Description: "the knee's forward travel ahead of the ankle ÷ standing shank length (sine of the shank's forward lean), from the shank's foreshortening in a front view: sqrt(L² − l²)/L; knee_medial_offset reads the knee against the foot along it",
			Validity:    "knee and ankle visible and the standing shank length at the person's place known",
			Plausible:   Range{Min: 0, Max: 1, Source: "geometric bound: the knee cannot travel further than the shank is long"},
			Auxiliary:   true,
		},
		order: 115,
		frame: shankForwardFrame,
	})
}

func shankForwardFrame(fc *frameContext, s, i int) float64 {
	_, v, L, ok := kneeTravel(fc, s, i)
	if !ok {
		return nan
	}
	return v / L
}
