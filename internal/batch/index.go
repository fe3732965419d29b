package batch

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
)

// The report files the index links to and reads, as the report package
// names them (not imported: it would bring the whole writer along).
const (
	reportHTML = "report.html"
	reportJSON = "report.json"
)

//go:embed index.html.tmpl
var indexSource string

var indexTemplate = template.Must(template.New("index").Parse(indexSource))

// column is one per-side metric shown for every input: an indicator
// graded on the left and right.
type column struct {
	ID, Side, Title, Unit string
}

// Header is the column's heading in the index.
func (c column) Header() string {
	h := c.Title
	if c.Unit != "" {
		h += " (" + c.Unit + ")"
	}
	return h + ", " + c.Side
}

// StatusText is the status as the index shows it.
func (r row) StatusText() string { return strings.ReplaceAll(string(r.Status), "_", " ") }

// key is the summary.csv name of the column's value.
func (c column) key() string { return c.ID + "_" + c.Side }

// cell is one value in a row.
type cell struct {
	Text, Sort, Level string
}

// row is one input in the index.
type row struct {
	Entry
	// Link is the relative URL of the input's report ("" when none).
	Link                         string
	Movement, View, Reps         string
	Worst, WorstLevel, WorstSort string
	Cells                        []cell
	summary                      *Summary
	problem                      string
}

// WriteIndex writes index.html and summary.csv into out for the batch's
// entries, reading what each report folder holds (a report folder written
// by an earlier, interrupted run of the batch is listed like the others).
// Both files are written atomically.
func WriteIndex(out string, entries []Entry) error {
	rows, cols := indexRows(out, entries)
	var page bytes.Buffer
	if err := indexTemplate.Execute(&page, struct {
		Rows    []row
		Columns []column
		Counts  map[string]int
	}{rows, cols, counts(entries)}); err != nil {
		return fmt.Errorf("batch: index: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(out, IndexFile), page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	var sheet bytes.Buffer
	if err := writeSummaryCSV(&sheet, rows, cols); err != nil {
		return fmt.Errorf("batch: summary: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(out, SummaryFile), sheet.Bytes(), 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

func counts(entries []Entry) map[string]int {
	n := map[string]int{}
	for _, e := range entries {
		n[string(e.Status)]++
	}
	return n
}

// indexRows reads each entry's report and lays out the rows and the
// per-side columns (every indicator graded per side in any report, in the
// order they first appear).
func indexRows(out string, entries []Entry) ([]row, []column) {
	var cols []column
	colIndex := map[string]int{}
	rows := make([]row, len(entries))
	for i, e := range entries {
		r := row{Entry: e}
		dir := e.Dir(out)
		if b, err := os.ReadFile(filepath.Join(dir, reportJSON)); err == nil {
			if s, err := DecodeSummary(b); err == nil {
				r.summary = s
			} else {
				r.problem = err.Error()
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			r.problem = err.Error()
		}
		for _, name := range []string{reportHTML, reportJSON} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				r.Link = folderURL(e.Folder) + name
				break
			}
		}
		if s := r.summary; s != nil {
			for _, in := range s.Indicators {
				if in.Side != "left" && in.Side != "right" {
					continue
				}
				c := column{ID: in.ID, Side: in.Side, Title: in.Title, Unit: in.Unit}
				if _, ok := colIndex[c.key()]; !ok {
					colIndex[c.key()] = len(cols)
					cols = append(cols, c)
				}
			}
		}
		rows[i] = r
	}
	for i := range rows {
		fillRow(&rows[i], cols, colIndex)
	}
	// A metric no input could grade (a side-view metric in a batch of
	// front views) is a column of dashes: left out.
	keep := make([]bool, len(cols))
	for _, r := range rows {
		for j, c := range r.Cells {
			keep[j] = keep[j] || c.Sort != ""
		}
	}
	var kept []column
	for j, c := range cols {
		if keep[j] {
			kept = append(kept, c)
		}
	}
	for i := range rows {
		var cells []cell
		for j, c := range rows[i].Cells {
			if keep[j] {
				cells = append(cells, c)
			}
		}
		rows[i].Cells = cells
	}
	return rows, kept
}

// fillRow sets a row's shown values from its summary.
func fillRow(r *row, cols []column, colIndex map[string]int) {
	r.Cells = make([]cell, len(cols))
	for i := range r.Cells {
		r.Cells[i] = cell{Text: "–", Sort: ""}
	}
	s := r.summary
	if s == nil {
		r.Worst = r.Error
		if r.Worst == "" {
			r.Worst = r.problem
		}
		return
	}
	r.Movement, r.View, r.Reps = s.Movement, s.View, strconv.Itoa(len(s.Reps))
	for _, in := range s.Indicators {
		j, ok := colIndex[in.ID+"_"+in.Side]
		if !ok || in.Value == nil || levelRank[in.Level] == 0 {
			continue
		}
		v := strconv.FormatFloat(*in.Value, 'f', 1, 64)
		r.Cells[j] = cell{Text: v, Sort: v, Level: in.Level}
	}
	if w, same, ok := s.Worst(); ok {
		r.WorstLevel = w.Level
		r.Worst = w.Level + ": " + w.Title
		if w.Side == "left" || w.Side == "right" {
			r.Worst += " (" + w.Side + ")"
		}
		if same > 1 {
			r.Worst += fmt.Sprintf(" and %d more", same-1)
		}
		r.WorstSort = strconv.Itoa(levelRank[w.Level]*1000 + same)
	} else if len(s.Quality.Problems) > 0 {
		r.Worst = "not assessable: " + s.Quality.Problems[0].Message
	} else {
		r.Worst = "no indicator graded"
	}
	if r.Error != "" {
		r.Worst = r.Error
	}
}

// folderURL is the relative URL of a report folder, each segment escaped,
// with a trailing slash.
func folderURL(folder string) string {
	parts := strings.Split(folder, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	// "./" first: a folder named like a scheme ("http:x") stays relative.
	return "./" + strings.Join(parts, "/") + "/"
}

// writeSummaryCSV writes one line per input: what the index shows, with
// each per-side metric's value and level in columns of their own.
func writeSummaryCSV(buf *bytes.Buffer, rows []row, cols []column) error {
	w := csv.NewWriter(buf)
	head := []string{"input", "folder", "status", "error", "movement", "view", "reps", "worst_level", "worst_finding"}
	for _, c := range cols {
		head = append(head, c.key(), c.key()+"_level")
	}
	if err := w.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{safeCell(r.Path), safeCell(r.Folder), string(r.Status), safeCell(r.Error), r.Movement, r.View, r.Reps, r.WorstLevel, safeCell(r.Worst)}
		for _, c := range r.Cells {
			rec = append(rec, c.Sort, c.Level)
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// safeCell keeps a text cell from being read as a formula by a
// spreadsheet (a file named "=HYPERLINK(...).mp4"): such cells get a
// leading apostrophe, as OWASP advises for CSV files.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
