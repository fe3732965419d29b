package blazepose

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/kneescreen/kneescreen/models/engine"
)

// Tracker finds and follows one person through a video, or estimates single
// images. It reuses its buffers; it is not safe for concurrent use. Close it
// when done.
type Tracker struct {
	m       *Model
	det, lm *engine.Session
	detIn   *engine.Tensor
	lmIn    *engine.Tensor
	detS    sampler
	lmS     sampler
	conv    sampler // converts frames to RGBA once
	dets    []detection
	xy      []float64

	// Tracking state: the region for the next frame of size w x h, in the
	// internal coordinates (see toOutput).
	tracking bool
	next     Rect
	w, h     int
	origin   image.Point
}

// NewTracker returns a Tracker with sessions and buffers of its own, on
// the threads Load was given.
func (m *Model) NewTracker() *Tracker { return m.NewTrackerThreads(0) }

// NewTrackerThreads is NewTracker with threads inference threads per
// network (0: the threads Load was given). Trackers of different sizes so
// share one loaded model: pose-estimation lanes that draw on a
// process-wide thread budget, concurrent analyses in a server.
func (m *Model) NewTrackerThreads(threads int) *Tracker {
	if threads <= 0 {
		threads = m.lm.Threads()
	}
	return &Tracker{
		m:     m,
		det:   m.det.NewSessionThreads(threads),
		lm:    m.lm.NewSessionThreads(threads),
		detIn: engine.NewFloat32([]int{1, detectorInput, detectorInput, 3}, nil),
		lmIn:  engine.NewFloat32([]int{1, landmarkInput, landmarkInput, 3}, nil),
		// MediaPipe: the detector sees -1..1 with a black (zero) border,
		// the landmark model 0..1 with the border replicated.
		detS: sampler{n: detectorInput, scale: 1 / 127.5, offset: -1},
		lmS:  sampler{n: landmarkInput, scale: 1.0 / 255, replicate: true},
		xy:   make([]float64, 2*numOutputLandmarks),
	}
}

// Close releases the Tracker's sessions.
func (t *Tracker) Close() {
	t.det.Close()
	t.lm.Close()
}

// Reset forgets the person being tracked (at a cut or a new video).
func (t *Tracker) Reset() { t.tracking = false }

// Estimate finds the pose in a single image: detector, then landmarks. It
// neither uses nor changes the tracking state.
func (t *Tracker) Estimate(ctx context.Context, img image.Image) (Pose, error) {
	m, err := t.frame(img)
	if err != nil {
		return Pose{}, err
	}
	p, _, err := t.detectAndLandmarks(ctx, m)
	return toOutput(p, m.Bounds().Min), err
}

// Track finds the pose in the next frame of a video. While a person is
// being followed, the region comes from the previous frame's landmarks and
// the detector does not run; when the presence drops below the threshold
// (or on the first frame, after Reset, or when the frame size changes) the
// detector finds the person again in this same frame.
func (t *Tracker) Track(ctx context.Context, img image.Image) (Pose, error) {
	m, err := t.frame(img)
	if err != nil {
		return Pose{}, err
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	var p Pose
	var next Rect
	if t.tracking && t.w == w && t.h == h {
		if p, next, err = t.landmarks(ctx, m, t.next); err != nil {
			return Pose{}, err
		}
	}
	if !p.Person {
		if p, next, err = t.detectAndLandmarks(ctx, m); err != nil {
			t.tracking = false
			return Pose{}, err
		}
	}
	t.tracking, t.next, t.w, t.h, t.origin = p.Person, next, w, h, m.Bounds().Min
	return toOutput(p, t.origin), nil
}

// Region returns the region Track will sample from the next frame of the
// same size, in source pixels; ok is false when it will run the detector.
func (t *Tracker) Region() (r Rect, ok bool) {
	if !t.tracking {
		return Rect{}, false
	}
	return toOutputRect(t.next, t.origin), true
}

// frame converts img once for both networks.
func (t *Tracker) frame(img image.Image) (*image.RGBA, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("blazepose: %w: empty image", ErrBadImage)
	}
	return t.conv.toRGBA(img), nil
}

// detectAndLandmarks runs the detector on the whole frame and, when it finds
// a person, the landmark model on the region built from the detection.
func (t *Tracker) detectAndLandmarks(ctx context.Context, m *image.RGBA) (Pose, Rect, error) {
	b := m.Bounds()
	lb := letterbox(b.Dx(), b.Dy())
	t.detS.sample(t.detIn.F32, m, lb)
	outs, err := t.det.Run(ctx, t.detIn)
	if err != nil {
		return Pose{}, Rect{}, fmt.Errorf("blazepose: detector: %w", err)
	}
	t.dets = decodeDetections(t.dets[:0], outs[0].F32, t.m.anchors)
	best := weightedNMS(t.dets, 1)
	if len(best) == 0 {
		return Pose{Detected: true}, Rect{}, nil
	}
	d := &best[0]
	// Keypoint 0 is the hip centre, 1 the full-body scale point.
	hx, hy := lb.ToSource(d.kp[0][0], d.kp[0][1])
	sx, sy := lb.ToSource(d.kp[1][0], d.kp[1][1])
	p, next, err := t.landmarks(ctx, m, alignmentRect(hx, hy, sx, sy))
	p.Detected = true
	return p, next, err
}

// landmarks runs the landmark model on region r and decodes its outputs;
// next is the region for the following frame.
func (t *Tracker) landmarks(ctx context.Context, m *image.RGBA, r Rect) (Pose, Rect, error) {
	p := Pose{Region: r}
	if !(r.W > 0) || math.IsInf(r.W, 0) {
		return p, Rect{}, nil // a degenerate detection: nobody to follow
	}
	t.lmS.sample(t.lmIn.F32, m, r)
	outs, err := t.lm.Run(ctx, t.lmIn)
	if err != nil {
		return p, Rect{}, fmt.Errorf("blazepose: %s: %w", t.m.name, err)
	}
	p.Presence = float64(outs[outPresence].F32[0])
	if !(p.Presence >= t.m.opts.MinPresence) {
		return p, Rect{}, nil
	}
	p.Person = true
	ld := outs[outLandmarks].F32
	for k := 0; k < numOutputLandmarks; k++ {
		t.xy[2*k] = float64(ld[5*k]) / landmarkInput
		t.xy[2*k+1] = float64(ld[5*k+1]) / landmarkInput
	}
	refineFromHeatmap(t.xy, outs[outHeatmap].F32, t.m.hm, t.m.hm, numOutputLandmarks)
	point := func(k int) Landmark {
		x, y := r.ToSource(t.xy[2*k], t.xy[2*k+1])
		return Landmark{
			X: x, Y: y,
			Z:          float64(ld[5*k+2]) / landmarkInput * r.W,
			Visibility: sigmoid(float64(ld[5*k+3])),
			Presence:   sigmoid(float64(ld[5*k+4])),
		}
	}
	for k := range p.Landmarks {
		p.Landmarks[k] = point(k)
	}
	p.HipCentre, p.ScalePoint = point(auxHipCentre), point(auxScale)
	wl := outs[outWorld].F32
	s, c := math.Sincos(r.Rotation)
	for k := range p.World {
		x, y, z := float64(wl[3*k]), float64(wl[3*k+1]), float64(wl[3*k+2])
		p.World[k] = WorldLandmark{X: c*x - s*y, Y: s*x + c*y, Z: z}
	}
	next := alignmentRect(p.HipCentre.X, p.HipCentre.Y, p.ScalePoint.X, p.ScalePoint.Y)
	return p, next, nil
}

// The pipeline computes, as MediaPipe does, with source pixel centres at
// integer coordinates relative to the image's bounds; the results follow
// package models' convention: origin at the image's top-left corner, pixel
// centres at +0.5, in the image's own coordinates.
func toOutput(p Pose, origin image.Point) Pose {
	ox, oy := float64(origin.X)+0.5, float64(origin.Y)+0.5
	shift := func(l *Landmark) { l.X += ox; l.Y += oy }
	for k := range p.Landmarks {
		shift(&p.Landmarks[k])
	}
	shift(&p.HipCentre)
	shift(&p.ScalePoint)
	p.Region = toOutputRect(p.Region, origin)
	return p
}

func toOutputRect(r Rect, origin image.Point) Rect {
	if r.W == 0 {
		return r
	}
	r.CX += float64(origin.X) + 0.5
	r.CY += float64(origin.Y) + 0.5
	return r
}
