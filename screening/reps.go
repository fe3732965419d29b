package screening

import (
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// repMinBalance is the least ratio of a cut-off side of a rep (descent or
// ascent) to its other side.
const repMinBalance = 0.6

// repSpan is one detected repetition in sample indices.
type repSpan struct {
	start, bottom, end int
	// top0 and top1 are the standing samples (highest hips) before and
	// after the rep.
	top0, top1 int
	// descent is the bottom's depth below the rep's standing level, in leg
	// lengths.
	descent float64
}

// segmentReps finds repetitions in the mid-hip vertical trajectory y
// (image y, down; NaN where missing) normalised by the standing leg
// length. A rep is a trough of the hip (a peak of y) whose prominence, the
// drop to the higher of the two surrounding standing levels, is at least
// minDescent leg lengths, and which lasts at least minDur seconds. A rep
// cut by the start or end of the run must still show repMinBalance of its
// other side's travel (so a rep cut off near its bottom does not count,
// while one whose first or last few frames are missing does). Missing samples split
// the trajectory (gaps longer than the fill limit), so walking in and out
// of frame and partial reps at the ends do not produce reps.
func segmentReps(t, y []float64, legLen, minDescent, minDur float64) []repSpan {
	if !(legLen > 0) {
		return nil
	}
	d := make([]float64, len(y))
	for i, v := range y {
		d[i] = v / legLen
	}
	var reps []repSpan
	for s := 0; s < len(d); {
		if math.IsNaN(d[s]) {
			s++
			continue
		}
		e := s
		for e < len(d) && !math.IsNaN(d[e]) {
			e++
		}
		reps = append(reps, segmentRun(t, d, s, e, minDescent, minDur)...)
		s = e
	}
	return reps
}

// segmentRun finds reps in d[s:e], which holds no NaN.
func segmentRun(t, d []float64, s, e int, minDescent, minDur float64) []repSpan {
	// Candidate bottoms: local maxima of d, plateaus represented by their
	// middle sample.
	var peaks []int
	for i := s + 1; i < e-1; i++ {
		if !(d[i] > d[i-1]) {
			continue
		}
		j := i
		for j+1 < e && d[j+1] == d[i] {
			j++
		}
		if j+1 < e && d[j+1] < d[i] {
			peaks = append(peaks, (i+j)/2)
		}
		i = j
	}
	type cand struct {
		i, lb, rb int
		prom      float64
	}
	var cands []cand
	for _, p := range peaks {
		// Walk outwards until a deeper sample or the run's end; the lowest
		// d on each side is that side's standing level (base).
		// Ties: the left walk stops at an equal sample, the right walk
		// passes it, so of two equal bottoms only the first is prominent.
		lb := p
		for k := p - 1; k >= s && d[k] < d[p]; k-- {
			if d[k] < d[lb] {
				lb = k
			}
		}
		rb := p
		for k := p + 1; k < e && d[k] <= d[p]; k++ {
			if d[k] < d[rb] {
				rb = k
			}
		}
		left, right := d[p]-d[lb], d[p]-d[rb]
		prom := math.Min(left, right)
		// A side whose base is the run's first or last sample may be cut
		// off by the recording (or by the person leaving view): it must
		// then reach repMinBalance of the other side. Interior bases are
		// real standing pauses, and extra travel beyond them (walking
		// towards the camera) does not matter.
		cutLeft := lb == s && left < repMinBalance*right
		cutRight := rb == e-1 && right < repMinBalance*left
		if prom >= minDescent && !cutLeft && !cutRight {
			cands = append(cands, cand{p, lb, rb, prom})
		}
	}
	var reps []repSpan
	for ci, c := range cands {
		// The standing level between two reps is the lowest d between
		// their bottoms; the rep starts where it leaves that level by 10% of
		// its depth and ends where it returns to within 10%.
		lo := s
		if ci > 0 {
			lo = cands[ci-1].i
		}
		hi := e - 1
		if ci+1 < len(cands) {
			hi = cands[ci+1].i
		}
		lb, rb := lo, c.i
		for k := lo; k <= c.i; k++ {
			if d[k] < d[lb] {
				lb = k
			}
		}
		for k := c.i; k <= hi; k++ {
			if d[k] < d[rb] {
				rb = k
			}
		}
		depthL, depthR := d[c.i]-d[lb], d[c.i]-d[rb]
		start := lb
		for k := c.i; k >= lb; k-- {
			if d[k] <= d[lb]+0.1*depthL {
				start = k
				break
			}
		}
		end := rb
		for k := c.i; k <= rb; k++ {
			if d[k] <= d[rb]+0.1*depthR {
				end = k
				break
			}
		}
		if t[end]-t[start] < minDur {
			continue
		}
		reps = append(reps, repSpan{start: start, bottom: c.i, end: end, top0: lb, top1: rb, descent: depthL})
	}
	return reps
}

// keepUpright drops reps whose standing moments before and after do not
// show an upright trunk (within about 60° of vertical): a squat that turns
// into a push-up lifts the hips in the image again but not the trunk.
func keepUpright(spans []repSpan, c *conditioned, b *body) []repSpan {
	trunkAt := func(i int) float64 {
		ls, rs := c.at(pose.LeftShoulder, i), c.at(pose.RightShoulder, i)
		lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
		to := b.shotTorso[b.shot[i]]
		if !ls.ok() || !rs.ok() || !lh.ok() || !rh.ok() || !(to > 0) {
			return nan
		}
		return (mid(lh, rh).Y - mid(ls, rs).Y) / to
	}
	out := spans[:0]
	for _, sp := range spans {
		ok := true
		for _, i := range []int{sp.top0, sp.top1} {
			if trunkAt(i) < uprightTrunkRatio {
				ok = false
			}
		}
		if ok {
			out = append(out, sp)
		}
	}
	return out
}

// uprightTrunkRatio is the least vertical shoulder-above-hip extent, as a
// share of trunk length, for standing (a trunk within about 60° of
// vertical).
const uprightTrunkRatio = 0.5
