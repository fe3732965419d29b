package pipeline

import (
	"context"
	"fmt"
	"image"
	"runtime"

	"github.com/kneescreen/kneescreen/pose"
)

// FrameEstimator estimates the pose in one frame at a time with a pose
// pass's settings (Symmetric, MaxSide, Threads): for a live camera, whose
// frames come one by one and whose latency counts. Where the pass
// estimates a symmetric run's frame and its mirror image in two lanes
// that work on different frames, a FrameEstimator estimates both images
// of the same frame at once, each on its own estimator and half the
// threads, so a frame's pose is ready after one inference's time. Each of
// its estimators tracks the person from frame to frame, as a lane does. It
// is used by one goroutine at a time.
type FrameEstimator struct {
	plain, mirror Estimator
	maxSide       int
	// small and mirrored are reused: the reduced frame and its mirror
	// image.
	small, mirrored *image.RGBA
	// The probes, as a plain lane's: probeNext asks the next Track to
	// probe, last is what it found.
	prober    prober
	probeNext bool
	last      probe
}

// ProbeNext has the next Track also look for a second person beside the
// one tracked (the probe analyze runs every 1.5 s: the tracked person
// hidden, the most prominent body left judged by its size and posture;
// see Prober), at the cost of one more inference. It does nothing when
// the estimators cannot probe.
func (e *FrameEstimator) ProbeNext() { e.probeNext = true }

// LastProbe says whether the last Track probed (done) and whether its
// probe found a second person (other).
func (e *FrameEstimator) LastProbe() (done, other bool) { return e.last.done, e.last.other }

// NewFrameEstimator makes the estimators of opts (NewEstimator, Symmetric,
// Threads, MaxSide; the lane settings, Depth, Budget, Progress and
// EstimateHz belong to a pass and are not used).
func NewFrameEstimator(opts TrackOptions) (*FrameEstimator, error) {
	if opts.NewEstimator == nil {
		return nil, ErrNoEstimator
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	e := &FrameEstimator{maxSide: opts.MaxSide}
	per := threads
	if opts.Symmetric {
		per = max(1, threads/2)
	}
	var err error
	if e.plain, err = opts.NewEstimator(per); err != nil {
		return nil, err
	}
	if opts.Symmetric {
		if e.mirror, err = opts.NewEstimator(per); err != nil {
			e.plain.Close()
			return nil, err
		}
	}
	return e, nil
}

// Track estimates the pose in img (reduced below MaxSide first; keypoints
// in img's pixels). img is not kept.
func (e *FrameEstimator) Track(ctx context.Context, img *image.RGBA) (pose.Pose, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	src := img
	if k := reduction(w, h, e.maxSide); k > 1 {
		e.small = boxReduce(e.small, img, k)
		src = e.small
	}
	var mp pose.Pose
	var merr error
	done := make(chan struct{})
	if e.mirror != nil {
		go func() {
			defer close(done)
			mp, merr = trackMirrored(ctx, e.mirror, src, &e.mirrored)
		}()
	} else {
		close(done)
	}
	p, err := e.plain.Track(ctx, src)
	e.last = probe{}
	// As a pass's plain lane: the plain pose, before the mirror's is
	// averaged in, places the person; one that cannot be placed is not
	// probed beside.
	if b, placed := keypointBox(&p); placed && err == nil {
		e.last, err = e.prober.track(ctx, e.plain, src, b, e.probeNext)
	}
	e.probeNext = false
	<-done
	if err == nil {
		err = merr
	}
	if err != nil {
		return pose.Pose{}, fmt.Errorf("pipeline: estimate frame: %w", err)
	}
	if e.mirror != nil {
		mp.Mirror(float64(src.Rect.Dx()))
		averageInto(&p, &mp)
	}
	if sx, sy := float64(w)/float64(src.Rect.Dx()), float64(h)/float64(src.Rect.Dy()); sx != 1 || sy != 1 {
		for k := range p.Keypoints {
			p.Keypoints[k].X *= sx
			p.Keypoints[k].Y *= sy
		}
	}
	return p, nil
}

// Close closes the estimators.
func (e *FrameEstimator) Close() {
	e.plain.Close()
	if e.mirror != nil {
		e.mirror.Close()
	}
}
