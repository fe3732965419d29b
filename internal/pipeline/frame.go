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
}

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
