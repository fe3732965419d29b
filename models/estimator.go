package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/kneescreen/kneescreen/models/engine"
	"github.com/kneescreen/kneescreen/pose"
)

// ErrBadModel reports a model file that cannot be used: not ONNX, an
// operator the engine lacks, or not MoveNet's input/output signature.
var ErrBadModel = errors.New("bad model")

// ModelSource is a model chosen by name or path, with its ONNX bytes.
type ModelSource struct {
	// Name is "lightning", "thunder" or the file path given.
	Name string
	// Path is the file the model was read from ("" for the embedded one).
	Path string
	// ONNX is the model file's content.
	ONNX []byte
}

// Options configures an Estimator. The zero value is usable.
type Options struct {
	// Threads caps the engine's parallelism; 0 means GOMAXPROCS.
	Threads int
	// MinKeypointScore and MinKeypoints decide whether a frame shows a
	// person: at least MinKeypoints keypoints must score MinKeypointScore
	// or more. Zero values mean the defaults (0.3 and 3).
	MinKeypointScore float64
	MinKeypoints     int
}

// Default person-detection thresholds; see Options. On images with nobody
// in them (black, white, grey, noise) no keypoint of either model scores
// above 0.17, while in the shared reference frames every person who is
// mostly in view has at least 3 keypoints scoring 0.3 or more (the one
// frame below that shows only a sliver of someone at the frame's edge).
const (
	DefaultMinKeypointScore = 0.3
	DefaultMinKeypoints     = 3
)

// runner runs the pose model on one input: in is the int32 NHWC RGB image
// (size*size*3), out receives one (y, x, score) triple per joint of the
// model's skeleton.
type runner interface {
	run(ctx context.Context, in []int32, out []float32) error
	// close releases the runner's resources (worker goroutines).
	close()
}

// Estimator finds the pose of the one person in an image or a video frame.
// It reuses its buffers, so steady-state estimation does not allocate. An
// Estimator is not safe for concurrent use; make one per goroutine.
type Estimator struct {
	name string
	size int
	sk   *pose.Skeleton
	run  runner
	opts Options

	rs  *resampler
	in  []int32
	out []float32

	// Tracking state: the region to crop from the next frame, valid for
	// frames of size trackW x trackH.
	tracking       bool
	next           Region
	trackW, trackH int
}

// New loads a model and returns an Estimator for it: Load followed by
// NewEstimator, for callers that need only one.
func New(src *ModelSource, opts Options) (*Estimator, error) {
	m, err := Load(src, opts)
	if err != nil {
		return nil, err
	}
	return m.NewEstimator(), nil
}

// Model is a loaded, checked pose model. It is safe for concurrent use: it
// makes Estimators that share its weights, one per goroutine.
type Model struct {
	name string
	size int
	sk   *pose.Skeleton
	eng  *engine.Model
	opts Options
	// digest is the SHA-256 (hex) of the ONNX file.
	digest string
}

// Load loads and checks a model: it must be ONNX that the engine can run,
// with MoveNet SinglePose's signature (int32 [1,N,N,3] in, float32
// [1,1,17,3] out: the COCO17 skeleton). Errors wrap ErrBadModel.
func Load(src *ModelSource, opts Options) (*Model, error) {
	eng, size, err := loadEngine(src.ONNX, opts.Threads, moveNetSkeleton)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", src.Name, err)
	}
	sum := sha256.Sum256(src.ONNX)
	return &Model{name: src.Name, size: size, sk: moveNetSkeleton, eng: eng, opts: opts, digest: hex.EncodeToString(sum[:])}, nil
}

// moveNetSkeleton is the skeleton of MoveNet SinglePose's output.
var moveNetSkeleton = pose.COCO17

// Skeleton names the keypoints of the model's poses.
func (m *Model) Skeleton() *pose.Skeleton { return m.sk }

// Digest is the SHA-256 (hex) of the model's ONNX file.
func (m *Model) Digest() string { return m.digest }

// Name is the model's name ("lightning", "thunder" or its file path).
func (m *Model) Name() string { return m.name }

// InputSize is the side of the model's square input in pixels.
func (m *Model) InputSize() int { return m.size }

// NewEstimator returns an Estimator running the model with buffers of its
// own and the threads Load was given. Close it when done.
func (m *Model) NewEstimator() *Estimator { return m.NewEstimatorThreads(0) }

// NewEstimatorThreads is NewEstimator with threads inference threads of its
// own (0: the threads Load was given). Estimators of different sizes so
// share one loaded model: pose-estimation lanes that draw on a process-wide
// thread budget, concurrent analyses in a server.
func (m *Model) NewEstimatorThreads(threads int) *Estimator {
	if threads <= 0 {
		threads = m.eng.Threads()
	}
	return newEstimator(m.name, m.size, newEngineRunner(m.eng, m.size, threads), m.opts)
}

func newEstimator(name string, size int, r runner, opts Options) *Estimator {
	if opts.MinKeypointScore == 0 {
		opts.MinKeypointScore = DefaultMinKeypointScore
	}
	if opts.MinKeypoints == 0 {
		opts.MinKeypoints = DefaultMinKeypoints
	}
	return &Estimator{
		name: name,
		size: size,
		sk:   moveNetSkeleton,
		run:  r,
		opts: opts,
		rs:   newResampler(size),
		in:   make([]int32, size*size*3),
		out:  make([]float32, moveNetSkeleton.Len()*3),
	}
}

// Close releases the Estimator's resources. It must not be used afterwards.
func (e *Estimator) Close() { e.run.close() }

// Name is the model's name ("lightning", "thunder" or its file path).
func (e *Estimator) Name() string { return e.name }

// InputSize is the side of the model's square input in pixels (192 for
// Lightning, 256 for Thunder).
func (e *Estimator) InputSize() int { return e.size }

// Skeleton names the keypoints of the Estimator's poses.
func (e *Estimator) Skeleton() *pose.Skeleton { return e.sk }

// Estimate finds the pose in a single image, letterboxed onto a square. An
// image that is already the model's input size is fed unchanged, so the
// keypoints' NX, NY are exactly the model's outputs. Estimate does not use
// or change the tracking state. The pose's keypoints are newly allocated;
// EstimateInto reuses a destination's.
func (e *Estimator) Estimate(ctx context.Context, img image.Image) (pose.Pose, error) {
	var p pose.Pose
	err := e.EstimateInto(ctx, img, &p)
	return p, err
}

// EstimateInto is Estimate writing into dst, whose keypoint slice is reused
// when it has room: steady-state estimation then allocates nothing.
func (e *Estimator) EstimateInto(ctx context.Context, img image.Image, dst *pose.Pose) error {
	b := img.Bounds()
	if b.Dx() == e.size && b.Dy() == e.size {
		copyExact(e.in, e.rs.frame(img), e.size)
		return e.infer(ctx, Region{Side: float64(e.size)}, b.Min, dst)
	}
	return e.estimateRegion(ctx, img, Letterbox(b.Dx(), b.Dy()), dst)
}

// Track finds the pose in the next frame of a video. It crops around the
// person found in the previous frame, as MoveNet recommends for video, and
// falls back to the whole (letterboxed) frame when the person is lost or the
// frame size changes. When a crop loses the person, the frame is estimated
// again from the whole frame, so a fast move out of the crop costs one extra
// inference rather than a missed frame. The pose's keypoints are newly
// allocated; TrackInto reuses a destination's.
func (e *Estimator) Track(ctx context.Context, img image.Image) (pose.Pose, error) {
	var p pose.Pose
	err := e.TrackInto(ctx, img, &p)
	return p, err
}

// TrackInto is Track writing into dst, whose keypoint slice is reused when
// it has room: steady-state tracking then allocates nothing.
func (e *Estimator) TrackInto(ctx context.Context, img image.Image, dst *pose.Pose) error {
	return e.track(ctx, img, false, dst)
}

// ReadsBGR reports that the Estimator reads BGR frames (*bgr.Image, as
// vision decodes them) as they are, bit for bit as the same pixels in
// RGBA and no slower, so a pipeline may hand it decoded frames
// unconverted.
func (e *Estimator) ReadsBGR() bool { return true }

// TrackMirrored is Track on the mirror image (flipped left to right) of
// img, without making that image: the resampler reads the crop's pixels
// mirrored, which costs nothing beside flipping a whole frame. The pose is
// exactly what Track on a mirrored copy of img would return, in the mirror
// image's coordinates (x' = width - x, img's top-left corner at (0, 0)),
// and the tracking state follows the mirror image: an Estimator tracks
// either a video's frames or their mirror images, not both.
func (e *Estimator) TrackMirrored(ctx context.Context, img image.Image) (pose.Pose, error) {
	var p pose.Pose
	err := e.track(ctx, img, true, &p)
	return p, err
}

// track is Track of img, or of its mirror image when mirrored.
func (e *Estimator) track(ctx context.Context, img image.Image, mirrored bool, dst *pose.Pose) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	full := Letterbox(w, h)
	r := full
	if e.tracking && e.trackW == w && e.trackH == h {
		r = e.next
	}
	estimate, origin := e.estimateRegion, b.Min
	if mirrored {
		// A mirror image's pixels start at (0, 0), as a mirrored copy's.
		estimate, origin = e.estimateMirrored, image.Point{}
	}
	if err := estimate(ctx, img, r, dst); err != nil {
		return err
	}
	if !dst.Person && r != full {
		if err := estimate(ctx, img, full, dst); err != nil {
			return err
		}
	}
	e.tracking, e.trackW, e.trackH = true, w, h
	e.next = nextRegion(dst, w, h, origin)
	return nil
}

// Reset forgets the tracking state, e.g. at a cut or a new video.
func (e *Estimator) Reset() { e.tracking = false }

// Region returns the region of the source image that Track will crop from
// the next frame of the same size. ok is false before the first frame and
// after Reset, when Track will use the whole letterboxed frame.
func (e *Estimator) Region() (r Region, ok bool) {
	if !e.tracking {
		return Region{}, false
	}
	return e.next, true
}

func (e *Estimator) estimateRegion(ctx context.Context, img image.Image, r Region, dst *pose.Pose) error {
	b := img.Bounds()
	if b.Empty() {
		e.reset(dst)
		return fmt.Errorf("models: %w: empty image", ErrBadImage)
	}
	e.rs.resample(e.in, img, r, false)
	return e.infer(ctx, r, b.Min, dst)
}

// estimateMirrored estimates region r of img's mirror image, which the
// resampler reads straight from img (see resample).
func (e *Estimator) estimateMirrored(ctx context.Context, img image.Image, r Region, dst *pose.Pose) error {
	if img.Bounds().Empty() {
		e.reset(dst)
		return fmt.Errorf("models: %w: empty image", ErrBadImage)
	}
	e.rs.resample(e.in, img, r, true)
	return e.infer(ctx, r, image.Point{}, dst)
}

// reset makes dst a zero pose of the Estimator's skeleton, reusing its
// keypoint slice when it has room.
func (e *Estimator) reset(dst *pose.Pose) {
	kps := dst.Keypoints[:0]
	if cap(kps) < e.sk.Len() {
		kps = make([]pose.Keypoint, 0, e.sk.Len())
	}
	*dst = pose.Pose{Skeleton: e.sk, Keypoints: kps[:e.sk.Len()]}
	clear(dst.Keypoints)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ErrBadImage reports an image that cannot be estimated (e.g. empty).
var ErrBadImage = errors.New("bad image")

// infer runs the model on e.in and maps its output through region r to the
// image's own coordinates (whose top-left corner is origin).
func (e *Estimator) infer(ctx context.Context, r Region, origin image.Point, p *pose.Pose) error {
	e.reset(p)
	if err := e.run.run(ctx, e.in, e.out); err != nil {
		return fmt.Errorf("models: %s: %w", e.name, err)
	}
	n := 0
	for j := range p.Keypoints {
		ny, nx, s := float64(e.out[3*j]), float64(e.out[3*j+1]), float64(e.out[3*j+2])
		if !finite(ny) || !finite(nx) || !finite(s) {
			// MoveNet's outputs are always finite; this is some other model.
			return fmt.Errorf("models: %s: %w: keypoint %v is (%v, %v, %v); a MoveNet model gives finite (y, x, score)",
				e.name, ErrBadModel, e.sk.Joint(j), ny, nx, s)
		}
		x, y := r.ToSource(nx, ny)
		p.Keypoints[j] = pose.Keypoint{X: x + float64(origin.X), Y: y + float64(origin.Y), NX: nx, NY: ny, Score: s}
		if s >= e.opts.MinKeypointScore {
			n++
		}
	}
	p.Person = n >= e.opts.MinKeypoints
	return nil
}
