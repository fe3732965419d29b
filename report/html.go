package report

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/screening"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"levelText": levelText,
	"mul100":    func(v any) float64 { return 100 * toFloat(v) },
	"fmtNum":    func(v screening.Number, unit string) string { return fmtValue(float64(v), unit) },
}).Parse(htmlSource))

// metricLabel is the column and axis name a clinician reads: the
// metric's label in the screening registry, or its report.json name for a
// metric the registry does not know.
func metricLabel(name string) string {
	if m, ok := screening.LookupMetric(name); ok {
		return m.Label
	}
	return name
}

func unitSuffix(unit string) string {
	switch unit {
	case "deg":
		return "°"
	case "%":
		return "%"
	case "s":
		return " s"
	}
	return ""
}

// fmtValue formats a value with its unit, "–" when missing.
func fmtValue(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	switch unit {
	case "ratio", "fraction":
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1f%s", v, unitSuffix(unit))
}

func levelText(l screening.Level) string {
	switch l {
	case screening.LevelOK:
		return "ok"
	case screening.LevelWatch:
		return "watch"
	case screening.LevelFlag:
		return "flag"
	case screening.LevelNotAssessable:
		return "not assessable"
	}
	return string(l)
}

type htmlPage struct {
	Title      string
	R          *screening.Report
	A          Analysis
	Duration   string
	Views      []viewRow
	Allowed    []allowedRow
	Rule       string
	Findings   []finding
	StepDown   *screening.StepDownScore
	RepCols    []repCol
	Reps       []repRow
	Plots      []plotImg
	Frames     []frameImg
	Quality    [][2]string
	Thresholds []screening.ThresholdValue
	VideoName  string
}

type finding struct {
	Title, Category, Source string
	Cells                   [3]findingCell // left, right, both
	Focus                   []string
	Reasons                 []string
	Worst                   screening.Level
}

type findingCell struct {
	Present              bool
	Level                screening.Level
	Value, Cut, Conf     string
	Reps                 string
	EvidenceFrame, Index int
}

// viewRow is one stretch of the clip filmed from one view.
type viewRow struct {
	View       screening.View
	Yaw, Times string
}

// allowedRow says whether the clip's views allowed a metric, in which
// reps, or why not.
type allowedRow struct {
	Label, Reps, Reason string
	OK                  bool
}

// repVerdict is one rep's findings beyond ok on one side.
type repVerdict struct {
	Level screening.Level
	Items []string
}

type repCol struct {
	Label, Unit string
	PerSide     bool
	name        string
}

type repRow struct {
	Index                   int
	Side                    string
	View                    string
	Start, Bottom, End      string
	Cells                   []string
	Verdict                 [2]repVerdict
	BottomFrame, StartFrame int
}

type plotImg struct {
	Title, Note string
	Src         template.URL
}

type frameImg struct {
	Caption string
	Verdict [2]repVerdict
	Src     template.URL
}

// WriteHTML writes report.html: one self-contained page (plots and frames
// inline as data: URIs, no scripts, no network) for a clinician.
func WriteHTML(w io.Writer, d *Data) error {
	r := d.Report
	pg := htmlPage{
		Title:      "kneescreen report: " + filepath.Base(r.Source.Path),
		R:          r,
		A:          d.Analysis,
		Duration:   fmt.Sprintf("%.1f s", r.Source.DurationS),
		Views:      viewRows(r),
		Allowed:    allowedRows(r),
		Rule:       screening.SummaryRule,
		Findings:   findings(r.Indicators),
		StepDown:   r.StepDownScore,
		Thresholds: r.Thresholds,
		VideoName:  d.VideoName,
	}
	pg.RepCols, pg.Reps = repTable(r)
	q := r.Quality
	pg.Quality = [][2]string{
		{"frames analysed", fmt.Sprintf("%d", q.Frames)},
		{"frames with a person", fmt.Sprintf("%d (%.0f%%)", q.PersonFrames, 100*q.PersonFraction)},
		{"mean keypoint score", fmt.Sprintf("%.2f", q.MeanScore)},
		{"keypoints dropped (low score)", fmt.Sprintf("%d (%.0f%%)", q.KeypointsDropped, 100*q.DroppedFraction)},
		{"outliers rejected / gap samples filled", fmt.Sprintf("%d / %d", q.OutliersRejected, q.GapSamplesFilled)},
		{"left/right swaps corrected", fmt.Sprintf("%d frames", q.SwapsCorrected)},
		{"person height", fmt.Sprintf("%.0f%% of the image", 100*q.PersonHeightFraction)},
		{"smoothing", smoothing(q.FilterCutoffHz)},
	}
	// The plots (unless made ahead) and the frames' JPEGs do not depend on
	// one another: made at once, on every core, they take about half the
	// time.
	var reps []screening.Rep
	for _, rp := range r.Reps {
		if _, ok := d.Frames[rp.BottomFrame]; ok {
			reps = append(reps, rp)
		}
	}
	jpegs := make([][]byte, len(reps))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	plots, ahead := d.Plots, true
	if plots == nil || plots.report != r {
		plots, ahead = &Plots{report: r}, false
		plots.start(&g)
	}
	for i, rp := range reps {
		g.Go(func() (err error) {
			jpegs[i], err = jpegOf(d.Frames[rp.BottomFrame])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if !ahead {
		plots.collect()
	}
	pg.Plots = plots.imgs
	for i, rp := range reps {
		pg.Frames = append(pg.Frames, frameImg{
			Caption: fmt.Sprintf("Rep %d, bottom at %.2f s (frame %d), %s view (yaw %s)", rp.Index, rp.BottomS, rp.BottomFrame, rp.View, fmtValue(float64(rp.YawDeg), "deg")),
			Verdict: repVerdicts(rp),
			Src:     dataURI("image/jpeg", jpegs[i]),
		})
	}
	return htmlTemplate.Execute(w, &pg)
}

// Plots are report.html's plots of one report, made by MakePlots ahead
// of the page.
type Plots struct {
	report *screening.Report
	pngs   [][]byte
	specs  []plotSpec
	imgs   []plotImg
}

// MakePlots draws the HTML report's plots of r, the page's costliest part
// (about a tenth of a second of CPU each, rasterising and deflating), so
// that a caller can make them while other work runs (an analysis: while
// it writes the data files and draws the annotated video) and hand them
// to WriteHTML in Data.Plots. The page is the same either way.
func MakePlots(r *screening.Report) (*Plots, error) {
	p := &Plots{report: r}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	p.start(&g)
	if err := g.Wait(); err != nil {
		return nil, err
	}
	p.collect()
	return p, nil
}

// start draws the plots in g's goroutines; collect, once g is waited for,
// makes the page's entries.
func (p *Plots) start(g *errgroup.Group) {
	r := p.report
	if anyRepIn(r, screening.ViewFront) || (len(r.Reps) == 0 && r.View == screening.ViewFront) {
		p.specs = append(p.specs, plotSpec{title: "Frontal plane projection angle (FPPA)", ylabel: "FPPA (°, + = valgus)", metric: screening.MetricFPPA})
	}
	p.specs = append(p.specs, plotSpec{title: "Knee flexion (180° − hip-knee-ankle angle in the image)", ylabel: "knee flexion (°)", metric: screening.MetricKneeFlexion, anyValid: true})
	p.pngs = make([][]byte, len(p.specs))
	for i, ps := range p.specs {
		g.Go(func() (err error) {
			p.pngs[i], err = metricPlot(r, ps)
			return err
		})
	}
}

// collect makes the page's plot entries from the PNGs, once the plots
// start drew are done.
func (p *Plots) collect() {
	for i, ps := range p.specs {
		if p.pngs[i] == nil {
			continue
		}
		note := "Shaded: repetitions (dashed line: bottom). Faint dashed stretches are values not valid for reading, e.g. while a thigh points at the camera."
		if ps.metric == screening.MetricKneeFlexion && p.report.View != screening.ViewSide {
			note = "Image angle: in a front view it understates true knee flexion (the thigh is foreshortened). Shaded: repetitions."
		}
		p.imgs = append(p.imgs, plotImg{Title: ps.title, Note: note, Src: dataURI("image/png", p.pngs[i])})
	}
}

func smoothing(cut float64) string {
	if cut > 0 {
		return fmt.Sprintf("zero-phase Butterworth low-pass, %.1f Hz", cut)
	}
	return "none or causal"
}

// findings groups the indicators by id, with a cell per side.
func findings(ins []screening.Indicator) []finding {
	var out []finding
	index := map[string]int{}
	rank := map[screening.Level]int{screening.LevelNotAssessable: 0, screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}
	for _, in := range ins {
		i, ok := index[in.ID]
		if !ok {
			i = len(out)
			index[in.ID] = i
			out = append(out, finding{Title: in.Title, Category: strings.ReplaceAll(string(in.Category), "_", " "), Source: in.Source, Worst: screening.LevelNotAssessable})
			if out[i].Title == "" {
				out[i].Title = strings.ReplaceAll(in.ID, "_", " ")
			}
		}
		f := &out[i]
		col := 2
		switch in.Side {
		case screening.SideLeft:
			col = 0
		case screening.SideRight:
			col = 1
		}
		cut := ""
		if in.Threshold.Valid() {
			dir := "≥"
			if in.Direction == "below" {
				dir = "≤"
			}
			cut = fmt.Sprintf("watch %s %s, flag %s %s", dir, fmtValue(float64(in.WatchThreshold), in.Unit), dir, fmtValue(float64(in.Threshold), in.Unit))
		}
		reps := ""
		if in.RepsAssessed > 0 {
			reps = fmt.Sprintf("%d of %d reps at watch or worse", in.RepsWatch, in.RepsAssessed)
		}
		f.Cells[col] = findingCell{Present: true, Level: in.Level, Value: fmtValue(float64(in.Value), in.Unit), Cut: cut,
			Conf: fmt.Sprintf("%.0f%%", 100*in.Confidence), Reps: reps, EvidenceFrame: in.EvidenceFrame}
		if rank[in.Level] > rank[f.Worst] {
			f.Worst = in.Level
		}
		if in.Focus != "" && !slices.Contains(f.Focus, in.Focus) {
			f.Focus = append(f.Focus, in.Focus)
		}
		if in.Reason != "" && !slices.Contains(f.Reasons, in.Reason) {
			f.Reasons = append(f.Reasons, in.Reason)
		}
	}
	// Flags first, then watch, ok, not assessable; stable otherwise.
	slices.SortStableFunc(out, func(a, b finding) int { return rank[b.Worst] - rank[a.Worst] })
	return out
}

// repTable builds the per-rep table from the assessable metrics that are
// findings (auxiliary metrics such as thigh length are left out).
func repTable(r *screening.Report) ([]repCol, []repRow) {
	var cols []repCol
	for _, mi := range r.Metrics {
		if spec, _ := screening.LookupMetric(mi.Name); !mi.Assessable || spec.Auxiliary {
			continue
		}
		present := false
		for _, rp := range r.Reps {
			if _, ok := rp.Metrics[mi.Name]; ok {
				present = true
				break
			}
		}
		if present {
			cols = append(cols, repCol{Label: metricLabel(mi.Name), Unit: mi.Unit, PerSide: mi.PerSide, name: mi.Name})
		}
	}
	rows := make([]repRow, 0, len(r.Reps))
	for _, rp := range r.Reps {
		row := repRow{Index: rp.Index, Side: string(rp.Side), View: fmt.Sprintf("%s %s", rp.View, fmtValue(float64(rp.YawDeg), "deg")),
			Start: fmt.Sprintf("%.2f", rp.StartS), Bottom: fmt.Sprintf("%.2f", rp.BottomS), End: fmt.Sprintf("%.2f", rp.EndS),
			BottomFrame: rp.BottomFrame, Verdict: repVerdicts(rp)}
		if rp.Movement != r.Movement {
			row.Side += ", " + string(rp.Movement)
		}
		for _, c := range cols {
			mv, ok := rp.Metrics[c.name]
			switch {
			case !ok && c.PerSide:
				row.Cells = append(row.Cells, "–", "–")
			case !ok:
				row.Cells = append(row.Cells, "–")
			case c.PerSide:
				row.Cells = append(row.Cells, fmtValue(mv.Left, c.Unit), fmtValue(mv.Right, c.Unit))
			default:
				row.Cells = append(row.Cells, fmtValue(mv.Value, c.Unit))
			}
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// anyRepIn reports whether a rep was filmed in view v.
func anyRepIn(r *screening.Report, v screening.View) bool {
	for _, rp := range r.Reps {
		if rp.View == v {
			return true
		}
	}
	return false
}

// viewRows lists the clip's view segments.
func viewRows(r *screening.Report) []viewRow {
	var out []viewRow
	for _, vs := range r.ViewSegments {
		out = append(out, viewRow{View: vs.View, Yaw: fmtValue(float64(vs.YawDeg), "deg"),
			Times: fmt.Sprintf("%.1f–%.1f s", vs.StartS, vs.EndS)})
	}
	return out
}

// allowedRows says, for each metric that is a finding, which reps' views
// and movements allowed it, or why none did.
func allowedRows(r *screening.Report) []allowedRow {
	var out []allowedRow
	for _, mi := range r.Metrics {
		if spec, _ := screening.LookupMetric(mi.Name); spec.Auxiliary {
			continue
		}
		row := allowedRow{Label: metricLabel(mi.Name), OK: mi.Assessable, Reason: mi.Reason}
		if mi.Assessable && len(mi.Reps) > 0 {
			row.Reps = repList(mi.Reps, len(r.Reps))
		}
		out = append(out, row)
	}
	return out
}

// repList names reps compactly: "all 6 reps", "reps 1, 3".
func repList(reps []int, total int) string {
	if len(reps) == total {
		if total == 1 {
			return "the rep"
		}
		return fmt.Sprintf("all %d reps", total)
	}
	parts := make([]string, len(reps))
	for i, k := range reps {
		parts[i] = fmt.Sprint(k)
	}
	if len(reps) == 1 {
		return "rep " + parts[0]
	}
	return "reps " + strings.Join(parts, ", ")
}

// repVerdicts is a rep's worst level per leg (whole-body findings count
// for both) with the findings at that level.
func repVerdicts(rp screening.Rep) [2]repVerdict {
	rank := map[screening.Level]int{screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}
	var out [2]repVerdict
	for s, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
		v := &out[s]
		v.Level = screening.LevelNotAssessable
		for _, f := range rp.Findings {
			if f.Side != side && f.Side != screening.SideBoth {
				continue
			}
			k, ok := rank[f.Level]
			if !ok {
				continue
			}
			item := fmt.Sprintf("%s %s", strings.ReplaceAll(f.Indicator, "_", " "), fmtFinding(f))
			switch {
			case k > rank[v.Level]:
				v.Level, v.Items = f.Level, nil
				if k > 1 {
					v.Items = []string{item}
				}
			case k == rank[v.Level] && k > 1:
				v.Items = append(v.Items, item)
			}
		}
	}
	return out
}

// fmtFinding formats a finding's value in its indicator's unit.
func fmtFinding(f screening.Finding) string {
	unit := "ratio"
	for _, spec := range screening.MetricSpecs() {
		if slices.Contains(spec.Indicators, f.Indicator) {
			unit = spec.Unit
		}
	}
	if f.Indicator == screening.IndFlexionAsymmetry {
		unit = "%"
	}
	return fmtValue(float64(f.Value), unit)
}

func dataURI(mime string, b []byte) template.URL {
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b))
}

func jpegOf(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("frame: %w", err)
	}
	return buf.Bytes(), nil
}

// toFloat reads the numeric types report fields use.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case screening.Number:
		return float64(x)
	case int:
		return float64(x)
	}
	return math.NaN()
}
