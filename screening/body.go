package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/filter"
)

// sideJoints are the joints of one body side.
type sideJoints struct {
	shoulder, elbow, wrist, hip, knee, ankle pose.Joint
}

var sides = [2]sideJoints{
	{pose.LeftShoulder, pose.LeftElbow, pose.LeftWrist, pose.LeftHip, pose.LeftKnee, pose.LeftAnkle},
	{pose.RightShoulder, pose.RightElbow, pose.RightWrist, pose.RightHip, pose.RightKnee, pose.RightAnkle},
}

var sideNames = [2]Side{SideLeft, SideRight}

func sideIndex(s Side) int {
	if s == SideRight {
		return 1
	}
	return 0
}

// standingWindowS is the half-width of the window in which the highest
// mid-hip position sets the standing level; longer than half of a slow
// (5 s) rep so that the bottom of a rep never sets it.
const standingWindowS = 3.0

// body holds the person's proportions and reference (standing) values.
type body struct {
	// legLen is the standing leg length (thigh + shank) in pixels, the
	// unit of depth; legFromTorso says it was estimated from the trunk
	// because the shanks were not visible.
	legLen       float64
	legFromTorso bool
	thighLen     [2]float64
	shankLen     [2]float64
	torsoLen     float64
	// shot is each frame's station (stations: a stretch of a camera
	// shot at one distance from the camera) and scale its leg length in
	// pixels (stations differ after a zoomed cut-in or a step towards
	// the camera); shotThigh and shotShank hold each station's standing
	// segment lengths, stations its frame ranges.
	shot                 []int
	stations             [][2]int
	scale                []float64
	shotThigh, shotShank [][2]float64
	shotTorso            []float64
	// hipX, hipY: mid-hip per frame (NaN when missing); baseY the
	// standing level around each frame: the highest mid-hip position
	// within ±standingWindowS, so that a person walking towards or away
	// from the camera keeps a correct standing level.
	hipX, hipY []float64
	baseY      []float64
	// standing marks frames where the person stands still and upright.
	standing []bool
	// heightFrac is the median standing height as a share of image height.
	heightFrac float64
	// facing is +1 when the person faces +x in the image, -1 for -x, 0
	// unknown (from nose vs ears and knees vs ankles).
	facing float64
}

// proportions measures segment lengths over frames [a, b). The 90th
// percentile is the segment at its longest, i.e. in the image plane
// (standing), yet robust to a few overlong misdetections.
func proportions(c *conditioned, a, b int) (thigh, shank [2]float64, torso, leg float64, fromTorso bool) {
	var th, sh [2][]float64
	var to []float64
	for i := a; i < b; i++ {
		lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
		for s, sj := range sides {
			h, k, an := c.at(sj.hip, i), c.at(sj.knee, i), c.at(sj.ankle, i)
			if h.ok() && k.ok() {
				th[s] = append(th[s], dist(h, k))
			}
			if k.ok() && an.ok() {
				sh[s] = append(sh[s], dist(k, an))
			}
		}
		ls, rs := c.at(pose.LeftShoulder, i), c.at(pose.RightShoulder, i)
		if ls.ok() && rs.ok() && lh.ok() && rh.ok() {
			to = append(to, dist(mid(ls, rs), mid(lh, rh)))
		}
	}
	var legs []float64
	for s := 0; s < 2; s++ {
		thigh[s] = percentile(th[s], 90)
		shank[s] = percentile(sh[s], 90)
		if l := thigh[s] + shank[s]; !math.IsNaN(l) && len(th[s]) >= 3 && len(sh[s]) >= 3 {
			legs = append(legs, l)
		}
	}
	torso = percentile(to, 90)
	switch {
	case len(legs) > 0:
		leg = (legs[0] + legs[len(legs)-1]) / 2
	case !math.IsNaN(torso) && len(to) >= 3:
		// Average adult leg (greater trochanter to ankle) is about 1.8 ×
		// the shoulder-to-hip trunk length.
		leg, fromTorso = 1.8*torso, true
	default:
		leg = nan
	}
	return
}

// measureBody derives the person's proportions from the conditioned
// track, per camera shot (a zoomed cut-in has its own scale). Missing
// quantities are NaN.
func measureBody(c *conditioned, imgHeight int, maxGapS float64) *body {
	n := c.n()
	b := &body{hipX: make([]float64, n), hipY: make([]float64, n), standing: make([]bool, n),
		shot: make([]int, n), scale: make([]float64, n)}
	for i := 0; i < n; i++ {
		lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
		m := Point{nan, nan}
		if lh.ok() && rh.ok() {
			m = mid(lh, rh)
		}
		b.hipX[i], b.hipY[i] = m.X, m.Y
	}
	b.thighLen, b.shankLen, b.torsoLen, b.legLen, b.legFromTorso = proportions(c, 0, n)
	// Each station's own scale where it has enough data; the main one
	// (most frames with a person) sets the body's reference scale.
	mainN := 0
	b.stations = findStations(c)
	for k, sh := range b.stations {
		th, sk, to, leg, fromTorso := proportions(c, sh[0], sh[1])
		if math.IsNaN(leg) || fromTorso != b.legFromTorso {
			th, sk, to, leg = b.thighLen, b.shankLen, b.torsoLen, b.legLen
		}
		b.shotThigh = append(b.shotThigh, th)
		b.shotShank = append(b.shotShank, sk)
		b.shotTorso = append(b.shotTorso, to)
		np := 0
		for i := sh[0]; i < sh[1]; i++ {
			b.shot[i], b.scale[i] = k, leg
			if c.person[i] {
				np++
			}
		}
		if np > mainN && !math.IsNaN(leg) {
			mainN = np
			b.legLen, b.thighLen, b.shankLen, b.torsoLen = leg, th, sk, to
		}
		filter.FillGaps(b.hipX[sh[0]:sh[1]], c.t[sh[0]:sh[1]], maxGapS)
		filter.FillGaps(b.hipY[sh[0]:sh[1]], c.t[sh[0]:sh[1]], maxGapS)
	}
	b.baseY = make([]float64, n)
	for i := 0; i < n; i++ {
		b.baseY[i] = nan
		for k := i; k >= 0 && c.t[i]-c.t[k] <= standingWindowS && b.shot[k] == b.shot[i]; k-- {
			if y := b.hipY[k]; !math.IsNaN(y) && !(y >= b.baseY[i]) {
				b.baseY[i] = y
			}
		}
		for k := i + 1; k < n && c.t[k]-c.t[i] <= standingWindowS && b.shot[k] == b.shot[i]; k++ {
			if y := b.hipY[k]; !math.IsNaN(y) && !(y >= b.baseY[i]) {
				b.baseY[i] = y
			}
		}
	}

	// Standing: near the top of the hip trajectory and not walking.
	for i := 0; i < n; i++ {
		if math.IsNaN(b.hipY[i]) || math.IsNaN(b.scale[i]) {
			continue
		}
		depth := (b.hipY[i] - b.baseY[i]) / b.scale[i]
		speed := 0.0
		if i > 0 && i < n-1 && !math.IsNaN(b.hipX[i-1]) && !math.IsNaN(b.hipX[i+1]) && b.shot[i-1] == b.shot[i+1] {
			speed = math.Abs(b.hipX[i+1]-b.hipX[i-1]) / (c.t[i+1] - c.t[i-1]) / b.scale[i]
		}
		b.standing[i] = depth < 0.05 && speed < 0.3
	}
	// Height: the vertical extent from the head (nose/eyes/ears) to the
	// ankles in standing frames. An extent, not "ankle below head": a
	// person seen upside down (a camera mounted that way, a handstand) has
	// the head below the ankles and a height all the same. Keypoints may
	// lie a little outside the frame, so the share is capped at 1.
	var heights []float64
	for i := 0; i < n; i++ {
		if !b.standing[i] {
			continue
		}
		headLo, headHi := math.Inf(1), math.Inf(-1)
		for _, j := range []pose.Joint{pose.Nose, pose.LeftEye, pose.RightEye, pose.LeftEar, pose.RightEar} {
			if y := c.y[j][i]; !math.IsNaN(y) {
				headLo, headHi = math.Min(headLo, y), math.Max(headHi, y)
			}
		}
		la, ra := c.y[pose.LeftAnkle][i], c.y[pose.RightAnkle][i]
		ankleLo := math.Min(nanTo(la, math.Inf(1)), nanTo(ra, math.Inf(1)))
		ankleHi := math.Max(nanTo(la, math.Inf(-1)), nanTo(ra, math.Inf(-1)))
		if !math.IsInf(headLo, 0) && !math.IsInf(ankleLo, 0) {
			heights = append(heights, math.Max(ankleHi-headLo, headHi-ankleLo))
		}
	}
	b.heightFrac = nan
	if h := percentile(heights, 50); !math.IsNaN(h) && imgHeight > 0 {
		b.heightFrac = math.Min(1, h/float64(imgHeight))
	}
	b.facing = facingDirection(c)
	return b
}

func nanTo(v, alt float64) float64 {
	if math.IsNaN(v) {
		return alt
	}
	return v
}

// facingDirection votes over frames: in profile the nose lies ahead of the
// ears, and a flexed knee ahead of its ankle.
func facingDirection(c *conditioned) float64 {
	var vote float64
	for i := 0; i < c.n(); i++ {
		nose := c.at(pose.Nose, i)
		var ex, en float64
		for _, j := range []pose.Joint{pose.LeftEar, pose.RightEar} {
			if p := c.at(j, i); p.ok() {
				ex += p.X
				en++
			}
		}
		if nose.ok() && en > 0 {
			vote += sign(nose.X - ex/en)
		}
		for _, sj := range sides {
			k, a := c.at(sj.knee, i), c.at(sj.ankle, i)
			if k.ok() && a.ok() {
				vote += 0.5 * sign(k.X-a.X)
			}
		}
	}
	return sign(vote)
}

// medialX returns, for side s in frame i, +1 when the body midline lies
// towards +x from that hip, -1 when towards -x, NaN when a hip is missing.
func medialX(c *conditioned, s, i int) float64 {
	h, o := c.at(sides[s].hip, i), c.at(sides[1-s].hip, i)
	if !h.ok() || !o.ok() || h.X == o.X {
		return nan
	}
	return sign(o.X - h.X)
}

// depthSignal returns the mid-hip height in leg lengths of each frame's
// station, with a break (NaN) at every cut and every step to a new
// station so that no rep spans one.
func (b *body) depthSignal(c *conditioned) []float64 {
	y := make([]float64, len(b.hipY))
	for i, v := range b.hipY {
		y[i] = v / b.scale[i]
	}
	for _, sh := range b.stations[1:] {
		y[sh[0]] = nan
	}
	return y
}

// trunkLine returns the hip and shoulder midpoints in frame i; ok is
// false when a shoulder or a hip is missing.
func trunkLine(c *conditioned, i int) (hip, shoulder Point, ok bool) {
	ls, rs := c.at(pose.LeftShoulder, i), c.at(pose.RightShoulder, i)
	lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
	if !ls.ok() || !rs.ok() || !lh.ok() || !rh.ok() {
		return Point{}, Point{}, false
	}
	return mid(lh, rh), mid(ls, rs), true
}
