package screening

import (
	"math"
	"slices"

	"github.com/kneescreen/kneescreen/pose"
)

// The camera's view is estimated as a yaw: the angle between the camera's
// line of sight and the direction the person faces, folded to 0-90°: 0°
// when the camera sees the person square-on from the front or the back
// (a back view shows the frontal plane too), 90° in profile. Which way
// the person is turned (the sign, from the head's offset or the
// parallax) only matters for correcting the frontal keypoints
// (correctFrontal). Three cues:
//
//  1. Body width. Standing upright, (shoulder width + hip width) ÷ trunk
//     length is r0·cos ψ, where r0 is the person's own frontal ratio:
//     the trunk's length does not change with yaw, the widths shrink with
//     its cosine. r0 varies from person to person (and with the arms: an
//     overhead squat narrows the shoulders), so it is calibrated on the
//     person's own frames: from frames where the head faces the camera
//     (cue 2), else from an anthropometric prior, and never below the
//     person's widest standing frames.
//  2. Head. The nose tip lies about 1.6 half ear separations ahead of the
//     axis through the ears (headDepthRatio), so its offset from the ears'
//     midpoint over their half separation is 1.6·tan ψ: most sensitive
//     near the front, where the width's cosine is flattest. The head can
//     turn away from the trunk (a glance at the camera), so its weight
//     allows for several degrees of that, and it calibrates the width
//     only when it faces the camera for a good share of the clip.
//  3. Sagittal parallax. In a squat the knees travel forward of the
//     ankles, the hips back behind the knees and the trunk leans forward.
//     A segment's sagittal extent follows from its standing length and
//     its vertical extent (both independent of yaw), and its horizontal
//     image displacement from standing is that extent times sin ψ. A
//     least-squares fit over the rep's deep frames (trunk, and the mean of
//     both legs, which cancels knees moving in or out symmetrically) gives
//     sin ψ; a front view shows no parallax at all. Keypoints that drift
//     in deep flexion shrink the fit (side views read 0.6-0.9 instead of
//     1), so it is a lower bound: a rep's yaw is never below it. It shrinks
//     by half at most (parallaxShrinkMin), so a rep that leans far enough
//     is also never more than twice as far round as its parallax says:
//     the cue that tells a square-on squat from one 15-20° off, where
//     the width's cosine cannot.
//
// The width and head cues are fused by their uncertainty (fuseYaw): the
// head decides near the front, the width towards profile. Each rep's
// yaw comes from the frames around it and its own parallax, so a person
// who turns between reps (or a camera that moves) gets each rep measured
// in its own view; frames between reps take running medians of the
// cues.

// headDepthRatio is the nose tip's distance ahead of the ear axis over
// half the ear separation: Farkas (1994) adult norms give a bitragion
// breadth of about 0.14 m, tragion to subnasale about 0.12 m and nasal
// tip protrusion about 0.02 m, so the nose tip lies about 0.11 m ahead
// of the ears, 1.6 × 0.07 m.
const headDepthRatio = 1.6

// frontalWidthPrior is r0 when the person's own frames cannot calibrate
// it: shoulder keypoints about 0.21-0.23 H apart plus hip keypoints about
// 0.10-0.12 H apart, over a shoulder-to-hip trunk of about 0.29 H
// (Drillis & Contini 1966 segment proportions) is 1.07-1.2; MoveNet
// keypoints of people facing the camera in the shared clips give
// 0.9-1.35, median about 1.08.
const frontalWidthPrior = 1.08

// frontalWidthMin and frontalWidthMax bound a calibrated r0: about ±30%
// around the prior, the spread of shoulder and hip breadths relative to
// trunk length between slight and broad adults (and of the shared clips'
// frontal ratios).
const (
	frontalWidthMin = 0.8
	frontalWidthMax = 1.45
)

// Upright standing frames are those with the trunk's image length at
// least uprightTrunkLength of the shot's standing trunk length: a trunk
// leaning towards or away from the camera shortens and would read as a
// frontal width.
const uprightTrunkLength = 0.85

// yawModel holds the per-frame yaw cues of a track and the calibration
// of the body-width cue.
type yawModel struct {
	// width is the width ratio in upright standing frames (NaN
	// elsewhere); body the yaw it gives (degrees).
	width, body []float64
	// head is the head's yaw in degrees (NaN when the nose or an ear is
	// missing); headSigned the same signed by the image direction the
	// face points (+ towards +x).
	head, headSigned []float64
	// r0 is the calibrated frontal width ratio and r0From says how
	// ("head", "widest", "prior").
	r0     float64
	r0From string
}

// widthRatio returns the per-frame width ratio (NaN when unmeasurable).
func widthRatio(c *conditioned, i int) float64 {
	ls, rs := c.at(pose.LeftShoulder, i), c.at(pose.RightShoulder, i)
	lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
	if !ls.ok() || !rs.ok() || !lh.ok() || !rh.ok() {
		return nan
	}
	torso := dist(mid(ls, rs), mid(lh, rh))
	if torso <= 0 {
		return nan
	}
	return (dist(ls, rs) + dist(lh, rh)) / torso
}

// headYaw returns the head's yaw in frame i in degrees, signed by the
// image direction the face points (positive towards +x), NaN when the
// nose or an ear is missing.
func headYaw(c *conditioned, b *body, i int) float64 {
	n, le, re := c.at(pose.Nose, i), c.at(pose.LeftEar, i), c.at(pose.RightEar, i)
	if !n.ok() || !le.ok() || !re.ok() {
		return nan
	}
	off := n.X - (le.X+re.X)/2
	half := math.Abs(le.X-re.X) / 2
	if half < 0.02*b.shotTorso[b.shot[i]] { // ears on top of each other: profile
		return 90 * sign(off)
	}
	return math.Atan(off/half/headDepthRatio) * rad2deg
}

// estimateYawCues measures the width and head cues of every frame and
// calibrates the width cue.
func estimateYawCues(c *conditioned, b *body) *yawModel {
	n := c.n()
	ym := &yawModel{width: make([]float64, n), body: make([]float64, n), head: make([]float64, n), headSigned: make([]float64, n)}
	var calib, widths []float64
	for i := range n {
		ym.width[i], ym.body[i] = nan, nan
		ym.headSigned[i] = headYaw(c, b, i)
		ym.head[i] = math.Abs(ym.headSigned[i])
		if !b.standing[i] {
			continue
		}
		hip, sh, ok := trunkLine(c, i)
		if !ok || dist(hip, sh) < uprightTrunkLength*b.shotTorso[b.shot[i]] {
			continue
		}
		w := widthRatio(c, i)
		ym.width[i] = w
		widths = append(widths, w)
		if h := ym.head[i]; h <= 30 {
			calib = append(calib, w/math.Cos(h/rad2deg))
		}
	}
	// The head calibrates r0 only when it faces the camera for a good
	// share of the standing frames (a glance, or a head out of the frame
	// that the model still places, must not decide), and r0 stays within
	// the range people's proportions allow.
	ym.r0, ym.r0From = frontalWidthPrior, "prior"
	if n := float64(len(calib)); n >= math.Max(3, 0.3*c.fps) && n >= 0.25*float64(len(widths)) {
		if r := percentile(calib, 50); r >= frontalWidthMin && r <= frontalWidthMax {
			ym.r0, ym.r0From = r, "head"
		}
	}
	if w := math.Min(percentile(widths, 90), frontalWidthMax); w > ym.r0 {
		ym.r0, ym.r0From = w, "widest"
	}
	for i, w := range ym.width {
		if !math.IsNaN(w) {
			ym.body[i] = math.Acos(math.Min(1, w/ym.r0)) * rad2deg
		}
	}
	return ym
}

// repYaw is the yaw estimate of one rep.
type repYaw struct {
	// deg is the rep's yaw (NaN when no cue measured it).
	deg float64
	// body and head are the standing cues around the rep, parallax the
	// rep's sin ψ lower bound (NaN when not measured); strong says the
	// rep's segments leaned far enough for the parallax to bound the yaw
	// from above too.
	body, head, parallax float64
	strong               bool
}

// yawOfRep estimates the yaw of rep sp: the body-width (else head) yaw of
// the standing frames around it, raised to the rep's parallax bound.
// unilateral reps (one loaded leg) skip the parallax: the free leg does
// not move with the stance leg, and the stance leg's own frontal motion
// would be mistaken for parallax.
func (ym *yawModel) yawOfRep(c *conditioned, b *body, sp repSpan, unilateral bool) repYaw {
	// The standing moments just before and after the rep: a person who
	// turns between reps turns outside them.
	lo, hi := c.t[sp.top0]-1, c.t[sp.top1]+1
	var bs, hs []float64
	for i := range c.n() {
		if c.t[i] < lo || c.t[i] > hi || b.shot[i] != b.shot[sp.bottom] {
			continue
		}
		bs = append(bs, ym.body[i])
		hs = append(hs, ym.head[i])
	}
	ry := repYaw{body: percentile(bs, 50), head: percentile(hs, 50), parallax: nan}
	if math.IsNaN(ry.body) {
		ry.body = ym.nearestBody(c, b, sp.bottom, 5)
	}
	base := fuseYaw(ry.body, ry.head)
	if !unilateral {
		if s, strong, ok := sagittalParallax(c, b, sp); ok {
			ry.parallax, ry.strong = s, strong
		}
	}
	ry.deg = base
	if p := math.Asin(math.Min(1, math.Abs(ry.parallax))) * rad2deg; !(p <= ry.deg) && !math.IsNaN(p) {
		ry.deg = p
	}
	if ry.strong {
		// Strong parallax also bounds the yaw from above: the keypoints
		// shrink it by at most parallaxShrinkMin.
		if up := math.Asin(math.Min(1, math.Abs(ry.parallax)/parallaxShrinkMin)) * rad2deg; ry.deg > up {
			ry.deg = up
		}
	}
	return ry
}

// parallaxShrinkMin is the least share of the true sin(yaw) the parallax
// fit reads on real keypoints: hips and knees that drift in deep flexion
// shorten the segments it divides by. Side and oblique views of the
// shared clips read 0.55-0.85 of it; the synthetic body, whose joints do
// not drift, reads all of it.
const parallaxShrinkMin = 0.5

// Uncertainty of the standing cues, for fuseYaw: the frontal width
// ratio is known to about yawWidthRelSD (its calibration and keypoint
// noise), so the width's yaw is uncertain by yawWidthRelSD·cot ψ radians
// (useless near the front, where the cosine is flat); the head's yaw is
// precise from the keypoints but the head may turn away from the trunk
// by several degrees (yawHeadSD), more beyond yawHeadProfile where the
// far ear is hidden.
const (
	yawWidthRelSD  = 0.07
	yawHeadSD      = 7.0
	yawHeadProfile = 50.0
)

// fuseYaw combines the width's and the head's yaw (degrees, either may be
// NaN) weighted by their inverse variances.
func fuseYaw(width, head float64) float64 {
	switch {
	case math.IsNaN(width):
		return head
	case math.IsNaN(head):
		return width
	}
	sw := math.Min(30, yawWidthRelSD/math.Tan(math.Max(width, 1)/rad2deg)*rad2deg)
	sh := yawHeadSD
	if head > yawHeadProfile {
		sh = 2 * yawHeadSD
	}
	ww, wh := 1/(sw*sw), 1/(sh*sh)
	return (width*ww + head*wh) / (ww + wh)
}

// nearestBody is the median body yaw of the standing frames nearest to
// frame i (within maxS seconds, same shot), NaN when there are none.
func (ym *yawModel) nearestBody(c *conditioned, b *body, i int, maxS float64) float64 {
	best := math.Inf(1)
	for k := range c.n() {
		if d := math.Abs(c.t[k] - c.t[i]); !math.IsNaN(ym.body[k]) && b.shot[k] == b.shot[i] && d < best {
			best = d
		}
	}
	if best > maxS {
		return nan
	}
	var v []float64
	for k := range c.n() {
		if d := math.Abs(c.t[k] - c.t[i]); !math.IsNaN(ym.body[k]) && b.shot[k] == b.shot[i] && d <= best+1 {
			v = append(v, ym.body[k])
		}
	}
	return percentile(v, 50)
}

// Sagittal parallax needs segments inclined at least parallaxMinExtent of
// their length from vertical in a frame, and the rep's deep frames are
// those at least parallaxDeepShare of its descent down.
const (
	parallaxMinExtent = 0.2
	parallaxDeepShare = 0.4
)

// parallaxSegment is one segment of the parallax fit: from joint pair a
// to joint pair b (their midpoints when both sides are given), with the
// sign of its forward image displacement.
type parallaxSegment struct {
	from, to [2]pose.Joint
	sign     float64
	length   func(b *body, shot int) float64
}

var parallaxSegments = []parallaxSegment{
	// Trunk: shoulders lean forward of the hips.
	{[2]pose.Joint{pose.LeftHip, pose.RightHip}, [2]pose.Joint{pose.LeftShoulder, pose.RightShoulder}, 1,
		func(b *body, k int) float64 { return b.shotTorso[k] }},
	// Shanks: knees travel forward of the ankles.
	{[2]pose.Joint{pose.LeftAnkle, pose.RightAnkle}, [2]pose.Joint{pose.LeftKnee, pose.RightKnee}, 1,
		func(b *body, k int) float64 { return (b.shotShank[k][0] + b.shotShank[k][1]) / 2 }},
	// Thighs: hips sit back behind the knees.
	{[2]pose.Joint{pose.LeftKnee, pose.RightKnee}, [2]pose.Joint{pose.LeftHip, pose.RightHip}, -1,
		func(b *body, k int) float64 { return (b.shotThigh[k][0] + b.shotThigh[k][1]) / 2 }},
}

// segmentVector is the image vector of segment g in frame i (from the
// midpoint of its from joints to that of its to joints).
func (g parallaxSegment) vector(c *conditioned, i int) (Point, bool) {
	a0, a1 := c.at(g.from[0], i), c.at(g.from[1], i)
	b0, b1 := c.at(g.to[0], i), c.at(g.to[1], i)
	if !a0.ok() || !a1.ok() || !b0.ok() || !b1.ok() {
		return Point{}, false
	}
	return mid(b0, b1).sub(mid(a0, a1)), true
}

// sagittalParallax fits sin ψ, signed by the image direction the person
// faces, to the deep frames of rep sp: the horizontal displacement of
// each segment from its standing direction against its sagittal extent
// sqrt(L² − dy²). ok is false when the rep has too little sagittal
// motion to tell; strong when at least parallaxStrongFrames segment
// readings lean at least parallaxStrongExtent of their length.
func sagittalParallax(c *conditioned, b *body, sp repSpan) (float64, bool, bool) {
	shot := b.shot[sp.bottom]
	refFrames := standingNear(c, b, sp)
	var num, den float64
	frames, strong := 0, 0
	lo, hi := math.Inf(1), math.Inf(-1) // per-segment fits
	segs := 0
	for _, g := range parallaxSegments {
		var gn, gd float64
		L := g.length(b, shot)
		if !(L > 0) {
			continue
		}
		var ref []float64
		for _, i := range refFrames {
			if v, ok := g.vector(c, i); ok {
				ref = append(ref, v.X)
			}
		}
		dx0 := percentile(ref, 50)
		if math.IsNaN(dx0) {
			continue
		}
		lvl := math.Min(b.hipY[sp.start], b.hipY[sp.end])
		for i := sp.start; i <= sp.end; i++ {
			if b.shot[i] != shot || !((b.hipY[i]-lvl)/b.scale[i] >= parallaxDeepShare*sp.descent) {
				continue
			}
			v, ok := g.vector(c, i)
			if !ok {
				continue
			}
			h := math.Sqrt(math.Max(0, L*L-v.Y*v.Y))
			if h < parallaxMinExtent*L {
				continue
			}
			gn += g.sign * (v.X - dx0) * h
			gd += h * h
			frames++
			if h >= parallaxStrongExtent*L {
				strong++
			}
		}
		num, den = num+gn, den+gd
		if gd > 0 {
			lo, hi = math.Min(lo, gn/gd), math.Max(hi, gn/gd)
			segs++
		}
	}
	if frames < 3 || !(den > 0) {
		return nan, false, false
	}
	// A single segment, or segments that disagree (occluded or misplaced
	// joints), make the fit a lower bound only.
	return num / den, strong >= parallaxStrongFrames && segs >= 2 && hi-lo <= parallaxAgree, true
}

// A rep's parallax bounds its yaw from above when at least
// parallaxStrongFrames segment readings lean at least
// parallaxStrongExtent of their length (about 25° or more) and at least
// two segments agree: then a front view's zero parallax is a measurement,
// not a lack of motion.
const (
	parallaxStrongExtent = 0.4
	parallaxStrongFrames = 6
	// parallaxAgree is the largest spread of the trunk's, the shanks' and
	// the thighs' own fits for the parallax to bound the yaw from above.
	parallaxAgree = 0.3
)

// standingNear lists the standing frames just before and after rep sp
// (within 0.5 s of its standing tops), or the tops themselves when none
// stand.
func standingNear(c *conditioned, b *body, sp repSpan) []int {
	var out []int
	for i := range c.n() {
		if b.standing[i] && b.shot[i] == b.shot[sp.bottom] &&
			((c.t[i] >= c.t[sp.top0]-0.5 && i <= sp.top0) || (i >= sp.top1 && c.t[i] <= c.t[sp.top1]+0.5)) {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		out = []int{sp.top0, sp.top1}
	}
	return out
}

// viewOfYaw classifies a yaw against the frontal and sagittal limits.
func viewOfYaw(deg float64, t ViewThresholds) View {
	switch {
	case math.IsNaN(deg):
		return ViewUnknown
	case deg <= t.FrontalMaxYawDeg:
		return ViewFront
	case deg >= t.SagittalMinYawDeg:
		return ViewSide
	}
	return ViewOblique
}

// viewConfidence is the confidence of a view read from yaw deg: from its
// margin to the nearest limit (full at 10° or more) and the keypoint
// scores.
func viewConfidence(deg float64, t ViewThresholds, meanScore float64) float64 {
	if math.IsNaN(deg) {
		return 0
	}
	margin := math.Min(math.Abs(deg-t.FrontalMaxYawDeg), math.Abs(deg-t.SagittalMinYawDeg))
	return round((0.5+0.5*math.Min(1, margin/10))*math.Min(1, meanScore/0.6), 3)
}

// frameYaw is the yaw of every frame outside reps: running medians
// (±0.5 s) of the standing frames' body yaw and of the head's yaw,
// fused (fuseYaw), carried to the frames between them (same shot); NaN
// where neither is known.
func (ym *yawModel) frameYaw(c *conditioned, b *body) []float64 {
	n := c.n()
	var w []float64
	running := func(src []float64, i int) float64 {
		w = w[:0]
		for k := i; k >= 0 && c.t[i]-c.t[k] <= 0.5; k-- {
			if !math.IsNaN(src[k]) {
				w = append(w, src[k])
			}
		}
		for k := i + 1; k < n && c.t[k]-c.t[i] <= 0.5; k++ {
			if !math.IsNaN(src[k]) {
				w = append(w, src[k])
			}
		}
		if len(w) == 0 {
			return nan
		}
		slices.Sort(w)
		return (w[(len(w)-1)/2] + w[len(w)/2]) / 2
	}
	sm := make([]float64, n)
	for i := range n {
		sm[i] = nan
		if !math.IsNaN(ym.body[i]) || (!math.IsNaN(ym.head[i]) && c.person[i]) {
			sm[i] = fuseYaw(running(ym.body, i), running(ym.head, i))
		}
	}
	return fillNearest(c, b, sm)
}

// fillNearest returns v with each NaN replaced by the value of the
// nearest frame in time of the same shot that has one (NaN when the shot
// has none): two sweeps, so long clips stay linear.
func fillNearest(c *conditioned, b *body, v []float64) []float64 {
	n := len(v)
	prev, next := make([]int, n), make([]int, n)
	last := -1
	for i := range n {
		if i > 0 && b.shot[i] != b.shot[i-1] {
			last = -1
		}
		if !math.IsNaN(v[i]) {
			last = i
		}
		prev[i] = last
	}
	last = -1
	for i := n - 1; i >= 0; i-- {
		if i < n-1 && b.shot[i] != b.shot[i+1] {
			last = -1
		}
		if !math.IsNaN(v[i]) {
			last = i
		}
		next[i] = last
	}
	out := make([]float64, n)
	for i := range n {
		p, q := prev[i], next[i]
		switch {
		case p < 0 && q < 0:
			out[i] = nan
		case q < 0 || (p >= 0 && c.t[i]-c.t[p] <= c.t[q]-c.t[i]):
			out[i] = v[p]
		default:
			out[i] = v[q]
		}
	}
	return out
}

// viewSegments groups consecutive frames with a person into segments of
// one view; a run shorter than a second joins the segment before it.
func viewSegments(c *conditioned, views []View, yaw []float64) []ViewSegment {
	type run struct {
		a, b int
		v    View
	}
	var runs []run
	for i := range c.n() {
		if !c.person[i] || views[i] == ViewUnknown {
			continue
		}
		if k := len(runs) - 1; k >= 0 && runs[k].v == views[i] {
			runs[k].b = i
			continue
		}
		runs = append(runs, run{i, i, views[i]})
	}
	var merged []run
	for _, r := range runs {
		k := len(merged) - 1
		switch {
		case k >= 0 && merged[k].v == r.v:
			merged[k].b = r.b
		case k >= 0 && c.t[r.b]-c.t[r.a] < 1:
			merged[k].b = r.b
		default:
			merged = append(merged, r)
		}
	}
	if len(merged) > 1 && c.t[merged[0].b]-c.t[merged[0].a] < 1 {
		merged[1].a = merged[0].a
		merged = merged[1:]
	}
	out := []ViewSegment{}
	for _, r := range merged {
		var ys []float64
		for i := r.a; i <= r.b; i++ {
			if views[i] == r.v {
				ys = append(ys, yaw[i])
			}
		}
		out = append(out, ViewSegment{View: r.v, YawDeg: Number(round(percentile(ys, 50), 1)),
			StartS: round(c.t[r.a], 4), EndS: round(c.t[r.b], 4), StartFrame: c.frame[r.a], EndFrame: c.frame[r.b]})
	}
	return out
}

// majorityView is the view of most reps (the most frontal of tied
// views), or the view of the frames when there are no reps.
func majorityView(reps []View, frames []View) View {
	count := map[View]int{}
	src := reps
	if len(src) == 0 {
		src = frames
	}
	for _, v := range src {
		if v != ViewUnknown {
			count[v]++
		}
	}
	best, n := ViewUnknown, 0
	for _, v := range []View{ViewFront, ViewOblique, ViewSide} {
		if count[v] > n {
			best, n = v, count[v]
		}
	}
	return best
}
