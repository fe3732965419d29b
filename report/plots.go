package report

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/kneescreen/kneescreen/screening"
)

// Plot colours: the person's left in blue, right in orange (distinct for
// colour-blind readers), reps shaded grey.
var (
	plotLeft  = color.RGBA{31, 119, 180, 255}
	plotRight = color.RGBA{230, 120, 20, 255}
	plotRep   = color.RGBA{225, 225, 225, 255}
	plotFaint = uint8(90)
)

// plotSpec is one time-series plot of a per-side metric.
type plotSpec struct {
	title, ylabel string
	metric        string
	// anyValid draws every finite value as a measurement (e.g. the image
	// knee angle, meaningful as an image angle in any view).
	anyValid bool
}

// metricPlot draws a per-side metric over time with the reps shaded and
// numbered, and returns it as PNG. Values outside their valid frames are
// drawn faint and dashed, so foreshortened stretches are visible but not
// mistaken for measurements. It returns nil when the series has no value.
func metricPlot(rep *screening.Report, spec plotSpec) ([]byte, error) {
	s := rep.Series
	if s == nil || s.Len() == 0 {
		return nil, nil
	}
	sides := []struct {
		side screening.Side
		name string
		col  color.RGBA
	}{{screening.SideLeft, "left", plotLeft}, {screening.SideRight, "right", plotRight}}
	inRange := plausible(rep, spec.metric)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, sd := range sides {
		m := s.Metric(spec.metric, sd.side)
		if m == nil {
			continue
		}
		for _, v := range m.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && inRange(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return nil, nil
	}
	pad := math.Max(2, (hi-lo)*0.08)
	lo, hi = lo-pad, hi+pad

	p := plot.New()
	p.Title.Text = spec.title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = spec.ylabel
	p.Y.Min, p.Y.Max = lo, hi
	p.X.Min, p.X.Max = s.Time[0], s.Time[s.Len()-1]
	p.Legend.Top = true
	p.Add(plotter.NewGrid())

	for _, r := range rep.Reps {
		band, err := plotter.NewPolygon(plotter.XYs{{X: r.StartS, Y: lo}, {X: r.EndS, Y: lo}, {X: r.EndS, Y: hi}, {X: r.StartS, Y: hi}})
		if err != nil {
			return nil, err
		}
		band.Color = plotRep
		band.LineStyle.Width = 0
		p.Add(band)
		bottom, err := plotter.NewLine(plotter.XYs{{X: r.BottomS, Y: lo}, {X: r.BottomS, Y: hi}})
		if err != nil {
			return nil, err
		}
		bottom.Color = color.RGBA{150, 150, 150, 255}
		bottom.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(bottom)
		lab, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    plotter.XYs{{X: r.BottomS, Y: hi - pad/2}},
			Labels: []string{fmt.Sprintf("rep %d", r.Index)},
		})
		if err != nil {
			return nil, err
		}
		p.Add(lab)
	}
	for _, sd := range sides {
		m := s.Metric(spec.metric, sd.side)
		if m == nil {
			continue
		}
		first := true
		for _, run := range runs(s, m, spec.anyValid, inRange) {
			l, err := plotter.NewLine(run.xy)
			if err != nil {
				return nil, err
			}
			l.Color = sd.col
			l.Width = vg.Points(1.6)
			if !run.valid {
				l.Color = color.NRGBA{sd.col.R, sd.col.G, sd.col.B, plotFaint}
				l.Width = vg.Points(1)
				l.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
			}
			p.Add(l)
			if first && run.valid {
				p.Legend.Add(sd.name, l)
				first = false
			}
		}
	}
	return pngOf(p, 9*vg.Inch, 3.2*vg.Inch)
}

type run struct {
	xy    plotter.XYs
	valid bool
}

// plausible returns whether a value of the named metric lies in its
// plausible range, with a configurable bound as the report's thresholds
// set it. Values outside are not drawn at all: a faint line at 80° of
// FPPA would still be read as a measurement.
func plausible(rep *screening.Report, name string) func(float64) bool {
	spec, ok := screening.LookupMetric(name)
	if !ok || !spec.Plausible.IsSet() {
		return func(float64) bool { return true }
	}
	lo, hi := spec.Plausible.Min, spec.Plausible.Max
	for _, t := range rep.Thresholds {
		if spec.Plausible.Key != "" && t.Key == spec.Plausible.Key {
			lo, hi = -t.Value, t.Value
		}
	}
	return func(v float64) bool { return v >= lo && v <= hi }
}

// runs splits a series into stretches of finite, plausible values with
// the same validity; gonum/plot lines cannot hold NaN, and a gap must
// stay a gap.
func runs(s *screening.Series, m *screening.MetricSeries, anyValid bool, inRange func(float64) bool) []run {
	var out []run
	var cur *run
	for i := 0; i < s.Len() && i < len(m.Values); i++ {
		v := m.Values[i]
		if math.IsNaN(v) || math.IsInf(v, 0) || !inRange(v) {
			cur = nil
			continue
		}
		valid := anyValid || i >= len(m.Valid) || m.Valid[i]
		if cur == nil || cur.valid != valid {
			if cur != nil {
				// Join the stretches so a change of validity does not
				// leave a visual gap.
				last := cur.xy[len(cur.xy)-1]
				out = append(out, run{valid: valid, xy: plotter.XYs{last}})
			} else {
				out = append(out, run{valid: valid})
			}
			cur = &out[len(out)-1]
		}
		cur.xy = append(cur.xy, plotter.XY{X: s.Time[i], Y: v})
	}
	// A single point cannot make a line; duplicate it.
	for i := range out {
		if len(out[i].xy) == 1 {
			out[i].xy = append(out[i].xy, out[i].xy[0])
		}
	}
	return out
}

// pngOf renders p as a PNG at twice screen resolution, so it stays sharp
// on high-density displays.
func pngOf(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(144), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(c))
	// Deflate at its fastest level: at the default one it took as long as
	// drawing the plot, for files (of few flat colours) about a tenth
	// smaller.
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	return buf.Bytes(), nil
}
