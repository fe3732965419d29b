package engine

import (
	"fmt"
)

// kernel is a compiled operator: its parameters, constants and packed
// weights, fixed at load time and shared by every Session.
type kernel interface {
	// bind returns the executable step of one Session. The tensors keep their
	// identity for the Session's life (only graph inputs change their data
	// between runs), so steps may precompute anything from them.
	bind(in, out []*Tensor) step
}

// step is a kernel bound to a Session's tensors.
type step interface {
	run(p *pool) error
}

// stepFunc adapts a function to the step interface, for steps that need no
// parallel task of their own.
type stepFunc func(p *pool) error

func (f stepFunc) run(p *pool) error { return f(p) }

// kernelFunc adapts a bind function to the kernel interface.
type kernelFunc func(in, out []*Tensor) step

func (f kernelFunc) bind(in, out []*Tensor) step { return f(in, out) }

// outInfo is the static type and shape of an operator output.
type outInfo struct {
	dtype DType
	shape []int
}

// opCtx is what an operator's compile function sees of its node: the
// attributes, the inputs' types, shapes and (when known) constant values,
// and the number of outputs. The compile function checks them and fills in
// outs and k.
type opCtx struct {
	name  string
	op    string
	attrs map[string]any
	in    []*value // nil for an omitted optional input
	nout  int
	// opset is the model's default-domain opset version, 0 when unknown.
	// Operators whose signature changed (Squeeze, Clip, ...) also look at
	// which attributes and inputs are present.
	opset int64

	outs []outInfo
	k    kernel
	// view marks operators whose single output is input 0's data with a new
	// shape (Reshape, Squeeze, ...); the planner lets them share a buffer.
	view bool
	// konst, when set, holds output values known at compile time (Shape,
	// Constant); no kernel is needed then.
	konst []*Tensor
}

// compileFunc compiles one node.
type compileFunc func(c *opCtx) error

// registry maps ONNX operator types to their compile functions. Each
// operator file registers itself in an init function.
var registry = map[string]compileFunc{}

func register(name string, f compileFunc) {
	if _, dup := registry[name]; dup {
		panic("engine: operator registered twice: " + name)
	}
	registry[name] = f
}

// SupportedOps returns the ONNX operator types the engine implements.
func SupportedOps() []string {
	ops := make([]string, 0, len(registry))
	for k := range registry {
		ops = append(ops, k)
	}
	sortStrings(ops)
	return ops
}

// input returns input i or nil when it is absent.
func (c *opCtx) input(i int) *value {
	if i < len(c.in) {
		return c.in[i]
	}
	return nil
}

// need checks the input count: at least min present inputs in the first
// positions, at most max in all.
func (c *opCtx) need(min, max int) error {
	if len(c.in) > max {
		return fmt.Errorf("has %d inputs, at most %d allowed", len(c.in), max)
	}
	for i := 0; i < min; i++ {
		if c.input(i) == nil {
			return fmt.Errorf("needs at least %d inputs, input %d is missing", min, i)
		}
	}
	return nil
}

// constInput returns the constant value of input i, or an error saying the
// engine needs it to be known at load time.
func (c *opCtx) constInput(i int, what string) (*Tensor, error) {
	v := c.input(i)
	if v == nil {
		return nil, fmt.Errorf("missing input %d (%s)", i, what)
	}
	if v.konst == nil {
		if v.input >= 0 {
			return nil, &needValueError{input: v.input, name: v.name, what: what}
		}
		return nil, fmt.Errorf("input %d (%s, %q) must be a constant: the engine needs static shapes", i, what, v.name)
	}
	return v.konst, nil
}

// needValueError reports that an operator needs the value of a graph input
// at load time (a Reshape's shape, a Conv's weights). Load then defers
// compiling to the first Run, which knows the value (see Model).
type needValueError struct {
	input int // graph input index
	name  string
	what  string
}

func (e *needValueError) Error() string {
	return fmt.Sprintf("the %s come from graph input %q, whose value is known only when the model runs", e.what, e.name)
}

func (c *opCtx) has(name string) bool {
	_, ok := c.attrs[name]
	return ok
}

func (c *opCtx) attrInt(name string, def int64) (int64, error) {
	a, ok := c.attrs[name]
	if !ok {
		return def, nil
	}
	v, ok := a.(int64)
	if !ok {
		return 0, fmt.Errorf("attribute %s is %T, want an int", name, a)
	}
	return v, nil
}

// attrAxis returns the axis attribute (default 0) of an input of the given
// rank, made non-negative.
func (c *opCtx) attrAxis(rank int) (int, error) {
	axis, err := c.attrInt("axis", 0)
	if err != nil {
		return 0, err
	}
	return normAxis(axis, rank)
}

func (c *opCtx) attrInts(name string, def []int64) ([]int64, error) {
	a, ok := c.attrs[name]
	if !ok {
		return def, nil
	}
	v, ok := a.([]int64)
	if !ok {
		return nil, fmt.Errorf("attribute %s is %T, want ints", name, a)
	}
	return v, nil
}

func (c *opCtx) attrFloat(name string, def float32) (float32, error) {
	a, ok := c.attrs[name]
	if !ok {
		return def, nil
	}
	v, ok := a.(float32)
	if !ok {
		return 0, fmt.Errorf("attribute %s is %T, want a float", name, a)
	}
	return v, nil
}

func (c *opCtx) attrString(name, def string) (string, error) {
	a, ok := c.attrs[name]
	if !ok {
		return def, nil
	}
	v, ok := a.(string)
	if !ok {
		return "", fmt.Errorf("attribute %s is %T, want a string", name, a)
	}
	return v, nil
}

// setOut sets a single output.
func (c *opCtx) setOut(dt DType, shape []int) {
	c.outs = []outInfo{{dtype: dt, shape: shape}}
}

// sameType checks that all present inputs share input 0's element type.
func (c *opCtx) sameType() error {
	for i, v := range c.in {
		if v != nil && v.dtype != c.in[0].dtype {
			return fmt.Errorf("input %d is %v, input 0 is %v", i, v.dtype, c.in[0].dtype)
		}
	}
	return nil
}

// wantFloat checks that input i is float32.
func (c *opCtx) wantFloat(i int) error {
	if v := c.input(i); v != nil && v.dtype != Float32 {
		return fmt.Errorf("input %d is %v, want float32", i, v.dtype)
	}
	return nil
}

// copyKernel copies input 0 to output 0; view operators use it when they
// cannot share the buffer (constant folding, graph inputs and outputs).
var copyKernel = kernelFunc(func(in, out []*Tensor) step {
	src, dst := in[0], out[0]
	return stepFunc(func(*pool) error { dst.copyFrom(src); return nil })
})
