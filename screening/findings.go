package screening

import (
	"fmt"
	"math"
	"slices"
)

// Per-rep verdicts. Every rep is graded on its own: each indicator its
// movement lists, on each leg the rep loads, against the same cut-offs as
// the clip. A rep's findings depend on the rep alone (its metrics, view,
// movement and stance leg) and the thresholds, so a live screen can emit
// them as each rep ends (RepGrader). The clip's indicators then summarise
// the findings (summaryLevel).

// Finding is one indicator graded on one rep.
type Finding struct {
	// Indicator is the indicator's id (e.g. "dynamic_knee_valgus").
	Indicator string `json:"indicator"`
	Side      Side   `json:"side"`
	Level     Level  `json:"level"`
	// Value is the rep's value compared with the cut-offs, in the
	// indicator's unit (null when not assessable).
	Value Number `json:"value"`
	// Reason says why the finding is not assessable.
	Reason string `json:"reason,omitempty"`
}

// RepGrader grades reps one at a time.
type RepGrader struct {
	thr *Thresholds
	sex Sex
	// blocked, when set, makes every finding not assessable with it as
	// the reason (no usable person, legs hidden, person too small).
	blocked string
}

// NewRepGrader returns a grader for the thresholds and sex of an
// analysis.
func NewRepGrader(thr *Thresholds, sex Sex) *RepGrader {
	return &RepGrader{thr: thr, sex: sex}
}

// Findings grades every indicator listed for the rep's movement on the
// legs it loads: both legs of a bilateral rep, the stance (front) leg of
// a unilateral one; asymmetries only on bilateral reps (a single-leg
// task compares legs across reps, in the clip's indicator).
func (rg *RepGrader) Findings(rep Rep) []Finding {
	out := []Finding{}
	if rep.Movement == MovementUnknown {
		return out
	}
	uni := rep.Movement.Unilateral()
	for _, g := range gradings() {
		if g.movements != nil && !slices.Contains(g.movements, rep.Movement) {
			continue
		}
		var legs []Side
		switch g.sides {
		case gradeEachLeg:
			legs = []Side{SideLeft, SideRight}
			if uni {
				legs = []Side{rep.Side}
			}
		case gradeStanceLeg:
			if uni {
				legs = []Side{rep.Side}
			}
		case gradeBoth:
			legs = []Side{SideBoth}
		case gradeAsymmetry:
			if !uni {
				legs = []Side{SideBoth}
			}
		}
		for _, side := range legs {
			out = append(out, rg.finding(g, rep, side))
		}
	}
	return out
}

// finding grades g on rep for side (the stance side for stance-leg
// indicators, both for whole-body and asymmetry ones).
func (rg *RepGrader) finding(g *grading, rep Rep, side Side) Finding {
	f := Finding{Indicator: g.id, Side: side, Level: LevelNotAssessable, Value: Number(nan)}
	if rg.blocked != "" {
		f.Reason = rg.blocked
		return f
	}
	v, why := rg.value(g, rep, side)
	if math.IsNaN(v) {
		f.Reason = why
		return f
	}
	cut := g.cutoffsFor(rg.sex)
	watch, _ := rg.thr.Get(cut.watch)
	flag, _ := rg.thr.Get(cut.flag)
	f.Value = Number(round(v, 4))
	f.Level = level(v, watch, flag, g.higherIsWorse())
	return f
}

// value is g's value in rep on side, or NaN and why not.
func (rg *RepGrader) value(g *grading, rep Rep, side Side) (float64, string) {
	m := g.metric
	mv, ok := rep.Metrics[m.Name]
	if !ok {
		if ok, why := m.assessable(rep.View, rep.Movement); !ok {
			return nan, m.Name + " " + why
		}
		if len(m.Needs) > 0 {
			// A rep its view and movement allow carries every metric
			// but those whose joints the model lacks.
			return nan, m.Name + " " + reasonLacksJoints(m)
		}
		return nan, m.Name + " not measured in this rep"
	}
	if g.gate != nil {
		min, _ := rg.thr.Get(g.gate.minKey)
		if gv, ok := rep.Metrics[g.gate.metric]; !ok || !(gv.Side(side) >= min) {
			return nan, fmt.Sprintf("%s below %g (%s): the rep is too shallow to tell", g.gate.metric, min, g.gate.minKey)
		}
	}
	if g.asym != nil {
		l, r := mv.Side(SideLeft), mv.Side(SideRight)
		if math.IsNaN(l) || math.IsNaN(r) {
			return nan, "needs " + g.asym.needs + " on both legs"
		}
		return g.asym.stat.value(l, r), ""
	}
	valueSide := side
	if !m.PerSide {
		valueSide = SideBoth
	}
	v := mv.Side(valueSide)
	if g.magnitude {
		v = math.Abs(v)
	}
	if g.repRead != nil && !math.IsNaN(v) {
		v = g.repRead(rep, side, v)
	}
	if math.IsNaN(v) {
		return nan, sideReason(rep, m.Name, side)
	}
	return v, ""
}

// sideReason explains why metric name has no value in rep on side.
func sideReason(rep Rep, name string, side Side) string {
	if w := rep.NotAssessable[name].Side(side); w != "" {
		return w
	}
	pick := func(l, r string) string {
		if side == SideRight {
			return r
		}
		return l
	}
	switch {
	case name == MetricFPPA && rep.FPPA != nil:
		if w := pick(rep.FPPA.Left.Reason, rep.FPPA.Right.Reason); w != "" {
			return w
		}
		return "no frame with the thigh long enough for FPPA (≥ thresholds.fppa_validity.min_thigh_length_ratio of its standing length)"
	case name == MetricKneeMedialOffset && rep.KneeOverFoot != nil:
		if w := pick(rep.KneeOverFoot.Left.Reason, rep.KneeOverFoot.Right.Reason); w != "" {
			return w
		}
	}
	return name + " not measurable in this rep (keypoints missing or the value invalid)"
}

// summaryLevel is the clip's level from its reps' findings: the worst
// level that at least a third of the assessable reps reach (flag when a
// third flag, watch when a third are at watch or worse), so one odd rep
// in six does not decide, and a problem in every other rep does.
func summaryLevel(levels []Level) Level {
	n := len(levels)
	if n == 0 {
		return LevelNotAssessable
	}
	need := (n + 2) / 3
	var flags, watches int
	for _, l := range levels {
		switch l {
		case LevelFlag:
			flags++
			watches++
		case LevelWatch:
			watches++
		}
	}
	switch {
	case flags >= need:
		return LevelFlag
	case watches >= need:
		return LevelWatch
	}
	return LevelOK
}

// SummaryRule states how the clip's indicators summarise the reps'
// findings; report.html and the schema quote it.
const SummaryRule = "an indicator's level is the worst level reached by at least a third of the reps it could be assessed in; its value is the mean of those reps' values"
