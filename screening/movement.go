package screening

import (
	"math"
)

// Movement classification, rep by rep, from what the feet and the legs do
// (none of it depends on the camera's angle):
//
//   - A foot on the floor stays put while the hips go down and up; a free
//     foot hangs from the pelvis and moves with it. So a rep whose one
//     ankle follows the hips (its displacement from standing grows with
//     the hips' descent: slope and fit of the regression) while the other
//     stays is a single-leg task, and a step-down when the free foot
//     reaches below the stance foot at the bottom. Both ankles grounded
//     through the rep is bilateral, whatever the camera angle: feet at
//     different depths look raised in a camera above the floor, but they
//     do not move with the hips.
//   - A split stance is a lunge: at the bottom one shank is near vertical
//     and the other near horizontal (the rear knee drops towards the
//     floor), one thigh horizontal and the other near vertical. The
//     segments' vertical extents over their standing lengths give their
//     inclinations in any view. It is checked first: in a walking lunge
//     one foot steps into place during the descent, moving with the hips.
//   - A hip hinge (kettlebell pick-up, Romanian deadlift) bends the trunk
//     far forward with little knee flexion: trunk lean at the bottom of at
//     least moveHingeMinTrunkDeg, more than the knees flex, and knees
//     flexed less than moveHingeMaxKneeDeg. A squat flexes the knees
//     further, however far its trunk leans.
//   - Otherwise a squat.
//
// The clip's movement is the majority of the reps by confidence; a rep
// keeps its own movement when its vote is confident and differs.

// Movement classification bounds.
const (
	// A free foot follows the hips: the slope of its position on the
	// hips' height is at least moveCoupledSlope with a fit of at least
	// moveCoupledFit (r²) and moveCoupledRatio times the stance foot's
	// (a stance foot may slide when balance is lost), and it travels at
	// least moveFreeFootTravel leg lengths, 1.5 times the stance foot.
	moveCoupledSlope   = 0.35
	moveCoupledFit     = 0.5
	moveCoupledRatio   = 2.0
	moveFreeFootTravel = 0.08
	// A free foot reaching at least this far below the stance foot at the
	// bottom marks a step-down (the stance foot is on the step).
	moveFreeFootBelow = 0.05
	// A split stance: the legs' inclinations at the bottom differ by at
	// least this in cosine (shank or thigh).
	moveSplitMin = 0.4
	// A hip hinge leans the trunk at least moveHingeMinTrunkDeg at the
	// bottom, further than the knees flex, and flexes the knees less than
	// moveHingeMaxKneeDeg: hinges (kettlebell deadlift, Romanian
	// deadlift) keep the knees within about 15-60°, while a squat to
	// parallel flexes them 90° or more even with the trunk far forward.
	moveHingeMinTrunkDeg = 45
	moveHingeMaxKneeDeg  = 70
	// A rep keeps its own movement against the clip's majority when its
	// vote is at least this confident.
	moveOwnVoteConf = 0.7
)

// movementVote is the classification of one rep (or of the whole track
// when there are no reps).
type movementVote struct {
	mv     Movement
	conf   float64
	stance int // 0 left, 1 right, -1 bilateral or unknown
}

// classifyMovement classifies each rep and takes the majority by summed
// confidence; unknown votes (feet unseen) abstain. Without reps the whole
// track votes once as a bilateral-or-single-leg question. Feet never
// seen with reps found: the common bilateral squat at low confidence. It
// returns the movement and its confidence.
func classifyMovement(c *conditioned, b *body, reps []repSpan) (Movement, float64) {
	if !(b.legLen > 0) {
		return MovementUnknown, 0
	}
	var votes []movementVote
	if len(reps) == 0 {
		votes = append(votes, voteTrack(c, b))
	}
	for _, r := range reps {
		votes = append(votes, voteRep(c, b, r))
	}
	weight := map[Movement]float64{}
	for _, v := range votes {
		if v.mv != MovementUnknown {
			weight[v.mv] += v.conf
		}
	}
	best, bestW := MovementUnknown, 0.0
	for _, m := range []Movement{MovementSquat, MovementSingleLegSquat, MovementStepDown, MovementLunge, MovementHipHinge} {
		if weight[m] > bestW {
			best, bestW = m, weight[m]
		}
	}
	if best == MovementUnknown {
		if len(reps) > 0 {
			return MovementSquat, 0.3
		}
		return MovementUnknown, 0
	}
	return best, round(bestW/float64(len(votes)), 3)
}

// repMovements gives each rep its movement and stance leg: the forced
// ones, else its own confident vote, else the clip's movement with the
// stance its feet show.
func repMovements(c *conditioned, b *body, reps []repSpan, clip Movement, forcedMove Movement, forcedStance Side) ([]Movement, []int) {
	moves := make([]Movement, len(reps))
	stances := make([]int, len(reps))
	for k, r := range reps {
		v := voteRep(c, b, r)
		mv := clip
		if forcedMove == MovementAuto && v.mv != MovementUnknown && v.mv != clip && v.conf >= moveOwnVoteConf {
			mv = v.mv
		}
		moves[k] = mv
		stances[k] = -1
		switch {
		case !mv.Unilateral():
		case forcedStance == SideLeft || forcedStance == SideRight:
			stances[k] = sideIndex(forcedStance)
		case v.mv.Unilateral() && v.stance >= 0:
			stances[k] = v.stance
		case mv == MovementLunge:
			stances[k] = frontLeg(c, b, r)
		default:
			stances[k] = stanceByTravel(c, r)
		}
	}
	return moves, stances
}

// ankleCoupling regresses the image position of ankle s on the hips'
// height over rep r (both in leg lengths, with intercepts): the slope's
// magnitude (ankle travel per unit of hip descent, x and y together) and
// the fit r². A grounded foot has a slope near 0, a foot hanging from the
// pelvis about 1.
func ankleCoupling(c *conditioned, b *body, r repSpan, s int) (slope, fit float64, ok bool) {
	aj := sides[s].ankle
	var hs, xs, ys []float64
	for i := r.start; i <= r.end; i++ {
		a := c.at(aj, i)
		if !a.ok() || math.IsNaN(b.hipY[i]) {
			continue
		}
		hs = append(hs, b.hipY[i]/b.scale[i])
		xs = append(xs, a.X/b.scale[i])
		ys = append(ys, a.Y/b.scale[i])
	}
	if len(hs) < 5 {
		return nan, nan, false
	}
	mh := meanOf(hs)
	var shh float64
	for _, h := range hs {
		shh += (h - mh) * (h - mh)
	}
	if !(shh > 0) {
		return nan, nan, false
	}
	var num, den float64
	var slopes [2]float64
	for k, v := range [][]float64{xs, ys} {
		mv := meanOf(v)
		var shv, svv float64
		for j := range v {
			shv += (hs[j] - mh) * (v[j] - mv)
			svv += (v[j] - mv) * (v[j] - mv)
		}
		slopes[k] = shv / shh
		num += slopes[k] * shv // explained sum of squares
		den += svv
	}
	fit = 0
	if den > 0 {
		fit = math.Min(1, num/den)
	}
	return math.Hypot(slopes[0], slopes[1]), fit, true
}

// ankleTravel is how far ankle s moves over frames: the extent of its 5th
// to 95th percentile positions, in leg lengths.
func ankleTravel(c *conditioned, b *body, frames []int, s int) (float64, bool) {
	var xs, ys []float64
	for _, i := range frames {
		if a := c.at(sides[s].ankle, i); a.ok() {
			xs, ys = append(xs, a.X/b.scale[i]), append(ys, a.Y/b.scale[i])
		}
	}
	if len(xs) < 3 {
		return nan, false
	}
	return math.Hypot(percentile(xs, 95)-percentile(xs, 5), percentile(ys, 95)-percentile(ys, 5)), true
}

// voteRep classifies one rep.
func voteRep(c *conditioned, b *body, r repSpan) movementVote {
	p := bottomPosture(c, b, r)
	// A lunge's rear foot may step into place during the descent and so
	// move with the hips: its posture at the bottom decides first.
	if p.lunge {
		return movementVote{MovementLunge, round(math.Max(0.3, math.Min(1, 0.5+(p.split-moveSplitMin)/0.2)), 3), p.front}
	}
	var slope, fit, travel [2]float64
	frames := make([]int, 0, r.end-r.start+1)
	for i := r.start; i <= r.end; i++ {
		frames = append(frames, i)
	}
	for s := range 2 {
		var ok1, ok2 bool
		slope[s], fit[s], ok1 = ankleCoupling(c, b, r, s)
		travel[s], ok2 = ankleTravel(c, b, frames, s)
		if !ok1 || !ok2 {
			return movementVote{mv: MovementUnknown, stance: -1}
		}
	}
	conf := func(margin, scale float64) float64 {
		return round(math.Max(0.3, math.Min(1, 0.5+margin/scale)), 3)
	}
	free := 0
	if slope[1]*fit[1] > slope[0]*fit[0] {
		free = 1
	}
	stance := 1 - free
	coupled := slope[free] >= moveCoupledSlope && fit[free] >= moveCoupledFit && slope[free] >= moveCoupledRatio*slope[stance] &&
		travel[free] >= moveFreeFootTravel && travel[free] >= 1.5*travel[stance]
	if coupled {
		margin := math.Min(slope[free]-moveCoupledSlope, slope[free]/moveCoupledRatio-slope[stance])
		st, fr := c.at(sides[stance].ankle, r.bottom), c.at(sides[free].ankle, r.bottom)
		if st.ok() && fr.ok() {
			if below := (fr.Y - st.Y) / b.scale[r.bottom]; below >= moveFreeFootBelow {
				return movementVote{MovementStepDown, conf(math.Min(margin, below-moveFreeFootBelow), 0.2), stance}
			}
		}
		return movementVote{MovementSingleLegSquat, conf(margin, 0.2), stance}
	}
	// Both feet grounded.
	margin := math.Min(moveCoupledSlope-math.Max(slope[0], slope[1]), 0.5)
	if p.split >= moveSplitMin {
		return movementVote{MovementLunge, conf(p.split-moveSplitMin, 0.2), p.front}
	}
	if p.trunkDeg >= moveHingeMinTrunkDeg && p.kneeDeg < p.trunkDeg && p.kneeDeg < moveHingeMaxKneeDeg {
		m := math.Min(math.Min(p.trunkDeg-moveHingeMinTrunkDeg, p.trunkDeg-p.kneeDeg), moveHingeMaxKneeDeg-p.kneeDeg)
		return movementVote{MovementHipHinge, conf(m, 20), -1}
	}
	if !math.IsNaN(p.split) {
		margin = math.Min(margin, moveSplitMin-p.split)
	}
	return movementVote{MovementSquat, conf(margin, 0.2), -1}
}

// posture describes the legs and trunk at a rep's bottom from the
// segments' vertical extents over their standing lengths (valid in any
// view for sagittal motion).
type posture struct {
	// split is the larger difference between the legs' shank or thigh
	// inclination cosines; front the leg whose shank is more vertical.
	split float64
	front int
	// lunge: one leg has a near-vertical shank under a thigh far from
	// vertical (the front leg), the other a near-vertical thigh over a
	// shank far from vertical (the rear knee down towards the floor). A
	// single-leg squat's free leg hangs with both segments part way; a
	// pistol's free leg is straight out in front.
	lunge bool
	// kneeDeg is the mean knee flexion and trunkDeg the trunk's lean from
	// vertical, degrees.
	kneeDeg, trunkDeg float64
}

// bottomPosture measures the posture over the frames within 0.15 s of rep
// r's bottom (medians).
func bottomPosture(c *conditioned, b *body, r repSpan) posture {
	var splits, knees, trunks, frontVotes []float64
	var ca0, ca1, cb0, cb1 []float64
	for i := r.start; i <= r.end; i++ {
		if math.Abs(c.t[i]-c.t[r.bottom]) > 0.15 {
			continue
		}
		k := b.shot[i]
		var ca, cb [2]float64
		ok := true
		for s, sj := range sides {
			h, kn, a := c.at(sj.hip, i), c.at(sj.knee, i), c.at(sj.ankle, i)
			if !h.ok() || !kn.ok() || !a.ok() {
				ok = false
				break
			}
			ca[s] = clampUnit((a.Y - kn.Y) / b.shotShank[k][s])
			cb[s] = clampUnit((kn.Y - h.Y) / b.shotThigh[k][s])
		}
		if ok {
			ca0, ca1, cb0, cb1 = append(ca0, ca[0]), append(ca1, ca[1]), append(cb0, cb[0]), append(cb1, cb[1])
			splits = append(splits, math.Max(math.Abs(ca[0]-ca[1]), math.Abs(cb[0]-cb[1])))
			knees = append(knees, (math.Acos(ca[0])+math.Acos(cb[0])+math.Acos(ca[1])+math.Acos(cb[1]))/2*rad2deg)
			frontVotes = append(frontVotes, sign(ca[1]-ca[0]))
		}
		if hip, sh, ok := trunkLine(c, i); ok {
			trunks = append(trunks, math.Acos(clampUnit((hip.Y-sh.Y)/b.shotTorso[k]))*rad2deg)
		}
	}
	p := posture{split: percentile(splits, 50), kneeDeg: percentile(knees, 50), trunkDeg: percentile(trunks, 50)}
	if percentile(frontVotes, 50) > 0 {
		p.front = 1
	}
	cosA := [2]float64{percentile(ca0, 50), percentile(ca1, 50)}
	cosB := [2]float64{percentile(cb0, 50), percentile(cb1, 50)}
	f, rr := p.front, 1-p.front
	p.lunge = cosA[f] >= lungeFrontShank && cosB[f] <= lungeFrontThigh && cosB[rr] >= lungeRearThigh && cosA[rr] <= lungeRearShank
	return p
}

// Lunge posture bounds on the segments' inclination cosines at the
// bottom (1 vertical, 0 horizontal): the front shank within about 50° of
// vertical under a thigh at least 50° from it; the rear thigh within
// about 55° of vertical over a shank at least 60° from it.
const (
	lungeFrontShank = 0.6
	lungeFrontThigh = 0.65
	lungeRearThigh  = 0.55
	lungeRearShank  = 0.5
)

func clampUnit(v float64) float64 { return math.Max(-1, math.Min(1, v)) }

// frontLeg is the front (more vertical shank) leg at rep r's bottom.
func frontLeg(c *conditioned, b *body, r repSpan) int { return bottomPosture(c, b, r).front }

// voteTrack classifies a track without reps: a single-leg stance shows as
// one ankle held clearly above the other for most of the track while it
// moves more; otherwise it abstains (nothing to classify).
func voteTrack(c *conditioned, b *body) movementVote {
	var frames []int
	for i := range c.n() {
		if c.person[i] {
			frames = append(frames, i)
		}
	}
	var travel [2]float64
	for s := range 2 {
		var ok bool
		if travel[s], ok = ankleTravel(c, b, frames, s); !ok {
			return movementVote{mv: MovementUnknown, stance: -1}
		}
	}
	stance := 0
	if travel[1] < travel[0] {
		stance = 1
	}
	var raised []float64
	for _, i := range frames {
		st, fr := c.at(sides[stance].ankle, i), c.at(sides[1-stance].ankle, i)
		if st.ok() && fr.ok() {
			raised = append(raised, (st.Y-fr.Y)/b.scale[i])
		}
	}
	if med := percentile(raised, 50); med >= moveFreeFootTravel && travel[1-stance] >= 1.5*travel[stance] {
		return movementVote{MovementSingleLegSquat, 0.5, stance}
	}
	return movementVote{mv: MovementUnknown, stance: -1}
}

// stanceByTravel picks the ankle that moves least during a rep.
func stanceByTravel(c *conditioned, r repSpan) int {
	var travel [2]float64
	for s, sj := range sides {
		var ys []float64
		for i := r.start; i <= r.end; i++ {
			ys = append(ys, c.y[sj.ankle][i])
		}
		travel[s] = percentile(ys, 95) - percentile(ys, 5)
	}
	if travel[1] < travel[0] {
		return 1
	}
	return 0
}

// trackStance is the stance of a single-leg task over the whole track
// (used without reps): forced, else the ankle that moves least.
func trackStance(c *conditioned, forced Side) int {
	if forced == SideLeft || forced == SideRight {
		return sideIndex(forced)
	}
	return stanceByTravel(c, repSpan{start: 0, end: c.n() - 1})
}

// spreadOverFrames spreads per-rep values (stances, movements) over all
// frames: a frame takes the value of the rep it belongs to, or of the
// nearest rep in time; without reps every frame has fallback.
func spreadOverFrames[T any](c *conditioned, reps []repSpan, perRep []T, fallback T) []T {
	out := make([]T, c.n())
	for i := range out {
		out[i] = fallback
		best := math.Inf(1)
		for k, r := range reps {
			var d float64
			switch {
			case i < r.start:
				d = c.t[r.start] - c.t[i]
			case i > r.end:
				d = c.t[i] - c.t[r.end]
			}
			if d < best {
				best, out[i] = d, perRep[k]
			}
		}
	}
	return out
}
