package screening

import (
	"fmt"
	"math"
	"slices"

	"github.com/kneescreen/kneescreen/pose"
)

// Directions of an indicator: values above or below the cut-offs are worse.
const (
	directionHigherIsWorse = "above"
	directionLowerIsWorse  = "below"
)

// grading says how one indicator grades its metric (the metric whose
// definition lists it). Every field but the asymmetry ones is data the
// report carries: id, title, category, cut-offs with their sources, focus.
type grading struct {
	id, title string
	category  Category
	// order places the indicator in the report: ascending.
	order int
	// sides says which sides are graded and how.
	sides gradeSides
	// movements the indicator is listed for (nil: all); in other
	// movements it is left out rather than not assessable.
	movements []Movement
	// higherWorse: values above the cut-offs are worse (else below). An
	// asymmetry's direction comes from its statistic instead.
	higherWorse bool
	// cut holds the cut-offs' threshold keys; bySex replaces it for
	// sex-specific cut-offs (unspecified is the fallback).
	cut   cutoffs
	bySex map[Sex]cutoffs
	// citeWatch cites the watch cut-off's own source beside the flag's.
	citeWatch bool
	// magnitude grades |value| (deviation to either side).
	magnitude bool
	// gate, when set, skips reps in which another metric stays below a
	// threshold.
	gate *repGate
	// repRead, when set, turns a rep's metric value v on side into the
	// value graded.
	repRead func(rep Rep, side Side, v float64) float64
	// asym compares the legs (sides: gradeAsymmetry).
	asym *asymmetry
	// focus is the corrective focus, phrased as guidance for a
	// professional, given at levels watch and flag.
	focus string

	// metric is set by register.
	metric *metric
}

// gradeSides says which sides an indicator grades.
type gradeSides int

const (
	// gradeEachLeg grades a per-side metric on the left and the right leg.
	gradeEachLeg gradeSides = iota
	// gradeStanceLeg grades a whole-body metric once per stance leg of a
	// single-leg task, on that leg's reps.
	gradeStanceLeg
	// gradeBoth grades a whole-body metric once.
	gradeBoth
	// gradeAsymmetry compares the two legs' means of a per-side metric.
	gradeAsymmetry
)

// cutoffs are the watch and flag threshold keys of an indicator.
type cutoffs struct{ watch, flag string }

// repGate counts a rep only when metric (same side) reaches the threshold
// at minKey.
type repGate struct{ metric, minKey string }

// asymmetry compares the mean rep values of the two legs.
type asymmetry struct {
	stat asymStat
	// weakerLower: the leg with the lower mean is the worse one (bends
	// less); otherwise the higher (caves more).
	weakerLower bool
	// needs names the metric in the reason when a leg has no value.
	needs string
}

// asymStat is the statistic of an asymmetry.
type asymStat int

const (
	// asymDifference is |left mean − right mean| in the metric's unit;
	// higher is worse.
	asymDifference asymStat = iota
	// asymLSI is the limb symmetry index, 100 × smaller / larger
	// magnitude, in %; lower is worse.
	asymLSI
)

func (a asymStat) value(l, r float64) float64 {
	if a == asymLSI {
		return lsi(l, r)
	}
	return math.Abs(l - r)
}

// digits rounds the reported value: the LSI as in the report's
// asymmetry table.
func (a asymStat) digits() int {
	if a == asymLSI {
		return 2
	}
	return 3
}

// higherIsWorse reports the indicator's direction.
func (g *grading) higherIsWorse() bool {
	if g.asym != nil {
		return g.asym.stat == asymDifference
	}
	return g.higherWorse
}

func (g *grading) unit() string {
	if g.asym != nil && g.asym.stat == asymLSI {
		return "%"
	}
	return g.metric.Unit
}

// cutoffsFor returns the cut-off keys that apply to sex.
func (g *grading) cutoffsFor(sex Sex) cutoffs {
	if g.bySex == nil {
		return g.cut
	}
	if c, ok := g.bySex[sex]; ok {
		return c
	}
	return g.bySex[SexUnspecified]
}

// allCutoffs lists every watch/flag pair of the indicator.
func (g *grading) allCutoffs() []cutoffs {
	if g.bySex == nil {
		return []cutoffs{g.cut}
	}
	var out []cutoffs
	for _, s := range []Sex{SexFemale, SexMale, SexUnspecified} {
		out = append(out, g.bySex[s])
	}
	return out
}

// gradings lists every registered indicator in report order.
func gradings() []*grading {
	var out []*grading
	for _, m := range registry {
		for i := range m.grades {
			out = append(out, &m.grades[i])
		}
	}
	slices.SortStableFunc(out, func(a, b *grading) int { return a.order - b.order })
	return out
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

// indicators grades every indicator listed for the movement, in report
// order. Stance-leg indicators next to each other are listed per stance
// leg: all of one leg's, then the other's.
func (ic *indicatorContext) indicators() []Indicator {
	mv := ic.r.Movement
	out := []Indicator{}
	if mv == MovementUnknown {
		return out
	}
	var gs []*grading
	for _, g := range gradings() {
		if g.movements == nil || slices.Contains(g.movements, mv) {
			gs = append(gs, g)
		}
	}
	for len(gs) > 0 {
		n := 1
		for gs[0].sides == gradeStanceLeg && n < len(gs) && gs[n].sides == gradeStanceLeg {
			n++
		}
		out = append(out, ic.gradeSides(gs[:n])...)
		gs = gs[n:]
	}
	return out
}

// gradeSides grades one indicator on each of its sides, or a run of
// stance-leg indicators leg by leg.
func (ic *indicatorContext) gradeSides(gs []*grading) []Indicator {
	var out []Indicator
	switch g := gs[0]; g.sides {
	case gradeEachLeg:
		out = append(out, ic.grade(g, 0), ic.grade(g, 1))
	case gradeBoth:
		out = append(out, ic.grade(g, -1))
	case gradeAsymmetry:
		out = append(out, ic.asymmetry(g))
	case gradeStanceLeg:
		for _, si := range ic.stanceSides() {
			for _, g := range gs {
				out = append(out, ic.grade(g, si))
			}
		}
	}
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

// info is the report's description of the named metric.
func (ic *indicatorContext) info(name string) MetricInfo {
	for _, m := range ic.r.Metrics {
		if m.Name == name {
			return m
		}
	}
	return MetricInfo{Name: name, Reason: "unknown"}
}

func specSource(key string) string {
	s, _ := specFor(key)
	return s.Source
}

func (ic *indicatorContext) threshold(key string) float64 {
	v, ok := ic.thr.Get(key)
	if !ok {
		panic("screening: indicator cut-off " + key + " is not a threshold") // the registry test rules this out
	}
	return v
}

// newIndicator starts g's indicator for side, not assessable until
// graded: id, title, cut-offs, direction, unit and source.
func (ic *indicatorContext) newIndicator(g *grading, side Side) Indicator {
	cut := g.cutoffsFor(ic.r.Sex)
	src := specSource(cut.flag)
	if g.citeWatch {
		src += "; watch: " + specSource(cut.watch)
	}
	in := Indicator{ID: g.id, Title: g.title, Category: g.category, Side: side, Unit: g.unit(),
		Level: LevelNotAssessable, Value: Number(nan), Threshold: Number(ic.threshold(cut.flag)),
		WatchThreshold: Number(ic.threshold(cut.watch)), Direction: directionHigherIsWorse,
		Source: src, ConfigKey: cut.flag, EvidenceFrame: -1}
	if !g.higherIsWorse() {
		in.Direction = directionLowerIsWorse
	}
	if ic.blocked != "" {
		in.Reason = ic.blocked
	} else if info := ic.info(g.metric.Name); !info.Assessable {
		in.Reason = g.metric.Name + " " + info.Reason
	}
	return in
}

// finish sets the level from the reps' levels by the summary rule (and
// the focus beyond ok), unless the confidence is too low; reasonSuffix
// qualifies that reason.
func (ic *indicatorContext) finish(g *grading, in *Indicator, levels []Level, reasonSuffix string) {
	if in.Confidence < ic.thr.Quality.MinConfidence {
		in.Reason = fmt.Sprintf("confidence %.2f below %.2f%s", in.Confidence, ic.thr.Quality.MinConfidence, reasonSuffix)
		return
	}
	in.Level = summaryLevel(levels)
	if in.Level != LevelOK {
		in.Focus = g.focus
	}
}

// grade builds one indicator from its findings in the reps (the rule of
// summaryLevel; the value is their mean) for side s (0 left, 1 right; -1
// both). It is the stance leg's side for stance-leg indicators and the
// side whose keypoints set the confidence.
func (ic *indicatorContext) grade(g *grading, s int) Indicator {
	side := SideBoth
	if s >= 0 {
		side = sideNames[s]
	}
	in := ic.newIndicator(g, side)
	if in.Reason != "" {
		return in
	}
	reps := ic.repsOf(side)
	if len(reps) == 0 {
		in.Reason = fmt.Sprintf("no rep stands on the %s leg (it was the free leg); record trials on that leg to assess it", side)
		return in
	}
	ic.summarise(g, &in, reps, side, s)
	return in
}

// summarise fills in from the findings of g on side in reps: value,
// level, reps, evidence and confidence.
func (ic *indicatorContext) summarise(g *grading, in *Indicator, reps []Rep, side Side, confSide int) {
	higherWorse := g.higherIsWorse()
	var vals []float64
	var levels []Level
	var frames []int
	worst := nan
	why := map[string]int{}
	counted := 0
	for _, rep := range reps {
		f, ok := findingOf(rep, g.id, side)
		if !ok {
			continue
		}
		counted++
		if f.Level == LevelNotAssessable {
			why[f.Reason]++
			continue
		}
		v := float64(f.Value)
		vals = append(vals, v)
		levels = append(levels, f.Level)
		frames = append(frames, ic.frameIndexOr(rep.BottomFrame))
		if math.IsNaN(worst) || (higherWorse && v > worst) || (!higherWorse && v < worst) {
			worst, in.EvidenceFrame = v, g.metric.evidenceFrame(rep, side)
			if in.EvidenceFrame < 0 {
				in.EvidenceFrame = rep.BottomFrame
			}
		}
		in.Reps = append(in.Reps, rep.Index)
		switch f.Level {
		case LevelFlag:
			in.RepsFlag++
			in.RepsWatch++
		case LevelWatch:
			in.RepsWatch++
		}
	}
	in.RepsAssessed = len(vals)
	if len(vals) == 0 {
		in.Reason = "not assessable in any rep"
		n := 0
		for w, k := range why {
			if k > n || (k == n && w < in.Reason) {
				in.Reason, n = w, k
			}
		}
		return
	}
	in.Value = Number(round(meanOf(vals), 3))
	in.Confidence = ic.confidence(frames, confSide, len(vals), counted)
	ic.finish(g, in, levels, " (keypoint scores, view)")
}

// findingOf returns rep's finding of indicator id on side.
func findingOf(rep Rep, id string, side Side) (Finding, bool) {
	for _, f := range rep.Findings {
		if f.Indicator == id && f.Side == side {
			return f, true
		}
	}
	return Finding{}, false
}

// repsOf returns the reps that grade side: in unilateral tasks a leg is
// assessed on the reps it carries; otherwise every rep counts.
func (ic *indicatorContext) repsOf(side Side) []Rep {
	if !ic.r.Movement.Unilateral() || side == SideBoth {
		return ic.r.Reps
	}
	var reps []Rep
	for _, rep := range ic.r.Reps {
		if rep.Side == side {
			reps = append(reps, rep)
		}
	}
	return reps
}

// asymmetry compares the legs: in bilateral tasks from each rep's own
// difference (summarised like every indicator); in unilateral ones, where
// each rep loads one leg, from the legs' mean rep values. Its side is the
// worse leg.
func (ic *indicatorContext) asymmetry(g *grading) Indicator {
	in := ic.newIndicator(g, SideBoth)
	if in.Reason != "" {
		return in
	}
	name := g.metric.Name
	l, r := repValues(ic.r.Reps, name, SideLeft), repValues(ic.r.Reps, name, SideRight)
	if len(l) == 0 || len(r) == 0 {
		in.Reason = "needs " + g.asym.needs + " on both legs (single-leg tasks: reps on each leg)"
		return in
	}
	ml, mr := meanOf(l), meanOf(r)
	worse := SideLeft
	if (g.asym.weakerLower && mr < ml) || (!g.asym.weakerLower && mr > ml) {
		worse = SideRight
	}
	if !ic.r.Movement.Unilateral() {
		ic.summarise(g, &in, ic.r.Reps, SideBoth, -1)
		if in.EvidenceFrame >= 0 {
			in.EvidenceFrame = -1
			for _, rep := range ic.r.Reps {
				if fr := g.metric.evidenceFrame(rep, worse); fr >= 0 && slices.Contains(in.Reps, rep.Index) {
					in.EvidenceFrame = fr
					break
				}
			}
		}
		in.Side = worse
		return in
	}
	v := g.asym.stat.value(ml, mr)
	in.Value = Number(round(v, g.asym.stat.digits()))
	in.Side = worse
	var frames []int
	for _, rep := range ic.r.Reps {
		frames = append(frames, ic.frameIndexOr(rep.BottomFrame))
		if in.EvidenceFrame < 0 {
			in.EvidenceFrame = g.metric.evidenceFrame(rep, in.Side)
		}
		in.Reps = append(in.Reps, rep.Index)
	}
	in.RepsAssessed = min(len(l), len(r))
	in.Confidence = ic.confidence(frames, -1, min(len(l), len(r)), max(len(l), len(r)))
	lv := level(v, float64(in.WatchThreshold), float64(in.Threshold), g.higherIsWorse())
	if lv != LevelOK {
		in.RepsWatch = in.RepsAssessed
		if lv == LevelFlag {
			in.RepsFlag = in.RepsAssessed
		}
	}
	ic.finish(g, &in, []Level{lv}, "")
	return in
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

func meanOf(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
