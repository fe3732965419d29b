package screening

import (
	"fmt"
	"math"
	"slices"

	"github.com/kneescreen/kneescreen/pose"
)

// What the foot metrics (foot_progression_deg, heel_rise,
// ankle_dorsiflexion_deg) share: the joints they need, which only some
// models give (BlazePose's heel and foot index; MoveNet stops at the
// ankle), and each station's standing references of the foot.

// feetJoints are the foot keypoints the foot metrics read.
var feetJoints = []pose.Joint{pose.LeftHeel, pose.RightHeel, pose.LeftFootIndex, pose.RightFootIndex}

// lacks reports whether skeleton sk misses a joint m needs. A nil
// skeleton (a live screen's grader that was not told) lacks nothing.
func (m *metric) lacks(sk *pose.Skeleton) bool {
	if sk == nil {
		return false
	}
	for _, j := range m.Needs {
		if !sk.Has(j) {
			return true
		}
	}
	return false
}

// reasonLacksJoints says why m is not assessable with a skeleton that
// lacks its joints.
func reasonLacksJoints(m *metric) string {
	for _, j := range m.Needs {
		if slices.Contains(feetJoints, j) {
			return "needs heel and toe keypoints: the model has no foot keypoints"
		}
	}
	return "needs keypoints the model does not give"
}

// markLackingJoints makes the metrics whose joints skeleton sk lacks not
// assessable, whatever the view, with the reason.
func markLackingJoints(infos []MetricInfo, sk *pose.Skeleton) {
	for k := range infos {
		m := lookup(infos[k].Name)
		if m == nil || !m.lacks(sk) {
			continue
		}
		infos[k].Assessable, infos[k].Reps, infos[k].Reason = false, nil, reasonLacksJoints(m)
	}
}

// footRefs are a foot's standing references, from frames where the
// person stands still and upright (body.standing) with the foot where it
// stands in the rep (footReferences): the heel's and the ankle's height
// above the toe in pixels, and the angle between the shank and the
// ankle-to-toe line in degrees. NaN without such frames.
type footRefs struct {
	heelAbove, ankleAbove, ankleAngle float64
	// toe is the toe's standing position.
	toe Point
}

// ok reports whether the references were measured.
func (r footRefs) ok() bool { return r.toe.ok() }

var noRefs = footRefs{nan, nan, nan, Point{nan, nan}}

// repAnchorS is how much of a rep's start and end (seconds) shows where
// its foot stands: the legs have not yet folded over the foot.
const repAnchorS = 0.25

// footReferences measures each frame's standing foot references per side
// (indexed [side][frame]) and each rep's (indexed [rep][side]). The
// height of the heel above the toe in the image, and the shank-to-foot
// angle, depend on where the foot stands and on the camera's yaw: a
// person who turns (a toed-out foot seen from 30° and from 5° off the
// front shows its length foreshortened differently, and the camera's
// height turns that into height) or steps closer to the camera changes
// them without lifting a heel. A rep's references therefore come from
// the standing frames of its own view segment (seg, -1: none) and shot
// whose toe lies within the toe tolerance (toeTolerance) of where the
// toe stands at the rep's start and end; without such frames the rep
// has none and its foot metrics are not read. A frame outside the reps
// takes the references of the nearest rep in its segment and shot, or
// else those of its segment's standing frames.
func footReferences(c *conditioned, b *body, f *feet, spans []repSpan, seg []int, thr *Thresholds) (at [2][]footRefs, reps [][2]footRefs) {
	reps = make([][2]footRefs, len(spans))
	measure := func(s int, keep func(i int) bool) footRefs {
		var heel, ankle, angle, tx, ty []float64
		for i := range c.n() {
			if !b.standing[i] || !keep(i) {
				continue
			}
			t := c.at(footJoints[s][1], i)
			if !t.ok() {
				continue
			}
			tx, ty = append(tx, t.X), append(ty, t.Y)
			if v := heelAboveToe(c, s, i); !math.IsNaN(v) {
				heel = append(heel, v)
			}
			if v := ankleAboveToe(c, s, i); !math.IsNaN(v) {
				ankle = append(ankle, v)
			}
			if v := shankFootAngle(c, s, i); !math.IsNaN(v) {
				angle = append(angle, v)
			}
		}
		if len(tx) == 0 {
			return noRefs
		}
		return footRefs{heelAbove: percentile(heel, 50), ankleAbove: percentile(ankle, 50), ankleAngle: percentile(angle, 50),
			toe: Point{percentile(tx, 50), percentile(ty, 50)}}
	}
	for s := range 2 {
		for k, sp := range spans {
			shot, g := b.shot[sp.bottom], seg[sp.bottom]
			anchor := repToe(c, sp, s)
			tol := toeTolerance(f, shot, s, thr)
			reps[k][s] = noRefs
			if g < 0 || !anchor.ok() || !(tol > 0) {
				continue
			}
			reps[k][s] = measure(s, func(i int) bool {
				return b.shot[i] == shot && seg[i] == g && dist(c.at(footJoints[s][1], i), anchor) <= tol
			})
		}
		segRefs := map[[2]int]footRefs{}
		at[s] = make([]footRefs, c.n())
		for i := range at[s] {
			at[s][i] = noRefs
			best := math.Inf(1)
			for k, sp := range spans {
				if b.shot[sp.bottom] != b.shot[i] || seg[sp.bottom] != seg[i] {
					continue
				}
				d := 0.0
				if i < sp.start {
					d = c.t[sp.start] - c.t[i]
				} else if i > sp.end {
					d = c.t[i] - c.t[sp.end]
				}
				if d < best {
					best, at[s][i] = d, reps[k][s]
				}
			}
			if !math.IsInf(best, 1) || seg[i] < 0 {
				continue
			}
			key := [2]int{b.shot[i], seg[i]}
			r, seen := segRefs[key]
			if !seen {
				r = measure(s, func(j int) bool { return b.shot[j] == key[0] && seg[j] == key[1] })
				segRefs[key] = r
			}
			at[s][i] = r
		}
	}
	return at, reps
}

// repToe is where side s's toe stands in rep sp: its median position over
// the rep's first and last repAnchorS seconds (NaN where never seen).
func repToe(c *conditioned, sp repSpan, s int) Point {
	var xs, ys []float64
	for i := sp.start; i <= sp.end; i++ {
		if c.t[i]-c.t[sp.start] > repAnchorS && c.t[sp.end]-c.t[i] > repAnchorS {
			continue
		}
		if t := c.at(footJoints[s][1], i); t.ok() {
			xs, ys = append(xs, t.X), append(ys, t.Y)
		}
	}
	return Point{percentile(xs, 50), percentile(ys, 50)}
}

// toeTolerance is how far, in pixels, side s's toe may lie from where it
// stood in shot k and still count as standing there:
// thresholds.feet.max_toe_shift_ratio foot lengths, the model's noise
// (BlazePose's crop is sized to the person, so its keypoint noise is a
// share of the foot at any image size), but never less than
// thresholds.feet.toe_shift_floor_px, the noise of a keypoint on the
// source's pixel grid, which does not shrink with the foot: on a 24-px
// foot 0.08 foot lengths is under 2 px. The floor is not added to the
// ratio: on larger feet a toe keypoint that settles 0.1 foot lengths
// lower as the shank tilts over it (pooja_side_squat: 4-5 px on a 45-px
// foot, the standing toe steady within a pixel) is the model's foot
// estimate moving, which would read as a heel rise, not noise. NaN
// without the foot's length.
func toeTolerance(f *feet, k, s int, thr *Thresholds) float64 {
	F := f.length[k][s]
	if !(F > 0) {
		return nan
	}
	return math.Max(thr.Feet.MaxToeShiftRatio*F, thr.Feet.ToeShiftFloorPx)
}

// heelAboveToe is the height of side s's heel above its toe in frame i,
// in pixels (image y points down); NaN when either is missing.
func heelAboveToe(c *conditioned, s, i int) float64 {
	h, t := c.at(footJoints[s][0], i), c.at(footJoints[s][1], i)
	if !h.ok() || !t.ok() {
		return nan
	}
	return t.Y - h.Y
}

// ankleAboveToe is the height of side s's ankle above its toe in frame
// i, in pixels.
func ankleAboveToe(c *conditioned, s, i int) float64 {
	a, t := c.at(sides[s].ankle, i), c.at(footJoints[s][1], i)
	if !a.ok() || !t.ok() {
		return nan
	}
	return t.Y - a.Y
}

// shankFootAngle is the angle in degrees between side s's shank (ankle
// to knee) and its ankle-to-toe line in frame i: about 90° plus the
// toe's drop below the ankle when standing, smaller as the shank tilts
// forward over the foot.
func shankFootAngle(c *conditioned, s, i int) float64 {
	k, a, t := c.at(sides[s].knee, i), c.at(sides[s].ankle, i), c.at(footJoints[s][1], i)
	if !k.ok() || !a.ok() || !t.ok() {
		return nan
	}
	return JointAngle(k, a, t)
}

// toeStill reports whether side s's toe lies in frame i within the toe
// tolerance (toeTolerance) of where it stood (the frame's references):
// a planted foot's toe does not move, and a heel that rises keeps it
// down, so a toe keypoint that wanders (BlazePose's foot estimate drifts
// upward when the legs fold over the foot in a deep squat, heel, ankle
// and toe together) or a foot that stepped makes the frame unreadable
// for the foot metrics.
func toeStill(c *conditioned, b *body, f *feet, s, i int, thr *Thresholds) bool {
	t, ref := c.at(footJoints[s][1], i), f.refAt[s][i].toe
	tol := toeTolerance(f, b.shot[i], s, thr)
	return t.ok() && ref.ok() && tol > 0 && dist(t, ref) <= tol
}

// toeStillAt reads toeStill for frame i (false without foot readings).
func (fc *frameContext) toeStillAt(s, i int) bool {
	return fc.feet != nil && fc.feet.still[s][i]
}

// footSeen reports whether side s's heel and toe both score at least min
// in frame i: the model's own judgement that the foot is in plain view,
// not hidden behind the other leg (BlazePose scores them by their
// visibility).
func footSeen(c *conditioned, s, i int, min float64) bool {
	return scoredAtLeast(c, i, min, footJoints[s][0], footJoints[s][1])
}

// fitAtBottom reads metric name at the rep's bottom frame from a local
// quadratic fit over its valid frames within ±0.2 s (at least 3), on
// each loaded side: a frame that misses a keypoint's score does not void
// the reading.
func (rc *repContext) fitAtBottom(name string) MetricValue {
	var v [2]float64
	for s := range 2 {
		v[s] = nan
		ms := rc.s.Metric(name, sideNames[s])
		if ms == nil || (rc.stance >= 0 && s != rc.stance) {
			continue
		}
		v[s] = round(localQuadratic(rc.s.Time, ms.Values, ms.Valid, rc.sp.bottom, 0.2, 3), 4)
	}
	return Sided(v[0], v[1])
}

// footReason says why side s's foot could not be read in the rep, or ""
// when none of the foot metrics' own conditions explains it: needHeel
// says the metric scores the heel as well as the toe, stillRule that
// the toe must stay where it stood (toeStillShare).
func (rc *repContext) footReason(s int, needHeel, stillRule bool) string {
	if rc.feet == nil {
		return ""
	}
	if k := rc.rep.Index - 1; k >= 0 && k < len(rc.feet.repRef) && !rc.feet.repRef[k][s].ok() {
		return "no standing frames in the rep's view segment with the toe where it lies at the rep's start and end (the person turned or stepped before the rep, or the toe keypoint is not steady): nothing to measure the foot against"
	}
	seen, still := 0, 0
	for i := rc.sp.start; i <= rc.sp.end; i++ {
		ok := scoredAtLeast(rc.c, i, rc.thr.Feet.MinScore, footJoints[s][1])
		if needHeel {
			ok = footSeen(rc.c, s, i, rc.thr.Feet.MinScore)
		}
		if ok {
			seen++
			if rc.feet.still[s][i] {
				still++
			}
		}
	}
	switch {
	case seen == 0:
		return "the foot's keypoints never score thresholds.feet.min_score in the rep (foot hidden or out of view)"
	case stillRule && float64(still) < toeStillShare*float64(seen):
		return fmt.Sprintf("the toe keypoint strays more than thresholds.feet.max_toe_shift_ratio foot lengths (at least thresholds.feet.toe_shift_floor_px) from where it stood in %d of the %d frames that show the foot: the model's foot estimate is not steady, or the foot moved", seen-still, seen)
	}
	return ""
}

// scoredAtLeast reports whether every joint scores at least min in frame
// i.
func scoredAtLeast(c *conditioned, i int, min float64, joints ...pose.Joint) bool {
	for _, j := range joints {
		if sc := c.score[j]; sc == nil || !(sc[i] >= min) {
			return false
		}
	}
	return true
}
