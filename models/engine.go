package models

import (
	"context"
	"fmt"
	"slices"

	"github.com/kneescreen/kneescreen/models/engine"
	"github.com/kneescreen/kneescreen/pose"
)

// engineRunner runs a MoveNet ONNX model on one engine Session; the input
// tensor wraps the Estimator's buffer, so a run copies nothing in.
type engineRunner struct {
	sess *engine.Session
	in   *engine.Tensor
}

// loadEngine loads an ONNX model into the engine, checks it has MoveNet's
// signature for skeleton sk and returns it with the side of its square
// input.
func loadEngine(onnx []byte, threads int, sk *pose.Skeleton) (*engine.Model, int, error) {
	var opts []engine.Option
	if threads > 0 {
		opts = append(opts, engine.WithThreads(threads))
	}
	m, err := engine.Load(onnx, opts...)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	size, err := checkSignature(m.Inputs(), m.Outputs(), sk)
	if err != nil {
		return nil, 0, err
	}
	return m, size, nil
}

// newEngineRunner starts a Session of m with threads threads; the model's
// input is size x size.
func newEngineRunner(m *engine.Model, size, threads int) *engineRunner {
	return &engineRunner{
		sess: m.NewSessionThreads(threads),
		in:   &engine.Tensor{DType: engine.Int32, Shape: []int{1, size, size, 3}},
	}
}

// checkSignature checks that a model takes one int32 [1,N,N,3] image and
// returns float32 [1,1,K,3] keypoints, K the joints of skeleton sk (17 for
// MoveNet's COCO17), and returns N.
func checkSignature(ins, outs []engine.Info, sk *pose.Skeleton) (int, error) {
	if len(ins) != 1 || len(outs) != 1 {
		return 0, fmt.Errorf("%w: has %d inputs and %d outputs; a MoveNet SinglePose model has one of each", ErrBadModel, len(ins), len(outs))
	}
	in, out := ins[0], outs[0]
	s := in.Shape
	if in.DType != engine.Int32 || len(s) != 4 || s[0] != 1 || s[3] != 3 || s[1] != s[2] || s[1] < 16 {
		return 0, fmt.Errorf("%w: input %q is %v %v; want int32 [1 N N 3] (an RGB image, N = 192 for Lightning, 256 for Thunder)",
			ErrBadModel, in.Name, in.DType, in.Shape)
	}
	if out.DType != engine.Float32 || !slices.Equal(out.Shape, []int{1, 1, sk.Len(), 3}) {
		return 0, fmt.Errorf("%w: output %q is %v %v; want float32 [1 1 %d 3] (y, x, score per %s keypoint)",
			ErrBadModel, out.Name, out.DType, out.Shape, sk.Len(), sk)
	}
	return s[1], nil
}

func (r *engineRunner) run(ctx context.Context, in []int32, out []float32) error {
	r.in.I32 = in
	outs, err := r.sess.Run(ctx, r.in)
	if err != nil {
		return err
	}
	copy(out, outs[0].F32)
	return nil
}

func (r *engineRunner) close() { r.sess.Close() }
