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
	outputs     []string
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

// WithOutputs keeps only the named graph outputs, in that order; the
// operations only the others need are not compiled into the plan. A model
// with outputs a caller does not use (BlazePose's segmentation mask) then
// runs faster.
func WithOutputs(names ...string) Option {
	return func(o *options) { o.outputs = append([]string(nil), names...) }
}

// Info describes a graph input or output.
type Info struct {
	Name  string
	DType DType
	Shape []int
}

// Model is a compiled ONNX model. It is safe for concurrent use; each
// Session runs on one goroutine at a time.
//
// Some operators need, when they are compiled, values that a model may pass
// in as graph inputs: a Reshape's target shape, a Slice's bounds, a Conv's
// weights. Such a model is compiled at its first Run, with the values of
// those inputs fixed as constants; later runs must pass the same values
// (else ErrBadInput). Until then Outputs has no shapes.
type Model struct {
	threads int
	inputs  []Info

	// planMu guards plan, outputs and fixed, which a deferred model sets at
	// its first run.
	planMu  sync.Mutex
	plan    *plan
	outputs []Info
	// fixed holds, per graph input, the value compiled in as a constant
	// (nil for ordinary inputs).
	fixed []*Tensor
	// deferred is what a model compiled at its first run keeps from Load.
	deferred *deferredCompile

	mu   sync.Mutex
	sess *Session
}

// deferredCompile is a decoded model waiting for the values of some graph
// inputs.
type deferredCompile struct {
	b               *Backend
	info            protoInfo
	opts            *options
	inputs, outputs []int64
	// err is the compile error of the first run, repeated to later ones.
	err error
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
	info := scanProto(data)
	outputs, err := selectOutputs(b, om.Output, o.outputs)
	if err != nil {
		return nil, err
	}
	c := &compiler{b: b, info: info, opts: o}
	p, err := c.compile(om.Input, outputs)
	var nv *needValueError
	if errors.As(err, &nv) {
		m := &Model{threads: o.threads, inputs: infosOf(c.graphInputs),
			deferred: &deferredCompile{b: b, info: info, opts: o, inputs: om.Input, outputs: outputs}}
		for _, id := range outputs {
			if n, ok := b.byID[id]; ok {
				m.outputs = append(m.outputs, Info{Name: n.name})
			}
		}
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	m := &Model{plan: p, threads: o.threads, inputs: infosOf(p.inputs), outputs: infosOf(p.outputs)}
	m.fixed = make([]*Tensor, len(m.inputs))
	return m, nil
}

// selectOutputs returns the ids of the named graph outputs, or all of them
// when names is empty.
func selectOutputs(b *Backend, all []int64, names []string) ([]int64, error) {
	if len(names) == 0 {
		return all, nil
	}
	byName := map[string]int64{}
	var have []string
	for _, id := range all {
		if n, ok := b.byID[id]; ok {
			byName[n.name] = id
			have = append(have, n.name)
		}
	}
	out := make([]int64, 0, len(names))
	for _, name := range names {
		id, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("engine: the model has no output %q (it has %q)", name, have)
		}
		out = append(out, id)
	}
	return out, nil
}

// compiled returns the plan, compiling a deferred model with the values of
// inputs the first time. A compile error is returned to every later call.
func (m *Model) compiled(inputs []*Tensor) (*plan, error) {
	m.planMu.Lock()
	defer m.planMu.Unlock()
	if m.plan != nil {
		return m.plan, nil
	}
	d := m.deferred
	if d.err != nil {
		return nil, d.err
	}
	fixed := map[int]*Tensor{}
	for {
		c := &compiler{b: d.b, info: d.info, opts: d.opts, fixed: fixed}
		p, err := c.compile(d.inputs, d.outputs)
		var nv *needValueError
		if errors.As(err, &nv) && fixed[nv.input] == nil && nv.input < len(inputs) {
			fixed[nv.input] = inputs[nv.input].clone()
			continue
		}
		if err != nil {
			d.err = err
			return nil, err
		}
		m.plan, m.outputs = p, infosOf(p.outputs)
		m.fixed = make([]*Tensor, len(m.inputs))
		for i, t := range fixed {
			m.fixed[i] = t
		}
		m.deferred = nil
		return p, nil
	}
}

func infosOf(vs []*value) []Info {
	out := make([]Info, len(vs))
	for i, v := range vs {
		out[i] = Info{Name: v.name, DType: v.dtype, Shape: append([]int(nil), v.shape...)}
	}
	return out
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

// Outputs describes the graph outputs in order. A model compiled at its
// first run (see Model) reports only their names before that.
func (m *Model) Outputs() []Info {
	m.planMu.Lock()
	defer m.planMu.Unlock()
	return cloneInfos(m.outputs)
}

// InputShapes returns the shapes of the graph inputs.
func (m *Model) InputShapes() [][]int { return shapesOf(m.inputs) }

// OutputShapes returns the shapes of the graph outputs (nil before the
// first run of a model compiled then).
func (m *Model) OutputShapes() [][]int { return shapesOf(m.Outputs()) }

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
