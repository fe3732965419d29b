package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// The feet. knee_medial_offset reads the knee against its foot's line,
// which runs in the direction the foot points: its turn-out (the foot
// progression angle, outward positive). A model with foot keypoints
// (BlazePose's heel and foot index) shows it; one without (MoveNet)
// leaves the configured default (thresholds.knee_over_foot.default_toe_out_deg).
//
// Seen from the front a foot points at the camera, so its image is
// foreshortened to its sideways extent F·sin(toe-out), F the heel-to-toe
// length; the turn-out is asin(sideways extent / F). F is not visible
// from the front: it is the larger of the anthropometric 0.62 shank
// lengths (Drillis & Contini 1966: foot length 0.152 of body height,
// knee-to-ankle 0.246) and the longest heel-to-toe image length the shot
// shows (a profile view, turning), at most 0.75 shank lengths. A camera a
// few degrees off square-on shifts the toe sideways by its forward
// distance F·cos(toe-out) times the rep's parallax slope, and perspective
// spreads toes that come closer to the camera away from the body's centre
// line (frontal.go): both are removed first. Each foot keeps its own
// turn-out: a yaw the parallax fit misses turns one foot out and the other
// in by its angle in the image, and moves each knee sideways with it, so
// the knee's reading over its own foot stays right to first order where a
// shared (mean) turn-out would not.
//
// The feet stay planted through a squat, so a rep's turn-out is the
// median over its frames and the half second of standing either side: a
// function of that rep alone, as a live screen needs. Without the heel the
// ankle serves, a quarter of the foot ahead of it. BlazePose's foot index
// is the tip of the foot ("foot index" in MediaPipe's landmark list,
// without a finer definition); where it sits on the big toe, medial of the
// second toe the foot's axis runs through, the turn-out reads a few
// degrees (about 4°) small and a knee tracking over the second toe a few
// hundredths of a shank length outside the line, never inside.

// Foot proportions in shank lengths and the plausible turn-out.
const (
	footPerShank     = 0.62 // Drillis & Contini 1966: 0.152 H / 0.246 H
	footPerShankMax  = 0.75
	ankleToToeShare  = 0.75 // the ankle joint is about a quarter of the foot ahead of the heel
	toeOutMinDeg     = -30  // physiological bound: feet turned in further are not a squat stance
	toeOutMaxDeg     = 60   // physiological bound: beyond a sumo stance's 45-50°
	toeOutMinSamples = 5
)

// Sources of the toe-out.
const (
	toeOutFromFeet    = "feet"
	toeOutFromDefault = "default"
)

// feet is each rep's foot turn-out per side and where it came from, and
// each frame's (the rep's over its span, the clip's median elsewhere);
// and for the foot metrics, each frame's own turn-out reading (NaN where
// the frame does not show it), each station's foot length in pixels and its
// standing references (indexed [shot][side]).
type feet struct {
	rep     [][2]float64
	repFrom [][2]string
	at      [2][]float64
	frame   [2][]float64
	length  [][2]float64
	// refAt are each frame's standing references per side
	// ([side][frame]) and repRef each rep's ([rep][side]).
	refAt  [2][]footRefs
	repRef [][2]footRefs
	// still says, per side and frame, that the toe lies where it stood
	// (toeStill).
	still [2][]bool
}

var footJoints = [2][2]pose.Joint{{pose.LeftHeel, pose.LeftFootIndex}, {pose.RightHeel, pose.RightFootIndex}}

// estimateFeet measures the foot references (footReferences: seg is each
// frame's view segment, -1 none) and each rep's turn-out on each side from the foot
// keypoints where the track has them (repToeOut); a rep whose feet were
// not seen takes the median of the other reps', and a track without foot
// keypoints the configured default.
func estimateFeet(c *conditioned, b *body, spans []repSpan, slopes []float64, seg []int, thr *Thresholds) *feet {
	def := thr.KneeOverFoot.DefaultToeOutDeg
	f := &feet{rep: make([][2]float64, len(spans)), repFrom: make([][2]string, len(spans)),
		length: make([][2]float64, len(b.stations))}
	for k := range b.stations {
		for s := range 2 {
			f.length[k][s] = footLength(c, b, k, s)
		}
	}
	f.refAt, f.repRef = footReferences(c, b, f, spans, seg, thr)
	for s := range 2 {
		f.still[s] = make([]bool, c.n())
		for i := range f.still[s] {
			f.still[s][i] = toeStill(c, b, f, s, i, thr)
		}
	}
	slopeAt := frameSlopes(c, b, spans, slopes)
	var clip [2]float64
	for s := range 2 {
		f.frame[s] = make([]float64, c.n())
		for i := range f.frame[s] {
			f.frame[s][i] = toeOutAt(c, b, s, i, f.length[b.shot[i]][s], slopeAt[i])
		}
		var seen []float64
		for k, sp := range spans {
			F := f.length[b.shot[sp.bottom]][s]
			f.rep[k][s] = repToeOut(c, b, sp, slopes[k], s, F)
			if !math.IsNaN(f.rep[k][s]) {
				seen = append(seen, f.rep[k][s])
			}
		}
		clip[s] = percentile(seen, 50)
		from := toeOutFromFeet
		if math.IsNaN(clip[s]) {
			clip[s], from = def, toeOutFromDefault
		}
		for k := range spans {
			f.repFrom[k][s] = toeOutFromFeet
			if math.IsNaN(f.rep[k][s]) {
				f.rep[k][s], f.repFrom[k][s] = clip[s], from
			}
		}
		f.at[s] = make([]float64, c.n())
		for i := range f.at[s] {
			f.at[s][i] = clip[s]
		}
		for k, sp := range spans {
			for i := sp.start; i <= sp.end; i++ {
				f.at[s][i] = f.rep[k][s]
			}
		}
	}
	return f
}

// repToeOut is the turn-out in degrees of side s's foot over rep sp
// (NaN when the foot's keypoints are missing or implausible): the median
// over the rep's frames and the half second either side, in its shot, of
// asin(sideways extent / foot length), with the rep's parallax slope
// removed; F is the foot's length in pixels (footLength).
func repToeOut(c *conditioned, b *body, sp repSpan, slope float64, s int, F float64) float64 {
	if !c.sk.Has(footJoints[s][1]) || !(F > 0) {
		return nan
	}
	shot := b.shot[sp.bottom]
	if math.IsNaN(slope) {
		slope = 0
	}
	lo, hi := sp.start, sp.end
	for lo > 0 && c.t[lo-1] >= c.t[sp.start]-0.5 {
		lo--
	}
	for hi < c.n()-1 && c.t[hi+1] <= c.t[sp.end]+0.5 {
		hi++
	}
	var deg []float64
	for i := lo; i <= hi; i++ {
		if b.shot[i] != shot {
			continue
		}
		if a := toeOutAt(c, b, s, i, F, slope); !math.IsNaN(a) {
			deg = append(deg, a)
		}
	}
	if len(deg) < toeOutMinSamples {
		return nan
	}
	v := percentile(deg, 50)
	if v < toeOutMinDeg || v > toeOutMaxDeg {
		return nan
	}
	return v
}

// frameSlopes gives each frame a parallax slope for the turn-out it
// shows: its rep's (the parallax is fitted per rep), or between reps the
// nearest rep's in the same shot (the person stands where they squat),
// else none.
func frameSlopes(c *conditioned, b *body, spans []repSpan, slopes []float64) []float64 {
	out := make([]float64, c.n())
	for i := range out {
		best := math.Inf(1)
		for k, sp := range spans {
			if b.shot[sp.bottom] != b.shot[i] || math.IsNaN(slopes[k]) {
				continue
			}
			d := 0.0
			if i < sp.start {
				d = c.t[sp.start] - c.t[i]
			} else if i > sp.end {
				d = c.t[i] - c.t[sp.end]
			}
			if d < best {
				best, out[i] = d, slopes[k]
			}
		}
	}
	return out
}

// toeOutAt is side s's turn-out in degrees read from frame i alone
// (NaN when its keypoints are missing): asin(sideways extent / foot
// length F) with slope, the parallax slope of the frame's rep, removed.
func toeOutAt(c *conditioned, b *body, s, i int, F, slope float64) float64 {
	heelJ, toeJ := footJoints[s][0], footJoints[s][1]
	if !(F > 0) || !c.sk.Has(toeJ) {
		return nan
	}
	toe, base, length := c.at(toeJ, i), c.at(heelJ, i), F
	if !base.ok() {
		base, length = c.at(sides[s].ankle, i), ankleToToeShare*F
	}
	m := medialX(c, s, i)
	if !toe.ok() || !base.ok() || math.IsNaN(m) {
		return nan
	}
	a := math.Asin(clampUnit(-m * (toe.X - base.X) / length))
	// The toe lies 0.75·F·cos(toe-out) ahead of the ankle, the heel
	// a quarter of F behind: remove the perspective and the parallax
	// that shift them sideways (one refinement suffices, cos changes
	// slowly).
	tz, bz := ankleToToeShare*F*math.Cos(a), 0.0
	if length == F {
		bz = -(1 - ankleToToeShare) * F * math.Cos(a)
	}
	mid := ankleCentre(c, i)
	dx := c.spreadless(toe.X, mid, tz) - c.spreadless(base.X, mid, bz) - slope*(tz-bz)
	return math.Asin(clampUnit(-m*dx/length)) * rad2deg
}

// footLength is side s's heel-to-toe length in pixels in shot k: the
// anthropometric share of the standing shank, or the longest heel-to-toe
// image length the shot shows (90th percentile) when that is longer, at
// most footPerShankMax shanks; NaN without the shank's length or the
// foot's keypoints.
func footLength(c *conditioned, b *body, k, s int) float64 {
	L := b.shotShank[k][s]
	if !(L > 0) || !c.sk.Has(footJoints[s][1]) {
		return nan
	}
	var obs []float64
	for i := range c.n() {
		if b.shot[i] != k {
			continue
		}
		h, t := c.at(footJoints[s][0], i), c.at(footJoints[s][1], i)
		if h.ok() && t.ok() {
			obs = append(obs, dist(h, t))
		}
	}
	F := footPerShank * L
	if p := percentile(obs, 90); p > F {
		F = math.Min(p, footPerShankMax*L)
	}
	return F
}
