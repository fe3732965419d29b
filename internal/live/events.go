package live

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/kneescreen/kneescreen/screening"
)

// Events writes a session's events as JSON lines, one object per line,
// each line written whole as it happens (a reader following the file or
// pipe sees complete lines).
type Events struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewEvents writes events to w.
func NewEvents(w io.Writer) *Events { return &Events{w: w} }

// Emit writes one event. After a failed write it does nothing; Err says
// why.
func (e *Events) Emit(v any) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.err = fmt.Errorf("live: event: %w", err)
		return
	}
	if _, err := e.w.Write(append(b, '\n')); err != nil {
		e.err = fmt.Errorf("live: write event: %w", err)
	}
}

// Err is the first error writing events.
func (e *Events) Err() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// RepEvent is one rep's verdict.
type RepEvent struct {
	Type string `json:"type"`
	// Index counts the session's reps from 1.
	Index int `json:"index"`
	// TimeS is the stream time of the frame the verdict came with;
	// LatencyS how long after the rep's end that was.
	TimeS    float64 `json:"time_s"`
	LatencyS float64 `json:"latency_s"`
	// StartS, BottomS and EndS are the rep's times on the stream's clock
	// (the source's timestamps: a file's, or seconds since a camera's
	// first frame).
	StartS  float64 `json:"start_s"`
	BottomS float64 `json:"bottom_s"`
	EndS    float64 `json:"end_s"`
	// Movement, View and Side (the stance leg of a single-leg rep) as
	// the rep's analysis reads them.
	Movement screening.Movement `json:"movement"`
	View     screening.View     `json:"view"`
	Side     screening.Side     `json:"side"`
	// Metrics are the rep's values (per side as {left, right}).
	Metrics map[string]screening.MetricValue `json:"metrics"`
	// Findings grade the rep's indicators; Level is the worst of them
	// (ok, watch, flag; not_assessable when none could be graded).
	Findings []screening.Finding `json:"findings"`
	Level    screening.Level     `json:"level"`
	// Problems are data problems of the rep's frames (e.g. the person
	// too small), which make findings not assessable.
	Problems []screening.Problem `json:"problems,omitempty"`
}

// GuideEvent says the framing guide changed: what keeps the metrics
// from being read (none: the framing is fine again).
type GuideEvent struct {
	Type   string              `json:"type"`
	TimeS  float64             `json:"time_s"`
	Guides []screening.Framing `json:"guides"`
}

// PeopleEvent says a second person came into view (Others) or has not
// been seen for a while (not Others): while one is, the screen shows
// OthersMessage and the verdicts may be of either person.
type PeopleEvent struct {
	Type   string  `json:"type"`
	TimeS  float64 `json:"time_s"`
	Others bool    `json:"others"`
}

// worstLevel is the worst graded level of findings, not_assessable when
// none was graded.
func worstLevel(fs []screening.Finding) screening.Level {
	rank := map[screening.Level]int{screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}
	out := screening.LevelNotAssessable
	for _, f := range fs {
		if rank[f.Level] > rank[out] {
			out = f.Level
		}
	}
	return out
}
