package models

import _ "embed" // for go:embed

// lightningONNX is MoveNet SinglePose Lightning converted to ONNX by
// models/convert (see NOTICE; SHA256SUMS records its digest and
// 'make models' regenerates it). Embedding it makes the default model work
// offline in any binary built with 'go install'.
//
//go:embed lightning.onnx
var lightningONNX []byte

// DefaultModel returns the embedded MoveNet Lightning ONNX model. The slice
// is shared by every caller and must not be modified.
func DefaultModel() []byte { return lightningONNX }
