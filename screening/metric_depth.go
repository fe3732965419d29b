package screening

import "math"

// MetricDepth is the mid-hip descent in leg lengths.
const MetricDepth = "depth_ratio"

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricDepth, Unit: "ratio", Views: anyView, Movements: withHinge,
			Label:       "depth",
			Description: "mid-hip descent below the rep's standing level ÷ standing leg length",
			RepValue:    "mid-hip descent at the bottom frame below the higher of the rep's start and end, ÷ the standing leg length at the person's place (camera shot and distance from the camera)",
			Validity:    "both hips visible (or filled across a short gap)",
			Plausible:   Range{Min: -0.3, Max: 1.2, Source: "geometric bound: the hips cannot descend more than a leg length; small negative values are rises (tiptoe)"},
		},
		order: 100,
		frame: depthFrame,
		rep:   depthRep,
	})
}

// depthFrame is the descent below the standing level around frame i.
func depthFrame(fc *frameContext, _, i int) float64 {
	b := fc.b
	if math.IsNaN(b.hipY[i]) {
		return nan
	}
	return (b.hipY[i] - b.baseY[i]) / b.scale[i]
}

// depthRep measures the rep's own descent, from the rep's start and end
// rather than the sliding standing level.
func depthRep(rc *repContext) MetricValue {
	b, sp := rc.b, rc.sp
	lvl := math.Min(b.hipY[sp.start], b.hipY[sp.end])
	return Scalar(round((b.hipY[sp.bottom]-lvl)/b.scale[sp.bottom], 4))
}
