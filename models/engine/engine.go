package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	onnx "github.com/owulveryck/onnx-go"
)

// Option configures Load.
type Option func(*options)

type options struct {
	threads     int
	inputShapes map[string][]int
}

// WithThreads sets how many goroutines a Session uses for the heavy
// operators. The default is runtime.GOMAXPROCS(0); values below 1 mean 1.
func WithThreads(n int) Option { return func(o *options) { o.threads = n } }

// WithInputShape fixes the shape of a graph input whose declared shape has
// symbolic dimensions (such as a batch size "N"); the engine needs static
// shapes.
func WithInputShape(name string, shape ...int) Option {
	return func(o *options) { o.inputShapes[name] = append([]int(nil), shape...) }
}

// Info describes a graph input or output.
type Info struct {
	Name  string
	DType DType
	Shape []int
}

// Model is a compiled ONNX model. It is safe for concurrent use; each
// Session runs on one goroutine at a time.
type Model struct {
	plan    *plan
	threads int
	inputs  []Info
	outputs []Info

	mu   sync.Mutex
	sess *Session
}

// Load decodes an ONNX model with onnx-go into the engine's backend and
// compiles it. Errors about a particular node are *NodeError; an operator
// the engine lacks wraps ErrUnsupportedOp.
func Load(data []byte, opts ...Option) (*Model, error) {
	o := &options{threads: runtime.GOMAXPROCS(0), inputShapes: map[string][]int{}}
	for _, f := range opts {
		f(o)
	}
	if o.threads < 1 {
		o.threads = 1
	}
	if len(data) == 0 {
		return nil, errors.New("engine: empty model file")
	}
	b := NewBackend()
	om := onnx.NewModel(b)
	if err := decode(om, data); err != nil {
		return nil, fmt.Errorf("engine: cannot decode the ONNX model (truncated or not an ONNX file?): %w", err)
	}
	c := &compiler{b: b, info: scanProto(data), opts: o}
	p, err := c.compile(om.Input, om.Output)
	if err != nil {
		return nil, err
	}
	m := &Model{plan: p, threads: o.threads}
	for _, v := range p.inputs {
		m.inputs = append(m.inputs, Info{Name: v.name, DType: v.dtype, Shape: append([]int(nil), v.shape...)})
	}
	for _, v := range p.outputs {
		m.outputs = append(m.outputs, Info{Name: v.name, DType: v.dtype, Shape: append([]int(nil), v.shape...)})
	}
	return m, nil
}

// decode runs onnx-go's decoder, turning its panics on malformed data into
// errors.
func decode(om *onnx.Model, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed model: %v", r)
		}
	}()
	return om.UnmarshalBinary(data)
}

// Inputs describes the graph inputs in order.
func (m *Model) Inputs() []Info { return cloneInfos(m.inputs) }

// Outputs describes the graph outputs in order.
func (m *Model) Outputs() []Info { return cloneInfos(m.outputs) }

// InputShapes returns the shapes of the graph inputs.
func (m *Model) InputShapes() [][]int { return shapesOf(m.inputs) }

// OutputShapes returns the shapes of the graph outputs.
func (m *Model) OutputShapes() [][]int { return shapesOf(m.outputs) }

// Threads returns the number of goroutines a Session uses.
func (m *Model) Threads() int { return m.threads }

// Run runs the model once on a shared Session and returns copies of the
// outputs. For repeated inference without allocation, use a Session.
func (m *Model) Run(ctx context.Context, inputs ...*Tensor) ([]*Tensor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess == nil {
		m.sess = m.NewSession()
	}
	outs, err := m.sess.Run(ctx, inputs...)
	if err != nil {
		return nil, err
	}
	res := make([]*Tensor, len(outs))
	for i, t := range outs {
		res[i] = t.clone()
	}
	return res, nil
}

// Close stops the worker goroutines of the Session that Run uses. The Model
// stays usable; a later Run starts a new one.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess != nil {
		m.sess.Close()
		m.sess = nil
	}
}

func cloneInfos(in []Info) []Info {
	out := make([]Info, len(in))
	for i, x := range in {
		out[i] = Info{Name: x.Name, DType: x.DType, Shape: append([]int(nil), x.Shape...)}
	}
	return out
}

func shapesOf(in []Info) [][]int {
	out := make([][]int, len(in))
	for i, x := range in {
		out[i] = append([]int(nil), x.Shape...)
	}
	return out
}
