package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// syntheticReport screens a synthetic squat and returns its report.json.
func syntheticReport(t testing.TB, cfg synth.Config) ([]byte, *screening.Report) {
	t.Helper()
	tr, _, err := synth.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := screening.Analyze(context.Background(), tr, screening.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, &report.Data{Report: rep, Analysis: report.Analysis{Tool: "test", Model: "synth"}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), rep
}

// TestWriteIndex lists a batch of four: two analysed (one with an HTML
// report, one with report.json only), one failed, one with a name a
// spreadsheet or a browser could take for code. Every input has its row,
// links point at what exists, per-side values are the reports' own, and
// names are escaped.
func TestWriteIndex(t *testing.T) {
	out := t.TempDir()
	caving, repCaving := syntheticReport(t, synth.Config{Reps: 3, ValgusDeg: [2]float64{14, 2}, NoisePx: 1})
	straight, _ := syntheticReport(t, synth.Config{Reps: 2, NoisePx: 1})
	entries := []Entry{
		{Input: Input{Path: "anna/squat.mp4", Folder: "anna/squat"}, Status: StatusAnalysed},
		{Input: Input{Path: "ben/squat.mp4", Folder: "ben/squat"}, Status: StatusUpToDate},
		{Input: Input{Path: "bad.mp4", Folder: "bad"}, Status: StatusFailed, Error: "vision: bad.mp4: not a video file that FFmpeg can decode"},
		{Input: Input{Path: "=HYPERLINK(\"x\")<script>.mp4", Folder: "http:x"}, Status: StatusAnalysed},
	}
	write := func(folder, name string, b []byte) {
		dir := filepath.Join(out, filepath.FromSlash(folder))
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("anna/squat", "report.json", caving)
	write("anna/squat", "report.html", []byte("<html></html>"))
	write("ben/squat", "report.json", straight)
	write("http:x", "report.json", straight)
	if err := WriteIndex(out, entries); err != nil {
		t.Fatal(err)
	}

	page, _ := os.ReadFile(filepath.Join(out, IndexFile))
	html := string(page)
	if n := strings.Count(html, "<tr class="); n != len(entries) {
		t.Errorf("%d rows, want %d", n, len(entries))
	}
	for _, want := range []string{`href="./anna/squat/report.html"`, `href="./ben/squat/report.json"`, `href="./http:x/report.json"`,
		"not a video file that FFmpeg can decode", "4 inputs: 2 analysed, 1 up to date, 1 failed", "&lt;script&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>.mp4") || strings.Contains(html, "http://") {
		t.Error("index.html carries an unescaped name or an absolute link")
	}
	if strings.Contains(html, "src=") || strings.Contains(html, "<link") {
		t.Error("index.html loads something: it must be self-contained")
	}

	f, _ := os.Open(filepath.Join(out, SummaryFile))
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(entries) {
		t.Fatalf("summary.csv has %d lines, want a header and %d", len(recs), len(entries))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	anna := recs[1]
	for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
		in, ok := repCaving.Indicator("dynamic_knee_valgus", side)
		if !ok || !in.Value.Valid() {
			t.Fatalf("the caving squat has no %s knee valgus value", side)
		}
		j, ok := col["dynamic_knee_valgus_"+string(side)]
		if !ok {
			t.Fatalf("no knee valgus %s column in %v", side, recs[0])
		}
		// One decimal shown: within 0.05 of the report's value.
		if got, err := strconv.ParseFloat(anna[j], 64); err != nil || math.Abs(got-float64(in.Value)) > 0.05+1e-9 {
			t.Errorf("%s knee valgus %s, report says %v", side, anna[j], in.Value)
		}
		if anna[j+1] != string(in.Level) {
			t.Errorf("%s knee valgus level %s, report says %s", side, anna[j+1], in.Level)
		}
	}
	if anna[col["reps"]] != "3" || anna[col["movement"]] != "squat" || anna[col["status"]] != "analysed" {
		t.Errorf("anna's row %q", anna)
	}
	if bad := recs[3]; bad[col["status"]] != "failed" || !strings.Contains(bad[col["error"]], "not a video file") {
		t.Errorf("failed row %q", bad)
	}
	if hostile := recs[4][col["input"]]; !strings.HasPrefix(hostile, "'=") {
		t.Errorf("input cell %q: a leading = must not reach a spreadsheet as a formula", hostile)
	}
}

// TestDecodeSummary: a real report reads; what is not a report is an
// error.
func TestDecodeSummary(t *testing.T) {
	b, rep := syntheticReport(t, synth.Config{Reps: 2, NoisePx: 1})
	s, err := DecodeSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Movement != string(rep.Movement) || len(s.Reps) != len(rep.Reps) || len(s.Indicators) != len(rep.Indicators) {
		t.Errorf("summary %+v", s)
	}
	for name, doc := range map[string]string{"empty": "", "array": "[]", "no movement": `{"view":"front"}`, "two documents": `{"movement":"squat","view":"front"} {}`,
		"wrong type": `{"movement":"squat","view":"front","reps":3}`} {
		if _, err := DecodeSummary([]byte(doc)); !errors.Is(err, ErrBadReport) {
			t.Errorf("%s: %v, want ErrBadReport", name, err)
		}
	}
}

// FuzzDecodeSummary: whatever the bytes (report.json is read back from
// disk on resume), DecodeSummary returns a summary or ErrBadReport, never
// panics, and Worst ranks what it returns. Seeds are in
// testdata/fuzz/FuzzDecodeSummary.
func FuzzDecodeSummary(f *testing.F) {
	f.Add([]byte(`{"movement":"squat","view":"front","reps":[{}],"indicators":[{"id":"x","side":"left","level":"flag","value":3.5}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSummary(b)
		if err != nil {
			if !errors.Is(err, ErrBadReport) {
				t.Fatalf("error %v does not wrap ErrBadReport", err)
			}
			return
		}
		if w, n, ok := s.Worst(); ok && (n < 1 || levelRank[w.Level] == 0) {
			t.Fatalf("worst %+v, %d", w, n)
		}
	})
}

// TestIndexSortsInChromium clicks headings of index.html in headless
// Chromium (the page's own script, as written): numbers sort as numbers,
// both ways, with rows that have no value last; the page logs nothing.
func TestIndexSortsInChromium(t *testing.T) {
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	out := t.TempDir()
	var entries []Entry
	for _, n := range []int{2, 10, 1} { // 10 after 2 only as a number
		folder := fmt.Sprintf("p%d", n)
		b, _ := syntheticReport(t, synth.Config{Reps: n, NoisePx: 1})
		os.MkdirAll(filepath.Join(out, folder), 0o755)
		os.WriteFile(filepath.Join(out, folder, reportJSON), b, 0o644)
		entries = append(entries, Entry{Input: Input{Path: folder + ".mp4", Folder: folder}, Status: StatusAnalysed})
	}
	entries = append(entries, Entry{Input: Input{Path: "bad.mp4", Folder: "bad"}, Status: StatusFailed, Error: "not a video"})
	if err := WriteIndex(out, entries); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(out, IndexFile))
	// Click "reps" (the fifth heading) once, note the order, click again.
	probe := `<script>
var th = document.querySelectorAll('#batch th')[4];
var order = function () { return Array.prototype.map.call(document.querySelectorAll('#batch tbody tr'), function (r) { return r.cells[0].textContent; }).join(' '); };
th.click(); var up = order(); th.click();
document.body.setAttribute('data-order', up + ' / ' + order());
</script></body>`
	test := filepath.Join(out, "probe.html")
	os.WriteFile(test, []byte(strings.Replace(string(page), "</body>", probe, 1)), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+test)
	var dom, logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &dom, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, logs.String())
	}
	want := `data-order="p1.mp4 p2.mp4 p10.mp4 bad.mp4 / p10.mp4 p2.mp4 p1.mp4 bad.mp4"`
	if !strings.Contains(dom.String(), want) {
		t.Errorf("sorted by reps: want %s in\n%s", want, dom.String())
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "CONSOLE") || strings.Contains(l, "Uncaught") {
			t.Errorf("chromium reported: %s", l)
		}
	}
}
