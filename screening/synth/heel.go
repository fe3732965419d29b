package synth

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// Heel rise: a foot whose heel leaves the floor rocks on the ball of the
// foot (the metatarsal heads) with the toes flat, so the heel and the
// ankle rise and the toe stays down. The ball lies 0.73 of the foot's
// length ahead of the heel (Drillis & Contini 1966 proportions; the heel
// keypoint is 0.06 m behind the ankle and the toe tip 0.20 m ahead of it,
// see foot).

// footLen is the heel-to-toe length of the synthetic foot, in metres.
const footLen = heelBack + toeFwd

// ballFwd is how far the ball of the foot lies ahead of the ankle.
const ballFwd = 0.73*footLen - heelBack

// heelPitch is the angle (radians) by which a foot rocking on its ball
// lifts its heel keypoint by lift metres.
func heelPitch(lift float64) float64 {
	if lift <= 0 {
		return 0
	}
	// The heel keypoint lies b = heelBack + ballFwd behind the ball and
	// heelUp above the floor; pitched by p it is heelUp·cos p + b·sin p
	// above the floor.
	b := heelBack + ballFwd
	r := math.Hypot(b, heelUp)
	return math.Asin(math.Min(1, (heelUp+lift)/r)) - math.Atan2(heelUp, b)
}

// pitchedFoot places side s's foot, flat with its ankle at a0 (on the
// floor at floor), rocked up on its ball by pitch radians: the ankle and
// the heel turn about the horizontal axis through the ball, across the
// foot's direction (toeOutDeg outward); the toe stays on the floor.
func pitchedFoot(a0 vec3, floor float64, s int, toeOutDeg, pitch float64) (ankle, heel, toe vec3) {
	d := v3(sideX[s]*math.Sin(rad(toeOutDeg)), 0, math.Cos(rad(toeOutDeg)))
	heel = v3(a0.x-d.x*heelBack, floor+heelUp, a0.z-d.z*heelBack)
	toe = v3(a0.x+d.x*toeFwd, floor+toeUp, a0.z+d.z*toeFwd)
	ball := v3(a0.x+d.x*ballFwd, floor, a0.z+d.z*ballFwd)
	turn := func(p vec3) vec3 {
		// p relative to the ball: along the foot (f) and up (y); the
		// heel-up rotation lifts points behind the ball.
		r := p.sub(ball)
		f := r.x*d.x + r.z*d.z
		side := r.sub(d.scale(f)).sub(v3(0, r.y, 0))
		c, sn := math.Cos(pitch), math.Sin(pitch)
		f2, y2 := f*c+r.y*sn, r.y*c-f*sn
		return ball.add(side).add(d.scale(f2)).add(v3(0, y2, 0))
	}
	return turn(a0), turn(heel), toe
}

// flatAnkle inverts pitchedFoot: the flat foot's ankle position of a foot
// rocked by pitch radians whose ankle is at a.
func flatAnkle(a vec3, floor float64, s int, toeOutDeg, pitch float64) vec3 {
	d := v3(sideX[s]*math.Sin(rad(toeOutDeg)), 0, math.Cos(rad(toeOutDeg)))
	c, sn := math.Cos(pitch), math.Sin(pitch)
	// The flat ankle lies ballFwd behind the ball and ankleH above the
	// floor; pitched, -ballFwd·c + ankleH·sn along the foot and
	// ankleH·c + ballFwd·sn above the floor.
	ball := a.sub(d.scale(-ballFwd*c + ankleH*sn))
	ball.y = floor
	a0 := ball.add(d.scale(-ballFwd))
	a0.y = floor + ankleH
	return a0
}

// heelRiseOf is the heel keypoint's rise above its flat position
// relative to the toe, in foot lengths.
func heelRiseOf(heel, toe vec3, floor float64) float64 {
	return ((heel.y - toe.y) - (heelUp - toeUp)) / footLen
}

// dorsiflexionOf is the ankle's dorsiflexion in degrees from standing:
// how much the 3D angle between the shank (ankle to knee) and the ankle
// to toe line has closed since the standing pose.
func dorsiflexionOf(knee, ankle, toe, kneeStand, ankleStand, toeStand vec3) float64 {
	angle := func(k, a, t vec3) float64 {
		u, v := k.sub(a), t.sub(a)
		return math.Acos(clamp(u.dot(v)/math.Sqrt(u.dot(u)*v.dot(v)), -1, 1)) * 180 / math.Pi
	}
	return angle(kneeStand, ankleStand, toeStand) - angle(knee, ankle, toe)
}

// footScore is a foot keypoint's score as BlazePose gives it: its
// visibility, 0.9-0.99 for a foot in plain view on real footage, higher
// than MoveNet-like confidence the other joints are drawn with (score); a
// foot hidden behind the other leg in profile keeps the occluded score.
func footScore(j pose.Joint, score float64, occluded bool) float64 {
	if occluded || (j != pose.LeftHeel && j != pose.RightHeel && j != pose.LeftFootIndex && j != pose.RightFootIndex) {
		return score
	}
	return math.Min(0.99, score+0.13)
}
