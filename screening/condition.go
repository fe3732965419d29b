package screening

import (
	"math"
	"sort"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/filter"
)

// conditioned is a track after conditioning: per joint coordinate arrays
// with NaN where missing, on the track's time base.
type conditioned struct {
	t      []float64
	frame  []int
	fps    float64
	person []bool
	x, y   [pose.NumJoints][]float64
	score  [pose.NumJoints][]float64

	dropped, personFrames, outliers, filled, swaps int
	meanScore, cutoffUsed                          float64
	notes                                          []string
}

func (c *conditioned) n() int { return len(c.t) }

func (c *conditioned) at(j pose.Joint, i int) Point { return Point{c.x[j][i], c.y[j][i]} }

// timeBase returns per-frame times and the frame rate. Pose times are used
// when they increase; otherwise frames are spaced by the track's FPS (30
// when unknown, with a note).
func timeBase(tr *pose.Track) ([]float64, float64, string) {
	n := len(tr.Poses)
	t := make([]float64, n)
	increasing := n > 1
	for i, p := range tr.Poses {
		t[i] = p.Time
		if i > 0 && !(p.Time > tr.Poses[i-1].Time) {
			increasing = false
		}
	}
	if increasing {
		dts := make([]float64, n-1)
		for i := 1; i < n; i++ {
			dts[i-1] = t[i] - t[i-1]
		}
		sort.Float64s(dts)
		fps := 1 / dts[len(dts)/2]
		if tr.FPS > 0 && math.Abs(tr.FPS-fps)/tr.FPS < 0.05 {
			fps = tr.FPS
		}
		return t, fps, ""
	}
	fps, note := tr.FPS, ""
	if !(fps > 0) || math.IsInf(fps, 0) {
		fps, note = 30, "frame times and rate unknown; assumed 30 frames/s"
	}
	for i, p := range tr.Poses {
		t[i] = float64(p.Frame) / fps
	}
	return t, fps, note
}

var legPairs = [][2]pose.Joint{
	{pose.LeftHip, pose.RightHip}, {pose.LeftKnee, pose.RightKnee}, {pose.LeftAnkle, pose.RightAnkle},
}

// condition applies the documented conditioning: low scores dropped, leg
// swaps corrected, Hampel outliers removed, short gaps filled, and the
// chosen smoother.
func condition(tr *pose.Track, f FilterOptions) *conditioned {
	n := len(tr.Poses)
	c := &conditioned{frame: make([]int, n), person: make([]bool, n)}
	var note string
	c.t, c.fps, note = timeBase(tr)
	if note != "" {
		c.notes = append(c.notes, note)
	}
	var scoreSum float64
	for j := range c.x {
		c.x[j] = make([]float64, n)
		c.y[j] = make([]float64, n)
		c.score[j] = make([]float64, n)
	}
	for i, p := range tr.Poses {
		c.frame[i] = p.Frame
		c.person[i] = p.Person
		if p.Person {
			c.personFrames++
			scoreSum += p.MeanScore()
		}
		for j, k := range p.Keypoints {
			c.score[j][i] = k.Score
			if p.Person && k.Valid(f.MinScore) {
				c.x[j][i], c.y[j][i] = k.X, k.Y
			} else {
				c.x[j][i], c.y[j][i] = nan, nan
				if p.Person {
					c.dropped++
				}
			}
		}
	}
	if c.personFrames > 0 {
		c.meanScore = scoreSum / float64(c.personFrames)
	}
	if f.FixSwaps {
		c.swaps = fixLegSwaps(c)
	}
	scale := float64(tr.Height)
	if scale <= 0 {
		scale = 1000
	}
	half := int(math.Round(f.HampelWindowS * c.fps))
	out := make([]bool, n)
	for j := range c.x {
		if f.HampelSigmas > 0 && half >= 1 {
			for k := range out {
				out[k] = false
			}
			// Reject a joint in a frame when either coordinate is an outlier.
			c.outliers += filter.Hampel(c.x[j], half, f.HampelSigmas, 0.002*scale, out)
			c.outliers += filter.Hampel(c.y[j], half, f.HampelSigmas, 0.002*scale, out)
			for k, o := range out {
				if o {
					c.x[j][k], c.y[j][k] = nan, nan
				}
			}
		}
		c.filled += filter.FillGaps(c.x[j], c.t, f.MaxGapS)
		filter.FillGaps(c.y[j], c.t, f.MaxGapS)
	}
	switch f.Mode {
	case FilterButterworth:
		cut := f.CutoffHz
		if cut >= 0.4*c.fps {
			cut = 0.4 * c.fps
			c.notes = append(c.notes, "low frame rate: smoothing cutoff lowered below the configured value")
		}
		sos, err := filter.ButterworthLowpass(f.Order, cut, c.fps)
		if err == nil {
			c.cutoffUsed = cut
			for j := range c.x {
				sos.FiltFiltNaN(c.x[j], c.x[j])
				sos.FiltFiltNaN(c.y[j], c.y[j])
			}
		}
	case FilterOneEuro:
		for j := range c.x {
			for _, s := range [][]float64{c.x[j], c.y[j]} {
				// Normalise by image height so beta is resolution-free.
				oe := filter.NewOneEuro(f.OneEuroMinCutoffHz, f.OneEuroBeta, f.OneEuroDCutoffHz)
				for i, v := range s {
					if math.IsNaN(v) {
						oe.Reset()
						continue
					}
					s[i] = oe.Filter(c.t[i], v/scale) * scale
				}
			}
		}
	}
	return c
}

// fixLegSwaps exchanges the left and right hip, knee and ankle of frames
// where they match the previous frame's opposite side much better than the
// same side: the model's sudden left/right confusion. It returns the number
// of frames corrected.
func fixLegSwaps(c *conditioned) int {
	var refL, refR [3]Point
	for k := range refL {
		refL[k], refR[k] = Point{nan, nan}, Point{nan, nan}
	}
	swaps := 0
	for i := 0; i < c.n(); i++ {
		var keep, swap, sep float64
		m := 0
		for k, pr := range legPairs {
			l, r := c.at(pr[0], i), c.at(pr[1], i)
			if !l.ok() || !r.ok() || !refL[k].ok() || !refR[k].ok() {
				continue
			}
			keep += dist(l, refL[k]) + dist(r, refR[k])
			swap += dist(l, refR[k]) + dist(r, refL[k])
			sep += dist(refL[k], refR[k])
			m++
		}
		// Decide only when the legs are clearly apart (otherwise, as in a
		// side view, either assignment is plausible) and the swapped
		// assignment is much closer.
		if m >= 2 && swap < 0.5*keep && keep-swap > 0.5*sep {
			for _, pr := range legPairs {
				c.x[pr[0]][i], c.x[pr[1]][i] = c.x[pr[1]][i], c.x[pr[0]][i]
				c.y[pr[0]][i], c.y[pr[1]][i] = c.y[pr[1]][i], c.y[pr[0]][i]
				c.score[pr[0]][i], c.score[pr[1]][i] = c.score[pr[1]][i], c.score[pr[0]][i]
			}
			swaps++
		}
		for k, pr := range legPairs {
			if l := c.at(pr[0], i); l.ok() {
				refL[k] = l
			}
			if r := c.at(pr[1], i); r.ok() {
				refR[k] = r
			}
		}
	}
	return swaps
}

// percentile returns the p-th percentile (0..100) of the finite values in
// v (NaN when none); v is not modified.
func percentile(v []float64, p float64) float64 {
	s := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return nan
	}
	sort.Float64s(s)
	pos := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}
