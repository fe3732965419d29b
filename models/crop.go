package models

import (
	"image"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// The constants of MoveNet's recommended cropping algorithm for video
// (TensorFlow Hub MoveNet tutorial): keypoints below minCropKeypointScore
// are ignored; the crop reaches torsoExpansion times the farthest torso
// joint and bodyExpansion times the farthest confident joint from the hip
// centre.
const (
	minCropKeypointScore = 0.2
	torsoExpansion       = 1.9
	bodyExpansion        = 1.2
)

// nextRegion returns the region to crop from the next w x h frame, given the
// pose found in this one (keypoints in source pixels). It centres a square
// on the hips, large enough to hold the torso and every confident joint with
// a margin, and falls back to the full-frame letterbox when the torso is not
// visible or the square would exceed the frame.
func nextRegion(p *pose.Pose, w, h int, origin image.Point) Region {
	full := Letterbox(w, h)
	if !p.Person || !torsoVisible(p) {
		return full
	}
	ox, oy := float64(origin.X), float64(origin.Y)
	lh, rh := p.At(pose.LeftHip), p.At(pose.RightHip)
	cx := (lh.X+rh.X)/2 - ox
	cy := (lh.Y+rh.Y)/2 - oy

	var torsoX, torsoY, bodyX, bodyY float64
	for _, j := range [...]pose.Joint{pose.LeftShoulder, pose.RightShoulder, pose.LeftHip, pose.RightHip} {
		k := p.At(j)
		torsoX = max(torsoX, math.Abs(cx+ox-k.X))
		torsoY = max(torsoY, math.Abs(cy+oy-k.Y))
	}
	for _, k := range p.Keypoints {
		if k.Score < minCropKeypointScore {
			continue
		}
		bodyX = max(bodyX, math.Abs(cx+ox-k.X))
		bodyY = max(bodyY, math.Abs(cy+oy-k.Y))
	}
	half := max(torsoX*torsoExpansion, torsoY*torsoExpansion, bodyX*bodyExpansion, bodyY*bodyExpansion)
	// Never reach further than the farthest frame edge from the centre.
	half = min(half, max(cx, float64(w)-cx, cy, float64(h)-cy))
	if half > float64(max(w, h))/2 || !(half >= minCropPixels/2) {
		return full
	}
	return Region{X: cx - half, Y: cy - half, Side: 2 * half}
}

// minCropPixels is the smallest crop side worth running the model on; a
// degenerate pose (all joints in one spot) gives the full frame instead.
const minCropPixels = 8

// torsoVisible reports whether a hip and a shoulder are confident; a pose
// whose skeleton lacks them has no torso to crop around.
func torsoVisible(p *pose.Pose) bool {
	score := func(j pose.Joint) float64 {
		if k, ok := p.Get(j); ok {
			return k.Score
		}
		return 0
	}
	return (score(pose.LeftHip) > minCropKeypointScore || score(pose.RightHip) > minCropKeypointScore) &&
		(score(pose.LeftShoulder) > minCropKeypointScore || score(pose.RightShoulder) > minCropKeypointScore)
}
