package overlay

import (
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// Annotator turns a screening report into each frame's overlay: the
// conditioned keypoints (or, without a report, the model's own), the
// legs coloured by the verdict of the rep in progress (the last rep's
// between reps, none before the first), the rep counter, movement and
// view, and the live FPPA per side in a front view. It is safe for
// concurrent use once made.
type Annotator struct {
	rep    *screening.Report
	series *screening.Series
	tr     *pose.Track
	levels [2]screening.Level
	// repLevels is each rep's worst finding per leg.
	repLevels [][2]screening.Level
	byFrame   map[int]int // frame index -> sample index in series/track
	fppa      [2]*screening.MetricSeries
	title     string
}

// minRawScore is the score from which a model's raw keypoint is drawn when
// there is no conditioned series (the screening's default filter.min_score).
const minRawScore = 0.3

// NewAnnotator prepares the overlays of rep's frames. rep may be nil (only
// the track's keypoints are drawn); tr may be nil when rep has a series.
func NewAnnotator(rep *screening.Report, tr *pose.Track) *Annotator {
	a := &Annotator{rep: rep, tr: tr, byFrame: map[int]int{}}
	if rep != nil {
		a.series = rep.Series
		for _, r := range rep.Reps {
			a.repLevels = append(a.repLevels, RepLevels(r))
		}
		if len(rep.Reps) == 0 {
			a.levels = SideLevels(rep.Indicators)
		}
		a.title = fmt.Sprintf("%s, %s view", rep.Movement, rep.View)
	}
	if a.series != nil {
		for i, f := range a.series.Frame {
			a.byFrame[f] = i
		}
		if rep.View == screening.ViewFront {
			a.fppa = [2]*screening.MetricSeries{a.series.Metric(screening.MetricFPPA, screening.SideLeft),
				a.series.Metric(screening.MetricFPPA, screening.SideRight)}
		}
	} else if tr != nil {
		for i, p := range tr.Poses {
			a.byFrame[p.Frame] = i
		}
	}
	return a
}

// levelRank orders the graded levels; others (none, not_assessable) rank 0.
var levelRank = map[screening.Level]int{screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}

// SideLevels returns the worst graded level per side (left, right) over
// the indicators; bilateral indicators count for both sides. A side without
// a graded indicator gets "".
func SideLevels(ins []screening.Indicator) [2]screening.Level {
	var out [2]screening.Level
	for _, in := range ins {
		r := levelRank[in.Level]
		if r == 0 {
			continue
		}
		for s, side := range [2]screening.Side{screening.SideLeft, screening.SideRight} {
			if (in.Side == side || in.Side == screening.SideBoth || in.Side == screening.SideNone) && r > levelRank[out[s]] {
				out[s] = in.Level
			}
		}
	}
	return out
}

// RepLevels returns a rep's worst graded finding per side (left, right);
// whole-body findings count for both sides. A side without a graded
// finding gets "".
func RepLevels(r screening.Rep) [2]screening.Level {
	var out [2]screening.Level
	for _, f := range r.Findings {
		k := levelRank[f.Level]
		if k == 0 {
			continue
		}
		for s, side := range [2]screening.Side{screening.SideLeft, screening.SideRight} {
			if (f.Side == side || f.Side == screening.SideBoth) && k > levelRank[out[s]] {
				out[s] = f.Level
			}
		}
	}
	return out
}

// Fill sets o for frame index f, drawn on a frame scaled by sx, sy from the
// source. o's slices are reused. A frame the report does not cover gets an
// empty overlay with the legs' levels.
func (a *Annotator) Fill(f int, o *Overlay, sx, sy float64) {
	*o = Overlay{KneeAngle: [2]float64{math.NaN(), math.NaN()}, Level: a.levels, Lines: o.Lines[:0], Points: o.Points[:0]}
	i, ok := a.byFrame[f]
	if !ok {
		return
	}
	switch {
	case a.series != nil && i < len(a.series.Keypoints):
		// Conditioned keypoints are NaN where missing.
		o.SetKeypoints(a.series.Skeleton, a.series.Keypoints[i], sx, sy, 0)
	case a.tr != nil && i < len(a.tr.Poses):
		p := &a.tr.Poses[i]
		o.SetKeypoints(p.Skeleton, p.Keypoints, sx, sy, minRawScore)
	default:
		return
	}
	if a.rep == nil {
		return
	}
	n := len(a.rep.Reps)
	cur, done := 0, 0
	for _, r := range a.rep.Reps {
		if f >= r.StartFrame && f <= r.EndFrame {
			cur = r.Index
		}
		if f > r.EndFrame {
			done++
		}
	}
	if cur > 0 {
		o.Lines = append(o.Lines, fmt.Sprintf("rep %d of %d", cur, n))
	} else {
		o.Lines = append(o.Lines, fmt.Sprintf("reps %d of %d", done, n))
	}
	// Legs take the verdict of the rep in progress, else of the last one.
	if k := max(cur, done); k > 0 && k <= len(a.repLevels) {
		o.Level = a.repLevels[k-1]
	}
	o.Lines = append(o.Lines, a.title)
	if a.fppa[0] != nil && a.fppa[1] != nil && i < len(a.fppa[0].Values) && i < len(a.fppa[1].Values) {
		v := func(m *screening.MetricSeries) string {
			if !m.Valid[i] || math.IsNaN(m.Values[i]) {
				return "–"
			}
			return fmt.Sprintf("%+.0f°", m.Values[i])
		}
		o.Lines = append(o.Lines, fmt.Sprintf("FPPA L %s  R %s", v(a.fppa[0]), v(a.fppa[1])))
	}
}
