package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Summary is what the index shows of one report.json: the fields read
// from it, and nothing else, so reports with more fields (a newer schema
// version) still list.
type Summary struct {
	Movement   string         `json:"movement"`
	View       string         `json:"view"`
	Reps       []struct{}     `json:"reps"`
	Indicators []IndicatorRow `json:"indicators"`
	Quality    struct {
		Problems []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"quality"`
}

// IndicatorRow is one graded indicator as the index shows it.
type IndicatorRow struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Side  string `json:"side"`
	Level string `json:"level"`
	// Value is nil when the report has null (not assessable).
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
}

// ErrBadReport reports a report.json the index cannot read.
var ErrBadReport = errors.New("unreadable report.json")

// maxReportSize bounds a report.json DecodeSummary reads; real ones are
// tens of kilobytes.
const maxReportSize = 64 << 20

// The levels of an indicator, worst last.
var levelRank = map[string]int{"not_assessable": 0, "ok": 1, "watch": 2, "flag": 3}

// DecodeSummary reads the index's fields of a report.json, which must
// name a movement and a view. Values it does not know (a level a newer
// version grades) are shown as they are and rank below every grade. It
// never panics, whatever the bytes; errors wrap ErrBadReport.
func DecodeSummary(b []byte) (*Summary, error) {
	if len(b) > maxReportSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadReport, maxReportSize)
	}
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadReport, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the report", ErrBadReport)
	}
	if s.Movement == "" || s.View == "" {
		return nil, fmt.Errorf("%w: no movement or view", ErrBadReport)
	}
	return &s, nil
}

// Worst returns the worst graded indicator (flag over watch over ok) and
// how many share its level; ok is false when none is graded.
func (s *Summary) Worst() (worst IndicatorRow, same int, ok bool) {
	for _, in := range s.Indicators {
		r := levelRank[in.Level]
		switch {
		case r == 0:
		case !ok || r > levelRank[worst.Level]:
			worst, same, ok = in, 1, true
		case r == levelRank[worst.Level]:
			same++
		}
	}
	return worst, same, ok
}
