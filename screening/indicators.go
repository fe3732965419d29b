package screening

import (
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// Indicator ids.
const (
	IndDynamicKneeValgus   = "dynamic_knee_valgus"
	IndFPPAAsymmetry       = "fppa_asymmetry"
	IndKneesInsideAnkles   = "knees_inside_ankles"
	IndPelvicDrop          = "pelvic_drop"
	IndTrunkLateralLean    = "trunk_lateral_lean"
	IndKneeDominant        = "knee_dominant_pattern"
	IndLimitedShank        = "limited_shank_inclination"
	IndFlexionAsymmetry    = "flexion_asymmetry"
	directionHigherIsWorse = "above"
	directionLowerIsWorse  = "below"
)

// focus is the corrective focus per indicator, phrased as guidance for a
// professional.
var focus = map[string]string{
	IndDynamicKneeValgus: "Knee drifts inward: consider hip abductor and external rotator strength (gluteus medius/maximus), adductor control, and movement retraining of knee-over-foot alignment.",
	IndFPPAAsymmetry:     "One knee caves more than the other: compare single-leg tasks and prioritise hip and knee control on the side that caves more.",
	IndKneesInsideAnkles: "Knees track inside the feet in the squat: consider cueing knees over toes, hip abductor/external rotator strength and adductor flexibility.",
	IndPelvicDrop:        "Pelvis drops on the free side: consider gluteus medius strength of the stance hip (side-lying abduction, side plank, single-leg balance progressions).",
	IndTrunkLateralLean:  "Trunk leans sideways: often compensates for weak stance-side hip abductors; consider hip abductor strength and trunk control.",
	IndKneeDominant:      "Knee-dominant pattern (knees bend much more than hips): consider hip-hinge patterning and hamstring/gluteal strength so hips share the load.",
	IndLimitedShank:      "Shin stays upright at depth: consider ankle dorsiflexion mobility (calf and soleus flexibility, knee-to-wall drills) and calf strength.",
	IndFlexionAsymmetry:  "Legs bend unequally: consider single-leg strength work on the weaker side and recheck symmetry after a training block.",
}

var titles = map[string]string{
	IndDynamicKneeValgus: "Dynamic knee valgus (FPPA)",
	IndFPPAAsymmetry:     "Left/right knee valgus difference",
	IndKneesInsideAnkles: "Knees inside the ankles",
	IndPelvicDrop:        "Pelvic drop",
	IndTrunkLateralLean:  "Trunk lateral lean",
	IndKneeDominant:      "Knee-dominant pattern",
	IndLimitedShank:      "Limited shank inclination",
	IndFlexionAsymmetry:  "Left/right flexion asymmetry",
}

type indicatorContext struct {
	r      *Report
	thr    *Thresholds
	c      *conditioned
	b      *body
	series *Series
	spans  []repSpan
	// repStance is each rep's stance leg (-1 bilateral); fallback the
	// track's stance when there are no reps.
	repStance []int
	stanceAt  []int
	fallback  int
	blocked   string
}

// gradeSpec says how to grade one indicator.
type gradeSpec struct {
	id          string
	category    Category
	side        Side
	unit        string
	watch, flag float64
	higherWorse bool
	key, source string
}

func (ic *indicatorContext) indicators() []Indicator {
	mv := ic.r.Movement
	var out []Indicator
	if mv == MovementUnknown {
		return []Indicator{}
	}
	watch, flag, wkey, fkey := ic.fppaThresholds()
	src := specSource(fkey)
	for s := 0; s < 2; s++ {
		side := sideNames[s]
		g := gradeSpec{IndDynamicKneeValgus, CategoryInnerVsOuterThigh, side, "deg", watch, flag, true, fkey, src + "; watch: " + specSource(wkey)}
		out = append(out, ic.grade(g, MetricFPPA, func(rep Rep) (float64, int) {
			v := rep.Metrics[MetricFPPA].Side(side)
			fr := -1
			if rep.FPPA != nil {
				if s == 0 {
					fr = rep.FPPA.Left.PeakFrame
				} else {
					fr = rep.FPPA.Right.PeakFrame
				}
			}
			return v, fr
		}, s))
	}
	out = append(out, ic.fppaAsymmetry())
	if mv == MovementSquat {
		g := gradeSpec{IndKneesInsideAnkles, CategoryInnerVsOuterThigh, SideBoth, "ratio",
			ic.thr.KneeAnkle.WatchRatio, ic.thr.KneeAnkle.FlagRatio, false, "thresholds.knee_ankle.flag_ratio", srcExpert}
		out = append(out, ic.grade(g, MetricKneeAnkleRatio, ic.bottomValue(MetricKneeAnkleRatio, SideBoth), -1))
	}
	if mv.SingleLeg() {
		for _, si := range ic.stanceSides() {
			st := sideNames[si]
			g := gradeSpec{IndPelvicDrop, CategoryHipVsKnee, st, "deg", ic.thr.PelvicDrop.Watch, ic.thr.PelvicDrop.Flag, true,
				"thresholds.pelvic_drop.flag", srcExpert}
			out = append(out, ic.grade(g, MetricPelvicDrop, ic.bottomValue(MetricPelvicDrop, SideBoth), si))
			g = gradeSpec{IndTrunkLateralLean, CategoryHipVsKnee, st, "deg", ic.thr.TrunkLean.Watch, ic.thr.TrunkLean.Flag, true,
				"thresholds.trunk_lateral_lean.flag", srcExpert}
			lean := ic.bottomValue(MetricTrunkLateralLean, SideBoth)
			out = append(out, ic.grade(g, MetricTrunkLateralLean, func(rep Rep) (float64, int) {
				v, f := lean(rep)
				return math.Abs(v), f
			}, si))
		}
	}
	for s := 0; s < 2; s++ {
		side := sideNames[s]
		g := gradeSpec{IndKneeDominant, CategoryQuadsVsHamstrings, side, "ratio", ic.thr.KneeDominance.Watch, ic.thr.KneeDominance.Flag, true,
			"thresholds.knee_hip_flexion_ratio.flag", srcExpert}
		out = append(out, ic.grade(g, MetricKneeHipRatio, ic.bottomValue(MetricKneeHipRatio, side), s))
	}
	for s := 0; s < 2; s++ {
		side := sideNames[s]
		g := gradeSpec{IndLimitedShank, CategoryCalfAndAnkle, side, "deg", ic.thr.Shank.WatchDeg, ic.thr.Shank.FlagDeg, false,
			"thresholds.shank_inclination.flag_deg", srcExpert}
		shank := ic.bottomValue(MetricShankInclination, side)
		out = append(out, ic.grade(g, MetricShankInclination, func(rep Rep) (float64, int) {
			// Only reps deep enough to demand dorsiflexion count.
			if kf := rep.Metrics[MetricKneeFlexion].Side(side); !(kf >= ic.thr.Shank.MinKneeFlexionDeg) {
				return nan, -1
			}
			return shank(rep)
		}, s))
	}
	out = append(out, ic.flexionAsymmetry())
	return out
}

// stanceSides lists the stance legs of a single-leg task's reps, most
// reps first (the track's stance when there are no reps).
func (ic *indicatorContext) stanceSides() []int {
	var n [2]int
	for _, st := range ic.repStance {
		if st >= 0 {
			n[st]++
		}
	}
	switch {
	case n[0] == 0 && n[1] == 0:
		if ic.fallback >= 0 {
			return []int{ic.fallback}
		}
		return nil
	case n[1] == 0:
		return []int{0}
	case n[0] == 0:
		return []int{1}
	case n[1] > n[0]:
		return []int{1, 0}
	}
	return []int{0, 1}
}

func specSource(key string) string {
	s, _ := specFor(key)
	return s.Source
}

func (ic *indicatorContext) fppaThresholds() (watch, flag float64, wkey, fkey string) {
	t := ic.thr.FPPA
	switch ic.r.Sex {
	case SexFemale:
		return t.FemaleWatchDeg, t.FemaleFlagDeg, "thresholds.fppa.female_watch_deg", "thresholds.fppa.female_flag_deg"
	case SexMale:
		return t.MaleWatchDeg, t.MaleFlagDeg, "thresholds.fppa.male_watch_deg", "thresholds.fppa.male_flag_deg"
	}
	return t.UnspecifiedWatchDeg, t.UnspecifiedFlagDeg, "thresholds.fppa.unspecified_watch_deg", "thresholds.fppa.unspecified_flag_deg"
}

// bottomValue reads a metric's rep value and uses the bottom frame as
// evidence.
func (ic *indicatorContext) bottomValue(name string, side Side) func(Rep) (float64, int) {
	return func(rep Rep) (float64, int) {
		m, ok := rep.Metrics[name]
		if !ok {
			return nan, -1
		}
		return m.Side(side), rep.BottomFrame
	}
}

// relevantJoints are the keypoints an indicator's confidence depends on.
func relevantJoints(side int) []pose.Joint {
	if side < 0 {
		return []pose.Joint{pose.LeftHip, pose.RightHip, pose.LeftKnee, pose.RightKnee, pose.LeftAnkle, pose.RightAnkle}
	}
	sj := sides[side]
	return []pose.Joint{sj.hip, sj.knee, sj.ankle}
}

// confidence combines keypoint scores at the contributing bottoms, the
// view confidence and the share of reps that could be measured.
func (ic *indicatorContext) confidence(frames []int, side int, measured, total int) float64 {
	if len(frames) == 0 || total == 0 {
		return 0
	}
	var s float64
	var n int
	for _, i := range frames {
		for _, j := range relevantJoints(side) {
			s += ic.c.score[j][i]
			n++
		}
	}
	kp := math.Min(1, s/float64(n)/0.7)
	if math.IsNaN(kp) {
		return 0
	}
	return round(kp*ic.r.ViewConfidence*float64(measured)/float64(total), 3)
}

func (ic *indicatorContext) frameIndex(frame int) int {
	for i, f := range ic.c.frame {
		if f == frame {
			return i
		}
	}
	return -1
}

// grade builds one indicator from per-rep values (mean over reps).
// confSide is the side whose keypoints set the confidence (-1: both legs).
func (ic *indicatorContext) grade(g gradeSpec, metric string, value func(Rep) (float64, int), confSide int) Indicator {
	in := Indicator{ID: g.id, Title: titles[g.id], Category: g.category, Side: g.side, Unit: g.unit,
		Level: LevelNotAssessable, Value: Number(nan), Threshold: Number(g.flag), WatchThreshold: Number(g.watch),
		Direction: directionHigherIsWorse, Source: g.source, ConfigKey: g.key, EvidenceFrame: -1}
	if !g.higherWorse {
		in.Direction = directionLowerIsWorse
	}
	if ic.blocked != "" {
		in.Reason = ic.blocked
		return in
	}
	if ok, why := defOf(metric).assessable(ic.r.View, ic.r.Movement); !ok {
		in.Reason = defOf(metric).name + " " + why
		return in
	}
	// In single-leg tasks a leg is assessed on the reps it stands on.
	single := ic.r.Movement.SingleLeg()
	reps := ic.r.Reps
	if single && (g.side == SideLeft || g.side == SideRight) {
		reps = nil
		for _, rep := range ic.r.Reps {
			if rep.Side == g.side {
				reps = append(reps, rep)
			}
		}
		if len(reps) == 0 {
			in.Reason = fmt.Sprintf("no rep stands on the %s leg (it was the free leg); record trials on that leg to assess it", g.side)
			return in
		}
	}
	var vals []float64
	var frames []int
	worst, worstFrame := nan, -1
	considered := len(reps)
	for _, rep := range reps {
		v, fr := value(rep)
		if math.IsNaN(v) {
			continue
		}
		vals = append(vals, v)
		frames = append(frames, ic.frameIndexOr(rep.BottomFrame))
		if math.IsNaN(worst) || (g.higherWorse && v > worst) || (!g.higherWorse && v < worst) {
			worst, worstFrame = v, fr
		}
		in.Reps = append(in.Reps, rep.Index)
	}
	if len(vals) == 0 {
		in.Reason = "not measurable in any rep (keypoints missing or " + metric + " invalid)"
		return in
	}
	var mean float64
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	in.Value = Number(round(mean, 3))
	in.EvidenceFrame = worstFrame
	in.Confidence = ic.confidence(frames, confSide, len(vals), considered)
	if in.Confidence < ic.thr.Quality.MinConfidence {
		in.Reason = fmt.Sprintf("confidence %.2f below %.2f (keypoint scores, view)", in.Confidence, ic.thr.Quality.MinConfidence)
		return in
	}
	in.Level = level(mean, g.watch, g.flag, g.higherWorse)
	if in.Level != LevelOK {
		in.Focus = focus[g.id]
	}
	return in
}

func (ic *indicatorContext) frameIndexOr(frame int) int {
	if i := ic.frameIndex(frame); i >= 0 {
		return i
	}
	return 0
}

func level(v, watch, flag float64, higherWorse bool) Level {
	if !higherWorse {
		v, watch, flag = -v, -watch, -flag
	}
	switch {
	case v >= flag:
		return LevelFlag
	case v >= watch:
		return LevelWatch
	}
	return LevelOK
}

// fppaAsymmetry compares the mean peak valgus FPPA of the two legs; its
// side is the leg that caves more.
func (ic *indicatorContext) fppaAsymmetry() Indicator {
	t := ic.thr.FPPA
	in := Indicator{ID: IndFPPAAsymmetry, Title: titles[IndFPPAAsymmetry], Category: CategoryAsymmetry, Side: SideBoth,
		Level: LevelNotAssessable, Value: Number(nan), Threshold: Number(t.AsymmetryFlagDeg), WatchThreshold: Number(t.AsymmetryWatchDeg),
		Direction: directionHigherIsWorse, Unit: "deg", Source: srcMunro2012, ConfigKey: "thresholds.fppa.asymmetry_flag_deg", EvidenceFrame: -1}
	if ic.blocked != "" {
		in.Reason = ic.blocked
		return in
	}
	if ok, why := defOf(MetricFPPA).assessable(ic.r.View, ic.r.Movement); !ok {
		in.Reason = MetricFPPA + " " + why
		return in
	}
	l := repValues(ic.r.Reps, MetricFPPA, SideLeft)
	rr := repValues(ic.r.Reps, MetricFPPA, SideRight)
	if len(l) == 0 || len(rr) == 0 {
		in.Reason = "needs valid FPPA on both legs (single-leg tasks: reps on each leg)"
		return in
	}
	ml, mr := meanOf(l), meanOf(rr)
	d := ml - mr
	in.Value = Number(round(math.Abs(d), 3))
	worse := 0
	if d < 0 {
		worse = 1
	}
	in.Side = sideNames[worse]
	var frames []int
	for _, rep := range ic.r.Reps {
		frames = append(frames, ic.frameIndexOr(rep.BottomFrame))
		if rep.FPPA != nil && in.EvidenceFrame < 0 {
			if worse == 0 {
				in.EvidenceFrame = rep.FPPA.Left.PeakFrame
			} else {
				in.EvidenceFrame = rep.FPPA.Right.PeakFrame
			}
		}
		in.Reps = append(in.Reps, rep.Index)
	}
	in.Confidence = ic.confidence(frames, -1, min(len(l), len(rr)), max(len(l), len(rr)))
	if in.Confidence < ic.thr.Quality.MinConfidence {
		in.Reason = fmt.Sprintf("confidence %.2f below %.2f", in.Confidence, ic.thr.Quality.MinConfidence)
		return in
	}
	in.Level = level(math.Abs(d), t.AsymmetryWatchDeg, t.AsymmetryFlagDeg, true)
	if in.Level != LevelOK {
		in.Focus = focus[IndFPPAAsymmetry]
	}
	return in
}

// flexionAsymmetry grades the limb symmetry index of knee flexion at the
// bottom; its side is the leg that bends less.
func (ic *indicatorContext) flexionAsymmetry() Indicator {
	t := ic.thr.LSI
	in := Indicator{ID: IndFlexionAsymmetry, Title: titles[IndFlexionAsymmetry], Category: CategoryAsymmetry, Side: SideBoth,
		Level: LevelNotAssessable, Value: Number(nan), Threshold: Number(t.Flag), WatchThreshold: Number(t.Watch),
		Direction: directionLowerIsWorse, Unit: "%", Source: srcLSI, ConfigKey: "thresholds.lsi.flag", EvidenceFrame: -1}
	if ic.blocked != "" {
		in.Reason = ic.blocked
		return in
	}
	if ok, why := defOf(MetricKneeFlexion).assessable(ic.r.View, ic.r.Movement); !ok {
		in.Reason = MetricKneeFlexion + " " + why
		return in
	}
	l := repValues(ic.r.Reps, MetricKneeFlexion, SideLeft)
	rr := repValues(ic.r.Reps, MetricKneeFlexion, SideRight)
	if len(l) == 0 || len(rr) == 0 {
		in.Reason = "needs knee flexion on both legs (single-leg tasks: reps on each leg)"
		return in
	}
	ml, mr := meanOf(l), meanOf(rr)
	v := lsi(ml, mr)
	in.Value = Number(round(v, 2))
	in.Side = SideLeft
	if mr < ml {
		in.Side = SideRight
	}
	var frames []int
	for _, rep := range ic.r.Reps {
		frames = append(frames, ic.frameIndexOr(rep.BottomFrame))
		in.Reps = append(in.Reps, rep.Index)
	}
	if len(ic.r.Reps) > 0 {
		in.EvidenceFrame = ic.r.Reps[0].BottomFrame
	}
	in.Confidence = ic.confidence(frames, -1, min(len(l), len(rr)), max(len(l), len(rr)))
	if in.Confidence < ic.thr.Quality.MinConfidence {
		in.Reason = fmt.Sprintf("confidence %.2f below %.2f", in.Confidence, ic.thr.Quality.MinConfidence)
		return in
	}
	in.Level = level(v, t.Watch, t.Flag, false)
	if in.Level != LevelOK {
		in.Focus = focus[IndFlexionAsymmetry]
	}
	return in
}

func meanOf(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
