// Package synth generates synthetic keypoint tracks for testing the
// screening code: a 3D stick body performing bilateral squats, single-leg
// squats, step-downs, split-stance lunges or hip hinges with set knee
// valgus, knee position over a toed-out foot (per rep if wanted), pelvic
// drop, trunk lean, stance width, depth and tempo, optionally walking into
// and out of view or stepping to a new place, projected by a pinhole
// camera placed in front of,
// beside or at any angle to the person (and turning around the person
// mid-recording), with pixel noise, dropped keypoints, outliers and
// left/right swaps, as MoveNet's 17 keypoints or BlazePose's 33 (with
// heels and toes: Config.Feet). It also returns the noise-free ground
// truth.
package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"

	"github.com/kneescreen/kneescreen/pose"
)

// Movements the generator performs.
const (
	Squat          = "squat"
	SingleLegSquat = "single-leg-squat"
	StepDown       = "step-down"
	// Lunge is a static split squat: the stance (front) foot ahead, the
	// rear foot behind on its toes, both on the floor; the rear knee
	// drops towards the floor.
	Lunge = "lunge"
	// HipHinge bends the trunk far forward with little knee flexion (a
	// kettlebell pick-up or Romanian deadlift): not a squat.
	HipHinge = "hip-hinge"
)

// Config describes one synthetic recording. Zero fields take the defaults
// documented on each field.
type Config struct {
	// Movement is Squat (default), SingleLegSquat, StepDown, Lunge or
	// HipHinge.
	Movement string
	// StanceRight puts single-leg tasks on the right leg (default left);
	// in a lunge the stance leg is the front one.
	StanceRight bool
	// SwitchLegAfter > 0 switches single-leg tasks to the other leg after
	// that many reps (both legs in one recording).
	SwitchLegAfter int
	// Reps is the number of repetitions (default 3; 0 with NoReps).
	Reps   int
	NoReps bool
	// Tempo in seconds: descent (1.0), pause at the bottom (0.2), ascent
	// (1.0), standing pause between reps (0.8), standing before the first
	// rep (1.0) and after the last (1.0).
	DescentS, BottomS, AscentS, TopS, LeadS, TailS float64
	// KneeFlexionDeg at the bottom (default 100 for squats, 60 for
	// single-leg tasks, 30 for hip hinges; a lunge's depth is set by its
	// rear knee, see LungeKneeHeightM).
	KneeFlexionDeg float64
	// KneeFlexionByRep overrides KneeFlexionDeg per rep (entry k for rep
	// k+1), for reps of different depths.
	KneeFlexionByRep []float64
	// KneeFlexionScale scales each leg's knee flexion in squats (index 0
	// left, 1 right; 0 means 1), for left/right flexion asymmetry.
	KneeFlexionScale [2]float64
	// KneeShare is the share of knee flexion taken by forward shank
	// inclination (default 0.45); TrunkFactor scales trunk forward lean
	// with thigh inclination (default 0.9). Together they set knee vs hip
	// dominance.
	KneeShare, TrunkFactor float64
	// ValgusDeg is the frontal plane angle of each knee at the bottom
	// (index 0 left, 1 right), reached in proportion to depth; negative
	// for knees pushed out. With the camera square-on (within 2°) to the
	// front or back it is set in the camera's image (so perspective does
	// not change the set FPPA), otherwise in the body's frontal plane,
	// where a camera off square-on sees another angle (Truth.BodyFPPA);
	// ValgusInBody always sets it in the body's frontal plane. ValgusByRep overrides it per rep (entry k for rep
	// k+1; missing entries keep ValgusDeg).
	ValgusDeg    [2]float64
	ValgusByRep  [][2]float64
	ValgusInBody bool
	// ToeOutDeg turns each foot outward from straight ahead (the foot
	// progression angle). Unless KneeMedial moves them, the knees track
	// over the feet: seen from above, each knee travels from its standing
	// position in the direction its foot points (its foot's line).
	// ToeOutDeg, KneeMedial and KneeMedialByRep exclude ValgusDeg.
	ToeOutDeg float64
	// KneeMedial is each knee's horizontal distance medial of its foot's
	// line at the bottom, in shank lengths (positive inside, negative
	// outside), reached in proportion to depth; KneeMedialByRep overrides
	// it per rep (entry k for rep k+1). The knee swings about the
	// hip-ankle axis, so segment lengths stay exact.
	KneeMedial      [2]float64
	KneeMedialByRep [][2]float64
	// KneeMedialMidRange moves the knee inside most halfway down and
	// back over the foot at the bottom (KneeMedial is then reached at
	// half depth), the way knees cave on the way down and up.
	KneeMedialMidRange bool
	// PelvicDropDeg: the free side of the pelvis drops by this at the
	// bottom (single-leg tasks).
	PelvicDropDeg float64
	// TrunkLeanDeg: lateral trunk lean at the bottom, towards the stance
	// side (single-leg tasks) or the person's right (squats).
	TrunkLeanDeg float64
	// ShoulderScale scales the shoulder breadth (1: 0.38 m between the
	// shoulder joints), for narrow and broad people.
	ShoulderScale float64
	// HeadYawDeg turns the head about the vertical relative to the trunk,
	// towards the person's left for positive angles (a glance at a
	// camera placed to the side).
	HeadYawDeg float64
	// TrunkFlexDeg sets the trunk's forward lean at the bottom directly
	// (default 75 for hip hinges; otherwise TrunkFactor sets it).
	TrunkFlexDeg float64
	// StrideM is the front-to-back distance between the ankles of a lunge
	// (0.9) and LungeKneeHeightM the rear knee's height above the floor
	// at the bottom (0.12). LungeStep makes each rep a forward lunge: the
	// front foot steps out from beside the rear one and back.
	StrideM, LungeKneeHeightM float64
	LungeStep                 bool
	// HandsOffWaist: in single-leg tasks the hands leave the waist at the
	// bottom (arms abduct); otherwise they rest on the hips.
	HandsOffWaist bool
	// StanceAnkleShiftM moves the stance ankle sideways by this many
	// metres at the bottom (loss of balance).
	StanceAnkleShiftM float64
	// TouchdownReps lists reps (1-based) of single-leg tasks in which the
	// free foot touches down on the floor (loss of balance): it reaches the
	// floor late in the descent, stays there through the bottom and lifts
	// off early in the ascent. The floor is the one the stance foot stands
	// on (single-leg squat) or the floor below the 20 cm step (step-down);
	// the stance knee flexes as far as needed for the free foot to reach
	// it in that rep.
	TouchdownReps []int
	// Feet gives the track BlazePose's 33-landmark skeleton, whose feet
	// carry a heel and a toe (foot index) keypoint: a foot on the floor
	// points along its toe-out (ToeOutDeg), a lifted one along its shank's
	// perpendicular. Without it the track is MoveNet's COCO-17, which has
	// no feet.
	Feet bool
	// HeelRise lifts each heel (index 0 left, 1 right) at the bottom by
	// this many foot lengths relative to the toe, reached in proportion
	// to depth: the foot rocks on its ball, so the ankle rises too and the
	// leg stands on it (heel.go).
	HeelRise [2]float64
	// StanceWidthM is the distance between the ankles in squats (0.18, hip
	// width, so neutral knees track over the ankles).
	StanceWidthM float64
	// YawDeg places the camera around the person: 0 in front (default),
	// 90 on the person's left side, 180 behind. With TurnS > 0 the
	// camera orbits from YawDeg to YawEndDeg between TurnAtS and
	// TurnAtS + TurnS seconds (the same as the person turning in place).
	YawDeg                    float64
	YawEndDeg, TurnAtS, TurnS float64
	// Width, Height of the image (1920x1080 default) and frame rate (30).
	Width, Height int
	FPS           float64
	// BodyFrac is the standing body height as a share of image height
	// (0.7).
	BodyFrac float64
	// DistanceM from camera to person (4).
	DistanceM float64
	// NoisePx is the SD of Gaussian pixel noise added to every keypoint;
	// OccludedNoisePx adds more to the far side's keypoints when the
	// camera is more than 45° off the front or back (a model guessing
	// occluded joints).
	NoisePx, OccludedNoisePx float64
	// DropProb is the chance that a keypoint is dropped (score 0.1,
	// position garbage); OutlierProb the chance of a confident but wrong
	// position (60-150 px off).
	DropProb, OutlierProb float64
	// SwapFrames lists [first, last] frame ranges whose left and right
	// leg keypoints are exchanged (a model confusion).
	SwapFrames [][2]int
	// WalkInS and WalkOutS walk the person in from beyond the left image
	// edge and out beyond the right edge, taking this long (0: none).
	WalkInS, WalkOutS float64
	// StepM moves the whole person (feet re-planted) by this many metres
	// sideways (index 0, towards the person's left when facing the camera
	// at yaw 0) and forward (index 1, towards a camera at yaw 0), between
	// StepAtS and StepAtS + StepS seconds: a step to a new place.
	StepM          [2]float64
	StepAtS, StepS float64
	// Seed seeds the noise.
	Seed int64
}

// Truth is the noise-free ground truth of a generated track.
type Truth struct {
	// Reps and their start, bottom and end frames.
	Reps                            int
	StartFrames, BottomFrames, Ends []int
	// FPPA per frame and side (0 left, 1 right), from the noise-free
	// projected keypoints; NaN where the person is not in view.
	FPPA [2][]float64
	// ThighRatio per frame and side: thigh image length ÷ standing
	// thigh image length.
	ThighRatio [2][]float64
	// BodyFPPA per frame and side: FPPA in the body's own frontal plane
	// (orthographic), what a camera square to the person would measure.
	BodyFPPA [2][]float64
	// KneeMedial per frame and side: the knee's horizontal distance
	// medial of its foot's line (through the standing knee, along the
	// foot), in shank lengths (positive inside).
	KneeMedial [2][]float64
	// YawDeg per frame: the camera's yaw (Config.YawDeg, turning).
	YawDeg []float64
	// FreeFootDown per frame: the free foot of a single-leg task is on
	// the floor (TouchdownReps).
	FreeFootDown []bool
	// PelvicTiltDeg per frame: hip-line tilt in the image, positive when
	// the free (single-leg) or left (squat) hip is lower.
	PelvicTiltDeg []float64
	// HeelRise per frame and side: the heel's rise relative to the toe
	// since standing, in foot lengths (HeelRise).
	HeelRise [2][]float64
	// AnkleDorsiflexionDeg per frame and side: how much the 3D angle
	// between the shank and the ankle-to-toe line has closed since
	// standing.
	AnkleDorsiflexionDeg [2][]float64
	// Clean is the noise-free track (same frames as the generated one).
	Clean *pose.Track
}

// Body dimensions in metres (adult about 1.75 m tall).
const (
	ankleH   = 0.08
	shankL   = 0.42
	thighL   = 0.44
	hipHalf  = 0.09
	torsoL   = 0.50
	shoulder = 0.19
	upperArm = 0.29
	foreArm  = 0.26
	stepH    = 0.20
	height   = 1.75
)

type vec3 struct{ x, y, z float64 }

func (a vec3) add(b vec3) vec3        { return vec3{a.x + b.x, a.y + b.y, a.z + b.z} }
func (a vec3) scale(k float64) vec3   { return vec3{a.x * k, a.y * k, a.z * k} }
func (a vec3) dot(b vec3) float64     { return a.x*b.x + a.y*b.y + a.z*b.z }
func (a vec3) sub(b vec3) vec3        { return vec3{a.x - b.x, a.y - b.y, a.z - b.z} }
func v3(x, y, z float64) vec3         { return vec3{x, y, z} }
func rad(d float64) float64           { return d * math.Pi / 180 }
func lerp(a, b vec3, t float64) vec3  { return a.add(b.sub(a).scale(t)) }
func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// ErrConfig is wrapped by errors about impossible configurations.
var ErrConfig = errors.New("synth: bad config")

func (c *Config) defaults() error {
	if c.Movement == "" {
		c.Movement = Squat
	}
	switch c.Movement {
	case Squat, SingleLegSquat, StepDown, Lunge, HipHinge:
	default:
		return fmt.Errorf("synth: movement %q: %w", c.Movement, ErrConfig)
	}
	if c.Reps == 0 && !c.NoReps {
		c.Reps = 3
	}
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.DescentS, 1)
	def(&c.BottomS, 0.2)
	def(&c.AscentS, 1)
	def(&c.TopS, 0.8)
	def(&c.LeadS, 1)
	def(&c.TailS, 1)
	switch c.Movement {
	case Squat:
		def(&c.KneeFlexionDeg, 100)
	case HipHinge:
		def(&c.KneeFlexionDeg, 30)
		def(&c.KneeShare, 0.35)
		def(&c.TrunkFlexDeg, 75)
	default:
		def(&c.KneeFlexionDeg, 60)
	}
	def(&c.KneeShare, 0.45)
	def(&c.StrideM, 0.9)
	def(&c.ShoulderScale, 1)
	def(&c.LungeKneeHeightM, 0.12)
	def(&c.TrunkFactor, 0.9)
	def(&c.StanceWidthM, 2*hipHalf)
	if c.Width == 0 {
		c.Width = 1920
	}
	if c.Height == 0 {
		c.Height = 1080
	}
	def(&c.FPS, 30)
	def(&c.BodyFrac, 0.7)
	def(&c.DistanceM, 4)
	if c.Reps < 0 || c.FPS <= 0 || c.Width <= 0 || c.Height <= 0 {
		return fmt.Errorf("synth: reps %d, fps %g, size %dx%d: %w", c.Reps, c.FPS, c.Width, c.Height, ErrConfig)
	}
	if c.footTracked() && (c.ValgusDeg != [2]float64{} || len(c.ValgusByRep) > 0) {
		return fmt.Errorf("synth: ValgusDeg with ToeOutDeg or KneeMedial: set knees either by angle or over the foot: %w", ErrConfig)
	}
	if c.TurnS < 0 || c.StrideM < 0.2 || c.StrideM > 1.4 {
		return fmt.Errorf("synth: turn %g s, stride %g m: %w", c.TurnS, c.StrideM, ErrConfig)
	}
	return nil
}

// phaseAt returns the squat phase (0 standing .. 1 bottom), the walking
// offset along the camera's horizontal (metres) and the gait amplitude at
// time t, plus the rep index in progress (-1 none).
type timeline struct {
	cfg                  *Config
	walkIn, lead, repDur float64
	repsEnd, total       float64
	walkDist             float64
}

func newTimeline(c *Config) *timeline {
	tl := &timeline{cfg: c}
	tl.walkIn = c.WalkInS
	tl.lead = tl.walkIn + c.LeadS
	tl.repDur = c.DescentS + c.BottomS + c.AscentS
	n := float64(c.Reps)
	tl.repsEnd = tl.lead + n*tl.repDur + math.Max(0, n-1)*c.TopS
	tl.total = tl.repsEnd + c.TailS + c.WalkOutS
	// Half the visible width at the person's distance plus a body width.
	halfW := float64(c.Width) / 2 / focal(c) * c.DistanceM
	tl.walkDist = halfW + 0.6
	return tl
}

func focal(c *Config) float64 { return c.BodyFrac * float64(c.Height) * c.DistanceM / height }

func smooth(u float64) float64 { return (1 - math.Cos(math.Pi*clamp(u, 0, 1))) / 2 }

func (tl *timeline) at(t float64) (phase, walk, gait float64) {
	c := tl.cfg
	switch {
	case t < tl.walkIn:
		u := t / tl.walkIn
		return 0, -tl.walkDist * (1 - u), clamp((tl.walkIn-t)/0.3, 0, 1)
	case t >= tl.repsEnd+c.TailS && c.WalkOutS > 0:
		u := (t - tl.repsEnd - c.TailS) / c.WalkOutS
		return 0, tl.walkDist * u, clamp((t-tl.repsEnd-c.TailS)/0.3, 0, 1)
	case t >= tl.lead && t < tl.repsEnd:
		r := t - tl.lead
		period := tl.repDur + c.TopS
		k := math.Floor(r / period)
		r -= k * period
		switch {
		case r < c.DescentS:
			return smooth(r / c.DescentS), 0, 0
		case r < c.DescentS+c.BottomS:
			return 1, 0, 0
		case r < tl.repDur:
			return 1 - smooth((r-c.DescentS-c.BottomS)/c.AscentS), 0, 0
		}
	}
	return 0, 0, 0
}

// repAt returns the index (0-based) of the rep in progress at time t, or
// -1 outside reps.
func (tl *timeline) repAt(t float64) int {
	c := tl.cfg
	if t < tl.lead || t >= tl.repsEnd {
		return -1
	}
	period := tl.repDur + c.TopS
	k := math.Floor((t - tl.lead) / period)
	if t-tl.lead-k*period >= tl.repDur {
		return -1
	}
	return int(k)
}

// touchAt returns, at time t, the weight (0..1) with which the free foot
// is drawn to the floor and the knee flexion (degrees) at the bottom of
// the rep in progress.
func (tl *timeline) touchAt(t, s float64, stanceRight bool) (touch, flexDeg float64) {
	c := tl.cfg
	flexDeg = c.KneeFlexionDeg
	k := tl.repAt(t)
	if k < 0 || (c.Movement != SingleLegSquat && c.Movement != StepDown) || !slices.Contains(c.TouchdownReps, k+1) {
		return 0, flexDeg
	}
	return clamp((s-0.6)/0.25, 0, 1), touchdownFlex(c, stanceRight)
}

// touchdownFlex returns the bottom knee flexion at which the free hip
// comes low enough for the free foot to reach the floor with its knee
// slightly bent (at least the configured flexion).
func touchdownFlex(c *Config, stanceRight bool) float64 {
	reach := func(flex float64) bool {
		cc := *c
		cc.KneeFlexionDeg = flex
		j := skeleton(&cc, nil, 1, 0, 0, stanceRight, 0)
		fr := pose.LeftHip
		if !stanceRight {
			fr = pose.RightHip
		}
		h := j[fr]
		return math.Hypot(h.y-ankleH, touchFwd) <= 0.97*(thighL+shankL)
	}
	lo, hi := c.KneeFlexionDeg, 150.0
	if reach(lo) {
		return lo
	}
	for i := 0; i < 40; i++ {
		m := (lo + hi) / 2
		if reach(m) {
			hi = m
		} else {
			lo = m
		}
	}
	return hi
}

// touchFwd is how far forward of the free hip the free foot touches down
// (metres).
const touchFwd = 0.1

// legIK places the knee of a two-segment leg from hip h to ankle a, bent
// forward (+z), with the ankle first pulled within reach of the hip.
func legIK(h, a vec3) (knee, ankle vec3) {
	d := a.sub(h)
	l := math.Sqrt(d.dot(d))
	if maxL := 0.999 * (thighL + shankL); l > maxL {
		d = d.scale(maxL / l)
		l = maxL
	}
	ankle = h.add(d)
	u := d.scale(1 / l)
	x := (thighL*thighL - shankL*shankL + l*l) / (2 * l)
	y := math.Sqrt(math.Max(0, thighL*thighL-x*x))
	fwd := v3(0, 0, 1)
	n := fwd.sub(u.scale(fwd.dot(u)))
	n = n.scale(1 / math.Sqrt(n.dot(n)))
	return h.add(u.scale(x)).add(n.scale(y)), ankle
}

// stanceRightAt says which leg carries a single-leg task at time t: that
// of the rep in progress or the next one.
func (tl *timeline) stanceRightAt(t float64) bool {
	c := tl.cfg
	if c.SwitchLegAfter <= 0 {
		return c.StanceRight
	}
	period := tl.repDur + c.TopS
	k := int(math.Floor((t - tl.lead + c.TopS) / period))
	if k >= c.SwitchLegAfter {
		return !c.StanceRight
	}
	return c.StanceRight
}

// bottomTimes returns the middle of each rep's bottom pause.
func (tl *timeline) bottomTimes() []float64 {
	c := tl.cfg
	var out []float64
	for k := 0; k < c.Reps; k++ {
		out = append(out, tl.lead+float64(k)*(tl.repDur+c.TopS)+c.DescentS+c.BottomS/2)
	}
	return out
}

// skeleton returns the 17 joints in person coordinates (x = person's
// left, y up, z forward), metres.
//
// Knee valgus is set in the image of cam when cam looks square-on at the
// person's front or back (so perspective does not change the set FPPA),
// else in the orthographic frontal plane (always there with
// ValgusInBody). With
// ToeOutDeg or KneeMedial the knees are placed relative to the feet
// instead (kneeOverFoot).
//
// touch (0..1) draws the free foot of a single-leg task to the floor.
func skeleton(c *Config, cam *camera, s, gait, t float64, stanceRight bool, touch float64) map[pose.Joint]vec3 {
	j := make(map[pose.Joint]vec3, 40)
	single := c.Movement == SingleLegSquat || c.Movement == StepDown
	unilateral := single || c.Movement == Lunge
	st := 0 // stance side index: 0 left, 1 right
	if stanceRight {
		st = 1
	}
	floor := [2]float64{0, 0}
	if c.Movement == StepDown {
		floor[st] = stepH
		floor[1-st] = stepH // free foot hangs level with the step at rest
	}
	phi := rad(c.KneeFlexionDeg) * s
	alpha := c.KneeShare * phi
	beta := phi - alpha
	// Stance leg(s), sagittal geometry.
	leg := func(side int, ax float64) (hip, knee, ankle vec3) {
		alpha, beta := alpha, beta
		if k := c.KneeFlexionScale[side]; k != 0 && !single {
			alpha, beta = alpha*k, beta*k
		}
		ankle = v3(ax, floor[side]+ankleH, 0)
		if p := heelPitch(c.HeelRise[side] * footLen * s); p > 0 {
			ankle, _, _ = pitchedFoot(ankle, floor[side], side, c.ToeOutDeg, p)
		}
		knee = ankle.add(v3(0, shankL*math.Cos(alpha), shankL*math.Sin(alpha)))
		hip = knee.add(v3(0, thighL*math.Cos(beta), -thighL*math.Sin(beta)))
		return
	}
	var hip, knee, ankle [2]vec3
	switch {
	case c.Movement == Lunge:
		hip, knee, ankle = lungeLegs(c, s, st)
		beta = math.Acos(clamp((hip[st].y-knee[st].y)/thighL, -1, 1))
	case !single:
		for side := 0; side < 2; side++ {
			ax := sideX[side] * c.StanceWidthM / 2
			hip[side], knee[side], ankle[side] = leg(side, ax)
			if dx := sideX[side]*hipHalf - ax; dx != 0 {
				// A stance wider or narrower than the hips: the hip keeps
				// its sagittal distance from the ankle and sits lower.
				d := hip[side].sub(ankle[side])
				dy := math.Sqrt(math.Max(0, d.dot(d)-d.z*d.z-dx*dx))
				hip[side] = v3(sideX[side]*hipHalf, ankle[side].y+dy, hip[side].z)
				knee[side], _ = legIK(hip[side], ankle[side])
			} else {
				hip[side].x = sideX[side] * hipHalf
			}
		}
	default:
		hip[st], knee[st], ankle[st] = leg(st, sideX[st]*hipHalf)
		ankle[st].x += sideX[st] * c.StanceAnkleShiftM * s
		fr := 1 - st
		drop := rad(c.PelvicDropDeg) * s
		hip[fr] = hip[st].add(v3(sideX[fr]*2*hipHalf*math.Cos(drop), -2*hipHalf*math.Sin(drop), 0))
		var hf, kf float64
		if c.Movement == SingleLegSquat {
			hf, kf = rad(45), rad(90) // the free leg hangs from the pelvis
		} else {
			hf, kf = rad(10), rad(10*(1-s))
		}
		knee[fr] = hip[fr].add(v3(0, -thighL*math.Cos(hf), thighL*math.Sin(hf)))
		ankle[fr] = knee[fr].add(v3(0, -shankL*math.Cos(hf-kf), shankL*math.Sin(hf-kf)))
		if touch > 0 {
			// The foot is drawn to the floor (ankle at ankle height above
			// the ground) a little ahead of the free hip.
			target := v3(ankle[fr].x, ankleH, hip[fr].z+touchFwd)
			knee[fr], ankle[fr] = legIK(hip[fr], lerp(ankle[fr], target, touch))
		}
	}
	// Walking: legs swing in the sagittal plane about the hips.
	if gait > 0 {
		for side := 0; side < 2; side++ {
			g := rad(20) * gait * math.Sin(2*math.Pi*0.9*t+math.Pi*float64(side))
			h := v3(sideX[side]*hipHalf, floor[side]+ankleH+shankL+thighL, 0)
			hip[side] = h
			knee[side] = h.add(v3(0, -thighL*math.Cos(g), thighL*math.Sin(g)))
			kg := g - rad(15)*gait*math.Max(0, math.Sin(2*math.Pi*0.9*t+math.Pi*float64(side)))
			ankle[side] = knee[side].add(v3(0, -shankL*math.Cos(kg), shankL*math.Sin(kg)))
		}
	}
	for side := 0; side < 2; side++ {
		if unilateral && side != st {
			continue
		}
		h, a := hip[side], ankle[side]
		switch {
		case c.footTracked():
			amount := s
			if c.KneeMedialMidRange {
				amount = 4 * s * (1 - s) // most inside halfway down, back over the foot at the bottom
			}
			knee[side] = kneeOverFoot(h, knee[side], a, standingKnee(c, side, stanceRight), side, c.ToeOutDeg, c.KneeMedial[side]*amount)
			continue
		case c.ValgusInBody || (cam != nil && math.Abs(math.Sin(rad(cam.yaw))) >= squareOnSin):
			knee[side] = kneeBodyValgus(h, knee[side], a, side, c.ValgusDeg[side]*s)
			continue
		}
		// Knee valgus: move the knee medially until its frontal-plane
		// angle reaches the set FPPA at this depth.
		v := c.ValgusDeg[side] * s
		// Start on the hip-ankle line.
		u := (h.y - knee[side].y) / (h.y - a.y)
		knee[side].x = h.x + (a.x-h.x)*u
		if v == 0 && cam == nil {
			continue
		}
		medial := v3(-sideX[side], 0, 0)
		if cam != nil {
			d := solveProjected(cam, h, knee[side], a, medial, v)
			knee[side] = knee[side].add(medial.scale(d))
		} else if v != 0 {
			d := solveOffset(h, knee[side], a, rad(v))
			knee[side] = knee[side].add(medial.scale(d))
		}
	}
	for side, jj := range [2][3]pose.Joint{{pose.LeftHip, pose.LeftKnee, pose.LeftAnkle}, {pose.RightHip, pose.RightKnee, pose.RightAnkle}} {
		j[jj[0]], j[jj[1]], j[jj[2]] = hip[side], knee[side], ankle[side]
		j[footJoints[side][0]], j[footJoints[side][1]] = foot(knee[side], ankle[side], floor[side], side, c.ToeOutDeg)
		if p := heelPitch(c.HeelRise[side] * footLen * s); p > 0 && ankle[side].y > floor[side]+ankleH {
			// A heel that rises: the foot rocks on its ball (the ankle
			// was raised with it in leg).
			_, j[footJoints[side][0]], j[footJoints[side][1]] = pitchedFoot(flatAnkle(ankle[side], floor[side], side, c.ToeOutDeg, p), floor[side], side, c.ToeOutDeg, p)
		}
	}
	// Trunk.
	pelvis := lerp(hip[0], hip[1], 0.5)
	lam := c.TrunkFactor * beta
	switch {
	case c.TrunkFlexDeg != 0:
		lam = rad(c.TrunkFlexDeg) * s
	case c.Movement == Lunge:
		lam = rad(10) * s // a lunge keeps the trunk nearly upright
	}
	lat := rad(c.TrunkLeanDeg) * s
	latDir := -1.0 // squats: towards the person's right (-x)
	if unilateral {
		latDir = sideX[st]
	}
	up := v3(latDir*math.Sin(lat), math.Cos(lat)*math.Cos(lam), math.Cos(lat)*math.Sin(lam))
	lateral := v3(math.Cos(lat), -latDir*math.Sin(lat), 0)
	fwd := v3(0, 0, 1)
	// Head: ears on the axis through the tragions, the nose tip 0.11 m
	// ahead of it, 1.6 times the half ear separation (Farkas 1994 adult
	// norms: bitragion breadth about 0.14 m, tragion to subnasale about
	// 0.12 m, nasal tip protrusion about 0.02 m).
	sc := pelvis.add(up.scale(torsoL))
	head := sc.add(up.scale(0.23))
	j[pose.LeftShoulder] = sc.add(lateral.scale(shoulder * c.ShoulderScale))
	j[pose.RightShoulder] = sc.add(lateral.scale(-shoulder * c.ShoulderScale))
	hy := rad(c.HeadYawDeg)
	turn := func(p vec3) vec3 { // about the vertical through the head
		d := p.sub(head)
		return head.add(v3(d.x*math.Cos(hy)+d.z*math.Sin(hy), d.y, -d.x*math.Sin(hy)+d.z*math.Cos(hy)))
	}
	j[pose.Nose] = turn(head.add(up.scale(-0.01)).add(fwd.scale(0.11)))
	j[pose.LeftEye] = turn(head.add(up.scale(0.02)).add(fwd.scale(0.085)).add(lateral.scale(0.032)))
	j[pose.RightEye] = turn(head.add(up.scale(0.02)).add(fwd.scale(0.085)).add(lateral.scale(-0.032)))
	j[pose.LeftEar] = turn(head.add(lateral.scale(0.07)))
	j[pose.RightEar] = turn(head.add(lateral.scale(-0.07)))
	// Arms.
	for side, sj := range [2][3]pose.Joint{{pose.LeftShoulder, pose.LeftElbow, pose.LeftWrist}, {pose.RightShoulder, pose.RightElbow, pose.RightWrist}} {
		sh := j[sj[0]]
		out := lateral.scale(sideX[side])
		switch {
		case c.Movement == HipHinge:
			// Both hands hang straight down holding a kettlebell.
			down := v3(0, -1, 0)
			j[sj[1]] = sh.add(down.scale(upperArm))
			j[sj[2]] = sh.add(down.scale(upperArm + foreArm))
		case unilateral && !(c.HandsOffWaist && s > 0):
			// Hands on the waist.
			wr := hip[side].add(out.scale(0.06)).add(up.scale(0.08))
			j[sj[2]] = wr
			j[sj[1]] = lerp(sh, wr, 0.5).add(out.scale(0.14)).add(fwd.scale(-0.04))
		case unilateral:
			// Hands leave the waist: arms abduct with depth.
			a := rad(10 + 70*s)
			dir := out.scale(math.Sin(a)).add(up.scale(-math.Cos(a)))
			j[sj[1]] = sh.add(dir.scale(upperArm))
			j[sj[2]] = sh.add(dir.scale(upperArm + foreArm))
		default:
			// Squats: arms reach forward.
			j[sj[1]] = sh.add(fwd.scale(upperArm))
			j[sj[2]] = sh.add(fwd.scale(upperArm + foreArm))
		}
	}
	return j
}

// footJoints are each side's heel and toe (foot index).
var footJoints = [2][2]pose.Joint{{pose.LeftHeel, pose.LeftFootIndex}, {pose.RightHeel, pose.RightFootIndex}}

// Foot geometry (Drillis & Contini 1966: foot length 0.152 of body
// height, 0.27 m at 1.75 m; the ankle joint about a quarter of it ahead
// of the heel): the heel keypoint 0.06 m behind the ankle and 0.03 m above
// the floor, the toe tip 0.20 m ahead of it and 0.02 m above the floor.
const (
	heelBack, heelUp = 0.06, 0.03
	toeFwd, toeUp    = 0.20, 0.02
)

// foot returns the heel and toe of the foot below ankle a (knee k) of
// side s: on the floor it points toeOutDeg outward from straight ahead;
// lifted, along the perpendicular of its shank.
func foot(k, a vec3, floor float64, s int, toeOutDeg float64) (heel, toe vec3) {
	d := v3(sideX[s]*math.Sin(rad(toeOutDeg)), 0, math.Cos(rad(toeOutDeg)))
	if a.y <= floor+ankleH+0.01 {
		heel = v3(a.x-d.x*heelBack, floor+heelUp, a.z-d.z*heelBack)
		toe = v3(a.x+d.x*toeFwd, floor+toeUp, a.z+d.z*toeFwd)
		return
	}
	u := k.sub(a)
	u = u.scale(1 / math.Sqrt(u.dot(u)))
	d = d.sub(u.scale(u.dot(d)))
	d = d.scale(1 / math.Sqrt(d.dot(d)))
	heel = a.sub(d.scale(heelBack)).sub(u.scale(ankleH - heelUp))
	toe = a.add(d.scale(toeFwd)).sub(u.scale(ankleH - toeUp))
	return
}

// blazeExtras places BlazePose's landmarks that screening does not read
// (eye corners, mouth, fingers) near the joints they belong to.
func blazeExtras(j map[pose.Joint]vec3) {
	for s, n := range [2]string{"left", "right"} {
		eye, other := j[[2]pose.Joint{pose.LeftEye, pose.RightEye}[s]], j[[2]pose.Joint{pose.RightEye, pose.LeftEye}[s]]
		ear := j[[2]pose.Joint{pose.LeftEar, pose.RightEar}[s]]
		j[pose.Joint(n+"_eye_inner")] = lerp(eye, other, 0.2)
		j[pose.Joint(n+"_eye_outer")] = lerp(eye, ear, 0.25)
		j[pose.Joint("mouth_"+n)] = lerp(j[pose.Nose], eye, -0.6)
		el, wr := j[[2]pose.Joint{pose.LeftElbow, pose.RightElbow}[s]], j[[2]pose.Joint{pose.LeftWrist, pose.RightWrist}[s]]
		j[pose.Joint(n+"_pinky")] = lerp(el, wr, 1.28)
		j[pose.Joint(n+"_index")] = lerp(el, wr, 1.32)
		j[pose.Joint(n+"_thumb")] = lerp(el, wr, 1.2)
	}
}

// skeletonOf is the skeleton of the configured track.
func (c *Config) skeletonOf() *pose.Skeleton {
	if c.Feet {
		return pose.BlazePose33
	}
	return pose.COCO17
}

// squareOnSin is sin(2°): a camera within 2° of square-on to the front or
// back sets valgus in its image (unless ValgusInBody); any other camera
// sees the body's own frontal-plane valgus, with the parallax of the
// knee's forward travel a real camera would see.
const squareOnSin = 0.035

// sideX is the lateral direction of each side (0 left, 1 right) in
// person coordinates.
var sideX = [2]float64{1, -1}

// footTracked says whether knees are placed relative to the feet.
func (c *Config) footTracked() bool {
	return c.ToeOutDeg != 0 || c.KneeMedial != [2]float64{} || len(c.KneeMedialByRep) > 0
}

// kneeMedialOf is the knee's horizontal distance medial of its foot's
// line, in shank lengths: the line runs through ref, the knee's standing
// position, in the direction the foot of side s points (a knee that
// tracks over the foot travels along it), and the distance is taken
// across it at the knee's forward distance.
func kneeMedialOf(k, ref vec3, s int, toeOutDeg float64) float64 {
	line := ref.x + sideX[s]*(k.z-ref.z)*math.Tan(rad(toeOutDeg))
	return sideX[s] * (line - k.x) / shankL
}

// standingKnee is the knee of side s standing in the configured stance.
func standingKnee(c *Config, s int, stanceRight bool) vec3 {
	c0 := *c
	c0.ToeOutDeg, c0.KneeMedial, c0.KneeMedialByRep = 0, [2]float64{}, nil
	j := skeleton(&c0, nil, 0, 0, 0, stanceRight, 0)
	if s == 1 {
		return j[pose.RightKnee]
	}
	return j[pose.LeftKnee]
}

// swing turns knee k0 about the hip-ankle axis by th radians (towards
// the person's +x for th > 0 when the knee is forward of the axis),
// keeping both segment lengths.
func swing(h, a, k0 vec3, th float64) vec3 {
	d := a.sub(h)
	u := d.scale(1 / math.Sqrt(d.dot(d)))
	c := h.add(u.scale(k0.sub(h).dot(u)))
	r := k0.sub(c)
	ur := v3(u.y*r.z-u.z*r.y, u.z*r.x-u.x*r.z, u.x*r.y-u.y*r.x)
	return c.add(r.scale(math.Cos(th))).add(ur.scale(math.Sin(th)))
}

// solveSwing finds the swing of knee k0 about the hip-ankle axis at which
// f (increasing in the knee's x) is zero, by bisection over ±80°.
func solveSwing(h, a, k0 vec3, f func(k vec3) float64) vec3 {
	lo, hi := rad(-80), rad(80)
	if f(swing(h, a, k0, lo)) > f(swing(h, a, k0, hi)) {
		lo, hi = hi, lo
	}
	for i := 0; i < 60; i++ {
		m := (lo + hi) / 2
		if f(swing(h, a, k0, m)) < 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return swing(h, a, k0, (lo+hi)/2)
}

// kneeOverFoot places the knee of side s medial of its foot's line
// (through its standing position ref) by medial shank lengths.
func kneeOverFoot(h, k0, a, ref vec3, s int, toeOutDeg, medial float64) vec3 {
	return solveSwing(h, a, k0, func(k vec3) float64 {
		return -sideX[s] * (kneeMedialOf(k, ref, s, toeOutDeg) - medial) // increasing in k.x
	})
}

// kneeBodyValgus places the knee of side s at FPPA v degrees in the
// body's frontal plane (orthographic, x-y).
func kneeBodyValgus(h, k0, a vec3, s int, v float64) vec3 {
	if v == 0 && math.Abs(k0.z-h.z) < 1e-12 && math.Abs(k0.z-a.z) < 1e-12 {
		return k0
	}
	return solveSwing(h, a, k0, func(k vec3) float64 {
		return -sideX[s] * (bodyFPPA(h, k, a, s) - v)
	})
}

// bodyFPPA is FPPA in the body's frontal plane (x-y, orthographic) of
// side s, positive valgus.
func bodyFPPA(h, k, a vec3, s int) float64 {
	kp := func(p vec3) pose.Keypoint { return pose.Keypoint{X: p.x, Y: -p.y} }
	other := h.add(v3(-sideX[s]*2*hipHalf, 0, 0))
	return fppa2D(kp(h), kp(k), kp(a), kp(other))
}

// lungeLegs places both legs of a static split squat at phase s: the
// stance (front) ankle StrideM/2 ahead of the pelvis, the rear one
// behind it, on its toes (heel raised, ankle 0.12 m up); the pelvis
// descends from nearly straight legs until the rear knee is
// LungeKneeHeightM above the floor.
func lungeLegs(c *Config, s float64, st int) (hip, knee, ankle [2]vec3) {
	h0, h1 := lungeHeights(c, st)
	hy := h0 + (h1-h0)*s
	if c.LungeStep {
		// Forward lunge: from standing feet together the front foot steps
		// out during the first third of the descent (lifted a little on
		// the way), the pelvis moves forward over the stride and the rear
		// heel rises.
		u := clamp(s/0.35, 0, 1)
		stand := ankleH + 0.97*(thighL+shankL)
		hy = stand + (h1-stand)*s
		pz := c.StrideM / 2 * u
		for side := 0; side < 2; side++ {
			a := v3(sideX[side]*hipHalf, ankleH+(lungeRearAnkleH-ankleH)*s, 0)
			if side == st {
				a = v3(sideX[side]*hipHalf, ankleH+0.06*math.Sin(math.Pi*u), c.StrideM*u)
			}
			hip[side] = v3(sideX[side]*hipHalf, hy, pz)
			knee[side], ankle[side] = legIK(hip[side], a)
		}
		return
	}
	for side := 0; side < 2; side++ {
		z, y := c.StrideM/2, ankleH
		if side != st {
			z, y = -c.StrideM/2, lungeRearAnkleH
		}
		ankle[side] = v3(sideX[side]*hipHalf, y, z)
		hip[side] = v3(sideX[side]*hipHalf, hy, 0)
		knee[side], ankle[side] = legIK(hip[side], ankle[side])
	}
	return
}

// lungeRearAnkleH is the rear ankle's height in a lunge (heel raised).
const lungeRearAnkleH = 0.12

// lungeHeights returns the pelvis height of a lunge standing (front leg
// 2% short of straight) and at the bottom (rear knee at
// LungeKneeHeightM).
func lungeHeights(c *Config, st int) (h0, h1 float64) {
	half := c.StrideM / 2
	l := 0.98 * (thighL + shankL)
	h0 = ankleH + math.Sqrt(math.Max(0, l*l-half*half))
	rearKnee := func(hy float64) float64 {
		k, _ := legIK(v3(0, hy, 0), v3(0, lungeRearAnkleH, -half))
		return k.y
	}
	lo, hi := 0.2, h0
	for i := 0; i < 60; i++ {
		m := (lo + hi) / 2
		if rearKnee(m) > c.LungeKneeHeightM {
			hi = m
		} else {
			lo = m
		}
	}
	return h0, (lo + hi) / 2
}

// solveOffset finds the medial knee displacement d (metres) that makes
// the frontal-plane (x-y) angle at the knee deviate by v radians from
// straight: atan(d/a) + atan(d/b) = v with a, b the vertical thigh and
// shank extents.
func solveOffset(h, k, a vec3, v float64) float64 {
	ta, tb := math.Abs(h.y-k.y), math.Abs(k.y-a.y)
	sgn := 1.0
	if v < 0 {
		sgn, v = -1, -v
	}
	lo, hi := 0.0, 2.0
	for i := 0; i < 60; i++ {
		m := (lo + hi) / 2
		if math.Atan(m/ta)+math.Atan(m/tb) < v {
			lo = m
		} else {
			hi = m
		}
	}
	return sgn * (lo + hi) / 2
}

// solveProjected finds the medial knee displacement (metres) that makes
// the knee's projected FPPA equal v degrees.
func solveProjected(cam *camera, h, k, a, medial vec3, v float64) float64 {
	kp := func(p vec3) pose.Keypoint {
		x, y := cam.project(p)
		return pose.Keypoint{X: x, Y: y}
	}
	// The other hip lies medially from this one.
	other := kp(h.add(medial.scale(2 * hipHalf)))
	f := func(d float64) float64 { return fppa2D(kp(h), kp(k.add(medial.scale(d))), kp(a), other) - v }
	lo, hi := -0.5, 0.5
	for i := 0; i < 60; i++ {
		m := (lo + hi) / 2
		if f(m) < 0 {
			lo = m
		} else {
			hi = m
		}
	}
	return (lo + hi) / 2
}

type camera struct {
	pos, right, up, fwd vec3
	f, cx, cy           float64
	// yaw is the camera's yaw in degrees (Config.YawDeg at time 0).
	yaw float64
}

// yawAt is the camera's yaw at time t: YawDeg, turning to YawEndDeg
// between TurnAtS and TurnAtS + TurnS.
func (c *Config) yawAt(t float64) float64 {
	if c.TurnS <= 0 {
		return c.YawDeg
	}
	return c.YawDeg + (c.YawEndDeg-c.YawDeg)*smooth((t-c.TurnAtS)/c.TurnS)
}

// stepAt is the person's displacement at time t by the step (StepM).
func (c *Config) stepAt(t float64) vec3 {
	if c.StepM == [2]float64{} {
		return vec3{}
	}
	u := 1.0
	if c.StepS > 0 {
		u = smooth((t - c.StepAtS) / c.StepS)
	} else if t < c.StepAtS {
		u = 0
	}
	return v3(c.StepM[0], 0, c.StepM[1]).scale(u)
}

func newCamera(c *Config, t float64) camera {
	yaw := c.yawAt(t)
	th := rad(yaw)
	h := 0.9
	if c.Movement == StepDown {
		h += stepH
	}
	return camera{
		pos:   v3(c.DistanceM*math.Sin(th), h, c.DistanceM*math.Cos(th)),
		right: v3(math.Cos(th), 0, -math.Sin(th)),
		up:    v3(0, 1, 0),
		fwd:   v3(-math.Sin(th), 0, -math.Cos(th)),
		f:     focal(c), cx: float64(c.Width) / 2, cy: float64(c.Height) / 2,
		yaw: yaw,
	}
}

func (cam camera) project(p vec3) (x, y float64) {
	v := p.sub(cam.pos)
	z := v.dot(cam.fwd)
	return cam.cx + cam.f*v.dot(cam.right)/z, cam.cy - cam.f*v.dot(cam.up)/z
}

// repConfig returns the configuration of rep k (0-based; -1 outside
// reps): its per-rep valgus and knee position.
func (c *Config) repConfig(k int) Config {
	cr := *c
	if k >= 0 && k < len(c.ValgusByRep) {
		cr.ValgusDeg = c.ValgusByRep[k]
	}
	if k >= 0 && k < len(c.KneeMedialByRep) {
		cr.KneeMedial = c.KneeMedialByRep[k]
	}
	if k >= 0 && k < len(c.KneeFlexionByRep) {
		cr.KneeFlexionDeg = c.KneeFlexionByRep[k]
	}
	return cr
}

// Generate renders the configured recording as a keypoint track plus
// its ground truth.
func Generate(cfg Config) (*pose.Track, *Truth, error) {
	if err := cfg.defaults(); err != nil {
		return nil, nil, err
	}
	c := &cfg
	rng := rand.New(rand.NewSource(c.Seed))
	tl := newTimeline(c)
	n := int(math.Ceil(tl.total * c.FPS))
	skel := c.skeletonOf()
	clean := &pose.Track{Width: c.Width, Height: c.Height, FPS: c.FPS, Skeleton: skel, Poses: make([]pose.Pose, n)}
	noisy := &pose.Track{Width: c.Width, Height: c.Height, FPS: c.FPS, Skeleton: skel, Poses: make([]pose.Pose, n)}
	tr := &Truth{Reps: c.Reps, PelvicTiltDeg: make([]float64, n), FreeFootDown: make([]bool, n), YawDeg: make([]float64, n)}
	for s := 0; s < 2; s++ {
		tr.FPPA[s] = make([]float64, n)
		tr.ThighRatio[s] = make([]float64, n)
		tr.BodyFPPA[s] = make([]float64, n)
		tr.KneeMedial[s] = make([]float64, n)
		tr.HeelRise[s] = make([]float64, n)
		tr.AnkleDorsiflexionDeg[s] = make([]float64, n)
	}
	unilateral := c.Movement == SingleLegSquat || c.Movement == StepDown || c.Movement == Lunge
	for i := 0; i < n; i++ {
		t := float64(i) / c.FPS
		cam := newCamera(c, t)
		tr.YawDeg[i] = cam.yaw
		side := math.Abs(math.Sin(rad(cam.yaw))) > 0.7
		farLeft := math.Sin(rad(cam.yaw)) < 0 // camera on the right: left side is far
		s, walk, gait := tl.at(t)
		stanceRight := tl.stanceRightAt(t)
		touch, flex := tl.touchAt(t, s, stanceRight)
		cr := c.repConfig(tl.repAt(t))
		if flex == c.KneeFlexionDeg {
			flex = cr.KneeFlexionDeg // the rep's own depth, unless a touchdown sets it
		}
		cr.KneeFlexionDeg = flex
		sk := skeleton(&cr, &cam, s, gait, t, stanceRight, touch)
		if c.Feet {
			blazeExtras(sk)
		}
		stand := skeleton(&cr, &cam, 0, 0, 0, stanceRight, 0)
		if touch > 0 {
			fa := sk[pose.RightAnkle]
			if stanceRight {
				fa = sk[pose.LeftAnkle]
			}
			tr.FreeFootDown[i] = fa.y <= ankleH+0.005
		}
		off := cam.right.scale(walk).add(c.stepAt(t))
		p := pose.NewPose(skel)
		p.Frame, p.Time = i, t
		inside := 0
		for ix, jn := range skel.Joints() {
			x, y := cam.project(sk[jn].add(off))
			k := pose.Keypoint{X: x, Y: y, NX: x / float64(c.Width), NY: y / float64(c.Height), Score: 0.85}
			if x < 0 || y < 0 || x >= float64(c.Width) || y >= float64(c.Height) {
				k.Score = 0.05
			} else {
				inside++
			}
			p.Keypoints[ix] = k
		}
		p.Person = inside >= 8
		clean.Poses[i] = p
		// Ground truth from the clean projection and the 3D body.
		for sd, jj := range [2][3]pose.Joint{{pose.LeftHip, pose.LeftKnee, pose.LeftAnkle}, {pose.RightHip, pose.RightKnee, pose.RightAnkle}} {
			h, k, a := *p.At(jj[0]), *p.At(jj[1]), *p.At(jj[2])
			o := *p.At([2]pose.Joint{pose.RightHip, pose.LeftHip}[sd])
			tr.FPPA[sd][i] = math.NaN()
			tr.ThighRatio[sd][i] = math.NaN()
			tr.BodyFPPA[sd][i] = bodyFPPA(sk[jj[0]], sk[jj[1]], sk[jj[2]], sd)
			tr.KneeMedial[sd][i] = kneeMedialOf(sk[jj[1]], stand[jj[1]], sd, c.ToeOutDeg)
			if !p.Person {
				continue
			}
			tr.FPPA[sd][i] = fppa2D(h, k, a, o)
			hx, hy := cam.project(stand[jj[0]])
			kx, ky := cam.project(stand[jj[1]])
			tr.ThighRatio[sd][i] = math.Hypot(h.X-k.X, h.Y-k.Y) / math.Hypot(hx-kx, hy-ky)
		}
		ref, other := *p.At(pose.RightHip), *p.At(pose.LeftHip)
		if unilateral {
			st, fr := pose.LeftHip, pose.RightHip
			if stanceRight {
				st, fr = fr, st
			}
			ref, other = *p.At(st), *p.At(fr)
		}
		tr.PelvicTiltDeg[i] = math.Atan2(other.Y-ref.Y, math.Abs(other.X-ref.X)) * 180 / math.Pi
		for sd, fj := range footJoints {
			kj, aj := [2]pose.Joint{pose.LeftKnee, pose.RightKnee}[sd], [2]pose.Joint{pose.LeftAnkle, pose.RightAnkle}[sd]
			tr.HeelRise[sd][i] = heelRiseOf(sk[fj[0]], sk[fj[1]], 0)
			tr.AnkleDorsiflexionDeg[sd][i] = dorsiflexionOf(sk[kj], sk[aj], sk[fj[1]], stand[kj], stand[aj], stand[fj[1]])
		}

		// Noisy observation.
		q := p.Clone()
		for ix, jn := range skel.Joints() {
			k := q.Keypoints[ix]
			if k.Score < 0.1 {
				continue
			}
			k.Score = clamp(0.8+0.08*rng.NormFloat64(), 0.5, 0.98)
			extra := 0.0
			occluded := side && jn != pose.Nose && strings.HasPrefix(string(jn), "left_") == farLeft
			if occluded {
				k.Score = clamp(0.5+0.08*rng.NormFloat64(), 0.31, 0.7) // far side, occluded
				extra = c.OccludedNoisePx
			}
			k.Score = footScore(jn, k.Score, occluded)
			k.X += c.NoisePx * rng.NormFloat64()
			k.Y += c.NoisePx * rng.NormFloat64()
			if extra > 0 {
				k.X += extra * rng.NormFloat64()
				k.Y += extra * rng.NormFloat64()
			}
			switch r := rng.Float64(); {
			case r < c.DropProb:
				k.Score = 0.1 * rng.Float64()
				k.X += 50 * rng.NormFloat64()
				k.Y += 50 * rng.NormFloat64()
			case r < c.DropProb+c.OutlierProb:
				a := 2 * math.Pi * rng.Float64()
				d := 60 + 90*rng.Float64()
				k.X += d * math.Cos(a)
				k.Y += d * math.Sin(a)
			}
			q.Keypoints[ix] = k
		}
		for _, rg := range c.SwapFrames {
			if i >= rg[0] && i <= rg[1] {
				for _, pr := range [][2]pose.Joint{{pose.LeftHip, pose.RightHip}, {pose.LeftKnee, pose.RightKnee}, {pose.LeftAnkle, pose.RightAnkle},
					{pose.LeftHeel, pose.RightHeel}, {pose.LeftFootIndex, pose.RightFootIndex}} {
					if a, b := q.At(pr[0]), q.At(pr[1]); a != nil && b != nil {
						*a, *b = *b, *a
					}
				}
			}
		}
		noisy.Poses[i] = q
	}
	for _, bt := range tl.bottomTimes() {
		fr := int(math.Round(bt * c.FPS))
		tr.BottomFrames = append(tr.BottomFrames, fr)
	}
	tr.Clean = clean
	return noisy, tr, nil
}

// fppa2D computes the signed 2D FPPA independently of the screening
// package: the deviation from straight at the knee, positive when the
// knee lies on the same side of the hip-ankle line as the other hip.
func fppa2D(h, k, a, other pose.Keypoint) float64 {
	ux, uy := h.X-k.X, h.Y-k.Y
	vx, vy := a.X-k.X, a.Y-k.Y
	ang := math.Acos(clamp((ux*vx+uy*vy)/math.Hypot(ux, uy)/math.Hypot(vx, vy), -1, 1)) * 180 / math.Pi
	dev := 180 - ang
	// x of the hip-ankle line at the knee's height.
	lx := h.X + (a.X-h.X)*(k.Y-h.Y)/(a.Y-h.Y)
	if (k.X-lx)*(other.X-h.X) < 0 {
		return -dev
	}
	return dev
}
