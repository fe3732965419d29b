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
	// during the reps: it hangs from the moving pelvis.
	moveFreeFootTravel = 0.08
)

// classifyMovement decides between a bilateral squat, a single-leg squat
// and a step-down from the ankles during the reps (all frames with a
// person when there are no reps), and picks the stance leg: the ankle that
// moves least. It returns the movement, a confidence and the stance side
// (-1 for bilateral).
//
// A camera above the floor makes the farther foot look raised, so a
// single-leg task also needs the free foot to travel with the pelvis while
// the stance foot stays.
func classifyMovement(c *conditioned, b *body, reps []repSpan, view View) (Movement, float64, int) {
	if !(b.legLen > 0) {
		return MovementUnknown, 0, -1
	}
	var frames []int
	var bottoms []int
	for _, r := range reps {
		for i := r.start; i <= r.end; i++ {
			frames = append(frames, i)
		}
		bottoms = append(bottoms, r.bottom)
	}
	if len(frames) == 0 {
		// Without reps, use every frame with a person.
		for i := 0; i < c.n(); i++ {
			if c.person[i] {
				frames = append(frames, i)
			}
		}
	}
	// Ankle travel per side: the stance ankle stays planted.
	var travel [2]float64
	var ys [2][]float64
	for s, sj := range sides {
		var xs []float64
		for _, i := range frames {
			a := c.at(sj.ankle, i)
			if a.ok() {
				xs = append(xs, a.X)
				ys[s] = append(ys[s], a.Y)
			}
		}
		if len(xs) < 3 {
			// Feet out of view (e.g. a webcam): with reps, the common
			// bilateral squat is assumed at low confidence.
			if len(reps) > 0 {
				return MovementSquat, 0.3, -1
			}
			return MovementUnknown, 0, -1
		}
		travel[s] = math.Hypot(percentile(xs, 95)-percentile(xs, 5), percentile(ys[s], 95)-percentile(ys[s], 5)) / b.legLen
	}
	stance := 0
	if travel[1] < travel[0] {
		stance = 1
	}
	free := 1 - stance
	// raised: free ankle above the stance ankle (image y up), per frame.
	var raised []float64
	for _, i := range frames {
		st, fr := c.at(sides[stance].ankle, i), c.at(sides[free].ankle, i)
		if st.ok() && fr.ok() {
			raised = append(raised, (st.Y-fr.Y)/b.legLen)
		}
	}
	var below []float64
	for _, i := range bottoms {
		st, fr := c.at(sides[stance].ankle, i), c.at(sides[free].ankle, i)
		if st.ok() && fr.ok() {
			below = append(below, (fr.Y-st.Y)/b.legLen)
		}
	}
	medRaised := percentile(raised, 50)
	medBelow := percentile(below, 50)
	conf := func(margin, scale float64) float64 {
		return round(math.Max(0.3, math.Min(1, 0.5+margin/scale)), 3)
	}
	// A free foot moves with the pelvis; in a bilateral squat both feet
	// stay planted: the free foot must move 1.5 times as far as the
	// stance foot, twice as far from the side or obliquely, where the far
	// ankle is occluded and jittery.
	ratio := 2.0
	if view == ViewFront {
		ratio = 1.5
	}
	travels := travel[free] >= moveFreeFootTravel && travel[free] >= ratio*travel[stance]
	switch {
	case !travels:
	case travels && !math.IsNaN(medBelow) && medBelow >= moveFreeFootBelow:
		// In a step-down the free foot visibly sinks below the step.
		return MovementStepDown, conf(medBelow-moveFreeFootBelow, 0.2), stance
	case medRaised >= moveFreeFootRaised:
		return MovementSingleLegSquat, conf(medRaised-moveFreeFootRaised, 0.2), stance
	}
	margin := moveFreeFootRaised - math.Abs(medRaised)
	if !math.IsNaN(medBelow) {
		margin = math.Min(margin, moveFreeFootBelow-medBelow)
	}
	if !travels {
		margin = math.Max(margin, moveFreeFootTravel-travel[free])
	}
	return MovementSquat, conf(margin, 0.1), -1
}
