package live

import (
	"fmt"
	"math"
	"time"

	"github.com/kneescreen/kneescreen/screening"
)

// Cue is a coaching cue: a few words for the person moving.
type Cue string

// The cues, in priority order: what protects the knee first, then what
// makes the movement readable.
const (
	CueKneesOut Cue = "knees out"
	CueSlower   Cue = "slower"
	CueDeeper   Cue = "go deeper"
)

// cuePriority orders the cues (lower first).
var cuePriority = map[Cue]int{CueKneesOut: 0, CueSlower: 1, CueDeeper: 2}

// CueConfig sets when cues are given.
type CueConfig struct {
	// Cooldown is the least time between two cues: one at a time, and
	// not so often that the person stops listening.
	Cooldown time.Duration
	// ShowFor is how long a cue stays on screen.
	ShowFor time.Duration
	// SlowerDescentS: a rep whose descent is quicker than this asks for
	// "slower". The descent runs from the rep's start (the hips a tenth
	// of the rep's depth down) to its bottom: about four fifths of the
	// whole lowering.
	SlowerDescentS float64
	// DeeperDepth and DeeperSingleLegDepth: a rep whose hips descend less
	// than this many leg lengths (depth_ratio) asks for "go deeper", in a
	// squat and in a single-leg task.
	DeeperDepth, DeeperSingleLegDepth float64
	// KneesOutHoldS: the live knee reading must stay beyond its watch
	// cut-off this long during a rep before "knees out" is cued, so a
	// keypoint's flicker does not cue it.
	KneesOutHoldS float64
}

// DefaultCueConfig returns the defaults: expert defaults, not cut-offs of
// a study. A descent under 0.6 s (a lowering of about 0.75 s) drops into
// the bottom, where a knee can cave unseen by the control a screen reads
// (screening protocols ask for about 2 s down); a squat whose hips go less
// than 0.3 leg lengths down stays above about 90° of knee flexion, a
// single-leg squat under 0.15 above about 60°, the depths the knee-valgus
// studies screen at (Willson & Davis 2006; Crossley et al. 2011).
func DefaultCueConfig() CueConfig {
	return CueConfig{Cooldown: 4 * time.Second, ShowFor: 2 * time.Second, SlowerDescentS: 0.6,
		DeeperDepth: 0.3, DeeperSingleLegDepth: 0.15, KneesOutHoldS: 0.2}
}

// Validate checks the settings.
func (c *CueConfig) Validate() error {
	switch {
	case c.Cooldown < 0 || c.ShowFor < 0:
		return fmt.Errorf("live: cue cooldown %v and show-for %v must not be negative", c.Cooldown, c.ShowFor)
	case !(c.SlowerDescentS >= 0) || !(c.DeeperDepth >= 0) || !(c.DeeperSingleLegDepth >= 0) || !(c.KneesOutHoldS >= 0):
		return fmt.Errorf("live: cue thresholds must be numbers ≥ 0")
	}
	return nil
}

// CueEvent is a cue given.
type CueEvent struct {
	Type string `json:"type"`
	// TimeS is the stream time of the frame it was given at.
	TimeS float64 `json:"time_s"`
	Cue   Cue     `json:"cue"`
	// Reason says what prompted it.
	Reason string `json:"reason"`
	// Rep is the rep it is about (0 for a live reading mid-rep).
	Rep int `json:"rep,omitempty"`
}

// cuer gives one cue at a time: at each frame the highest-priority cue
// offered since the last one given, once the cooldown has passed. An
// offer not given within cueStaleS is dropped: advice about a rep long
// past does not help.
type cuer struct {
	cfg     CueConfig
	offers  []CueEvent
	last    float64 // stream time of the last cue given
	shown   CueEvent
	given   bool
	kneesIn [2]float64 // since when each knee reads beyond its watch cut-off (NaN: not)
}

const cueStaleS = 2.0

func newCuer(cfg CueConfig) *cuer {
	return &cuer{cfg: cfg, last: math.Inf(-1), kneesIn: [2]float64{math.NaN(), math.NaN()}}
}

// offer adds a candidate cue.
func (c *cuer) offer(e CueEvent) { c.offers = append(c.offers, e) }

// next returns the cue to give at stream time t, if any.
func (c *cuer) next(t float64) (CueEvent, bool) {
	keep := c.offers[:0]
	for _, o := range c.offers {
		if t-o.TimeS <= cueStaleS {
			keep = append(keep, o)
		}
	}
	c.offers = keep
	if len(c.offers) == 0 || t-c.last < c.cfg.Cooldown.Seconds() {
		return CueEvent{}, false
	}
	best := 0
	for i, o := range c.offers {
		if cuePriority[o.Cue] < cuePriority[c.offers[best].Cue] {
			best = i
		}
	}
	e := c.offers[best]
	e.TimeS = t
	c.offers = c.offers[:0]
	c.last, c.shown, c.given = t, e, true
	return e, true
}

// showing is the cue on screen at stream time t ("" when none).
func (c *cuer) showing(t float64) Cue {
	if c.given && t-c.shown.TimeS < c.cfg.ShowFor.Seconds() {
		return c.shown.Cue
	}
	return ""
}

// live offers "knees out" from the live readings mid-rep: a knee whose
// FPPA or knee-over-foot stays beyond its watch cut-off for KneesOutHoldS.
func (c *cuer) live(f *screening.StreamFrame, fppaWatch float64) {
	inRep := f.Phase != screening.PhaseStanding
	for s := range 2 {
		in := inRep && f.FPPA[s] >= fppaWatch
		switch {
		case !in:
			c.kneesIn[s] = math.NaN()
		case math.IsNaN(c.kneesIn[s]):
			c.kneesIn[s] = f.Time
		case f.Time-c.kneesIn[s] >= c.cfg.KneesOutHoldS:
			side := [2]string{"left", "right"}[s]
			c.offer(CueEvent{Type: "cue", TimeS: f.Time, Cue: CueKneesOut,
				Reason: fmt.Sprintf("%s knee FPPA %.0f° (watch from %.0f°)", side, f.FPPA[s], fppaWatch)})
			c.kneesIn[s] = math.NaN() // once per excursion
		}
	}
}

// kneeIndicators are the indicators whose watch or flag on a rep cue
// "knees out".
var kneeIndicators = map[string]bool{
	"dynamic_knee_valgus": true, "knees_inside_ankles": true, "knee_inside_foot": true,
}

// rep offers the cues a rep's verdict calls for, at stream time t.
func (c *cuer) rep(index int, v *screening.RepVerdict, t float64) {
	for _, f := range v.Findings {
		if kneeIndicators[f.Indicator] && (f.Level == screening.LevelWatch || f.Level == screening.LevelFlag) {
			c.offer(CueEvent{Type: "cue", TimeS: t, Cue: CueKneesOut, Rep: index,
				Reason: fmt.Sprintf("rep %d: %s %s%s", index, label(f.Indicator), f.Level, onSide(f.Side))})
			break
		}
	}
	if d := v.Rep.BottomS - v.Rep.StartS; d < c.cfg.SlowerDescentS {
		c.offer(CueEvent{Type: "cue", TimeS: t, Cue: CueSlower, Rep: index,
			Reason: fmt.Sprintf("rep %d: descent %.1f s (under %.1f s)", index, d, c.cfg.SlowerDescentS)})
	}
	want := c.cfg.DeeperDepth
	if v.Movement.SingleLeg() {
		want = c.cfg.DeeperSingleLegDepth
	}
	if m, ok := v.Rep.Metrics[screening.MetricDepth]; ok && m.Value < want {
		c.offer(CueEvent{Type: "cue", TimeS: t, Cue: CueDeeper, Rep: index,
			Reason: fmt.Sprintf("rep %d: hips %.2f leg lengths down (under %.2f)", index, m.Value, want)})
	}
}

// onSide says where a finding is: " on the left", " on both legs", or
// nothing for a whole-body one.
func onSide(s screening.Side) string {
	switch s {
	case screening.SideLeft, screening.SideRight:
		return " on the " + string(s)
	case screening.SideBoth:
		return " on both legs"
	}
	return ""
}
