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
		var reps []int
		for k := range ic.spans {
			if ic.repStance[k] == st {
				reps = append(reps, k)
			}
		}
		out = append(out, *ic.stepDown(st, reps))
	}
	if len(out) == 0 {
		out = append(out, *ic.stepDown(-1, nil))
	}
	return out
}

// stepDown scores the reps on stance leg st (indices into ic.spans) after
// Piva 2006. Each item is judged per rep from keypoint proxies and scores
// when seen in at least thresholds.step_down.item_rep_fraction of reps;
// knee position scores 2 when the far-medial proxy is seen that often.
// Steady stance also scores when the free foot touches down in at least
// thresholds.step_down.touchdown_min_reps reps (see freeFootTouchdown).
func (ic *indicatorContext) stepDown(st int, reps []int) *StepDownScore {
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
	case st < 0 || len(reps) == 0:
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
		touchdowns  int
		touchFrame  int
		touchS      float64
		evidence    []StepDownEvidence
	}
	acc := map[string]*itemAcc{}
	ids := []string{StepArmStrategy, StepTrunk, StepPelvis, StepKneePosition, StepSteadyStance}
	for _, id := range ids {
		acc[id] = &itemAcc{worst: nan, worstFrame: -1, touchFrame: -1}
	}
	update := func(id string, v float64, i int) {
		a := acc[id]
		if !math.IsNaN(v) && (math.IsNaN(a.worst) || v > a.worst) {
			a.worst, a.worstFrame = v, c.frame[i]
		}
	}
	step := 0.0
	if ic.r.Movement == MovementStepDown {
		step = t.StepHeightRatio
	}
	for _, k := range reps {
		sp := ic.spans[k]
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
			upd(&trunk, math.Abs(repValue(s, lean, i)), StepTrunk, i)
			upd(&pel, math.Abs(repValue(s, pelvis, i)), StepPelvis, i)
			if medial.Valid[i] {
				upd(&med, repValue(s, medial, i), StepKneePosition, i)
			}
			if fppa.Valid[i] {
				v := repValue(s, fppa, i)
				if !math.IsNaN(v) && (math.IsNaN(fp) || v > fp) {
					fp = v
				}
			}
			if a := c.at(sides[st].ankle, i); a.ok() && ankleRef.ok() {
				upd(&ank, dist(a, ankleRef)/b.scale[i], StepSteadyStance, i)
			}
		}
		evidence := func(id, sign string, v float64, unit string, frame int) {
			acc[id].evidence = append(acc[id].evidence, StepDownEvidence{Rep: k + 1, Sign: sign, Frame: frame,
				Value: Number(round(v, 4)), Unit: unit})
		}
		mark := func(id, sign string, v, thr float64, unit string) {
			update(id, v, argmax[id])
			if v >= thr {
				acc[id].seen++
				evidence(id, sign, v, unit, c.frame[argmax[id]])
			}
		}
		mark(StepArmStrategy, SignHandOffWaist, arm, t.HandOffWaistRatio, "ratio")
		mark(StepTrunk, SignTrunkLean, trunk, t.TrunkLeanDeg, "deg")
		mark(StepPelvis, SignPelvisTilt, pel, t.PelvisTiltDeg, "deg")
		update(StepKneePosition, med, argmax[StepKneePosition])
		kneeFrame := -1
		if i, ok := argmax[StepKneePosition]; ok {
			kneeFrame = c.frame[i]
		}
		if med >= t.KneeFarMedialRatio || fp >= t.KneeFarMedialFPPA {
			acc[StepKneePosition].seen2++
			acc[StepKneePosition].seen++
			evidence(StepKneePosition, SignKneeFarMedial, med, "ratio", kneeFrame)
		} else if med >= t.KneeMedialRatio || fp >= t.KneeMedialFPPADeg {
			acc[StepKneePosition].seen++
			evidence(StepKneePosition, SignKneeMedial, med, "ratio", kneeFrame)
		}
		// Steady stance: the stance ankle moves, or the free foot touches
		// down; either counts once per rep.
		ss := acc[StepSteadyStance]
		update(StepSteadyStance, ank, argmax[StepSteadyStance])
		moved := ank >= t.StanceAnkleMove
		if moved {
			evidence(StepSteadyStance, SignStanceAnkleMoved, ank, "ratio", c.frame[argmax[StepSteadyStance]])
		}
		dur, tf := ic.freeFootTouchdown(st, sp, ankleRef, step, t.TouchdownMargin, t.TouchdownMinS)
		if tf >= 0 {
			ss.touchdowns++
			evidence(StepSteadyStance, SignFreeFootTouchdown, dur, "s", c.frame[tf])
			if dur > ss.touchS {
				ss.touchS, ss.touchFrame = dur, c.frame[tf]
			}
		}
		if moved || tf >= 0 {
			ss.seen++
		}
	}
	n := float64(len(reps))
	need := math.Max(1, math.Ceil(t.ItemRepFraction*n-1e-9))
	desc := map[string][3]string{
		StepArmStrategy:  {"Arm strategy: a hand leaves the waist", "ratio", "wrist displacement from its standing place relative to the hip ÷ trunk length"},
		StepTrunk:        {"Trunk alignment: the trunk leans to either side", "deg", "trunk lateral lean from vertical"},
		StepPelvis:       {"Pelvis plane: the pelvis drops or rises", "deg", "hip line tilt from standing"},
		StepKneePosition: {"Knee position: the knee moves medial to the foot (+1 second toe, +2 medial border)", "ratio", "knee medial to the ankle ÷ shank length, or peak valgus FPPA"},
		StepSteadyStance: {"Steady stance: loss of balance, the free foot touches down or the stance foot moves", "ratio",
			"stance ankle displacement ÷ leg length; free ankle held at floor level (below the step in a step-down)"},
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
		frame := a.worstFrame
		if id == StepSteadyStance && a.touchdowns > 0 {
			frame = a.touchFrame
			if float64(a.touchdowns) >= t.TouchdownMinReps {
				pts = 1
			}
		}
		d := desc[id]
		sd.Items = append(sd.Items, StepDownItem{ID: id, Description: d[0], Points: pts, Value: Number(round(a.worst, 4)), Unit: d[1],
			RepsSeen: a.seen, EvidenceFrame: frame, Proxy: d[2], Evidence: a.evidence})
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

// freeFootTouchdown looks for the free foot of stance leg st coming down
// to the floor during rep sp: the free ankle (conditioned track) held
// within margin leg lengths above floor level for at least minS seconds.
// The floor is that of the stance foot (the stance ankle's level) plus
// step leg lengths below it in a step-down, where the stance foot is on
// the step. It returns the longest such stay in seconds and the index of
// its frame with the lowest free ankle, or (0, -1) when there is none.
//
// Limits: keypoints see neither the floor nor the load on the foot. The
// floor below a step is placed from the step height in leg lengths (a
// 20 cm step for an adult), so a much higher or lower step, or a free
// foot placed well in front of the step (closer to a front camera, hence
// lower in the image), shifts it by a few centimetres. Piva's protocol
// lets the heel tap the floor gently at the bottom: a tap passes through
// floor level briefly and is not counted, but one held at floor level for
// minS or longer (a slow rep with a pause on the floor) is.
func (ic *indicatorContext) freeFootTouchdown(st int, sp repSpan, ankleRef Point, step, margin, minS float64) (float64, int) {
	c, b := ic.c, ic.b
	free, stance := sides[1-st].ankle, sides[st].ankle
	best, bestFrame := 0.0, -1
	runStart, lowest := -1, -1
	closeRun := func(last int) {
		if runStart < 0 {
			return
		}
		if d := c.t[last] - c.t[runStart] + 1/c.fps; d >= minS-1e-9 && d > best {
			best, bestFrame = d, lowest
		}
		runStart, lowest = -1, -1
	}
	for i := sp.start; i <= sp.end; i++ {
		f, s := c.at(free, i), c.at(stance, i)
		if !s.ok() {
			s = ankleRef
		}
		sc := b.scale[i]
		if !f.ok() || !s.ok() || !(sc > 0) {
			closeRun(i - 1)
			continue
		}
		// Image y grows downward: height of the free ankle above the floor.
		h := (s.Y + step*sc - f.Y) / sc
		if h > margin {
			closeRun(i - 1)
			continue
		}
		if runStart < 0 {
			runStart = i
		}
		if lowest < 0 || f.Y > c.y[free][lowest] {
			lowest = i
		}
	}
	closeRun(sp.end)
	return best, bestFrame
}

// repValue is metric m at frame i from a local quadratic fit over ±0.3 s
// (the frame's own value when too few neighbours are valid). The items
// take the worst value over a rep, and a maximum over noisy samples is
// biased upward by the noise: on a synthetic level pelvis with 4 px of
// keypoint noise, 5% dropped keypoints and 1% outliers, the maximum of the
// smoothed hip-line tilt reached 6-9° per rep against the 5° threshold,
// and 3.5-6° over 5 reps with these fits. Piva's signs are sustained
// deviations, which such a fit keeps.
func repValue(s *Series, m *MetricSeries, i int) float64 {
	if v := localQuadratic(s.Time, m.Values, m.Valid, i, 0.3, 5); !math.IsNaN(v) {
		return v
	}
	return m.Values[i]
}
