package screening

import "math"

// MetricHeelRise is each heel's lift above its standing height relative
// to the toe, in foot lengths.
const MetricHeelRise = "heel_rise"

// IndHeelRise grades the heels lifting in a squat.
const IndHeelRise = "heel_rise"

// Heels that lift in a squat are a classic sign of limited ankle
// dorsiflexion (tight calves, a stiff ankle): the FMS deep squat wants
// the heels on the floor and gives a 2x6 board (3.8 cm, about 0.14 foot
// lengths) under them to those who cannot (Cook, Burton & Hoogenboom
// 2006); the NASM overhead squat assessment names "heels rise" with
// overactive calves.
//
// A vertical lift is seen at full scale from the front and the side, so
// the metric is the rise of the heel relative to the toe (which stays on
// the floor as the foot rocks onto its ball) from standing (the
// standing frames of the rep's view segment and foot placement,
// footReferences), over the foot's length (feet.go: footLength). BlazePose places a
// heel it cannot see, hidden behind the shank or the other leg in a deep
// squat, too high, while the ankle keypoint stays where it is; a real
// heel rise lifts the ankle too, by about two thirds as much (a rigid
// foot rocking on its ball: the ankle sits a quarter of the foot ahead of
// the heel, the ball three quarters). The reading is therefore the lesser
// of the heel's rise and the ankle's rise scaled up by that ratio. Only
// frames where the model scores heel and toe at least
// thresholds.feet.min_score count (a foot hidden behind the other leg in
// a profile view scores lower). In profile, moreover, only while the toe
// stays where it stood: there the legs fold over the foot in a deep
// squat, and on the shared side clips BlazePose's whole foot estimate
// drifts (heel and ankle riding up a flat foot with the toe, a reflective
// floor taken for the foot) into what reads as a heel rise the ankle
// corroborates; a rep whose toe wanders in more than a fifth of the
// frames that show the foot is not read. From the front the toe keypoint
// wobbles by up to 0.15 foot lengths as the knee comes forward over it
// while the heel reads, if anything, low (no front-view clip reads a
// rise), so the rule is not applied there.

// ankleLiftShare is the ankle's rise per unit of heel rise when the foot
// rocks on its ball: (0.73 − 0.25) / 0.73 of the foot's length from the
// ball (Drillis & Contini 1966 proportions: ball of the foot at 0.73 of
// the foot from the heel, ankle joint at 0.25).
const ankleLiftShare = 0.66

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricHeelRise, Unit: "ratio", PerSide: true, Views: []View{ViewFront, ViewSide}, Movements: allMoves,
			Label:       "heel rise",
			Description: "the heel's rise relative to the toe since standing (the standing frames of the rep's view segment with the foot where it stands in the rep) ÷ foot length (0 = heel down; 0.14 ≈ a 3.8 cm heel lift): the lesser of the heel keypoint's rise and the rise the ankle keypoint's lift implies for a foot rocking on its ball",
			RepValue:    "largest value over the rep (local quadratic fits over ±0.3 s), in a side view read only when the toe stayed where it stood in at least 80% of the rep's frames that show the foot; the free leg of a single-leg task is not read",
			Validity:    "heel and foot index each scored at least thresholds.feet.min_score (a foot in plain view), ankle visible, in a side view the toe within thresholds.feet.max_toe_shift_ratio foot lengths (at least thresholds.feet.toe_shift_floor_px pixels) of where it stood (a planted foot's toe stays down), standing frames in the rep's view segment with the foot where it stands in the rep (footmetrics.go: footReferences; a person who turned or stepped before the rep has none) and its standing shank length known; needs a model with foot keypoints",
			Plausible:   Range{Min: -0.3, Max: 0.7, Source: "geometric bound: on tiptoe the heel rises about 0.6 foot lengths (heel-to-ball 0.73 foot × sin 55°); it cannot sink far below the floor"},
			Needs:       feetJoints,
		},
		order: 92,
		frame: heelRiseFrame,
		valid: footInView,
		rep:   heelRiseRep,
		grades: []grading{{
			id: IndHeelRise, title: "Heels rise", order: 75,
			category: CategoryCalfAndAnkle, sides: gradeEachLeg, movements: allMoves, higherWorse: true,
			cut:       cutoffs{"thresholds.heel_rise.watch_ratio", "thresholds.heel_rise.flag_ratio"},
			citeWatch: true,
			focus:     "Heels lift in the squat: consider ankle dorsiflexion mobility (calf and soleus flexibility, knee-to-wall drills), calf length and control; recheck with the heels on a small board.",
		}},
	})
}

func heelRiseFrame(fc *frameContext, s, i int) float64 {
	f := fc.feet
	if f == nil {
		return nan
	}
	ref, F := f.refAt[s][i], f.length[fc.b.shot[i]][s]
	if !(F > 0) {
		return nan
	}
	heel := (heelAboveToe(fc.c, s, i) - ref.heelAbove) / F
	ankle := (ankleAboveToe(fc.c, s, i) - ref.ankleAbove) / F / ankleLiftShare
	if math.IsNaN(heel) || math.IsNaN(ankle) {
		return nan
	}
	return math.Min(heel, ankle)
}

// footInView: the model sees side s's heel and toe in frame i, and in
// profile the toe is where it stood.
func footInView(fc *frameContext, s, i int) bool {
	return footSeen(fc.c, s, i, fc.thr.Feet.MinScore) && (fc.viewAt[i] != ViewSide || fc.toeStillAt(s, i))
}

// toeStillShare is the least share of a rep's frames showing the foot
// (heel and toe scored) in which its toe must lie where it stood for the
// rep to read the heel: a toe keypoint that wanders for more of the rep
// means the model's estimate of that foot is not to be trusted in it
// (on the shared clips: a reflective floor taken for the foot, a foot
// estimate riding up as the legs fold over it), not that the heel rose.
const toeStillShare = 0.8

// toeStayed reports whether side s's toe lay where it stood in at least
// toeStillShare of the rep's frames that show the foot.
func toeStayed(rc *repContext, s int) bool {
	seen, still := 0, 0
	for i := rc.sp.start; i <= rc.sp.end; i++ {
		if footSeen(rc.c, s, i, rc.thr.Feet.MinScore) {
			seen++
			if rc.feet.still[s][i] {
				still++
			}
		}
	}
	return seen > 0 && float64(still) >= toeStillShare*float64(seen)
}

// heelRiseRep is each loaded side's largest heel rise over the rep, read
// from local quadratic fits so that one noisy frame does not decide it,
// in profile only where the foot's toe stayed put through the rep
// (toeStillShare).
func heelRiseRep(rc *repContext) MetricValue {
	var v [2]float64
	for s := range 2 {
		v[s] = nan
		ms := rc.s.Metric(MetricHeelRise, sideNames[s])
		if ms == nil || rc.feet == nil || (rc.stance >= 0 && s != rc.stance) {
			continue
		}
		if rc.rep.View == ViewSide && !toeStayed(rc, s) {
			rc.why[s] = rc.footReason(s, true, true)
			continue
		}
		for i := rc.sp.start; i <= rc.sp.end; i++ {
			if !ms.Valid[i] {
				continue
			}
			if x := localQuadratic(rc.s.Time, ms.Values, ms.Valid, i, 0.3, 5); x > v[s] || math.IsNaN(v[s]) {
				v[s] = x
			}
		}
		v[s] = round(v[s], 4)
		if math.IsNaN(v[s]) {
			rc.why[s] = rc.footReason(s, true, rc.rep.View == ViewSide)
		}
	}
	return Sided(v[0], v[1])
}
