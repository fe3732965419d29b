package screening

import (
	"context"
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// Online rep detection. The batch segmentation (segmentReps) finds a rep
// as a trough of the mid-hip whose prominence reaches a share of leg
// length on both sides. Online, the same reading is a hysteresis: a rep
// candidate starts when the hip drops a candidate share of leg length
// below its standing level (the highest hip of the last standingWindowS),
// follows the deepest point, and ends about where the batch rep does: when
// the hip is back near the standing level (repBackShare of the rep's
// depth), or when it has come most of the way back up (repMinBalance) and
// stopped rising. The detector reads the hips before smoothing, which
// would delay the end. Its window is handed back once the frames after
// the end that the batch analysis needs are in (see repPostMarginS),
// within half a second of the batch rep's end.
//
// The candidate share is below every movement's rep criterion, so no rep
// is missed; whether a candidate is a rep, of which movement and how
// deep, is then decided by the batch analysis of the candidate's frames
// and their past (LiveGrader.Grade), so a live rep count is the one
// Analyze gives.

const (
	// maxRepS is the longest rep followed: slow single-leg squats take
	// 5-10 s.
	maxRepS = 20.0
	// repContextS is how much of the past before a rep its window holds
	// (back to the last camera cut at most): the standing frames and the
	// reps before it calibrate the person's proportions, the camera's yaw
	// and the feet as the whole recording does for the report. With half
	// a second of standing only, 19 of 1041 per-rep findings on the 40
	// shared clips differed in level from the report's, with 5 s 8, with
	// 20 s 1 of 1062 (the first rep of a clip, which has no past). A
	// window's analysis then costs about 7 ms on one core, once per rep.
	repContextS = 20.0
	// repPostMarginS is how long after the hips are back within a tenth
	// of the rep's depth its window is handed back: frames past the end
	// for the smoothing and for the standing level after the rep.
	repPostMarginS = 0.25
	// repStallS is how long a hip that has come most of the way back up
	// may stop rising before the rep counts as ended (a person who walks
	// towards the camera after a rep never comes back to the standing
	// level they left), and before a waiting window is handed back: the
	// flat stretch that shows the level after the rep is in it already.
	repStallS = 0.15
	// candidateShare scales the smallest rep criterion into the
	// candidate's: the running leg length may be a little off.
	candidateShare = 0.8
	// repBackShare: a rep ends when the hips are back within this share
	// of its depth of the standing level it left. The batch rep ends
	// within a tenth of the level after it, which a slow final approach
	// (a barbell squat) takes a while to reach; so the window is handed
	// back repPostMarginS after the hips reach a tenth, when they stop
	// rising, or at the latest repMaxWaitS after they passed this share.
	repBackShare = 0.15
	repMaxWaitS  = 0.4
)

type detState int

const (
	detIdle detState = iota
	detRep
)

// repEnd describes a rep candidate that ended: its times and the span of
// its window, and its standing level and depth (pixels).
type repEnd struct {
	start, bottom, end float64
	from, to           float64
	base, depth        float64
	// low, lowT: the highest hip since the end, while the window waits.
	low, lowT float64
}

// repDetector is the online detector; it works in pixels of mid-hip
// height and divides by the running leg length only to compare, so a
// calibration update does not shift its state.
type repDetector struct {
	thr   *RepSegmentationSettings
	share float64
	state detState
	// standing is the highest hip (lowest y) of the last
	// standingWindowS while idle.
	standing slidingMin
	// base, baseT: the standing level and its time when the rep began;
	// bottom, bottomT the deepest point so far; low, lowT the highest
	// point since the bottom.
	base, baseT     float64
	bottom, bottomT float64
	low, lowT       float64
	lastHip         float64
	// pending is a rep that ended and waits for its post margin.
	pending *repEnd
	// lastSeen is the last time the hips were seen.
	lastSeen float64
	maxGapS  float64
}

func newRepDetector(o *Options, fps float64) repDetector {
	thr := &o.Thresholds.Reps
	share := math.Min(thr.MinDescentRatio, thr.SingleLegMinDescentRatio)
	switch {
	case o.Movement == MovementSquat:
		share = thr.MinDescentRatio
	case o.Movement.SingleLeg():
		share = thr.SingleLegMinDescentRatio
	}
	return repDetector{thr: thr, share: candidateShare * share, standing: newSlidingMin(int(math.Ceil(standingWindowS * math.Min(fps*2, streamMaxFPS)))),
		lastSeen: math.Inf(-1), maxGapS: o.Filter.MaxGapS, lastHip: nan}
}

// push follows the hip's height y (pixels, NaN when unseen) at time t,
// given the running leg length. It returns a rep whose post margin has
// just passed.
func (d *repDetector) push(t, y, legLen float64) *repEnd {
	var out *repEnd
	if p := d.pending; p != nil && !math.IsNaN(y) {
		// Hand the window back sooner once the hips are within a tenth of
		// the standing level, or have stopped rising.
		if y <= p.base+0.1*p.depth {
			p.to = math.Min(p.to, t+repPostMarginS)
		}
		if y < p.low {
			p.low, p.lowT = y, t
		} else if t-p.lowT >= repStallS {
			p.to = math.Min(p.to, t)
		}
	}
	if d.pending != nil && t >= d.pending.to {
		out, d.pending = d.pending, nil
	}
	if math.IsNaN(y) || !(legLen > 0) {
		// The conditioning already held the hips across short gaps: a
		// missing hip is a long gap, which ends any rep (as a gap splits
		// the batch trajectory).
		if t-d.lastSeen > d.maxGapS {
			d.reset()
		}
		return out
	}
	d.lastSeen, d.lastHip = t, y
	switch d.state {
	case detIdle:
		d.standing.push(t, y)
		base, baseT := d.standing.min()
		if (y-base)/legLen >= d.share {
			d.state = detRep
			d.base, d.baseT = base, baseT
			d.bottom, d.bottomT = y, t
			d.low, d.lowT = y, t
		}
	case detRep:
		if y > d.bottom {
			d.bottom, d.bottomT = y, t
			d.low, d.lowT = y, t
		} else if y < d.low {
			d.low, d.lowT = y, t
		}
		depth := d.bottom - d.base
		back := y <= d.base+repBackShare*depth
		stalled := d.bottom-d.low >= repMinBalance*depth && t-d.lowT >= repStallS
		switch {
		case back:
			d.end(t, repMaxWaitS)
		case stalled:
			d.end(t, 0)
		case t-d.baseT > maxRepS:
			d.reset()
		}
	}
	return out
}

// end closes the current rep at time t (its window waits for margin
// seconds more) and starts looking for the next one from the current
// height.
func (d *repDetector) end(t, margin float64) {
	from := d.baseT - repContextS
	d.pending = &repEnd{start: d.baseT, bottom: d.bottomT, end: t, from: from, to: t + margin, base: d.base, depth: d.bottom - d.base,
		low: d.low, lowT: d.lowT}
	d.state = detIdle
	d.standing.reset()
	d.standing.push(t, d.lastHip)
}

// reset forgets the rep in progress and the standing level.
func (d *repDetector) reset() {
	d.state = detIdle
	d.standing.reset()
}

// flush returns, at the end of the stream, a pending rep, or the rep in
// progress when it has come most of the way back up.
func (d *repDetector) flush(t float64) *repEnd {
	if d.pending != nil {
		p := d.pending
		d.pending = nil
		p.to = t
		return p
	}
	if d.state == detRep && d.bottom-d.low >= repMinBalance*(d.bottom-d.base) {
		d.end(t, 0)
		p := d.pending
		d.pending = nil
		p.to = t
		return p
	}
	return nil
}

// phase is where the detector is: standing, or in a rep going down or
// back up.
func (d *repDetector) phase() Phase {
	if d.state != detRep {
		return PhaseStanding
	}
	if d.lowT > d.bottomT || d.bottom-d.lastHip > 0.1*(d.bottom-d.base) {
		return PhaseUp
	}
	return PhaseDown
}

// depth is the hip's descent below the standing level in leg lengths.
func (d *repDetector) depth(y, legLen float64) float64 {
	if math.IsNaN(y) || !(legLen > 0) {
		return nan
	}
	base := d.base
	if d.state != detRep {
		if d.standing.n == 0 {
			return nan
		}
		base, _ = d.standing.min()
	}
	return math.Max(0, (y-base)/legLen)
}

// slidingMin is the minimum of the values pushed in the last window
// seconds, by a monotonic deque in a fixed ring (amortised O(1) a push).
type slidingMin struct {
	t, v  []float64
	head  int
	n     int
	limit float64
}

func newSlidingMin(size int) slidingMin {
	size = max(size, 2)
	return slidingMin{t: make([]float64, size), v: make([]float64, size), limit: standingWindowS}
}

func (m *slidingMin) reset() { m.head, m.n = 0, 0 }

func (m *slidingMin) at(k int) int { return (m.head + k) % len(m.v) }

func (m *slidingMin) push(t, v float64) {
	// Drop values no smaller than v from the back, old ones from the
	// front, and the oldest when the ring is full.
	for m.n > 0 && m.v[m.at(m.n-1)] >= v {
		m.n--
	}
	for m.n > 0 && t-m.t[m.head] > m.limit {
		m.head = m.at(1)
		m.n--
	}
	if m.n == len(m.v) {
		m.head = m.at(1)
		m.n--
	}
	k := m.at(m.n)
	m.t[k], m.v[k] = t, v
	m.n++
}

// min returns the smallest value in the window and its time.
func (m *slidingMin) min() (float64, float64) { return m.v[m.head], m.t[m.head] }

// RepWindow is the raw poses of one rep candidate and its past: from
// repContextS before the standing moment it started from (or the last
// camera cut) to a little after its end. A LiveGrader screens it.
type RepWindow struct {
	// Track holds the window's raw poses (times as pushed).
	Track *pose.Track
	// StartS, BottomS and EndS are the candidate's times as the online
	// detector saw them.
	StartS, BottomS, EndS float64
	opts                  Options
}

// RepVerdict is one rep as the batch analysis reads it from the rep's own
// frames.
type RepVerdict struct {
	// Rep is the rep with its metrics and findings, numbered among the
	// reps the grader has seen.
	Rep Rep
	// Movement and View are the window's.
	Movement Movement
	View     View
	// Findings are the rep's (= Rep.Findings).
	Findings []Finding
	// Problems are the window's data problems (e.g. person too small):
	// they make findings not assessable.
	Problems []Problem
}

// LiveGrader grades a live screen's rep windows as they end, the way the
// report grades its reps: the window is screened once with Analyze
// (whether the candidate is a rep, its metrics, view, movement and stance
// leg), the rep's knee is compared with the person's best rep so far
// (knee_medial_offset's change from the best rep, which the report takes
// over all reps), and the rep is graded by the RepGrader the report uses.
// A LiveGrader is used by one goroutine at a time.
type LiveGrader struct {
	opts Options
	// n counts the reps graded.
	n int
	// best holds the reps so far that later reps are compared with: the
	// best on each side (compareWithBestRep needs no other), with copies
	// of their knee details, so a long session's history stays bounded.
	best []Rep
}

// NewLiveGrader returns a grader for a stream screened with opts.
func NewLiveGrader(opts Options) *LiveGrader {
	return &LiveGrader{opts: opts}
}

// Grade screens w and returns the rep whose bottom lies within the
// candidate, nil (and no error) when the analysis finds no rep there: a
// candidate that is not a rep by the batch criteria (too shallow for the
// movement, too short, not upright before and after). It costs one
// analysis of the window's frames, once per rep.
func (g *LiveGrader) Grade(ctx context.Context, w *RepWindow) (*RepVerdict, error) {
	r, err := Analyze(ctx, w.Track, g.opts)
	if err != nil {
		return nil, fmt.Errorf("screening: grade rep at %.2f s: %w", w.BottomS, err)
	}
	best := -1
	for k, rep := range r.Reps {
		// The candidate's span, widened by the batch rep's own
		// tolerance for where exactly a bottom lies.
		if rep.BottomS < w.StartS-0.1 || rep.BottomS > w.EndS+0.1 {
			continue
		}
		if best < 0 || math.Abs(rep.BottomS-w.BottomS) < math.Abs(r.Reps[best].BottomS-w.BottomS) {
			best = k
		}
	}
	if best < 0 {
		return nil, nil
	}
	g.n++
	rep := r.Reps[best]
	rep.Index = g.n
	reps := append(g.best, withOwnKnee(rep))
	compareWithBestRep(reps)
	// The verdict gets its own copy: the history's is rewritten as later
	// reps come.
	rep = withOwnKnee(reps[len(reps)-1])
	g.best = bestReps(reps)
	rg := &RepGrader{thr: &g.opts.Thresholds, sex: g.opts.Sex, blocked: r.blocked}
	rep.Findings = rg.Findings(rep)
	return &RepVerdict{Rep: rep, Movement: rep.Movement, View: rep.View, Findings: rep.Findings, Problems: r.Quality.Problems}, nil
}

// bestReps keeps, of reps, those that are the best on a side by
// compareWithBestRep's rule (the first of the knees tracking furthest
// out): the only ones a later rep can be compared with.
func bestReps(reps []Rep) []Rep {
	keep := make([]bool, len(reps))
	for s := range 2 {
		best, bt := -1, 0.0
		for k, r := range reps {
			if r.KneeOverFoot == nil {
				continue
			}
			if tr := r.KneeOverFoot.side(s).track; tr != nil && (best < 0 || tr.meanTangent() > bt) {
				best, bt = k, tr.meanTangent()
			}
		}
		if best >= 0 {
			keep[best] = true
		}
	}
	out := make([]Rep, 0, 2)
	for k, r := range reps {
		if keep[k] {
			out = append(out, r)
		}
	}
	return out
}

// withOwnKnee returns rep with a copy of its knee-over-foot details.
func withOwnKnee(rep Rep) Rep {
	if rep.KneeOverFoot != nil {
		k := *rep.KneeOverFoot
		rep.KneeOverFoot = &k
	}
	return rep
}
