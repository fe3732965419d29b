package screening

import (
	"context"
	"fmt"

	"github.com/kneescreen/kneescreen/pose"
)

// Live screens a pose stream as it arrives (a webcam): each Push appends a
// pose and re-analyses a sliding window of recent frames with the causal
// One-Euro filter, so values of past frames change with later ones only
// within the outlier filter's short window (filter.hampel_window_s). A rep
// is counted once, as soon as it is recognised (the person is
// most of the way back up). Live is not safe for concurrent use.
type Live struct {
	opts       Options
	window     float64
	track      pose.Track
	total      int
	lastBottom float64
	report     *Report
}

// DefaultLiveWindowS is the analysis window of a Live screen: long enough
// for a few slow reps and the standing level around them.
const DefaultLiveWindowS = 20.0

// NewLive starts a live screen for frames of the given size and nominal
// rate. opts.Filter.Mode is set to FilterOneEuro; windowS ≤ 0 means
// DefaultLiveWindowS.
func NewLive(width, height int, fps float64, windowS float64, opts Options) (*Live, error) {
	opts.Filter.Mode = FilterOneEuro
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("screening: live frame size %dx%d: %w", width, height, ErrInvalidOptions)
	}
	if windowS <= 0 {
		windowS = DefaultLiveWindowS
	}
	return &Live{opts: opts, window: windowS, track: pose.Track{Width: width, Height: height, FPS: fps}, lastBottom: -1}, nil
}

// Push adds the next pose (times must increase) and returns the report
// over the current window. Its reps are those inside the window; Total
// counts every rep completed since the start.
func (l *Live) Push(ctx context.Context, p pose.Pose) (*Report, error) {
	if n := len(l.track.Poses); n > 0 && !(p.Time > l.track.Poses[n-1].Time) {
		return nil, fmt.Errorf("screening: live pose time %.3f s does not follow %.3f s", p.Time, l.track.Poses[n-1].Time)
	}
	l.track.Poses = append(l.track.Poses, p)
	cut := 0
	for cut < len(l.track.Poses) && p.Time-l.track.Poses[cut].Time > l.window {
		cut++
	}
	if cut > 0 {
		l.track.Poses = append(l.track.Poses[:0], l.track.Poses[cut:]...)
	}
	r, err := Analyze(ctx, &l.track, l.opts)
	if err != nil {
		return nil, err
	}
	// A rep is new when its bottom lies clearly after the last counted
	// one; recent frames may still shift a bottom by a frame or two.
	gap := l.opts.Thresholds.Reps.MinDurationS / 2
	for _, rep := range r.Reps {
		if rep.BottomS > l.lastBottom+gap {
			l.total++
			l.lastBottom = rep.BottomS
		}
	}
	l.report = r
	return r, nil
}

// Total is the number of reps completed since the live screen started.
func (l *Live) Total() int { return l.total }

// Report is the latest report (nil before the first Push).
func (l *Live) Report() *Report { return l.report }
