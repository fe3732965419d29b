package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"time"
)

// ErrStalled is the cause when a live source stops delivering frames for
// longer than LatestOptions.StallTimeout.
var ErrStalled = errors.New("stopped delivering frames")

// LiveFrame is a frame of a live source with the moment it was captured
// (read from the device, or due in a paced file), from which a live
// session measures its latency.
type LiveFrame struct {
	Frame
	Captured time.Time
}

// LatestOptions configure a Latest capture.
type LatestOptions struct {
	// Pace plays the source at its own frame rate in wall time: each frame
	// is published when its presentation time has come, as a camera would
	// deliver it. For a file; a camera paces itself.
	Pace bool
	// Keep waits for the consumer to take each frame instead of replacing
	// an untaken one: every frame is processed, as fast as the consumer
	// goes (a file processed without real-time pacing, for tests and
	// measurements). Without Keep, an untaken frame is dropped when a
	// newer one arrives.
	Keep bool
	// StallTimeout is how long Next waits for a new frame before failing
	// with ErrStalled (0: forever).
	StallTimeout time.Duration
	// Tee, when set, is called on the capture goroutine with every frame
	// captured, before it is published (dropped or not). It must not keep
	// the image, and should return quickly: it delays capture.
	Tee func(LiveFrame)
}

// Latest captures a live source on its own goroutine and keeps only the
// newest frame: when the consumer is slower than the source, frames it
// has not taken are dropped, never queued, so what it processes is never
// more than a frame old. It owns the source and closes it when capture
// ends.
type Latest struct {
	opts   LatestOptions
	src    FrameSource
	info   Info
	cancel context.CancelFunc
	done   chan struct{}
	notify chan struct{} // a frame was published or capture ended
	taken  chan struct{} // the consumer took a frame (Keep)

	mu   sync.Mutex
	slot *LiveFrame // published, not yet taken
	free []*image.RGBA
	// lent is the image of the frame the consumer holds.
	lent              *image.RGBA
	captured, dropped int
	err               error // why capture ended (io.EOF at the end)
	ended             bool
	last              time.Time // when the last frame was published
}

// StartLatest starts capturing src. Cancelling ctx or calling Close stops
// it.
func StartLatest(ctx context.Context, src FrameSource, opts LatestOptions) *Latest {
	ctx, cancel := context.WithCancel(ctx)
	l := &Latest{opts: opts, src: src, info: src.Info(), cancel: cancel, done: make(chan struct{}),
		notify: make(chan struct{}, 1), taken: make(chan struct{}, 1), last: time.Now()}
	go l.run(ctx)
	return l
}

// Info describes the source.
func (l *Latest) Info() Info { return l.info }

func (l *Latest) run(ctx context.Context) {
	defer close(l.done)
	defer l.src.Close()
	into, direct := l.src.(IntoSource)
	var start time.Time
	for {
		l.mu.Lock()
		var dst *image.RGBA
		if n := len(l.free); n > 0 {
			dst, l.free = l.free[n-1], l.free[:n-1]
		}
		l.mu.Unlock()
		var f Frame
		var err error
		if direct {
			f, err = into.NextInto(ctx, dst)
		} else if f, err = l.src.Next(ctx); err == nil {
			f.Image = copyRGBA(dst, f.Image)
		}
		if err != nil {
			l.finish(err)
			return
		}
		at := time.Now()
		if l.opts.Pace {
			// The frame is due at its presentation time after the first.
			if f.Index == 0 || start.IsZero() {
				start = at.Add(-time.Duration(f.Time * float64(time.Second)))
			}
			at = start.Add(time.Duration(f.Time * float64(time.Second)))
			if err := sleepUntil(ctx, at); err != nil {
				l.finish(err)
				return
			}
		}
		lf := LiveFrame{Frame: f, Captured: at}
		if l.opts.Tee != nil {
			l.opts.Tee(lf)
		}
		if l.opts.Keep {
			// Wait until the consumer has taken the previous frame.
			for l.untaken() {
				select {
				case <-l.taken:
				case <-ctx.Done():
					l.finish(ctx.Err())
					return
				}
			}
		}
		l.publish(lf)
	}
}

func (l *Latest) untaken() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slot != nil
}

// publish makes f the newest frame, dropping an untaken one.
func (l *Latest) publish(f LiveFrame) {
	l.mu.Lock()
	if l.slot != nil {
		l.dropped++
		l.free = append(l.free, l.slot.Image)
	}
	l.captured++
	l.slot = &f
	l.last = time.Now()
	l.mu.Unlock()
	signal(l.notify)
}

// finish records why capture ended.
func (l *Latest) finish(err error) {
	l.mu.Lock()
	l.ended, l.err = true, err
	l.mu.Unlock()
	signal(l.notify)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Next returns the newest frame not yet returned, waiting for one. The
// frame's image is the caller's until the next call to Next. At the end of
// a file it returns io.EOF; when no frame has come for StallTimeout, a
// *SourceError wrapping ErrNoCamera and ErrStalled; when capture failed,
// its error.
func (l *Latest) Next(ctx context.Context) (LiveFrame, error) {
	var timer <-chan time.Time
	for {
		l.mu.Lock()
		if l.lent != nil {
			l.free = append(l.free, l.lent)
			l.lent = nil
		}
		if f := l.slot; f != nil {
			l.slot, l.lent = nil, f.Image
			l.mu.Unlock()
			signal(l.taken)
			return *f, nil
		}
		if l.ended {
			err := l.err
			l.mu.Unlock()
			if errors.Is(err, context.Canceled) && ctx.Err() == nil {
				err = io.EOF // closed by Close: nothing more to read
			}
			return LiveFrame{}, err
		}
		wait := time.Duration(0)
		if l.opts.StallTimeout > 0 {
			wait = l.opts.StallTimeout - time.Since(l.last)
			if wait <= 0 {
				since := time.Since(l.last)
				l.mu.Unlock()
				return LiveFrame{}, sourceErr(l.info.Path, fmt.Errorf("%w: it %w (no frame for %.1f s)", ErrNoCamera, ErrStalled, since.Seconds()))
			}
		}
		l.mu.Unlock()
		if wait > 0 {
			timer = time.After(wait)
		}
		select {
		case <-l.notify:
		case <-timer:
		case <-ctx.Done():
			return LiveFrame{}, ctx.Err()
		}
	}
}

// Stats returns how many frames were captured and how many of them were
// dropped untaken.
func (l *Latest) Stats() (captured, dropped int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.captured, l.dropped
}

// latestCloseWait is how long Close waits for the capture goroutine. A
// driver read that never returns (a camera unplugged mid-read) cannot be
// interrupted; the goroutine is then left to finish, and close the source,
// if the read ever returns.
const latestCloseWait = 2 * time.Second

// Close stops capturing and waits for the goroutine (at most
// latestCloseWait). It returns an error when the source did not stop in
// time.
func (l *Latest) Close() error {
	l.cancel()
	select {
	case <-l.done:
		return nil
	case <-time.After(latestCloseWait):
		return sourceErr(l.info.Path, fmt.Errorf("capture did not stop within %v (a read from the device hangs); left running", latestCloseWait))
	}
}
