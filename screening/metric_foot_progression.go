package screening

// MetricFootProgression is each foot's turn-out (toe-out) in a front view.
const MetricFootProgression = "foot_progression_deg"

// The foot progression angle seen from the front. A foot pointing at the
// camera is foreshortened to its sideways extent F·sin(angle), F its
// heel-to-toe length, whatever the camera's height: the drop of the toe
// below the heel in the image depends on how far above the floor the
// camera looks down, so the angle of the heel-to-toe line in the image
// overstates the turn-out (by 30-50° in the shared front clips). The
// metric therefore reads asin(sideways extent / F) with F from the
// standing shank (feet.go: footLength), with the camera's yaw parallax and
// the perspective spread removed, as knee_medial_offset's foot line does.
// BlazePose's world landmarks (metric 3D) were considered instead: their
// heel-to-toe direction agrees with this reading to 3.3° on average over
// the shared front clips' feet, but their depth is the model's least
// reliable output, cannot be checked on synthetic bodies, and would have
// to be carried through the whole pipeline.

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricFootProgression, Unit: "deg", PerSide: true, Views: frontOnly, Movements: allMoves,
			Label:       "foot progression (toe-out)",
			Description: "each foot's turn-out from straight ahead, positive with the toes pointing outward: asin(sideways heel-to-toe extent ÷ foot length) in a front view, the foot length from the standing shank (0.62 shank lengths, Drillis & Contini 1966, or the longest heel-to-toe length the shot shows), yaw parallax and perspective removed",
			RepValue:    "median over the rep's frames (the feet stay planted); knee_medial_offset's foot line takes the same readings over the rep and half a second either side",
			Validity:    "heel (or ankle) and foot index visible, both hips visible (they give the outward direction) and the standing shank length at the person's place known; needs a model with foot keypoints",
			Plausible:   Range{Min: toeOutMinDeg, Max: toeOutMaxDeg, Source: "physiological bound: feet turned in beyond 30° are not a squat stance, turned out beyond a sumo stance's 45-50° not plausible"},
			Needs:       feetJoints,
		},
		order: 27,
		frame: footProgressionFrame,
		rep:   footProgressionRep,
	})
}

func footProgressionFrame(fc *frameContext, s, i int) float64 {
	if fc.feet == nil {
		return nan
	}
	return fc.feet.frame[s][i]
}

// footProgressionRep is the median turn-out over the rep's valid frames
// on each loaded side (toeOutMinSamples at least).
func footProgressionRep(rc *repContext) MetricValue {
	var v [2]float64
	for s := range 2 {
		v[s] = nan
		ms := rc.s.Metric(MetricFootProgression, sideNames[s])
		if ms == nil || (rc.stance >= 0 && s != rc.stance) {
			continue
		}
		var deg []float64
		for i := rc.sp.start; i <= rc.sp.end; i++ {
			if ms.Valid[i] {
				deg = append(deg, ms.Values[i])
			}
		}
		if len(deg) >= toeOutMinSamples {
			v[s] = round(percentile(deg, 50), 1)
		}
	}
	return Sided(v[0], v[1])
}
