package screening

import (
	"math"
)

// Movement classification bounds, in standing leg lengths.
const (
	// A free foot held at least this far above the stance foot marks a
	// single-leg task.
	moveFreeFootRaised = 0.08
	// A free foot reaching at least this far below the stance foot at the
	// bottom marks a step-down (the stance foot is on the step).
	moveFreeFootBelow = 0.05
	// The free foot (the one that moves more) travels at least this far
	// during a rep: it hangs from the moving pelvis.
	moveFreeFootTravel = 0.08
)

// movementVote is the classification of one rep (or of the whole track
// when there are no reps).
type movementVote struct {
	mv     Movement
	conf   float64
	stance int // 0 left, 1 right, -1 bilateral or unknown
}

// classifyMovement decides between a bilateral squat, a single-leg squat
// and a step-down, rep by rep, from the ankles: the stance ankle stays
// planted, the free one hangs from the moving pelvis, raised (single-leg
// squat) or sinking below the step (step-down). The track's movement is
// the majority; each rep keeps its own stance leg, so both legs may be
// tested in one recording. Without reps the whole track is one vote.
//
// A camera above the floor makes the farther foot look raised, so a
// single-leg task also needs the free foot to travel with the pelvis
// while the stance foot stays: 1.5 times as far, twice as far from the
// side or obliquely, where the far ankle is occluded and jittery.
//
// It returns the movement, its confidence and one stance per span (-1
// for bilateral).
func classifyMovement(c *conditioned, b *body, reps []repSpan, view View) (Movement, float64, []int) {
	stances := make([]int, len(reps))
	for k := range stances {
		stances[k] = -1
	}
	if !(b.legLen > 0) {
		return MovementUnknown, 0, stances
	}
	var votes []movementVote
	if len(reps) == 0 {
		var frames []int
		for i := 0; i < c.n(); i++ {
			if c.person[i] {
				frames = append(frames, i)
			}
		}
		votes = append(votes, voteFrames(c, b, frames, nil, view))
	}
	for _, r := range reps {
		var frames []int
		for i := r.start; i <= r.end; i++ {
			frames = append(frames, i)
		}
		votes = append(votes, voteFrames(c, b, frames, []int{r.bottom}, view))
	}
	// Majority by summed confidence; unknown votes (feet unseen) abstain.
	weight := map[Movement]float64{}
	n := map[Movement]int{}
	for _, v := range votes {
		if v.mv != MovementUnknown {
			weight[v.mv] += v.conf
			n[v.mv]++
		}
	}
	best, bestW := MovementUnknown, 0.0
	for _, m := range []Movement{MovementSquat, MovementSingleLegSquat, MovementStepDown} {
		if weight[m] > bestW {
			best, bestW = m, weight[m]
		}
	}
	if best == MovementUnknown {
		// Feet out of view (e.g. a webcam): with reps, the common
		// bilateral squat is assumed at low confidence.
		if len(reps) > 0 {
			return MovementSquat, 0.3, stances
		}
		return MovementUnknown, 0, stances
	}
	// A rep voting otherwise still gets a stance from its ankles.
	for k := range reps {
		if best.SingleLeg() {
			stances[k] = votes[k].stance
			if stances[k] < 0 {
				stances[k] = stanceByTravel(c, reps[k])
			}
		}
	}
	return best, round(bestW/float64(len(votes)), 3), stances
}

// voteFrames classifies the movement over frames; bottoms are the rep
// bottoms (nil without reps).
func voteFrames(c *conditioned, b *body, frames, bottoms []int, view View) movementVote {
	if len(frames) == 0 {
		return movementVote{mv: MovementUnknown, stance: -1}
	}
	leg := b.scale[frames[len(frames)/2]]
	var travel [2]float64
	for s, sj := range sides {
		var xs, ys []float64
		for _, i := range frames {
			if a := c.at(sj.ankle, i); a.ok() {
				xs = append(xs, a.X)
				ys = append(ys, a.Y)
			}
		}
		if len(xs) < 3 {
			return movementVote{mv: MovementUnknown, stance: -1}
		}
		travel[s] = math.Hypot(percentile(xs, 95)-percentile(xs, 5), percentile(ys, 95)-percentile(ys, 5)) / leg
	}
	stance := 0
	if travel[1] < travel[0] {
		stance = 1
	}
	free := 1 - stance
	// raised: free ankle above the stance ankle (image y up), per frame.
	var raised, below []float64
	for _, i := range frames {
		st, fr := c.at(sides[stance].ankle, i), c.at(sides[free].ankle, i)
		if st.ok() && fr.ok() {
			raised = append(raised, (st.Y-fr.Y)/leg)
		}
	}
	for _, i := range bottoms {
		st, fr := c.at(sides[stance].ankle, i), c.at(sides[free].ankle, i)
		if st.ok() && fr.ok() {
			below = append(below, (fr.Y-st.Y)/leg)
		}
	}
	medRaised := percentile(raised, 50)
	medBelow := percentile(below, 50)
	conf := func(margin, scale float64) float64 {
		return round(math.Max(0.3, math.Min(1, 0.5+margin/scale)), 3)
	}
	ratio := 2.0
	if view == ViewFront {
		ratio = 1.5
	}
	travels := travel[free] >= moveFreeFootTravel && travel[free] >= ratio*travel[stance]
	switch {
	case !travels:
	case !math.IsNaN(medBelow) && medBelow >= moveFreeFootBelow:
		// In a step-down the free foot visibly sinks below the step.
		return movementVote{MovementStepDown, conf(medBelow-moveFreeFootBelow, 0.2), stance}
	case medRaised >= moveFreeFootRaised:
		return movementVote{MovementSingleLegSquat, conf(medRaised-moveFreeFootRaised, 0.2), stance}
	}
	margin := moveFreeFootRaised - math.Abs(medRaised)
	if !math.IsNaN(medBelow) {
		margin = math.Min(margin, moveFreeFootBelow-medBelow)
	}
	if !travels {
		margin = math.Max(margin, moveFreeFootTravel-travel[free])
	}
	return movementVote{MovementSquat, conf(margin, 0.1), -1}
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

// assignStances gives each rep of a single-leg task its stance leg: the
// forced one, else the planted ankle of that rep. Bilateral tasks get -1.
func assignStances(c *conditioned, b *body, reps []repSpan, view View, mv Movement, forced Side) []int {
	out := make([]int, len(reps))
	for k, r := range reps {
		switch {
		case !mv.SingleLeg():
			out[k] = -1
		case forced == SideLeft || forced == SideRight:
			out[k] = sideIndex(forced)
		default:
			var frames []int
			for i := r.start; i <= r.end; i++ {
				frames = append(frames, i)
			}
			out[k] = voteFrames(c, b, frames, []int{r.bottom}, view).stance
			if out[k] < 0 {
				out[k] = stanceByTravel(c, r)
			}
		}
	}
	return out
}

// trackStance is the stance of a single-leg task over the whole track
// (used without reps): forced, else the ankle that moves least.
func trackStance(c *conditioned, forced Side) int {
	if forced == SideLeft || forced == SideRight {
		return sideIndex(forced)
	}
	return stanceByTravel(c, repSpan{start: 0, end: c.n() - 1})
}

// framesStance spreads the reps' stances over all frames: a frame takes
// the stance of the rep it belongs to, or of the nearest rep in time.
func framesStance(c *conditioned, reps []repSpan, stances []int, fallback int) []int {
	out := make([]int, c.n())
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
				best, out[i] = d, stances[k]
			}
		}
	}
	return out
}
