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

// The five items of the score, in report order.
const (
	itemArm = iota
	itemTrunk
	itemPelvis
	itemKnee
	itemSteady
	numItems
)

// stepDownItems describes each item: id, description, unit of its proxy
// value and the proxy.
var stepDownItems = [numItems]struct{ id, desc, unit, proxy string }{
	itemArm:    {StepArmStrategy, "Arm strategy: a hand leaves the waist", "ratio", "wrist displacement from its standing place relative to the hip ÷ trunk length"},
	itemTrunk:  {StepTrunk, "Trunk alignment: the trunk leans to either side", "deg", "trunk lateral lean from vertical"},
	itemPelvis: {StepPelvis, "Pelvis plane: the pelvis drops or rises", "deg", "hip line tilt from standing"},
	itemKnee: {StepKneePosition, "Knee position: the knee moves medial to the foot (+1 second toe, +2 medial border)", "ratio",
		"knee inside its foot's line ÷ shank length (knee_medial_offset), or peak valgus FPPA"},
	itemSteady: {StepSteadyStance, "Steady stance: loss of balance, the free foot touches down or the stance foot moves", "ratio",
		"stance ankle displacement ÷ leg length; free ankle held at floor level (below the step in a step-down)"},
}

// stepDown scores the reps on stance leg st (indices into ic.spans) after
// Piva 2006. Each item is judged per rep from keypoint proxies and scores
// when seen in at least thresholds.step_down.item_rep_fraction of reps;
// knee position scores 2 when the far-medial proxy is seen that often.
// Steady stance also scores when the free foot touches down in at least
// thresholds.step_down.touchdown_min_reps reps (see freeFootTouchdown).
func (ic *indicatorContext) stepDown(st int, reps []int) *StepDownScore {
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
	sc := ic.newStepDownScorer(st)
	for _, k := range reps {
		sc.judge(k)
	}
	sd.Items, sd.Total = sc.items(len(reps))
	sd.Rating = stepDownRating(sd.Total, sc.t)
	return sd
}

// stepDownScorer judges the reps of one stance leg item by item and
// accumulates what it sees.
type stepDownScorer struct {
	ic *indicatorContext
	t  StepDownThresholds
	st int
	// The per-frame series the items read.
	lean, pelvis, medial, fppa *MetricSeries
	// Standing references: each wrist relative to its hip, the stance
	// ankle.
	wristRef [2]Point
	ankleRef Point
	// step is the step height below the stance foot in leg lengths (0
	// outside a step-down).
	step float64
	acc  [numItems]itemAcc
	// Free-foot touchdowns (steady stance): reps with one, and the
	// longest one's duration and frame.
	touchdowns int
	touchS     float64
	touchFrame int
}

// itemAcc accumulates one item over reps.
type itemAcc struct {
	// worst is the worst proxy value over reps, at frame worstFrame.
	worst      float64
	worstFrame int
	// seen counts reps where the item was seen, seen2 those where its
	// 2-point sign was (knee position).
	seen, seen2 int
	evidence    []StepDownEvidence
}

func (a *itemAcc) update(v float64, frame int) {
	if !math.IsNaN(v) && (math.IsNaN(a.worst) || v > a.worst) {
		a.worst, a.worstFrame = v, frame
	}
}

// newStepDownScorer takes the standing references of stance leg st.
func (ic *indicatorContext) newStepDownScorer(st int) *stepDownScorer {
	c, b, s := ic.c, ic.b, ic.series
	sc := &stepDownScorer{ic: ic, t: ic.thr.StepDown, st: st, touchFrame: -1,
		lean: s.Metric(MetricTrunkLateralLean, SideBoth), pelvis: s.Metric(MetricPelvicDrop, SideBoth),
		medial: s.Metric(MetricKneeMedialOffset, sideNames[st]), fppa: s.Metric(MetricFPPA, sideNames[st])}
	for k := range sc.acc {
		sc.acc[k] = itemAcc{worst: nan, worstFrame: -1}
	}
	if ic.r.Movement == MovementStepDown {
		sc.step = sc.t.StepHeightRatio
	}
	for k := range 2 {
		var xs, ys []float64
		for i := range c.n() {
			w, h := c.at(sides[k].wrist, i), c.at(sides[k].hip, i)
			if b.standing[i] && w.ok() && h.ok() {
				xs, ys = append(xs, w.X-h.X), append(ys, w.Y-h.Y)
			}
		}
		sc.wristRef[k] = Point{percentile(xs, 50), percentile(ys, 50)}
	}
	var axs, ays []float64
	for i := range c.n() {
		if a := c.at(sides[st].ankle, i); b.standing[i] && ic.stanceAt[i] == st && a.ok() {
			axs, ays = append(axs, a.X), append(ays, a.Y)
		}
	}
	sc.ankleRef = Point{percentile(axs, 50), percentile(ays, 50)}
	return sc
}

// peak is the largest value of a proxy over a rep and the sample where it
// is reached (-1 when none).
type peak struct {
	v  float64
	at int
}

func (p *peak) update(v float64, i int) {
	if !math.IsNaN(v) && (math.IsNaN(p.v) || v > p.v) {
		p.v, p.at = v, i
	}
}

// repPeaks are the worst proxy values of one rep.
type repPeaks struct {
	item [numItems]peak
	// fppa is the rep's peak valgus FPPA, a second proxy of knee position.
	fppa float64
}

// peaks measures each item's proxy over rep sp.
func (sc *stepDownScorer) peaks(sp repSpan) repPeaks {
	c, b, s := sc.ic.c, sc.ic.b, sc.ic.series
	var p repPeaks
	for k := range p.item {
		p.item[k] = peak{nan, -1}
	}
	p.fppa = nan
	for i := sp.start; i <= sp.end; i++ {
		for k := range 2 {
			w, h := c.at(sides[k].wrist, i), c.at(sides[k].hip, i)
			if w.ok() && h.ok() && sc.wristRef[k].ok() && b.torsoLen > 0 {
				p.item[itemArm].update(dist(w.sub(h), sc.wristRef[k])/b.torsoLen, i)
			}
		}
		p.item[itemTrunk].update(math.Abs(repValue(s, sc.lean, i)), i)
		p.item[itemPelvis].update(math.Abs(repValue(s, sc.pelvis, i)), i)
		if sc.medial.Valid[i] {
			p.item[itemKnee].update(repValue(s, sc.medial, i), i)
		}
		if sc.fppa.Valid[i] {
			if v := repValue(s, sc.fppa, i); !math.IsNaN(v) && (math.IsNaN(p.fppa) || v > p.fppa) {
				p.fppa = v
			}
		}
		if a := c.at(sides[sc.st].ankle, i); a.ok() && sc.ankleRef.ok() {
			p.item[itemSteady].update(dist(a, sc.ankleRef)/b.scale[i], i)
		}
	}
	return p
}

// frameOf is the frame of sample i (-1 for none).
func (sc *stepDownScorer) frameOf(i int) int {
	if i < 0 {
		return -1
	}
	return sc.ic.c.frame[i]
}

// judge judges rep k (an index into ic.spans) on every item.
func (sc *stepDownScorer) judge(k int) {
	t := sc.t
	p := sc.peaks(sc.ic.spans[k])
	evidence := func(item int, sign string, v float64, unit string, frame int) {
		a := &sc.acc[item]
		a.evidence = append(a.evidence, StepDownEvidence{Rep: k + 1, Sign: sign, Frame: frame,
			Value: Number(round(v, 4)), Unit: unit})
	}
	for _, it := range []struct {
		item int
		sign string
		thr  float64
	}{{itemArm, SignHandOffWaist, t.HandOffWaistRatio}, {itemTrunk, SignTrunkLean, t.TrunkLeanDeg}, {itemPelvis, SignPelvisTilt, t.PelvisTiltDeg}} {
		pk := p.item[it.item]
		sc.acc[it.item].update(pk.v, sc.frameOf(pk.at))
		if pk.v >= it.thr {
			sc.acc[it.item].seen++
			evidence(it.item, it.sign, pk.v, stepDownItems[it.item].unit, sc.frameOf(pk.at))
		}
	}

	knee := &sc.acc[itemKnee]
	med, kneeFrame := p.item[itemKnee].v, sc.frameOf(p.item[itemKnee].at)
	knee.update(med, kneeFrame)
	if med >= t.KneeFarMedialRatio || p.fppa >= t.KneeFarMedialFPPA {
		knee.seen2++
		knee.seen++
		evidence(itemKnee, SignKneeFarMedial, med, "ratio", kneeFrame)
	} else if med >= t.KneeMedialRatio || p.fppa >= t.KneeMedialFPPADeg {
		knee.seen++
		evidence(itemKnee, SignKneeMedial, med, "ratio", kneeFrame)
	}

	// Steady stance: the stance ankle moves, or the free foot touches
	// down; either counts once per rep.
	ss := &sc.acc[itemSteady]
	ank, ankFrame := p.item[itemSteady].v, sc.frameOf(p.item[itemSteady].at)
	ss.update(ank, ankFrame)
	moved := ank >= t.StanceAnkleMove
	if moved {
		evidence(itemSteady, SignStanceAnkleMoved, ank, "ratio", ankFrame)
	}
	dur, tf := sc.ic.freeFootTouchdown(sc.st, sc.ic.spans[k], sc.ankleRef, sc.step, t.TouchdownMargin, t.TouchdownMinS)
	if tf >= 0 {
		sc.touchdowns++
		evidence(itemSteady, SignFreeFootTouchdown, dur, "s", sc.frameOf(tf))
		if dur > sc.touchS {
			sc.touchS, sc.touchFrame = dur, sc.frameOf(tf)
		}
	}
	if moved || tf >= 0 {
		ss.seen++
	}
}

// items scores each item over n judged reps and returns the items and
// their total.
func (sc *stepDownScorer) items(n int) ([]StepDownItem, int) {
	t := sc.t
	need := math.Max(1, math.Ceil(t.ItemRepFraction*float64(n)-1e-9))
	out := make([]StepDownItem, 0, numItems)
	total := 0
	for item, d := range stepDownItems {
		a := sc.acc[item]
		pts := 0
		if float64(a.seen) >= need {
			pts = 1
			if item == itemKnee && float64(a.seen2) >= need {
				pts = 2
			}
		}
		frame := a.worstFrame
		if item == itemSteady && sc.touchdowns > 0 {
			frame = sc.touchFrame
			if float64(sc.touchdowns) >= t.TouchdownMinReps {
				pts = 1
			}
		}
		out = append(out, StepDownItem{ID: d.id, Description: d.desc, Points: pts, Value: Number(round(a.worst, 4)), Unit: d.unit,
			RepsSeen: a.seen, EvidenceFrame: frame, Proxy: d.proxy, Evidence: a.evidence})
		total += pts
	}
	return out, total
}

// stepDownRating rates a total after Piva 2006.
func stepDownRating(total int, t StepDownThresholds) string {
	switch {
	case float64(total) >= t.PoorTotalPoints:
		return "poor"
	case float64(total) >= t.ModerateTotalPoints:
		return "moderate"
	}
	return "good"
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
