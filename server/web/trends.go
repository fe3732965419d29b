package web

import (
	"bytes"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/server/store"
)

// trendMetrics lists the metrics followed over time, in report order:
// every metric of the screening registry except the auxiliary ones
// (segment lengths that only check another metric's validity).
func trendMetrics() []string {
	var out []string
	for _, m := range screening.MetricSpecs() {
		if !m.Auxiliary {
			out = append(out, m.Name)
		}
	}
	return out
}

// The report's side colours: the person's left blue, right orange.
var sideColors = map[string]color.RGBA{
	"left": {31, 119, 180, 255}, "right": {230, 120, 20, 255}, "both": {80, 80, 80, 255},
}

// trendRef is one chart on a subject's page.
type trendRef struct {
	Movement, Metric, Label, URL string
}

// trendCharts lists the (movement, metric) charts a subject's reports
// support: every metric with a value in at least one report.
func trendCharts(subjectID int64, points []store.TrendPoint) []trendRef {
	type key struct{ movement, metric string }
	order := trendMetrics()
	seen := map[key]bool{}
	var keys []key
	for _, p := range points {
		for _, m := range parseSummary(p.Summary) {
			k := key{p.Movement, m.Name}
			if slices.Contains(order, m.Name) && m.N > 0 && m.Mean != nil && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	rank := func(m string) int { return slices.Index(order, m) }
	slices.SortStableFunc(keys, func(a, b key) int {
		if a.movement != b.movement {
			if a.movement < b.movement {
				return -1
			}
			return 1
		}
		return rank(a.metric) - rank(b.metric)
	})
	out := make([]trendRef, len(keys))
	for i, k := range keys {
		q := url.Values{"movement": {k.movement}, "metric": {k.metric}}
		out[i] = trendRef{Movement: k.movement, Metric: k.metric, Label: metricLabel(k.metric),
			URL: fmt.Sprintf("/subjects/%d/trend.svg?%s", subjectID, q.Encode())}
	}
	return out
}

// trendSVG draws one metric of one movement over the subject's sessions,
// a line per side through each report's mean.
func (s *Server) trendSVG(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	movement, metric := r.URL.Query().Get("movement"), r.URL.Query().Get("metric")
	points, err := s.st.Trends(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	series := map[string]plotter.XYs{}
	unit := ""
	for _, p := range points {
		if p.Movement != movement {
			continue
		}
		day, err := time.Parse(store.DateLayout, p.Date)
		if err != nil {
			continue
		}
		for _, m := range parseSummary(p.Summary) {
			if m.Name == metric && m.N > 0 && m.Mean != nil {
				series[m.Side] = append(series[m.Side], plotter.XY{X: float64(day.Unix()), Y: *m.Mean})
				unit = m.Unit
			}
		}
	}
	if len(series) == 0 {
		return store.ErrNotFound
	}
	b, err := trendPlot(metricLabel(metric)+" · "+movement, unit, series)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "private, no-cache")
	_, err = w.Write(b)
	return err
}

func trendPlot(title, unit string, series map[string]plotter.XYs) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = unit
	p.Legend.Top = true
	p.Legend.Left = true
	minX, maxX, minY, maxY := 0.0, 0.0, 0.0, 0.0
	first := true
	var dates []float64
	for _, side := range []string{"left", "right", "both"} {
		xy := series[side]
		if len(xy) == 0 {
			continue
		}
		for _, pt := range xy {
			if first {
				minX, maxX, minY, maxY = pt.X, pt.X, pt.Y, pt.Y
			}
			minX, maxX = min(minX, pt.X), max(maxX, pt.X)
			minY, maxY = min(minY, pt.Y), max(maxY, pt.Y)
			first = false
			if !slices.Contains(dates, pt.X) {
				dates = append(dates, pt.X)
			}
		}
		l, s, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("web: trend: %w", err)
		}
		c := sideColors[side]
		l.Color, s.Color = c, c
		l.Width = vg.Points(1.5)
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(3)
		p.Add(l, s)
		p.Legend.Add(side, l, s)
	}
	// Room either side, so a single session is not squashed against the
	// axis, and above the data for the legend.
	padX := max(2*86400, 0.12*(maxX-minX))
	p.X.Min, p.X.Max = minX-padX, maxX+padX
	// A flat series still gets a readable span: a degree for angles, a
	// twentieth for ratios and fractions.
	minPad := 0.05
	if unit == "deg" {
		minPad = 1
	}
	padY := max(minPad, 0.1*(maxY-minY))
	p.Y.Min, p.Y.Max = minY-padY, maxY+3*padY
	p.X.Tick.Marker = dateTicks(dates)
	wt, err := p.WriterTo(6*vg.Inch, 3.25*vg.Inch, "svg")
	if err != nil {
		return nil, fmt.Errorf("web: trend: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("web: trend: %w", err)
	}
	return buf.Bytes(), nil
}

// dateTicks labels the session dates themselves (at most eight, evenly
// picked), not calendar-round days no session fell on.
type dateTicks []float64

// Ticks implements plot.Ticker.
func (d dateTicks) Ticks(lo, hi float64) []plot.Tick {
	dates := slices.Clone([]float64(d))
	slices.Sort(dates)
	step := max(1, (len(dates)+7)/8)
	var ticks []plot.Tick
	for i := 0; i < len(dates); i += step {
		ticks = append(ticks, plot.Tick{Value: dates[i], Label: time.Unix(int64(dates[i]), 0).UTC().Format(store.DateLayout)})
	}
	return ticks
}

// metricLabel is the name a clinician reads for a report.json metric (the
// screening registry's label), or the metric's own name when unknown.
func metricLabel(name string) string {
	if m, ok := screening.LookupMetric(name); ok {
		return m.Label
	}
	return name
}
