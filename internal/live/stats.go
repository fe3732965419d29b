package live

import (
	"math"
	"time"

	"github.com/kneescreen/kneescreen/screening"
)

// latencyHist is a histogram of latencies in fixed bins, so percentiles
// of a session of any length cost fixed memory.
type latencyHist struct {
	bins  [histBins]uint32
	over  int     // beyond the last bin
	max   float64 // ms
	count int
}

const (
	histBinMs = 0.25
	histBins  = 4000 // up to 1 s
)

func (h *latencyHist) add(ms float64) {
	h.count++
	h.max = math.Max(h.max, ms)
	b := int(ms / histBinMs)
	if b < 0 {
		b = 0
	}
	if b >= histBins {
		h.over++
		return
	}
	h.bins[b]++
}

// percentile returns the p-th percentile (0-100) in ms, to the bin's
// middle; NaN without samples.
func (h *latencyHist) percentile(p float64) float64 {
	if h.count == 0 {
		return math.NaN()
	}
	rank := int(math.Ceil(p / 100 * float64(h.count)))
	rank = max(rank, 1)
	seen := 0
	for b, n := range h.bins {
		seen += int(n)
		if seen >= rank {
			return (float64(b) + 0.5) * histBinMs
		}
	}
	return h.max
}

func (h *latencyHist) reset() { *h = latencyHist{} }

// Stats is a session's counts and timing, as the stats event carries.
type Stats struct {
	Type string `json:"type"`
	// TimeS is the session's wall time in seconds.
	TimeS float64 `json:"time_s"`
	// FPS is the rate of frames processed over the interval.
	FPS float64 `json:"fps"`
	// LatencyP50Ms and LatencyP95Ms: frame captured to overlay shown (or
	// drawn, without a display), over the interval.
	// They are null when no frame was processed.
	LatencyP50Ms screening.Number `json:"latency_ms_p50"`
	LatencyP95Ms screening.Number `json:"latency_ms_p95"`
	// Dropped, Processed and Captured count frames since the start:
	// dropped are captured frames never processed.
	Dropped   int `json:"dropped"`
	Processed int `json:"processed"`
	Captured  int `json:"captured"`
	// Final marks the summary at the end; its rates and latencies are
	// over the whole session.
	Final bool `json:"final,omitempty"`
}

// statsClock keeps a session's counts and latencies, per interval and in
// total.
type statsClock struct {
	start             time.Time
	intervalStart     time.Time
	interval, total   latencyHist
	intervalFrames    int
	processed         int
	captured, dropped int
}

func newStatsClock(now time.Time) *statsClock {
	return &statsClock{start: now, intervalStart: now}
}

// frame records one processed frame's latency.
func (s *statsClock) frame(latency time.Duration) {
	ms := float64(latency) / float64(time.Millisecond)
	s.interval.add(ms)
	s.total.add(ms)
	s.intervalFrames++
	s.processed++
}

// source records the source's counts.
func (s *statsClock) source(captured, dropped int) { s.captured, s.dropped = captured, dropped }

// due reports whether an interval of every has passed.
func (s *statsClock) due(now time.Time, every time.Duration) bool {
	return now.Sub(s.intervalStart) >= every
}

// snapshot returns the interval's stats and starts a new interval.
func (s *statsClock) snapshot(now time.Time) Stats {
	d := now.Sub(s.intervalStart).Seconds()
	st := s.counts(now)
	st.FPS = rate(s.intervalFrames, d)
	st.LatencyP50Ms, st.LatencyP95Ms = screening.Number(round1(s.interval.percentile(50))), screening.Number(round1(s.interval.percentile(95)))
	s.interval.reset()
	s.intervalFrames = 0
	s.intervalStart = now
	return st
}

// final returns the whole session's stats.
func (s *statsClock) final(now time.Time) Stats {
	st := s.counts(now)
	st.FPS = rate(s.processed, now.Sub(s.start).Seconds())
	st.LatencyP50Ms, st.LatencyP95Ms = screening.Number(round1(s.total.percentile(50))), screening.Number(round1(s.total.percentile(95)))
	st.Final = true
	return st
}

func (s *statsClock) counts(now time.Time) Stats {
	// A frame taken but not yet done is neither processed nor dropped.
	return Stats{Type: "stats", TimeS: round3(now.Sub(s.start).Seconds()), Dropped: s.dropped, Processed: s.processed, Captured: s.captured}
}

func rate(n int, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return round1(float64(n) / seconds)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
