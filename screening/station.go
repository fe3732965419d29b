package screening

import (
	"fmt"
	"math"
)

// A station is a stretch of one camera shot in which the person stays at
// one distance from the camera, so that one set of standing segment
// lengths scales every frame of it. A person who starts the recording
// close to the phone and walks back, or who steps towards the camera
// between reps, is seen at another scale afterwards: with one scale per
// shot the far reps' depth, heel rise and knee offsets read too small
// (the shot's 90th percentile lengths are the near ones) and the near
// reps' standing level mixes both places. Each shot is therefore split
// where the person's local standing leg length changes for good and the
// feet were re-planted.
//
// The local standing leg length of a frame is the smaller of the 90th
// percentiles of the leg's image length (thigh plus shank) over the
// standingWindowS before it and the standingWindowS after it. Squatting
// foreshortens the thighs in a front view, but each one-sided window of a
// rep at a normal tempo holds standing frames. Across a step to another
// place the smaller of the two keeps the far place's length up to the
// step and takes the near one within a few frames after it, whichever way
// the person moved. A squat held at the bottom for longer than the window
// shortens the level too, but the feet stay where they are, and a new
// station needs them moved.
const (
	// stationJump is the relative change of the local standing leg length
	// that starts a new station (0.15: a person 4 m away stepping 0.6 m
	// closer or 0.7 m back), held for stationHoldS.
	stationJump  = 0.15
	stationHoldS = 0.5
	// stationFeetMove is how far, in leg lengths, each ankle must have
	// moved between the second before and the second after the change
	// (median positions, 0.5 s away from it); a step of 1 m at 4 m moves
	// the feet's image by a third of a leg length or more for a camera at
	// hip height, by less for one near the floor.
	stationFeetMove = 0.1
	// stationFeetStill: in that second after, nine in ten positions of
	// each ankle lie within this many leg lengths of their median: the
	// person stands at the new place (keypoint jitter is a few hundredths;
	// a walking person's ankles move a step length each stride).
	stationFeetStill = 0.08
	// stationMinSamples is the fewest leg lengths a one-sided window must
	// hold to give a level.
	stationMinSamples = 8
)

// findStations splits each of c's shots into stations; a shot the person
// does not move in is one station, so that a recording filmed from one
// place is measured exactly as before stations existed.
func findStations(c *conditioned) [][2]int {
	n := c.n()
	leg := make([]float64, n)
	for i := range n {
		var sum float64
		var k int
		for _, sj := range sides {
			h, kn, a := c.at(sj.hip, i), c.at(sj.knee, i), c.at(sj.ankle, i)
			if h.ok() && kn.ok() && a.ok() {
				sum += dist(h, kn) + dist(kn, a)
				k++
			}
		}
		leg[i] = nan
		if k > 0 {
			leg[i] = sum / float64(k)
		}
	}
	var out [][2]int
	lvl := make([]float64, n)
	for _, sh := range c.shots {
		standingLegLevel(c, leg, sh, lvl)
		start, ref := sh[0], nan
		for i := sh[0]; i < sh[1]; i++ {
			if math.IsNaN(lvl[i]) {
				continue
			}
			if math.IsNaN(ref) {
				ref = lvl[i]
				continue
			}
			if !levelChanged(c, lvl, sh, i, ref) || !feetMoved(c, sh, i, math.Min(ref, lvl[i])) {
				continue
			}
			out = append(out, [2]int{start, i})
			start = i
			var next []float64
			for k := i; k < sh[1] && c.t[k]-c.t[i] <= 2*stationHoldS; k++ {
				next = append(next, lvl[k])
			}
			ref = percentile(next, 50)
		}
		out = append(out, [2]int{start, sh[1]})
	}
	return out
}

// standingLegLevel sets lvl to each frame's local standing leg length in
// shot sh (see stations), NaN where a window holds too few lengths.
func standingLegLevel(c *conditioned, leg []float64, sh [2]int, lvl []float64) {
	buf := make([]float64, 0, 256)
	for i := sh[0]; i < sh[1]; i++ {
		lvl[i] = nan
		buf = buf[:0]
		for k := i; k >= sh[0] && c.t[i]-c.t[k] <= standingWindowS; k-- {
			if !math.IsNaN(leg[k]) {
				buf = append(buf, leg[k])
			}
		}
		if len(buf) < stationMinSamples {
			continue
		}
		before := percentile(buf, 90)
		buf = buf[:0]
		for k := i; k < sh[1] && c.t[k]-c.t[i] <= standingWindowS; k++ {
			if !math.IsNaN(leg[k]) {
				buf = append(buf, leg[k])
			}
		}
		if len(buf) < stationMinSamples {
			continue
		}
		lvl[i] = math.Min(before, percentile(buf, 90))
	}
}

// levelChanged reports whether the level at frame i and at every frame
// with a level in the stationHoldS after it lies beyond stationJump of
// ref, on the same side.
func levelChanged(c *conditioned, lvl []float64, sh [2]int, i int, ref float64) bool {
	up := lvl[i] > ref
	for k := i; k < sh[1] && c.t[k]-c.t[i] <= stationHoldS; k++ {
		if math.IsNaN(lvl[k]) {
			continue
		}
		r := lvl[k] / ref
		if up != (r > 1) || math.Abs(math.Log(r)) <= math.Log1p(stationJump) {
			return false
		}
	}
	return true
}

// feetMoved reports whether each ankle's median position over the second
// ending 0.5 s before frame i and that over the second starting 0.5 s
// after it lie more than stationFeetMove leg lengths apart, both feet
// planted in the second after. Both feet: a single-leg squat lifts one
// foot and holds it up, and a lunge moves one foot forward and back,
// without the person going anywhere.
func feetMoved(c *conditioned, sh [2]int, i int, leg float64) bool {
	for _, sj := range sides {
		var bx, by, ax, ay []float64
		var after []Point
		for k := i; k >= sh[0] && c.t[i]-c.t[k] <= 1.5; k-- {
			if p := c.at(sj.ankle, k); c.t[i]-c.t[k] >= 0.5 && p.ok() {
				bx, by = append(bx, p.X), append(by, p.Y)
			}
		}
		for k := i; k < sh[1] && c.t[k]-c.t[i] <= 1.5; k++ {
			if p := c.at(sj.ankle, k); c.t[k]-c.t[i] >= 0.5 && p.ok() {
				ax, ay = append(ax, p.X), append(ay, p.Y)
				after = append(after, Point{p.X, p.Y})
			}
		}
		if len(bx) < stationMinSamples || len(ax) < stationMinSamples {
			return false
		}
		at := Point{percentile(ax, 50), percentile(ay, 50)}
		if dist(at, Point{percentile(bx, 50), percentile(by, 50)}) <= stationFeetMove*leg {
			return false
		}
		// Planted: a person still walking has not arrived anywhere yet.
		spread := make([]float64, len(after))
		for k, p := range after {
			spread[k] = dist(p, at)
		}
		if percentile(spread, 90) > stationFeetStill*leg {
			return false
		}
	}
	return true
}

// stationNotes tells the reader where the person moved to another distance
// from the camera within a shot, and that each place has its own scale.
func stationNotes(c *conditioned, b *body) []string {
	cut := map[int]bool{}
	for _, sh := range c.shots {
		cut[sh[0]] = true
	}
	var notes []string
	for k := 1; k < len(b.stations); k++ {
		i, prev := b.stations[k][0], b.stations[k-1][0]
		if cut[i] {
			continue
		}
		from, to := b.scale[prev], b.scale[i]
		if math.IsNaN(from) || math.IsNaN(to) {
			continue
		}
		way := "nearer to"
		if to < from {
			way = "further from"
		}
		notes = append(notes, fmt.Sprintf("at %.1f s the person moved %s the camera (standing leg %.0f px, then %.0f px): the reps from there are measured at the new scale",
			c.t[i]-c.t[0], way, from, to))
	}
	return notes
}
