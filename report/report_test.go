package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

var cases = []struct {
	name string
	cfg  synth.Config
}{
	{"squat front", synth.Config{Movement: synth.Squat, Reps: 4, ValgusDeg: [2]float64{12, 2}, NoisePx: 2, Width: 1280, Height: 720}},
	{"step-down front", synth.Config{Movement: synth.StepDown, Reps: 3, ValgusDeg: [2]float64{15, 3}, NoisePx: 2, Width: 1280, Height: 720}},
	{"squat side", synth.Config{Movement: synth.Squat, Reps: 2, YawDeg: 90, NoisePx: 1, Width: 640, Height: 480}},
	{"no reps", synth.Config{Movement: synth.Squat, NoReps: true, Width: 640, Height: 480}},
	// BlazePose's feet, the stance foot the far one: the foot metrics the
	// view allows cannot be read.
	{"single-leg side, hidden stance foot", synth.Config{Movement: synth.SingleLegSquat, StanceRight: true, Feet: true, Reps: 2, YawDeg: 90, NoisePx: 1, Width: 640, Height: 480}},
}

func TestWriteAllFormatsValidates(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := analyzed(t, tc.cfg)
			dir := t.TempDir()
			fs := Formats{FormatJSON: true, FormatCSV: true, FormatHTML: true}
			if err := Write(context.Background(), dir, fs, d); err != nil {
				t.Fatal(err)
			}
			doc, err := os.ReadFile(filepath.Join(dir, JSONFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.ValidateReport(doc); err != nil {
				t.Fatal(err)
			}
			checkReadable(t, doc)
			// Nothing but the four files (no temporaries left behind).
			ents, _ := os.ReadDir(dir)
			if len(ents) != 4 {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Errorf("dir holds %v, want the four report files", names)
			}
			checkKeypointsCSV(t, filepath.Join(dir, KeypointsFile), d.Track)
			checkAnglesCSV(t, filepath.Join(dir, AnglesFile), d.Report)
			html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
			checkHTML(t, string(html), d)
		})
	}
}

// checkReadable asserts, on report.json as written, that no metric is
// assessable without a value: an assessable metric in a clip with reps
// lists the reps that read it, each with a value, and every null side of
// a rep's metric says why in the rep's not_assessable.
func checkReadable(t *testing.T, doc []byte) {
	t.Helper()
	var r screening.Report
	if err := json.Unmarshal(doc, &r); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	for _, info := range r.Metrics {
		if info.Assessable && len(r.Reps) > 0 && len(info.Reps) == 0 {
			t.Errorf("%s: assessable, yet no rep reads it", info.Name)
		}
		for _, k := range info.Reps {
			if k < 1 || k > len(r.Reps) || !r.Reps[k-1].Metrics[info.Name].HasValue() {
				t.Errorf("%s: listed as read by rep %d, which has no value", info.Name, k)
			}
		}
	}
	for _, rep := range r.Reps {
		for name, v := range rep.Metrics {
			sides := []screening.Side{screening.SideBoth}
			if v.PerSide {
				sides = []screening.Side{screening.SideLeft, screening.SideRight}
			}
			for _, sd := range sides {
				if math.IsNaN(v.Side(sd)) && rep.NotAssessable[name].Side(sd) == "" {
					t.Errorf("rep %d: %s %s null without a reason", rep.Index, name, sd)
				}
			}
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func checkKeypointsCSV(t *testing.T, path string, tr *pose.Track) {
	rows := readCSV(t, path)
	if len(rows) != len(tr.Poses)+1 {
		t.Fatalf("keypoints.csv has %d rows, want header + %d", len(rows), len(tr.Poses))
	}
	sk := tr.PoseSkeleton()
	if got, want := len(rows[0]), 3+3*sk.Len(); got != want {
		t.Fatalf("keypoints.csv has %d columns, want %d", got, want)
	}
	knee, _ := sk.Index(pose.LeftKnee)
	if rows[0][3+3*knee] != "left_knee_x" {
		t.Errorf("column for left knee x is %q", rows[0][3+3*knee])
	}
	// Spot-check a value against the track.
	i := len(tr.Poses) / 2
	x, err := strconv.ParseFloat(rows[i+1][3+3*knee], 64)
	if want := tr.Poses[i].At(pose.LeftKnee).X; err != nil || abs(x-want) > 0.006 {
		t.Errorf("row %d left_knee_x = %q, want %.3f", i, rows[i+1][3+3*knee], want)
	}
}

func checkAnglesCSV(t *testing.T, path string, rep *screening.Report) {
	rows := readCSV(t, path)
	if rep.Series == nil {
		if len(rows) != 1 {
			t.Fatalf("angles.csv of an empty series has %d rows", len(rows))
		}
		return
	}
	if len(rows) != rep.Series.Len()+1 {
		t.Fatalf("angles.csv has %d rows, want header + %d", len(rows), rep.Series.Len())
	}
	col := -1
	for i, h := range rows[0] {
		if h == "fppa_deg_left" {
			col = i
		}
	}
	if rep.View == screening.ViewFront && col < 0 {
		t.Fatalf("front view angles.csv lacks fppa_deg_left: %v", rows[0])
	}
	if rep.View == screening.ViewSide && col >= 0 {
		t.Fatalf("side view angles.csv has fppa_deg_left, which is not assessable there")
	}
	if col < 0 {
		return
	}
	m := rep.Series.Metric(screening.MetricFPPA, screening.SideLeft)
	for i := 0; i < rep.Series.Len(); i++ {
		cell := rows[i+1][col]
		if !m.Valid[i] {
			if cell != "" {
				t.Fatalf("frame %d: invalid FPPA written as %q", i, cell)
			}
			continue
		}
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil || abs(v-m.Values[i]) > 0.0006 {
			t.Fatalf("frame %d: fppa_deg_left %q, want %.3f", i, cell, m.Values[i])
		}
	}
	// The rep column marks every rep.
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		seen[r[2]] = true
	}
	for _, r := range rep.Reps {
		if !seen[strconv.Itoa(r.Index)] {
			t.Errorf("rep %d never marked in angles.csv", r.Index)
		}
	}
}

func checkHTML(t *testing.T, html string, d *Data) {
	for _, want := range []string{"<!DOCTYPE html>", "not a diagnosis", "Data quality", "Findings"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "ZgotmplZ"} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html contains %q: it must be self-contained and static", bad)
		}
	}
	if n, want := strings.Count(html, "data:image/jpeg;base64,"), len(d.Report.Reps); n != want {
		t.Errorf("report.html shows %d frames, want one per rep (%d)", n, want)
	}
	if len(d.Report.Reps) > 0 && !strings.Contains(html, "data:image/png;base64,") {
		t.Errorf("report.html has no plot")
	}
	for _, in := range d.Report.Indicators {
		if in.Level == screening.LevelFlag && !strings.Contains(html, in.Title) {
			t.Errorf("flagged indicator %q missing from report.html", in.Title)
		}
	}
	// The rep table has a column for each finding with rep values, under
	// its registry label; auxiliary metrics get none.
	for _, mi := range d.Report.Metrics {
		spec, ok := screening.LookupMetric(mi.Name)
		if !ok {
			t.Fatalf("metric %s not in the registry", mi.Name)
		}
		header := ">" + htmlEscape(spec.Label) + "</th>"
		want := mi.Assessable && !spec.Auxiliary && len(d.Report.Reps) > 0
		if got := strings.Contains(html, header); got != want {
			t.Errorf("rep table column %q present %v, want %v (assessable %v, auxiliary %v)", spec.Label, got, want, mi.Assessable, spec.Auxiliary)
		}
	}
	for _, p := range d.Report.Quality.Problems {
		if !strings.Contains(html, htmlEscape(p.Message)) {
			t.Errorf("problem %q missing from report.html", p.Message)
		}
	}
	// Each rep's verdict per leg sits beside its bottom frame: the worst
	// level of its findings on that leg.
	for _, rp := range d.Report.Reps {
		i := strings.Index(html, fmt.Sprintf("Rep %d, bottom at", rp.Index))
		if i < 0 {
			t.Errorf("rep %d: no captioned bottom frame", rp.Index)
			continue
		}
		caption := html[i:]
		caption = caption[:strings.Index(caption, "</figcaption>")]
		for s, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
			want := worstLevel(rp, side)
			label := []string{"Left", "Right"}[s]
			if !strings.Contains(caption, fmt.Sprintf(`%s: <span class="badge %s">`, label, want)) {
				t.Errorf("rep %d: %s verdict %s not beside its frame: %s", rp.Index, label, want, caption)
			}
		}
	}
	if len(d.Report.Metrics) > 0 && !strings.Contains(html, "What the camera view allowed") {
		t.Errorf("report.html does not say which metrics the view allowed")
	}
}

// worstLevel is the worst graded level of rep's findings on side (whole
// body ones included), not_assessable when none was graded.
func worstLevel(rp screening.Rep, side screening.Side) screening.Level {
	rank := map[screening.Level]int{screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}
	worst := screening.LevelNotAssessable
	for _, f := range rp.Findings {
		if (f.Side == side || f.Side == screening.SideBoth) && rank[f.Level] > rank[worst] {
			worst = f.Level
		}
	}
	return worst
}

func htmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '"':
			b.WriteString("&#34;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestParseFormats(t *testing.T) {
	cases := []struct {
		in      []string
		want    []Format
		wantErr bool
	}{
		{[]string{"all"}, AllFormats, false},
		{[]string{"json,csv"}, []Format{FormatJSON, FormatCSV}, false},
		{[]string{"HTML", " video "}, []Format{FormatHTML, FormatVideo}, false},
		{[]string{"pdf"}, nil, true},
		{[]string{""}, nil, true},
	}
	for _, tc := range cases {
		got, err := ParseFormats(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseFormats(%q) error %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("ParseFormats(%q) = %v, want %v", tc.in, got, tc.want)
		}
		for _, f := range tc.want {
			if !got[f] {
				t.Errorf("ParseFormats(%q) lacks %s", tc.in, f)
			}
		}
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	d := analyzed(t, cases[0].cfg)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, dir, Formats{FormatJSON: true, FormatHTML: true}, d); err == nil {
		t.Fatal("Write with a cancelled context succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("cancelled Write left %d files", len(ents))
	}
}

// TestKeypointsCSVFollowsSkeleton: the header names the track's own
// joints, so a 33-landmark model's file has BlazePose's columns, and a pose
// of another skeleton is written by name (what it lacks stays empty).
func TestKeypointsCSVFollowsSkeleton(t *testing.T) {
	tr := &pose.Track{Width: 64, Height: 48, FPS: 30, Skeleton: pose.BlazePose33}
	p := pose.NewPose(pose.BlazePose33)
	for i := range p.Keypoints {
		p.Keypoints[i] = pose.Keypoint{X: float64(i), Y: 1, Score: 0.5}
	}
	coco := pose.NewPose(pose.COCO17)
	coco.Frame, coco.Time = 1, 1.0/30
	coco.At(pose.LeftKnee).X = 7
	tr.Poses = []pose.Pose{p, coco}
	var b strings.Builder
	if err := WriteKeypointsCSV(&b, tr); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != 3+3*33 {
		t.Fatalf("%d rows of %d columns, want 3 of %d", len(rows), len(rows[0]), 3+3*33)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	heel, knee := col("left_heel_x"), col("left_knee_x")
	if heel < 0 || knee < 0 || rows[0][3] != "nose_x" || rows[0][len(rows[0])-1] != "right_foot_index_score" {
		t.Fatalf("header %v", rows[0])
	}
	if rows[1][heel] != "29" || rows[1][knee] != "25" {
		t.Errorf("BlazePose row: left heel x %q, left knee x %q; want 29 and 25", rows[1][heel], rows[1][knee])
	}
	if rows[2][heel] != "" || rows[2][knee] != "7" {
		t.Errorf("COCO pose in a BlazePose file: left heel x %q (want empty), left knee x %q (want 7)", rows[2][heel], rows[2][knee])
	}
}

// TestHTMLPlotsMadeAhead: a page given its plots made ahead (MakePlots) is
// byte for byte the page that draws them itself, for a front view (two
// plots) and a side view (one); plots of another report are not used.
func TestHTMLPlotsMadeAhead(t *testing.T) {
	page := func(d *Data) []byte {
		t.Helper()
		var b bytes.Buffer
		if err := WriteHTML(&b, d); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	front := analyzed(t, synth.Config{Movement: synth.Squat, Reps: 3, NoisePx: 1, Width: 1280, Height: 720})
	side := analyzed(t, synth.Config{Movement: synth.Squat, Reps: 2, NoisePx: 1, Width: 1280, Height: 720, YawDeg: 90})
	for _, tc := range []struct {
		name  string
		d     *Data
		plots int
	}{{"front", front, 2}, {"side", side, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			want := page(tc.d)
			p, err := MakePlots(tc.d.Report)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.imgs) != tc.plots {
				t.Errorf("%d plots made ahead, want %d", len(p.imgs), tc.plots)
			}
			d := *tc.d
			d.Plots = p
			if !bytes.Equal(page(&d), want) {
				t.Error("the page with plots made ahead differs")
			}
			other := front
			if tc.d == front {
				other = side
			}
			if d.Plots, err = MakePlots(other.Report); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(page(&d), want) {
				t.Error("the page used another report's plots")
			}
		})
	}
}
