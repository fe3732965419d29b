package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
)

// jsonReport is report.json: the screening report with the analysis
// settings beside it.
type jsonReport struct {
	*screening.Report
	Analysis Analysis `json:"analysis"`
}

// ErrInvalidReport reports a report that does not match
// schema/report.schema.json; WriteJSON writes nothing then.
var ErrInvalidReport = errors.New("report does not match its schema")

// WriteJSON writes report.json, indented for people who open it. The
// document is checked against schema/report.schema.json first: a report
// that breaks its own documented format (a negative share, a value out of
// its range) is an error wrapping ErrInvalidReport, never a file.
func WriteJSON(w io.Writer, d *Data) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonReport{Report: d.Report, Analysis: d.Analysis}); err != nil {
		return err
	}
	if err := schema.ValidateReport(buf.Bytes()); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidReport, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteKeypointsCSV writes the model's keypoints: one row per frame with
// frame, time_s, person (1/0) and x, y (pixels, upright frame) and score
// of every keypoint. These are the raw model outputs, before the screening
// conditions them (angles.csv and the plots use the conditioned ones).
func WriteKeypointsCSV(w io.Writer, tr *pose.Track) error {
	cw := csv.NewWriter(w)
	head := []string{"frame", "time_s", "person"}
	sk := pose.COCO17 // the header of a track that names no skeleton
	if tr != nil && tr.PoseSkeleton() != nil {
		sk = tr.PoseSkeleton()
	}
	joints := sk.Joints()
	for _, j := range joints {
		head = append(head, string(j)+"_x", string(j)+"_y", string(j)+"_score")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	if tr != nil {
		row := make([]string, len(head))
		for _, p := range tr.Poses {
			row = row[:0]
			person := "0"
			if p.Person {
				person = "1"
			}
			row = append(row, strconv.Itoa(p.Frame), num(p.Time, 4), person)
			same := len(p.Keypoints) == len(joints) && (p.Skeleton == nil || p.Skeleton.Same(sk))
			for i, j := range joints {
				// A pose of another skeleton is read by name, so every
				// row matches the header; what it lacks is left empty.
				k, ok := pose.Keypoint{}, same
				if same {
					k = p.Keypoints[i]
				} else {
					k, ok = p.Get(j)
				}
				if !ok {
					row = append(row, "", "", "")
					continue
				}
				row = append(row, num(k.X, 2), num(k.Y, 2), num(k.Score, 4))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteAnglesCSV writes every assessable metric per frame: frame, time_s,
// rep (1-based, 0 outside reps), then one column per metric and side
// (e.g. fppa_deg_left). A cell is empty where the value could not be
// measured or is not meaningful in that frame (e.g. FPPA while the thigh
// points at the camera), so spreadsheets leave a gap instead of plotting
// a misleading number.
func WriteAnglesCSV(w io.Writer, rep *screening.Report) error {
	cw := csv.NewWriter(w)
	head := []string{"frame", "time_s", "rep"}
	var cols []*screening.MetricSeries
	s := rep.Series
	if s != nil {
		for i := range s.Metrics {
			if s.Metrics[i].Assessable {
				cols = append(cols, &s.Metrics[i])
				head = append(head, s.Metrics[i].Column())
			}
		}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	if s != nil {
		row := make([]string, 0, len(head))
		for i := 0; i < s.Len(); i++ {
			row = row[:0]
			repIdx := 0
			if i < len(s.RepIndex) {
				repIdx = s.RepIndex[i]
			}
			row = append(row, strconv.Itoa(s.Frame[i]), num(s.Time[i], 4), strconv.Itoa(repIdx))
			for _, m := range cols {
				v := math.NaN()
				if i < len(m.Values) && (i >= len(m.Valid) || m.Valid[i]) {
					v = m.Values[i]
				}
				row = append(row, num(v, 3))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// num formats v with at most digits decimals, "" for NaN and infinities.
func num(v float64, digits int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(roundTo(v, digits), 'f', -1, 64)
}

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}
