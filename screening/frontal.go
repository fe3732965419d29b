package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// A camera a few degrees off square-on sees each joint shifted sideways
// by its forward distance times sin(yaw). In a squat the knee travels
// 0.2-0.4 m ahead of the ankle and the hip as far behind the knee, so
// even 10° of yaw moves a knee 3-7 cm sideways relative to its hip-ankle
// line: about 20° of FPPA at 45° hip flexion on the synthetic body, one
// knee reading valgus and the other varus. Frontal metrics therefore read
// the keypoints with that parallax removed: each joint's forward distance
// from its ankle comes from the orthographic reconstruction of the leg
// (Taylor 2000: a segment of known length L seen with image length l
// spans sqrt(L² − l²) in depth; the knee is ahead of the ankle, the hip
// behind the knee, the shoulders ahead of the hips), and the image x
// shift per unit of forward distance is fitted to the rep itself: the
// trunk and the hip-over-ankle position of both legs, whose sideways
// shift from standing is the parallax (knees moving in or out do not
// enter the fit, so a knee that caves is not mistaken for yaw). Where
// the fit has too little to go on (a shallow or single-leg rep, whose
// stance leg's own frontal motion would enter it), the slope is the
// tangent of the head's signed yaw (the body's width cannot tell a few
// degrees from none, nor left from right).
//
// Perspective adds a second shift. A pinhole camera images a point at
// sideways distance X and distance D − z as x − cx = f·X/(D − z): a
// joint z closer than the ankles' plane (where the person's scale is
// measured) moves away from the image centre by (x − cx)·z/D, where z/D
// is its forward distance in pixels of that plane over the focal length
// f. The part common to the body (a person off the camera's axis) is
// linear in z like the yaw's and the slope fit takes it in; what remains
// spreads the body from its own centre line: knees 0.3 m ahead of feet
// 0.2 m to either side spread 1.5 cm outward at 4 m, toes 0.2 m ahead
// turn out a few degrees. FPPA and the knee-ankle separation are read as
// the image shows them, as the 2D studies their limits come from read
// them; the knee's position over its foot and the foot's turn-out, whose
// limits are body distances, have the spread removed (spreadless). The
// focal length is not in the track: f is taken as focalShare of the
// image's long side, the 26 mm equivalent lens of phones' main cameras;
// a wider or longer lens leaves a fraction of the spread.

// focalShare is the assumed focal length as a share of the image's long
// side: a 26 mm (35 mm-equivalent) lens, the main camera of most phones,
// spans 2·atan(17.3/26) ≈ 67° across a 16:9 frame's long side, so f =
// 0.5/tan(33.6°) ≈ 0.75 of it.
const focalShare = 0.75

// spreadless removes the perspective spread from image x of a point z
// pixels (of the ankles' plane) closer to the camera than the ankles,
// about the body's centre line at image x centre: the x it would have in
// the ankles' plane. Without the image size it is x.
func (c *conditioned) spreadless(x, centre, z float64) float64 {
	if math.IsNaN(c.focal) || math.IsNaN(z) || math.IsNaN(centre) {
		return x
	}
	return x - (x-centre)*z/c.focal
}

// ankleCentre is the image x midway between the ankles in frame i (NaN
// when one is missing).
func ankleCentre(c *conditioned, i int) float64 {
	return (c.x[pose.LeftAnkle][i] + c.x[pose.RightAnkle][i]) / 2
}

// frontalKeypoints are the joints frontal metrics read, with the
// parallax removed in rep frames.
type frontalKeypoints struct {
	x map[pose.Joint][]float64
	// slope is each rep's image x shift per unit forward distance.
	slope []float64
}

// at returns joint j in frame i: corrected when it is a leg or trunk
// joint, as in the image otherwise.
func (f *frontalKeypoints) at(c *conditioned, j pose.Joint, i int) Point {
	if xs, ok := f.x[j]; ok {
		return Point{xs[i], c.y[j][i]}
	}
	return c.at(j, i)
}

// legDepths returns, for side s in frame i, the forward distance of knee
// and hip from the ankle (NaN when a joint is missing).
func legDepths(c *conditioned, b *body, s, i int) (knee, hip float64) {
	sj, k := sides[s], b.shot[i]
	h, kn, a := c.at(sj.hip, i), c.at(sj.knee, i), c.at(sj.ankle, i)
	if !h.ok() || !kn.ok() || !a.ok() {
		return nan, nan
	}
	ds := depthExtent(b.shotShank[k][s], dist(kn, a))
	dt := depthExtent(b.shotThigh[k][s], dist(h, kn))
	return ds, ds - dt
}

// depthExtent is the depth spanned by a segment of length L seen with
// image length l (0 when l ≥ L).
func depthExtent(L, l float64) float64 {
	if !(L > 0) {
		return nan
	}
	return math.Sqrt(math.Max(0, L*L-l*l))
}

// trunkDepth is the shoulders' forward distance from the hips in frame
// i.
func trunkDepth(c *conditioned, b *body, i int) float64 {
	hip, sh, ok := trunkLine(c, i)
	if !ok {
		return nan
	}
	return depthExtent(b.shotTorso[b.shot[i]], dist(hip, sh))
}

// correctFrontal removes the yaw parallax from the leg and trunk joints
// of every rep's frames.
func correctFrontal(c *conditioned, b *body, spans []repSpan, yaws []repYaw, moves []Movement, ym *yawModel) *frontalKeypoints {
	f := &frontalKeypoints{x: map[pose.Joint][]float64{}, slope: make([]float64, len(spans))}
	for _, sj := range sides {
		for _, j := range []pose.Joint{sj.shoulder, sj.hip, sj.knee, sj.ankle} {
			f.x[j] = append([]float64(nil), c.x[j]...)
		}
	}
	for k, sp := range spans {
		slope, ok := nan, false
		if !moves[k].Unilateral() {
			slope, ok = parallaxSlope(c, b, sp)
		}
		if !ok {
			slope = math.Tan(headYawSigned(c, ym, sp) / rad2deg)
		}
		if math.IsNaN(slope) {
			slope = 0
		}
		f.slope[k] = slope
		for i := sp.start; i <= sp.end; i++ {
			var hipZ [2]float64
			for s, sj := range sides {
				kz, hz := legDepths(c, b, s, i)
				hipZ[s] = hz
				f.x[sj.knee][i] = c.x[sj.knee][i] - slope*nanTo(kz, 0)
				f.x[sj.hip][i] = c.x[sj.hip][i] - slope*nanTo(hz, 0)
			}
			shZ := nanTo((hipZ[0]+hipZ[1])/2, 0) + nanTo(trunkDepth(c, b, i), 0)
			for _, sj := range sides {
				f.x[sj.shoulder][i] = c.x[sj.shoulder][i] - slope*shZ
			}
		}
	}
	return f
}

// parallaxSlope fits the image x shift per unit forward distance over
// the deep frames of bilateral rep sp: the trunk's lean and the mean
// hip-over-ankle position of both legs against their forward extents.
// ok is false when they span too little depth to tell.
func parallaxSlope(c *conditioned, b *body, sp repSpan) (float64, bool) {
	ref := standingNear(c, b, sp)
	refX := func(f func(i int) (float64, float64)) float64 {
		var v []float64
		for _, i := range ref {
			if x, _ := f(i); !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		return percentile(v, 50)
	}
	trunk := func(i int) (float64, float64) {
		hip, sh, ok := trunkLine(c, i)
		if !ok {
			return nan, nan
		}
		return sh.X - hip.X, trunkDepth(c, b, i)
	}
	legs := func(i int) (float64, float64) {
		var dx, z float64
		for s, sj := range sides {
			h, a := c.at(sj.hip, i), c.at(sj.ankle, i)
			_, hz := legDepths(c, b, s, i)
			if !h.ok() || !a.ok() || math.IsNaN(hz) {
				return nan, nan
			}
			dx += (h.X - a.X) / 2
			z += hz / 2
		}
		return dx, z
	}
	var num, den float64
	n := 0
	lvl := math.Min(b.hipY[sp.start], b.hipY[sp.end])
	to := b.shotTorso[b.shot[sp.bottom]]
	for _, seg := range []func(int) (float64, float64){trunk, legs} {
		x0 := refX(seg)
		if math.IsNaN(x0) {
			continue
		}
		for i := sp.start; i <= sp.end; i++ {
			if b.shot[i] != b.shot[sp.bottom] || !((b.hipY[i]-lvl)/b.scale[i] >= parallaxDeepShare*sp.descent) {
				continue
			}
			x, z := seg(i)
			if math.IsNaN(x) || math.IsNaN(z) {
				continue
			}
			num += (x - x0) * z
			den += z * z
			if math.Abs(z) >= parallaxMinExtent*to {
				n++
			}
		}
	}
	if n < 3 || !(den > 0) {
		return nan, false
	}
	return num / den, true
}

// headYawSigned is the head's median yaw around rep sp (the rep and the
// second before and after it), signed by the image direction the face
// points; NaN when the head is not measured. The head turns with the
// trunk in most squats, and its cue is precise near square-on, where the
// body's width is not.
func headYawSigned(c *conditioned, ym *yawModel, sp repSpan) float64 {
	var v []float64
	for i := range c.n() {
		if c.t[i] >= c.t[sp.top0]-1 && c.t[i] <= c.t[sp.top1]+1 && ym.head[i] < 60 {
			v = append(v, ym.headSigned[i])
		}
	}
	return percentile(v, 50)
}
