package screening

import (
	"math"
	"slices"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/filter"
)

// streamConditioner is the causal counterpart of condition: the same steps
// (score threshold, leg swaps, outliers, gaps, smoothing) one frame at a
// time, each using only the frames before it.
//
//   - Outliers: a trailing Hampel test, a coordinate against the median
//     and robust deviation of as many raw values before it as the centred
//     window holds. A centred window sees the future and so tells a spike
//     from a fast, lasting move; a trailing one cannot, so it rejects a
//     joint for one frame at most: a jump that persists is motion (a
//     squat's fast descent at 12 frames/s moves the hips a tenth of the
//     image between frames), a one-frame jump the model's slip.
//   - Gaps: a joint missing for up to filter.max_gap_s keeps its last
//     position (interpolation needs the frame after the gap); a longer gap
//     leaves it missing and restarts its filter.
//   - Smoothing: the One-Euro filter, in image heights so that its speed
//     coefficient does not depend on the resolution.
type streamConditioner struct {
	sk     *pose.Skeleton
	f      *FilterOptions
	scale  float64
	half   int
	joints []streamJoint
	swap   legSwapper
	// legs holds the skeleton index of each side's hip, knee and ankle
	// (legPairs order), -1 when the skeleton lacks the joint.
	legs [2][3]int
	// swaps holds the skeleton indices of each swapPairs pair the skeleton
	// has (a swapped leg takes its foot along).
	swaps [][2]int
	// raw holds each joint's position before smoothing (outliers
	// rejected, short gaps held), NaN when missing: what needs no lag
	// (the rep detector) reads it.
	raw []Point
	// scratch for the Hampel medians.
	scratch []float64
}

// streamJoint is one joint's conditioning state.
type streamJoint struct {
	oe      [2]filter.OneEuro
	hist    [2]ringFloat // raw values for the trailing Hampel test
	last    [2]float64   // last conditioned position
	lastRaw Point        // last accepted raw position
	lastOK  float64      // time the joint was last seen
	// rejected: the previous frame's position was an outlier.
	rejected bool
}

func newStreamConditioner(sk *pose.Skeleton, f *FilterOptions, imgHeight, fps float64) streamConditioner {
	c := streamConditioner{sk: sk, f: f, scale: imgHeight, swap: newLegSwapper()}
	// The outlier window holds as many frames as the centred one (at the
	// nominal rate), at least the 3 a median needs.
	c.half = max(3, 2*int(math.Round(f.HampelWindowS*fps))+1)
	c.joints = make([]streamJoint, sk.Len())
	for i := range c.joints {
		j := &c.joints[i]
		for d := range 2 {
			j.oe[d] = *filter.NewOneEuro(f.OneEuroMinCutoffHz, f.OneEuroBeta, f.OneEuroDCutoffHz)
			j.hist[d] = newRingFloat(c.half)
		}
		j.last = [2]float64{nan, nan}
		j.lastOK = math.Inf(-1)
	}
	for s, side := range [2]int{0, 1} {
		for k, pr := range legPairs {
			c.legs[s][k] = -1
			if i, ok := sk.Index(pr[side]); ok {
				c.legs[s][k] = i
			}
		}
	}
	for _, pr := range swapPairs {
		a, okA := sk.Index(pr[0])
		b, okB := sk.Index(pr[1])
		if okA && okB {
			c.swaps = append(c.swaps, [2]int{a, b})
		}
	}
	c.scratch = make([]float64, 0, 2*c.half)
	c.raw = make([]Point, sk.Len())
	return c
}

// push conditions pose p into dst (the skeleton's order).
func (c *streamConditioner) push(p *pose.Pose, dst []pose.Keypoint) {
	t := p.Time
	same := len(p.Keypoints) == c.sk.Len() && (p.Skeleton == nil || p.Skeleton.Same(c.sk))
	for i := range dst {
		var kp pose.Keypoint
		ok := same
		if same {
			kp = p.Keypoints[i]
		} else {
			kp, ok = p.Get(c.sk.Joint(i))
		}
		dst[i] = pose.Keypoint{X: nan, Y: nan, Score: kp.Score, NX: kp.NX, NY: kp.NY}
		if ok && p.Person && kp.Valid(c.f.MinScore) {
			dst[i].X, dst[i].Y = kp.X, kp.Y
		}
	}
	if c.f.FixSwaps {
		c.fixSwap(dst)
	}
	for i := range dst {
		c.raw[i] = c.joints[i].condition(c, t, &dst[i])
	}
}

// fixSwap undoes a sudden left/right swap of the legs in dst.
func (c *streamConditioner) fixSwap(dst []pose.Keypoint) {
	var l, r [3]Point
	at := func(i int) Point {
		if i < 0 {
			return Point{nan, nan}
		}
		return Point{dst[i].X, dst[i].Y}
	}
	for k := range 3 {
		l[k], r[k] = at(c.legs[0][k]), at(c.legs[1][k])
	}
	if !c.swap.step(&l, &r) {
		return
	}
	for _, ab := range c.swaps {
		dst[ab[0]], dst[ab[1]] = dst[ab[1]], dst[ab[0]]
	}
}

// condition runs one joint's outlier test, gap rule and filter on kp (raw
// position or NaN) in place, and returns the raw position it kept.
func (j *streamJoint) condition(c *streamConditioner, t float64, kp *pose.Keypoint) Point {
	raw := [2]float64{kp.X, kp.Y}
	seen := !math.IsNaN(raw[0])
	if seen && c.f.HampelSigmas > 0 {
		out := false
		for d := range 2 {
			out = out || c.outlier(&j.hist[d], raw[d])
			j.hist[d].push(raw[d])
		}
		// A second outlier in a row is a move that persists.
		seen = !out || j.rejected
		j.rejected = out && !j.rejected
	}
	if !seen {
		if t-j.lastOK <= c.f.MaxGapS && !math.IsNaN(j.last[0]) {
			kp.X, kp.Y = j.last[0], j.last[1] // hold across a short gap
			return j.lastRaw
		}
		for d := range 2 {
			j.oe[d].Reset()
		}
		j.last = [2]float64{nan, nan}
		kp.X, kp.Y = nan, nan
		return Point{nan, nan}
	}
	if t-j.lastOK > c.f.MaxGapS {
		for d := range 2 {
			j.oe[d].Reset()
		}
	}
	j.lastOK = t
	for d := range 2 {
		v := raw[d]
		if c.f.Mode != FilterNone {
			v = j.oe[d].Filter(t, v/c.scale) * c.scale
		}
		j.last[d] = v
	}
	kp.X, kp.Y = j.last[0], j.last[1]
	j.lastRaw = Point{raw[0], raw[1]}
	return j.lastRaw
}

// outlier is the trailing Hampel test of v against the window's raw
// values (see streamConditioner).
func (c *streamConditioner) outlier(h *ringFloat, v float64) bool {
	if h.n < 3 {
		return false
	}
	w := h.appendTo(c.scratch[:0])
	slices.Sort(w)
	med := medianSorted(w)
	for i, x := range w {
		w[i] = math.Abs(x - med)
	}
	slices.Sort(w)
	sigma := math.Max(1.4826*medianSorted(w), 0.002*c.scale)
	return math.Abs(v-med) > c.f.HampelSigmas*sigma
}

func medianSorted(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// ringFloat is a fixed-size ring of the last values pushed.
type ringFloat struct {
	v    []float64
	next int
	n    int
}

func newRingFloat(size int) ringFloat { return ringFloat{v: make([]float64, size)} }

func (r *ringFloat) push(x float64) {
	r.v[r.next] = x
	r.next = (r.next + 1) % len(r.v)
	r.n = min(r.n+1, len(r.v))
}

// appendTo appends the values held, oldest first, to dst.
func (r *ringFloat) appendTo(dst []float64) []float64 {
	start := (r.next - r.n + len(r.v)) % len(r.v)
	for k := range r.n {
		dst = append(dst, r.v[(start+k)%len(r.v)])
	}
	return dst
}

// streamCalibration is the person's running proportions: each segment at
// its longest (standing in the image plane) over the last
// calibrationWindowS, as the 90th percentile proportions takes over a
// whole recording.
type streamCalibration struct {
	fps            float64
	thighs, shanks [2]ringFloat
	torsos         ringFloat
	thigh, shank   [2]float64
	torso, legLen  float64
	nextUpdate     float64
	scratch        []float64
}

// calibrationWindowS is how much of the past the calibration reads: long
// enough to hold standing moments between slow reps, short enough to
// follow a person who steps closer.
const calibrationWindowS = 15.0

// calibrationEveryS is how often the percentiles are recomputed (each
// costs a sort of the window).
const calibrationEveryS = 0.25

func newStreamCalibration(fps float64) streamCalibration {
	n := int(math.Ceil(calibrationWindowS * math.Min(fps, streamMaxFPS)))
	c := streamCalibration{fps: fps, torsos: newRingFloat(n), scratch: make([]float64, 0, n),
		thigh: [2]float64{nan, nan}, shank: [2]float64{nan, nan}, torso: nan, legLen: nan, nextUpdate: math.Inf(-1)}
	for s := range 2 {
		c.thighs[s], c.shanks[s] = newRingFloat(n), newRingFloat(n)
	}
	return c
}

// push adds one frame's segment lengths (NaN when not seen) and, every
// calibrationEveryS, recomputes the proportions.
func (c *streamCalibration) push(t float64, thigh, shank [2]float64, torso float64) {
	for s := range 2 {
		if !math.IsNaN(thigh[s]) {
			c.thighs[s].push(thigh[s])
		}
		if !math.IsNaN(shank[s]) {
			c.shanks[s].push(shank[s])
		}
	}
	if !math.IsNaN(torso) {
		c.torsos.push(torso)
	}
	if t < c.nextUpdate {
		return
	}
	c.nextUpdate = t + calibrationEveryS
	p90 := func(r *ringFloat) float64 {
		if r.n == 0 {
			return nan
		}
		w := r.appendTo(c.scratch[:0])
		slices.Sort(w)
		pos := 0.9 * float64(len(w)-1)
		lo := int(pos)
		hi := min(lo+1, len(w)-1)
		return w[lo] + (pos-float64(lo))*(w[hi]-w[lo])
	}
	var legs []float64
	var buf [2]float64
	legs = buf[:0]
	for s := range 2 {
		c.thigh[s], c.shank[s] = p90(&c.thighs[s]), p90(&c.shanks[s])
		if l := c.thigh[s] + c.shank[s]; !math.IsNaN(l) && c.thighs[s].n >= 3 && c.shanks[s].n >= 3 {
			legs = append(legs, l)
		}
	}
	c.torso = p90(&c.torsos)
	switch {
	case len(legs) > 0:
		c.legLen = (legs[0] + legs[len(legs)-1]) / 2
	case !math.IsNaN(c.torso) && c.torsos.n >= 3:
		// As in proportions: a leg is about 1.8 trunk lengths.
		c.legLen = 1.8 * c.torso
	default:
		c.legLen = nan
	}
}

// poseRing keeps the raw poses of the last frames, reusing their keypoint
// slices.
type poseRing struct {
	p    []pose.Pose
	next int
	n    int
}

func newPoseRing(size int) poseRing { return poseRing{p: make([]pose.Pose, max(size, 2))} }

// push copies p into the ring, over the oldest pose when it is full.
func (r *poseRing) push(p *pose.Pose) {
	slot := &r.p[r.next]
	kps := append(slot.Keypoints[:0], p.Keypoints...)
	*slot = *p
	slot.Keypoints = kps
	r.next = (r.next + 1) % len(r.p)
	r.n = min(r.n+1, len(r.p))
}

// copyRange returns copies of the poses with from ≤ Time ≤ to, oldest
// first.
func (r *poseRing) copyRange(from, to float64) []pose.Pose {
	start := (r.next - r.n + len(r.p)) % len(r.p)
	var out []pose.Pose
	for k := range r.n {
		p := &r.p[(start+k)%len(r.p)]
		if p.Time >= from && p.Time <= to {
			out = append(out, p.Clone())
		}
	}
	return out
}

// cutDetector finds camera cuts (a zoomed cut-in, an edit) as they
// happen, by findShots' rule: the trunk's length jumps by more than
// cutScaleJump or the mid-hip by more than cutMoveJump trunk lengths
// between visible frames at most two apart, and the jump persists (each
// of the three visible frames from the jump differs so from each of the
// three before it). It needs the two frames after a jump, so it confirms
// a cut two frames late.
type cutDetector struct {
	before  []trunkSample // the last visible frames, at most 3
	after   []trunkSample // frames from a jump, while pending
	pending bool
	// since counts frames since the last visible one (jump checks need
	// it at most 2) or, while pending, since the jump.
	since int
	jumpT float64
}

// trunkSample is one frame's trunk length and mid-hip.
type trunkSample struct{ tl, hx, hy float64 }

func newCutDetector() cutDetector {
	return cutDetector{before: make([]trunkSample, 0, 3), after: make([]trunkSample, 0, 3)}
}

// trunkOf measures the raw trunk of p (ok false when a shoulder or hip is
// not valid at minScore).
func trunkOf(p *pose.Pose, minScore float64) (trunkSample, bool) {
	var pt [4]Point
	for k, j := range [4]pose.Joint{pose.LeftShoulder, pose.RightShoulder, pose.LeftHip, pose.RightHip} {
		kp, ok := p.Get(j)
		if !ok || !p.Person || !kp.Valid(minScore) {
			return trunkSample{}, false
		}
		pt[k] = Point{kp.X, kp.Y}
	}
	hip := mid(pt[2], pt[3])
	tl := dist(mid(pt[0], pt[1]), hip)
	return trunkSample{tl, hip.X, hip.Y}, tl > 0
}

// jumps reports whether b differs from a in scale or place by a cut's
// margin.
func (a trunkSample) jumps(b trunkSample) (scale, move bool) {
	big := math.Max(a.tl, b.tl)
	return big/math.Min(a.tl, b.tl) > 1+cutScaleJump, math.Hypot(b.hx-a.hx, b.hy-a.hy) > cutMoveJump*big
}

// push takes one frame's trunk at time t and reports a confirmed cut and
// the time of the frame it happened at.
func (c *cutDetector) push(t float64, s trunkSample, ok bool) (bool, float64) {
	c.since++
	if c.pending {
		if ok {
			c.after = append(c.after, s)
		}
		if c.since < 2 && len(c.after) < 3 {
			return false, 0
		}
		c.pending = false
		scaleCut, moveCut := len(c.before) >= 2 && len(c.after) >= 2, len(c.before) >= 2 && len(c.after) >= 2
		for _, a := range c.before {
			for _, b := range c.after {
				sj, mj := a.jumps(b)
				scaleCut = scaleCut && sj
				moveCut = moveCut && mj
			}
		}
		cut := scaleCut || moveCut
		if cut {
			c.before = c.before[:0]
		}
		for _, b := range c.after {
			c.remember(b)
		}
		c.since = 0
		return cut, c.jumpT
	}
	if !ok {
		return false, 0
	}
	if n := len(c.before); n > 0 && c.since <= 2 {
		if sj, mj := c.before[n-1].jumps(s); sj || mj {
			c.pending, c.since, c.jumpT = true, 0, t
			c.after = append(c.after[:0], s)
			return false, 0
		}
	}
	c.remember(s)
	c.since = 0
	return false, 0
}

// remember keeps s as one of the last three visible frames.
func (c *cutDetector) remember(s trunkSample) {
	if len(c.before) == 3 {
		copy(c.before, c.before[1:])
		c.before = c.before[:2]
	}
	c.before = append(c.before, s)
}

// reset forgets every joint's history: after a camera cut the old
// positions mean nothing.
func (c *streamConditioner) reset() {
	c.swap = newLegSwapper()
	for i := range c.joints {
		j := &c.joints[i]
		for d := range 2 {
			j.oe[d].Reset()
			j.hist[d].n = 0
		}
		j.last = [2]float64{nan, nan}
		j.lastOK = math.Inf(-1)
		j.rejected = false
	}
}

// reset forgets the proportions: a new shot has its own scale.
func (c *streamCalibration) reset() {
	*c = newStreamCalibration(c.fps)
}
