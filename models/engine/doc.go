// Package engine runs ONNX models in pure Go.
//
// It implements onnx-go's Backend interface: onnx-go decodes the file into
// the engine's graph (Backend, Node), and Load compiles that graph once into
// a plan with static shapes. A Session runs the plan repeatedly without
// allocating.
//
//	m, err := engine.Load(onnxBytes, engine.WithThreads(2))
//	s := m.NewSession()
//	defer s.Close()
//	outs, err := s.Run(ctx, engine.NewInt32([]int{1, 192, 192, 3}, pixels))
//
// # Compiling
//
// Load orders the operations topologically and compiles each with its
// operator's compile function (one file per operator, registered in an op
// table; SupportedOps lists them). Compiling checks attributes and input
// types, infers output shapes, and returns a kernel holding everything that
// can be prepared once (packed weights, broadcast strides, resize taps). An
// operation whose inputs are all constants runs at load time and becomes a
// constant. Then:
//
//   - a convolution absorbs a following residual Add and Relu or Clip
//     (fuse.go), so that bias, residual and clamp are applied while the
//     output is still in cache;
//   - a 1x1 expansion convolution whose only reader is a depthwise
//     convolution runs with it in bands of rows that stay in cache, when
//     the expanded tensor is large (fuse_dw.go);
//   - runs of element-wise operations with periodic constant operands, such
//     as MoveNet's input normalisation, become one pass (chain.go);
//   - every intermediate value gets a buffer slot; values whose lifetimes do
//     not overlap share one, reshapes share their input's, and graph outputs
//     keep their own (compile.go, planBuffers).
//
// Some operators need values at compile time that a model may pass in as
// graph inputs (a Reshape's shape, a Slice's bounds, a Conv's weights). Such
// a model compiles at its first Run with those inputs' values fixed as
// constants; later runs must pass the same values.
//
// Problems with the model are *NodeError values naming the node and the
// operator; an operator the engine lacks wraps ErrUnsupportedOp, an element
// type other than float32, int32 and int64 ErrUnsupportedType. Malformed or
// truncated files give an error, never a panic (the decoder is fuzzed).
//
// # Conformance
//
// ONNX's own node tests, as onnx-go exports them, run in the tests
// (TestONNXConformance); testdata/conformance.md lists which pass, which
// operators are missing and which cases use element types the engine lacks.
//
// # Running
//
// NewSession allocates the planned buffers and binds each kernel to them.
// Run checks the inputs (ErrBadInput), then runs the steps in order; heavy
// steps split their work over a small fixed pool of worker goroutines
// (pool.go) by output channels, pixel blocks or rows. Steady-state inference
// allocates nothing.
//
// # Kernels
//
// Convolutions run on the assembly-backed kernels of internal/kernels (a
// packed SGEMM for 1x1 and im2col convolutions, direct depthwise 3x3 and 5x5) with
// the fused epilogue (conv_fast.go); conv_kernels.go keeps plain Go loops
// for the geometries those do not cover and as the reference the fast paths
// are tested against.
package engine
