package realdata_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// Labels of the shared clips (../shared/realdata/labels): what a person
// saw in each clip, per clip or per rep, as the sources give it.

// clipLabel is one clip's label as the table prints it.
type clipLabel struct {
	// text summarises the label for the table.
	text string
	// spotme: "good" or "bad"; lnewco: the trainer's comment and knee
	// stability score.
	verdict   string
	comment   string
	stability int
	// segments are posture's per-segment codes (end times in seconds).
	segments []postureSegment
	// bottoms are workouttracker's "hips at the lowest point" times.
	bottoms []float64
}

// postureSegment is one labelled stretch of a posture clip.
type postureSegment struct {
	end  float64 // seconds; +Inf for "end"
	code string
}

// readCSV reads a labels file (comment lines start with #).
func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	path := testenv.Shared(t, filepath.Join("realdata/labels", name))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows[1:] // header
}

// loadLabels reads every label file into clip name → label.
func loadLabels(t *testing.T) map[string]clipLabel {
	t.Helper()
	out := map[string]clipLabel{}
	for _, row := range readCSV(t, "spotme_labels.csv") {
		out[row[0]] = clipLabel{verdict: row[3], text: row[3] + ": " + row[5]}
	}
	for _, row := range readCSV(t, "lnewco_labels_by_video.csv") {
		stab, _ := strconv.Atoi(row[5])
		out["lnewco_"+row[0]] = clipLabel{comment: row[8], stability: stab,
			text: fmt.Sprintf("trainer: knee stability %s/100; %s", row[5], strings.TrimSpace(row[8]))}
	}
	segs := map[string][]postureSegment{}
	for _, row := range readCSV(t, "posture_labels.csv") {
		end := 1e9
		if v := strings.TrimSpace(row[1]); v != "end" {
			var err error
			if end, err = strconv.ParseFloat(v, 64); err != nil {
				t.Fatalf("posture_labels.csv: %q", row[1])
			}
		}
		segs[row[0]] = append(segs[row[0]], postureSegment{end: end, code: row[2]})
	}
	for id, ss := range segs {
		count := map[string]int{}
		for _, s := range ss {
			count[s.code]++
		}
		var codes []string
		for c, n := range count {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		out["posture_squat_"+id+".mp4"] = clipLabel{segments: ss, text: "segments " + strings.Join(codes, " ")}
	}
	for _, n := range []int{9, 12, 17, 18, 24} {
		var bottoms []float64
		for _, row := range readCSV(t, fmt.Sprintf("workouttracker_squat_%d.csv", n)) {
			if v, _ := strconv.ParseFloat(row[2], 64); v == 1 {
				tt, _ := strconv.ParseFloat(row[1], 64)
				bottoms = append(bottoms, tt)
			}
		}
		out[fmt.Sprintf("workouttracker_squat_%d.mp4", n)] = clipLabel{bottoms: bottoms,
			text: fmt.Sprintf("lowest points at %s s", joinFloats(bottoms))}
	}
	return out
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(s, ", ")
}

// codeAt is the posture code of the segment holding time t.
func codeAt(segs []postureSegment, t float64) string {
	for _, s := range segs {
		if t <= s.end {
			return s.code
		}
	}
	return ""
}
