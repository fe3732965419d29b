package engine

import (
	"errors"
	"fmt"
)

// ErrUnsupportedOp is wrapped by the NodeError of an operator the engine
// does not implement.
var ErrUnsupportedOp = errors.New("unsupported operator")

// ErrUnsupportedType is wrapped by errors about a tensor element type the
// engine does not compute in (it has float32, int32 and int64).
var ErrUnsupportedType = errors.New("unsupported element type")

// ErrBadInput is wrapped by the errors Run returns for inputs of the wrong
// count, type or shape.
var ErrBadInput = errors.New("bad input")

// NodeError reports a problem with one node of the model: an operator the
// engine does not implement, a bad attribute, or shapes that do not fit.
type NodeError struct {
	Node string // the node's name (or its first output's name when unnamed)
	Op   string // the ONNX operator type
	Err  error
}

// Error implements error.
func (e *NodeError) Error() string {
	return fmt.Sprintf("engine: node %q (%s): %v", e.Node, e.Op, e.Err)
}

// Unwrap returns the underlying error.
func (e *NodeError) Unwrap() error { return e.Err }
