package screening

import (
	"math"
)

// Step-down item ids.
const (
	StepArmStrategy   = "arm_strategy"
	StepTrunk         = "trunk_alignment"
	StepPelvis        = "pelvis_plane"
	StepKneePosition  = "knee_position"
	StepSteadyStance  = "steady_stance"
	stepDownSourceRef = "Piva et al. 2006, lateral step-down test (keypoint proxies; the model has no toes)"
)

// stepDownScores scores each stance leg's reps; the leg with the most
// reps comes first. There is always at least one score.
func (ic *indicatorContext) stepDownScores() []StepDownScore {
	var out []StepDownScore
	for _, st := range ic.stanceSides() {
		var spans []repSpan
		for k, sp := range ic.spans {
			if ic.repStance[k] == st {
				spans = append(spans, sp)
			}
		}
		out = append(out, *ic.stepDown(st, spans))
	}
	if len(out) == 0 {
		out = append(out, *ic.stepDown(-1, nil))
	}
	return out
}

// stepDown scores the reps on stance leg st after Piva 2006. Each item is
// judged per rep from keypoint proxies and scores when seen in at least
// thresholds.step_down.item_rep_fraction of reps; knee position scores 2
// when the far-medial proxy is seen that often.
func (ic *indicatorContext) stepDown(st int, spans []repSpan) *StepDownScore {
	t := ic.thr.StepDown
	sd := &StepDownScore{Source: stepDownSourceRef, Items: []StepDownItem{}}
	if st >= 0 {
		sd.Side = sideNames[st]
	}
	switch {
	case ic.blocked != "":
		sd.Reason = ic.blocked
		return sd
	case ic.r.View != ViewFront:
		sd.Reason = "the step-down score needs a front view (trunk, pelvis and knee position are frontal-plane signs)"
		return sd
	case st < 0 || len(spans) == 0:
		sd.Reason = "stance leg unknown"
		return sd
	}
	sd.Assessable = true
	c, b, s := ic.c, ic.b, ic.series
	lean := s.Metric(MetricTrunkLateralLean, SideBoth)
	pelvis := s.Metric(MetricPelvicDrop, SideBoth)
	medial := s.Metric(MetricKneeMedial, sideNames[st])
	fppa := s.Metric(MetricFPPA, sideNames[st])

	// Standing references: wrist relative to its hip, stance ankle.
	var wristRef [2]Point
	for k := 0; k < 2; k++ {
		var xs, ys []float64
		for i := 0; i < c.n(); i++ {
			w, h := c.at(sides[k].wrist, i), c.at(sides[k].hip, i)
			if b.standing[i] && w.ok() && h.ok() {
				xs, ys = append(xs, w.X-h.X), append(ys, w.Y-h.Y)
			}
		}
		wristRef[k] = Point{percentile(xs, 50), percentile(ys, 50)}
	}
	var axs, ays []float64
	for i := 0; i < c.n(); i++ {
		if a := c.at(sides[st].ankle, i); b.standing[i] && ic.stanceAt[i] == st && a.ok() {
			axs, ays = append(axs, a.X), append(ays, a.Y)
		}
	}
	ankleRef := Point{percentile(axs, 50), percentile(ays, 50)}

	type itemAcc struct {
		worst       float64
		worstFrame  int
		seen, seen2 int
	}
	acc := map[string]*itemAcc{}
	ids := []string{StepArmStrategy, StepTrunk, StepPelvis, StepKneePosition, StepSteadyStance}
	for _, id := range ids {
		acc[id] = &itemAcc{worst: nan, worstFrame: -1}
	}
	update := func(id string, v float64, i int) {
		a := acc[id]
		if !math.IsNaN(v) && (math.IsNaN(a.worst) || v > a.worst) {
			a.worst, a.worstFrame = v, c.frame[i]
		}
	}
	for _, sp := range spans {
		var arm, trunk, pel, med, fp, ank float64 = nan, nan, nan, nan, nan, nan
		argmax := map[string]int{}
		upd := func(cur *float64, v float64, id string, i int) {
			if !math.IsNaN(v) && (math.IsNaN(*cur) || v > *cur) {
				*cur = v
				argmax[id] = i
			}
		}
		for i := sp.start; i <= sp.end; i++ {
			for k := 0; k < 2; k++ {
				w, h := c.at(sides[k].wrist, i), c.at(sides[k].hip, i)
				if w.ok() && h.ok() && wristRef[k].ok() && b.torsoLen > 0 {
					upd(&arm, dist(w.sub(h), wristRef[k])/b.torsoLen, StepArmStrategy, i)
				}
			}
			upd(&trunk, math.Abs(lean.Values[i]), StepTrunk, i)
			upd(&pel, math.Abs(pelvis.Values[i]), StepPelvis, i)
			if medial.Valid[i] {
				upd(&med, medial.Values[i], StepKneePosition, i)
			}
			if fppa.Valid[i] {
				v := fppa.Values[i]
				if !math.IsNaN(v) && (math.IsNaN(fp) || v > fp) {
					fp = v
				}
			}
			if a := c.at(sides[st].ankle, i); a.ok() && ankleRef.ok() {
				upd(&ank, dist(a, ankleRef)/b.scale[i], StepSteadyStance, i)
			}
		}
		mark := func(id string, v, thr float64) {
			update(id, v, argmax[id])
			if v >= thr {
				acc[id].seen++
			}
		}
		mark(StepArmStrategy, arm, t.HandOffWaistRatio)
		mark(StepTrunk, trunk, t.TrunkLeanDeg)
		mark(StepPelvis, pel, t.PelvisTiltDeg)
		mark(StepSteadyStance, ank, t.StanceAnkleMove)
		update(StepKneePosition, med, argmax[StepKneePosition])
		if med >= t.KneeFarMedialRatio || fp >= t.KneeFarMedialFPPA {
			acc[StepKneePosition].seen2++
			acc[StepKneePosition].seen++
		} else if med >= t.KneeMedialRatio || fp >= t.KneeMedialFPPADeg {
			acc[StepKneePosition].seen++
		}
	}
	n := float64(len(spans))
	need := math.Max(1, math.Ceil(t.ItemRepFraction*n-1e-9))
	desc := map[string][3]string{
		StepArmStrategy:  {"Arm strategy: a hand leaves the waist", "ratio", "wrist displacement from its standing place relative to the hip ÷ trunk length"},
		StepTrunk:        {"Trunk alignment: the trunk leans to either side", "deg", "trunk lateral lean from vertical"},
		StepPelvis:       {"Pelvis plane: the pelvis drops or rises", "deg", "hip line tilt from standing"},
		StepKneePosition: {"Knee position: the knee moves medial to the foot (+1 second toe, +2 medial border)", "ratio", "knee medial to the ankle ÷ shank length, or peak valgus FPPA"},
		StepSteadyStance: {"Steady stance: loss of balance, the stance foot moves", "ratio", "stance ankle displacement ÷ leg length"},
	}
	for _, id := range ids {
		a := acc[id]
		pts := 0
		if float64(a.seen) >= need {
			pts = 1
			if id == StepKneePosition && float64(a.seen2) >= need {
				pts = 2
			}
		}
		d := desc[id]
		sd.Items = append(sd.Items, StepDownItem{ID: id, Description: d[0], Points: pts, Value: Number(round(a.worst, 4)), Unit: d[1],
			RepsSeen: a.seen, EvidenceFrame: a.worstFrame, Proxy: d[2]})
		sd.Total += pts
	}
	switch {
	case float64(sd.Total) >= t.PoorTotalPoints:
		sd.Rating = "poor"
	case float64(sd.Total) >= t.ModerateTotalPoints:
		sd.Rating = "moderate"
	default:
		sd.Rating = "good"
	}
	return sd
}
