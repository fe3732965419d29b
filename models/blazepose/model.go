package blazepose

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/kneescreen/kneescreen/models/engine"
)

// Variants are the landmark models, fastest first.
var Variants = []string{"lite", "full", "heavy"}

// ErrBadModel reports a model file that cannot be used: not ONNX, an
// operator the engine lacks, or not the BlazePose signature.
var ErrBadModel = errors.New("bad model")

// ErrBadImage reports an image that cannot be processed (empty).
var ErrBadImage = errors.New("bad image")

// Options configures a Model. The zero value is usable.
type Options struct {
	// Threads caps each network's parallelism; 0 means GOMAXPROCS.
	Threads int
	// MinPresence is the pose presence below which the person counts as
	// lost (MediaPipe's min_tracking_confidence); 0 means 0.5.
	MinPresence float64
}

// DefaultMinPresence is MediaPipe's pose presence threshold.
const DefaultMinPresence = 0.5

const landmarkInput = 256

// The landmark models' outputs the pipeline reads, by their converted
// names (TF.js signature keys in brackets): the segmentation mask
// (Identity_1) is not computed.
var landmarkOutputs = []string{
	"Identity",   // heatmap [1,64,64,39] (activation_heatmap)
	"Identity_2", // landmarks [1,195] (ld_3d)
	"Identity_3", // pose presence [1,1] (output_poseflag)
	"Identity_4", // world landmarks [1,117] (world_3d)
}

const (
	outHeatmap = iota
	outLandmarks
	outPresence
	outWorld
)

// Model is a loaded detector and landmark model. It is safe for concurrent
// use: it makes Trackers that share its weights, one per goroutine.
type Model struct {
	name    string
	det, lm *engine.Model
	opts    Options
	anchors []anchor
	// hm is the heatmap's side (64).
	hm int
}

// LoadDir loads blazepose-detector.onnx and blazepose-VARIANT.onnx (lite,
// full or heavy) from dir, where 'make models' writes them.
func LoadDir(dir, variant string, opts Options) (*Model, error) {
	if !slices.Contains(Variants, variant) {
		return nil, fmt.Errorf("blazepose: unknown variant %q (want one of %q)", variant, Variants)
	}
	read := func(name string) ([]byte, error) {
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("blazepose: %w (run 'make models' to convert the BlazePose models into %s)", err, dir)
		}
		return b, nil
	}
	det, err := read("blazepose-detector.onnx")
	if err != nil {
		return nil, err
	}
	lm, err := read("blazepose-" + variant + ".onnx")
	if err != nil {
		return nil, err
	}
	return Load("blazepose-"+variant, det, lm, opts)
}

// Load loads the detector and a landmark model from their ONNX bytes and
// checks their signatures. Errors wrap ErrBadModel.
func Load(name string, detector, landmark []byte, opts Options) (*Model, error) {
	if opts.MinPresence == 0 {
		opts.MinPresence = DefaultMinPresence
	}
	var eo []engine.Option
	if opts.Threads > 0 {
		eo = append(eo, engine.WithThreads(opts.Threads))
	}
	det, err := engine.Load(detector, eo...)
	if err != nil {
		return nil, fmt.Errorf("blazepose: detector: %w: %w", ErrBadModel, err)
	}
	if err := checkIO(det, "detector", []int{1, detectorInput, detectorInput, 3}, [][]int{{1, numAnchors, anchorValues}}); err != nil {
		return nil, err
	}
	lm, err := engine.Load(landmark, append(eo, engine.WithOutputs(landmarkOutputs...))...)
	if err != nil {
		return nil, fmt.Errorf("blazepose: %s: %w: %w", name, ErrBadModel, err)
	}
	if err := checkIO(lm, name, []int{1, landmarkInput, landmarkInput, 3},
		[][]int{{1, 64, 64, numOutputLandmarks}, {1, 5 * numOutputLandmarks}, {1, 1}, {1, 3 * numOutputLandmarks}}); err != nil {
		return nil, err
	}
	return &Model{name: name, det: det, lm: lm, opts: opts, anchors: ssdAnchors(), hm: 64}, nil
}

// checkIO checks a network's float32 input and output shapes.
func checkIO(m *engine.Model, what string, in []int, outs [][]int) error {
	ins := m.Inputs()
	if len(ins) != 1 || ins[0].DType != engine.Float32 || !slices.Equal(ins[0].Shape, in) {
		return fmt.Errorf("blazepose: %s: %w: inputs %v; want one float32 %v (an RGB image)", what, ErrBadModel, ins, in)
	}
	got := m.Outputs()
	if len(got) != len(outs) {
		return fmt.Errorf("blazepose: %s: %w: %d outputs, want %d", what, ErrBadModel, len(got), len(outs))
	}
	for i, o := range got {
		if o.DType != engine.Float32 || !slices.Equal(o.Shape, outs[i]) {
			return fmt.Errorf("blazepose: %s: %w: output %q is %v %v, want float32 %v", what, ErrBadModel, o.Name, o.DType, o.Shape, outs[i])
		}
	}
	return nil
}

// Name is the model's name, blazepose-VARIANT for LoadDir.
func (m *Model) Name() string { return m.name }

// Networks returns the two loaded networks, the person detector and the
// landmark model, for timing them on their own (kneescreen bench).
func (m *Model) Networks() (detector, landmarks *engine.Model) { return m.det, m.lm }
