package screening

import (
	"math"
	"slices"

	"github.com/kneescreen/kneescreen/pose"
)

// Metric names, as they appear in report.json and angles.csv.
const (
	MetricFPPA             = "fppa_deg"
	MetricKneeAnkleRatio   = "knee_ankle_separation_ratio"
	MetricPelvicDrop       = "pelvic_drop_deg"
	MetricTrunkLateralLean = "trunk_lateral_lean_deg"
	MetricTrunkForwardLean = "trunk_forward_lean_deg"
	MetricKneeFlexion      = "knee_flexion_deg"
	MetricHipFlexion       = "hip_flexion_deg"
	MetricKneeHipRatio     = "knee_hip_flexion_ratio"
	MetricShankInclination = "shank_inclination_deg"
	MetricDepth            = "depth_ratio"
	MetricThighLength      = "thigh_length_ratio"
	MetricKneeMedial       = "knee_medial_ratio"
)

type metricDef struct {
	name, unit string
	perSide    bool
	views      []View
	// movements limits the metric to some tasks (nil: all).
	movements []Movement
	desc      string
	// flexion marks flexion-type measures, whose asymmetry is judged by
	// the limb symmetry index.
	flexion bool
}

var (
	frontOnly = []View{ViewFront}
	sideOnly  = []View{ViewSide}
	anyView   = []View{ViewFront, ViewSide, ViewOblique}
	singleLeg = []Movement{MovementSingleLegSquat, MovementStepDown}
	allMoves  = []Movement{MovementSquat, MovementSingleLegSquat, MovementStepDown}
)

var metricDefs = []metricDef{
	{name: MetricFPPA, unit: "deg", perSide: true, views: frontOnly, movements: allMoves,
		desc: "frontal plane projection angle, 180° − hip-knee-ankle angle, positive = knee medial (valgus); per rep the peak valgus over the valid descent and bottom (thigh ≥ 70% of standing length)"},
	{name: MetricKneeAnkleRatio, unit: "ratio", views: frontOnly, movements: []Movement{MovementSquat},
		desc: "horizontal distance between the knees ÷ distance between the ankles (< 1: knees inside the ankles)"},
	{name: MetricPelvicDrop, unit: "deg", views: frontOnly, movements: singleLeg,
		desc: "tilt of the hip line from its standing angle, positive when the unsupported side drops"},
	{name: MetricTrunkLateralLean, unit: "deg", views: frontOnly, movements: allMoves,
		desc: "shoulder-midpoint to hip-midpoint line against vertical; positive towards the stance side (single-leg tasks) or the person's right (squats)"},
	{name: MetricTrunkForwardLean, unit: "deg", views: sideOnly, movements: allMoves,
		desc: "shoulder-midpoint to hip-midpoint line against vertical, positive = forward"},
	{name: MetricKneeFlexion, unit: "deg", perSide: true, views: sideOnly, movements: allMoves, flexion: true,
		desc: "180° − hip-knee-ankle angle in the sagittal plane; 0° = straight"},
	{name: MetricHipFlexion, unit: "deg", perSide: true, views: sideOnly, movements: allMoves, flexion: true,
		desc: "180° − shoulder-hip-knee angle in the sagittal plane; 0° = upright"},
	{name: MetricKneeHipRatio, unit: "ratio", perSide: true, views: sideOnly, movements: allMoves,
		desc: "knee flexion ÷ hip flexion at the bottom (> 1: knee-dominant)"},
	{name: MetricShankInclination, unit: "deg", perSide: true, views: sideOnly, movements: allMoves,
		desc: "shank (ankle to knee) against vertical, positive with the knee forward of the ankle; ankle dorsiflexion proxy"},
	{name: MetricDepth, unit: "ratio", views: anyView, movements: allMoves,
		desc: "mid-hip descent below the rep's standing level ÷ standing leg length"},
	{name: MetricThighLength, unit: "ratio", perSide: true, views: frontOnly, movements: allMoves,
		desc: "thigh image length ÷ standing thigh length; FPPA is valid while it is ≥ thresholds.fppa_validity.min_thigh_length_ratio"},
	{name: MetricKneeMedial, unit: "ratio", perSide: true, views: frontOnly, movements: allMoves,
		desc: "horizontal offset of the knee medial to the ankle ÷ standing shank length (step-down knee-position proxy)"},
}

// MetricNames lists every metric in report order.
func MetricNames() []string {
	out := make([]string, len(metricDefs))
	for i, m := range metricDefs {
		out[i] = m.name
	}
	return out
}

func defOf(name string) metricDef {
	for _, m := range metricDefs {
		if m.name == name {
			return m
		}
	}
	return metricDef{}
}

// assessable says whether a metric can be read in this view and movement,
// and why not.
func (m metricDef) assessable(v View, mv Movement) (bool, string) {
	if !slices.Contains(m.views, v) {
		return false, "not valid in " + string(v) + " view (valid in " + viewList(m.views) + ")"
	}
	if mv != MovementUnknown && m.movements != nil && !slices.Contains(m.movements, mv) {
		return false, "not defined for " + string(mv)
	}
	return true, ""
}

func viewList(vs []View) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ", "
		}
		s += string(v)
	}
	return s
}

// frameContext carries what the per-frame metrics need besides keypoints.
type frameContext struct {
	c *conditioned
	b *body
	// stanceAt is the stance leg per frame: 0 left, 1 right, -1 bilateral.
	stanceAt []int
	// facing is +1/-1 for the person's facing direction in the image, 0
	// when unknown (then signed sagittal angles are NaN).
	facing   float64
	minThigh float64
}

// computeSeries computes every metric per side per frame.
func computeSeries(fc *frameContext, view View, mv Movement) []MetricSeries {
	c := fc.c
	n := c.n()
	var out []MetricSeries
	mk := func(name string, side Side) *MetricSeries {
		d := defOf(name)
		ok, _ := d.assessable(view, mv)
		out = append(out, MetricSeries{Name: name, Side: side, Unit: d.unit,
			Values: make([]float64, n), Valid: make([]bool, n), Assessable: ok})
		return &out[len(out)-1]
	}
	for _, d := range metricDefs {
		if d.perSide {
			for s := 0; s < 2; s++ {
				ms := mk(d.name, sideNames[s])
				for i := 0; i < n; i++ {
					ms.Values[i] = sideMetric(fc, d.name, s, i)
				}
				if d.name == MetricFPPA {
					// FPPA is meaningful only while the thigh is near the
					// image plane.
					for i := 0; i < n; i++ {
						tr := sideMetric(fc, MetricThighLength, s, i)
						ms.Valid[i] = ms.Assessable && !math.IsNaN(ms.Values[i]) && tr >= fc.minThigh
					}
					continue
				}
				for i := range ms.Valid {
					ms.Valid[i] = ms.Assessable && !math.IsNaN(ms.Values[i])
				}
			}
			continue
		}
		ms := mk(d.name, SideBoth)
		for i := 0; i < n; i++ {
			ms.Values[i] = wholeMetric(fc, d.name, i)
			ms.Valid[i] = ms.Assessable && !math.IsNaN(ms.Values[i])
		}
	}
	return out
}

// sideMetric computes a per-side metric for side s in frame i.
func sideMetric(fc *frameContext, name string, s, i int) float64 {
	c, b := fc.c, fc.b
	sj := sides[s]
	h, k, a := c.at(sj.hip, i), c.at(sj.knee, i), c.at(sj.ankle, i)
	switch name {
	case MetricFPPA:
		return FPPA(h, k, a, medialX(c, s, i))
	case MetricKneeFlexion:
		return FlexionAngle(h, k, a)
	case MetricHipFlexion:
		return FlexionAngle(c.at(sj.shoulder, i), h, k)
	case MetricKneeHipRatio:
		kf, hf := FlexionAngle(h, k, a), FlexionAngle(c.at(sj.shoulder, i), h, k)
		if !(hf > 5) { // ratio undefined near upright
			return nan
		}
		return kf / hf
	case MetricShankInclination:
		return Inclination(a, k, fc.facing)
	case MetricThighLength:
		th := b.shotThigh[b.shot[i]][s]
		if !h.ok() || !k.ok() || !(th > 0) {
			return nan
		}
		return dist(h, k) / th
	case MetricKneeMedial:
		m := medialX(c, s, i)
		sh := b.shotShank[b.shot[i]][s]
		if !k.ok() || !a.ok() || math.IsNaN(m) || !(sh > 0) {
			return nan
		}
		return (k.X - a.X) * m / sh
	}
	return nan
}

// wholeMetric computes a whole-body metric in frame i.
func wholeMetric(fc *frameContext, name string, i int) float64 {
	c, b := fc.c, fc.b
	ls, rs := c.at(pose.LeftShoulder, i), c.at(pose.RightShoulder, i)
	lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
	switch name {
	case MetricKneeAnkleRatio:
		lk, rk := c.at(pose.LeftKnee, i), c.at(pose.RightKnee, i)
		la, ra := c.at(pose.LeftAnkle, i), c.at(pose.RightAnkle, i)
		if !lk.ok() || !rk.ok() || !la.ok() || !ra.ok() {
			return nan
		}
		ad := math.Abs(la.X - ra.X)
		if ad < 0.02*b.scale[i] { // feet together: ratio meaningless
			return nan
		}
		return math.Abs(lk.X-rk.X) / ad
	case MetricPelvicDrop:
		// Tilt from the right hip, positive when the left hip is lower;
		// baselinePelvis re-signs it per frame's stance leg.
		return LineTilt(c.at(pose.RightHip, i), c.at(pose.LeftHip, i))
	case MetricTrunkLateralLean:
		if !ls.ok() || !rs.ok() || !lh.ok() || !rh.ok() {
			return nan
		}
		refSide := fc.stanceAt[i]
		if refSide < 0 {
			refSide = 1 // squats: positive towards the person's right
		}
		ref, other := c.at(sides[refSide].hip, i), c.at(sides[1-refSide].hip, i)
		dir := sign(ref.X - other.X)
		return Inclination(mid(lh, rh), mid(ls, rs), dir)
	case MetricTrunkForwardLean:
		if !ls.ok() || !rs.ok() || !lh.ok() || !rh.ok() {
			return nan
		}
		return Inclination(mid(lh, rh), mid(ls, rs), fc.facing)
	case MetricDepth:
		if math.IsNaN(b.hipY[i]) {
			return nan
		}
		return (b.hipY[i] - b.baseY[i]) / b.scale[i]
	}
	return nan
}
