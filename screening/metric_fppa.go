package screening

import (
	"fmt"
	"math"
)

// MetricFPPA is the frontal plane projection angle.
const MetricFPPA = "fppa_deg"

// Indicators graded from FPPA.
const (
	IndDynamicKneeValgus = "dynamic_knee_valgus"
	IndFPPAAsymmetry     = "fppa_asymmetry"
)

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricFPPA, Unit: "deg", PerSide: true, Views: frontOnly, Movements: allMoves,
			Label:       "FPPA (peak valgus)",
			Description: "frontal plane projection angle, 180° − hip-knee-ankle angle, positive = knee medial (valgus); per rep the peak valgus over the valid descent and bottom (thigh ≥ 70% of standing length)",
			RepValue:    "peak valgus over the valid frames of the descent, the bottom and 0.1 s after it (maximum of local quadratic fits over ±0.45 s); the free leg of a single-leg task is not read. Details per side in the rep's fppa block",
			Validity:    "hip, knee and ankle visible, the other hip too (it gives the medial direction), and the thigh's image length at least thresholds.fppa_validity.min_thigh_length_ratio of its standing length (a foreshortened thigh makes the angle meaningless)",
			Plausible:   Range{Min: -45, Max: 45, Key: "thresholds.fppa_validity.max_abs_deg", Source: "physiological bound: published 2D FPPA stays well within ±30°; valgus beyond the bound means a foreshortened thigh or a camera off square-on, and a rep that reaches it in its valid phase is not assessable; varus beyond it (the knee far outside the hip-ankle line of a very wide stance) is left out"},
		},
		order:    10,
		frame:    fppaFrame,
		valid:    fppaValid,
		rep:      fppaRep,
		evidence: fppaPeakFrame,
		grades: []grading{
			{
				id: IndDynamicKneeValgus, title: "Dynamic knee valgus (FPPA)", order: 10,
				category: CategoryInnerVsOuterThigh, sides: gradeEachLeg, higherWorse: true,
				bySex: map[Sex]cutoffs{
					SexFemale:      {"thresholds.fppa.female_watch_deg", "thresholds.fppa.female_flag_deg"},
					SexMale:        {"thresholds.fppa.male_watch_deg", "thresholds.fppa.male_flag_deg"},
					SexUnspecified: {"thresholds.fppa.unspecified_watch_deg", "thresholds.fppa.unspecified_flag_deg"},
				},
				citeWatch: true,
				focus:     "Knee drifts inward: consider hip abductor and external rotator strength (gluteus medius/maximus), adductor control, and movement retraining of knee-over-foot alignment.",
			},
			{
				id: IndFPPAAsymmetry, title: "Left/right knee valgus difference", order: 20,
				category: CategoryAsymmetry, sides: gradeAsymmetry,
				cut:   cutoffs{"thresholds.fppa.asymmetry_watch_deg", "thresholds.fppa.asymmetry_flag_deg"},
				asym:  &asymmetry{stat: asymDifference, needs: "valid FPPA"},
				focus: "One knee caves more than the other: compare single-leg tasks and prioritise hip and knee control on the side that caves more.",
			},
		},
	})
}

func fppaFrame(fc *frameContext, s, i int) float64 {
	sj := sides[s]
	return FPPA(fc.frontal(sj.hip, i), fc.frontal(sj.knee, i), fc.frontal(sj.ankle, i), medialX(fc.c, s, i))
}

// fppaValid: FPPA is meaningful only while the thigh is near the image
// plane.
func fppaValid(fc *frameContext, s, i int) bool {
	return thighLengthFrame(fc, s, i) >= fc.thr.FPPAValidity.MinThighLengthRatio
}

// fppaRep reads FPPA's details per side into the rep and returns its peak
// valgus per side; the free leg's FPPA is not a finding.
func fppaRep(rc *repContext) MetricValue {
	// Descent plus a short window after the bottom, for peaks near it.
	after := min(rc.sp.bottom+int(math.Round(0.1*rc.c.fps)), rc.sp.end)
	var sd [2]FPPASide
	for s := range 2 {
		if rc.stance >= 0 && s != rc.stance {
			sd[s] = FPPASide{PeakDeg: Number(nan), PeakS: Number(nan), PeakFrame: -1, ChangeDeg: Number(nan),
				StandingDeg: Number(nan), BottomDeg: Number(nan), Reason: "free (unloaded) leg: not read"}
			continue
		}
		sd[s] = fppaSide(rc.s, s, rc.sp, after, rc.b, rc.thr)
	}
	rc.rep.FPPA = &FPPARep{Left: sd[0], Right: sd[1]}
	return Sided(float64(sd[0].PeakDeg), float64(sd[1].PeakDeg))
}

// fppaPeakFrame shows a rep's FPPA by the frame of its peak (-1 when the
// rep has no FPPA details).
func fppaPeakFrame(rep Rep, side Side) int {
	if rep.FPPA == nil {
		return -1
	}
	if side == SideRight {
		return rep.FPPA.Right.PeakFrame
	}
	return rep.FPPA.Left.PeakFrame
}

// fppaSide reads FPPA for one rep and side: the peak valgus over valid
// frames of the descent and bottom, its change from standing, and the
// value at the bottom with its validity. A rep whose valid phase
// (thigh long enough, front view) reaches an implausible angle is not
// read at all: its reason says why.
func fppaSide(s *Series, side int, sp repSpan, after int, b *body, thr *Thresholds) FPPASide {
	start, bottom := sp.start, sp.bottom
	m := s.Metric(MetricFPPA, sideNames[side])
	out := FPPASide{PeakDeg: Number(nan), PeakS: Number(nan), PeakFrame: -1, ChangeDeg: Number(nan),
		StandingDeg: Number(nan), BottomDeg: Number(nan)}
	if m == nil {
		return out
	}
	if worst, at := implausibleValgus(s, side, sp.start, sp.end, thr); at >= 0 {
		out.Reason = fmt.Sprintf("FPPA reached %+.0f° at %.2f s in the valid phase, beyond the physiological %.0f° (thresholds.fppa_validity.max_abs_deg): a foreshortened thigh or a camera off square-on, not a knee angle",
			worst, s.Time[at], thr.FPPAValidity.MaxAbsDeg)
		return out
	}
	var st []float64
	for i, v := range m.Values {
		if b.standing[i] && m.Valid[i] {
			st = append(st, v)
		}
	}
	standing := percentile(st, 50)
	out.StandingDeg = Number(standing)
	// The running peak is the maximum of local quadratic fits over ±0.45 s:
	// a maximum over noisy samples is biased upward by the noise (about
	// 1.1° at 2 px on a 1080p frame with ±0.15 s fits, 0.5° with ±0.45 s),
	// while a quadratic still follows a rounded peak. The bottom value is
	// read against depth (fppaAtDepth).
	valid, total := 0, 0
	peak, peakI := math.Inf(-1), -1
	for i := start; i <= after; i++ {
		if i <= bottom {
			total++
		}
		if !m.Valid[i] {
			continue
		}
		if i <= bottom {
			valid++
		}
		v := localQuadratic(s.Time, m.Values, m.Valid, i, 0.45, 5)
		if math.IsNaN(v) {
			v = m.Values[i]
		}
		if v > peak {
			peak, peakI = v, i
		}
	}
	if total > 0 {
		out.ValidFraction = round(float64(valid)/float64(total), 4)
	}
	if peakI >= 0 {
		out.PeakDeg, out.PeakS, out.PeakFrame = Number(peak), Number(s.Time[peakI]), s.Frame[peakI]
		out.ChangeDeg = Number(peak - standing)
	} else if _, at := implausibleFPPA(s, side, sp.start, after, thr); at >= 0 {
		out.Reason = fmt.Sprintf("FPPA stayed beyond −%.0f° (thresholds.fppa_validity.max_abs_deg) in the valid phase: the knee far outside the hip-ankle line, as in a very wide stance; not read",
			thr.FPPAValidity.MaxAbsDeg)
	}
	out.BottomValid = m.Valid[bottom]
	if out.BottomValid {
		bv := fppaAtDepth(s.Time, m, b, sp)
		if math.IsNaN(bv) {
			bv = localQuadratic(s.Time, m.Values, m.Valid, bottom, 0.45, 5)
		}
		if math.IsNaN(bv) {
			bv = m.Values[bottom]
		}
		out.BottomDeg = Number(bv)
	}
	return out
}

// implausibleValgus finds the largest valgus FPPA beyond the plausible
// bound in frames [a, b] of side that are otherwise valid (front view,
// thigh long enough): no knee caves that far, so the rep's reading cannot
// be trusted. It returns that value and its frame, or (NaN, -1). Varus
// beyond the bound (the knee far outside the hip-ankle line, as a very
// wide stance places it) only makes those frames invalid.
func implausibleValgus(s *Series, side, a, b int, thr *Thresholds) (float64, int) {
	return beyondBound(s, side, a, b, thr, func(v float64) bool { return v > thr.FPPAValidity.MaxAbsDeg })
}

// implausibleFPPA finds the largest FPPA beyond the plausible bound in
// frames [a, b] of side that are otherwise valid. It returns that value
// and its frame, or (NaN, -1).
func implausibleFPPA(s *Series, side, a, b int, thr *Thresholds) (float64, int) {
	return beyondBound(s, side, a, b, thr, func(v float64) bool { return math.Abs(v) > thr.FPPAValidity.MaxAbsDeg })
}

// beyondBound finds the largest FPPA (in magnitude) for which beyond
// holds in frames [a, b] of side that are otherwise valid.
func beyondBound(s *Series, side, a, b int, thr *Thresholds, beyond func(float64) bool) (float64, int) {
	m := s.Metric(MetricFPPA, sideNames[side])
	th := s.Metric(MetricThighLength, sideNames[side])
	worst, at := nan, -1
	for i := a; i <= b; i++ {
		v := m.Values[i]
		if th == nil || !th.Valid[i] || !(th.Values[i] >= thr.FPPAValidity.MinThighLengthRatio) || !beyond(v) {
			continue
		}
		if at < 0 || math.Abs(v) > math.Abs(worst) {
			worst, at = v, i
		}
	}
	return worst, at
}

// fppaAtDepth reads FPPA at the rep's peak flexion as a function of
// depth rather than of time: a quadratic in mid-hip depth fitted to the
// valid frames of the whole rep, descent and ascent alike, evaluated at
// the bottom's depth. Valgus follows knee flexion, so every frame of the
// rep informs the reading, not only those within a short time of the
// bottom frame; the quadratic absorbs the curvature of valgus against
// depth. The bottom's depth itself comes from a local fit (±0.3 s): the
// bottom frame is the deepest noisy sample, and reading there would
// extrapolate the fit past the true bottom.
func fppaAtDepth(tt []float64, m *MetricSeries, b *body, sp repSpan) float64 {
	d := func(i int) float64 { return b.hipY[i] / b.scale[i] }
	ds := make([]float64, sp.end-sp.start+1)
	ok := make([]bool, len(ds))
	for i := range ds {
		ds[i] = d(sp.start + i)
		ok[i] = !math.IsNaN(ds[i]) && b.shot[sp.start+i] == b.shot[sp.bottom]
	}
	d0 := localQuadratic(tt[sp.start:sp.end+1], ds, ok, sp.bottom-sp.start, 0.3, 5)
	if math.IsNaN(d0) {
		d0 = d(sp.bottom)
	}
	r := d0 - math.Min(d(sp.start), d(sp.end))
	if !(r > 0) {
		return nan
	}
	var xs, vs []float64
	for i := sp.start; i <= sp.end; i++ {
		x := (d(i) - d0) / r
		if m.Valid[i] && x >= -1 && b.shot[i] == b.shot[sp.bottom] {
			xs, vs = append(xs, x), append(vs, m.Values[i])
		}
	}
	return quadraticAt0(xs, vs, 8)
}
