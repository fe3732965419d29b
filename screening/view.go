package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// View classification bounds on the width ratio (shoulder width + hip
// width) / trunk length, both in the image. Facing the camera, MoveNet
// keypoints of real people give about 0.8-1.5 (median ≈ 1.05 over the
// shared front-view clips); in profile 0.02-0.3; phones at 45-90° about
// 0.5-0.6. The bounds correspond to turning the body roughly 45° and 70°
// away from the camera.
const (
	viewFrontMinRatio = 0.75
	viewSideMaxRatio  = 0.35
)

// widthRatio returns the per-frame view ratio (NaN when unmeasurable).
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

// classifyView classifies the camera view from the median width ratio
// over standing frames (all frames with a person when fewer than a
// second's worth stand), with
// a confidence from the margin to the nearest bound and the keypoint
// scores. It returns ViewUnknown when shoulders and hips are never seen.
func classifyView(c *conditioned, b *body) (View, float64, float64) {
	var rs, rsAll []float64
	var score float64
	var ns int
	for i := 0; i < c.n(); i++ {
		r := widthRatio(c, i)
		if math.IsNaN(r) {
			continue
		}
		rsAll = append(rsAll, r)
		if b.standing[i] {
			rs = append(rs, r)
		}
		for _, j := range []pose.Joint{pose.LeftShoulder, pose.RightShoulder, pose.LeftHip, pose.RightHip} {
			score += c.score[j][i]
			ns++
		}
	}
	if float64(len(rs)) < c.fps {
		rs = rsAll
	}
	if len(rs) == 0 {
		return ViewUnknown, 0, nan
	}
	r := percentile(rs, 50)
	meanScore := score / float64(ns)
	var v View
	var margin float64
	switch {
	case r >= viewFrontMinRatio:
		v, margin = ViewFront, r-viewFrontMinRatio
	case r <= viewSideMaxRatio:
		v, margin = ViewSide, viewSideMaxRatio-r
	default:
		v, margin = ViewOblique, math.Min(r-viewSideMaxRatio, viewFrontMinRatio-r)
	}
	conf := (0.5 + 0.5*math.Min(1, margin/0.2)) * math.Min(1, meanScore/0.6)
	return v, round(conf, 3), r
}
