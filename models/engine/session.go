package engine

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
)

// Session runs a Model with buffers planned at load time, so that repeated
// inference allocates nothing. A Session is not safe for concurrent use;
// create one per goroutine. Close it to stop its worker goroutines.
type Session struct {
	m       *Model
	tensors []*Tensor
	steps   []step
	stepOps []*opNode // the operation of each step, for errors
	inputs  []*Tensor
	outputs []*Tensor
	pool    *pool
	// bound is set once the buffers are allocated and the kernels bound.
	bound bool
}

// NewSession allocates the buffers of one Session and starts its workers.
// A model compiled at its first run (see Model) allocates them then.
func (m *Model) NewSession() *Session {
	s := &Session{m: m, pool: newPool(m.threads)}
	m.planMu.Lock()
	p := m.plan
	m.planMu.Unlock()
	if p != nil {
		s.bind(p)
	}
	// A Session dropped without Close still stops its workers, which
	// reference only the pool.
	runtime.AddCleanup(s, func(p *pool) { p.close() }, s.pool)
	return s
}

// bind allocates the planned buffers and binds every kernel to them.
func (s *Session) bind(p *plan) {
	s.bound = true
	slots := make([]*Tensor, len(p.slots))
	for i, si := range p.slots {
		slots[i] = newTensor(si.dtype, []int{si.size})
	}
	s.tensors = make([]*Tensor, len(p.values))
	for _, v := range p.values {
		switch {
		case v.konst != nil:
			s.tensors[v.id] = v.konst
		case v.input >= 0:
			s.tensors[v.id] = &Tensor{DType: v.dtype, Shape: v.shape}
		default:
			n := numElems(v.shape)
			buf := slots[v.slot]
			t := &Tensor{DType: v.dtype, Shape: v.shape}
			switch v.dtype {
			case Float32:
				t.F32 = buf.F32[:n:n]
			case Int32:
				t.I32 = buf.I32[:n:n]
			case Int64:
				t.I64 = buf.I64[:n:n]
			}
			s.tensors[v.id] = t
		}
	}
	for _, on := range p.ops {
		in := make([]*Tensor, len(on.inputs))
		for i, v := range on.inputs {
			if v != nil {
				in[i] = s.tensors[v.id]
			}
		}
		out := make([]*Tensor, len(on.outputs))
		for i, v := range on.outputs {
			out[i] = s.tensors[v.id]
		}
		k := on.k
		if on.view && on.outputs[0].root == on.inputs[0].root {
			continue // the output already views the input's buffer
		}
		s.steps = append(s.steps, k.bind(in, out))
		s.stepOps = append(s.stepOps, on)
	}
	for _, v := range p.inputs {
		t := s.tensors[v.id]
		if v.konst != nil {
			// An input compiled as a constant: Run checks the caller's
			// value against it and reads nothing else from this one.
			t = &Tensor{DType: v.dtype, Shape: v.shape}
		}
		s.inputs = append(s.inputs, t)
	}
	for _, v := range p.outputs {
		s.outputs = append(s.outputs, s.tensors[v.id])
	}
}

// Run runs the model on inputs (in graph input order) and returns the
// outputs in graph output order. The outputs belong to the Session and are
// overwritten by the next Run. Inputs are read, never written, and must not
// change during the call. The context is checked between operations.
func (s *Session) Run(ctx context.Context, inputs ...*Tensor) ([]*Tensor, error) {
	want := s.m.inputs
	if len(inputs) != len(want) {
		return nil, fmt.Errorf("engine: %w: got %d inputs, the model has %d", ErrBadInput, len(inputs), len(want))
	}
	for i, t := range inputs {
		w := want[i]
		if t == nil {
			return nil, fmt.Errorf("engine: %w: input %d (%q) is nil", ErrBadInput, i, w.Name)
		}
		if t.DType != w.DType || !slices.Equal(t.Shape, w.Shape) {
			return nil, fmt.Errorf("engine: %w: input %q is %v, the model wants %v", ErrBadInput, w.Name, t, typeString(w.DType, w.Shape))
		}
		if t.dataLen() != numElems(w.Shape) {
			return nil, fmt.Errorf("engine: %w: input %q has %d elements, shape %v needs %d", ErrBadInput, w.Name, t.dataLen(), w.Shape, numElems(w.Shape))
		}
	}
	if !s.bound {
		p, err := s.m.compiled(inputs)
		if err != nil {
			return nil, err
		}
		s.bind(p)
	}
	for i, t := range inputs {
		if f := s.m.fixed[i]; f != nil && !sameValues(f, t) {
			return nil, fmt.Errorf("engine: %w: input %q sets a shape or weights, which the engine fixed at the model's first run; pass the same values or load the model again", ErrBadInput, want[i].Name)
		}
		dst := s.inputs[i]
		dst.F32, dst.I32, dst.I64 = t.F32, t.I32, t.I64
	}
	defer s.unbind()
	return s.runSteps(ctx)
}

// runSteps runs the plan. A panic in a kernel is a bug in the engine; it
// becomes an error naming the node rather than a crash.
func (s *Session) runSteps(ctx context.Context) (outs []*Tensor, err error) {
	i := 0
	defer func() {
		if r := recover(); r != nil {
			on := s.stepOps[i]
			outs, err = nil, &NodeError{Node: on.name, Op: on.op, Err: fmt.Errorf("%w: %v", errInternal, r)}
		}
	}()
	for ; i < len(s.steps); i++ {
		st := s.steps[i]
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		if err := st.run(s.pool); err != nil {
			on := s.stepOps[i]
			return nil, &NodeError{Node: on.name, Op: on.op, Err: err}
		}
	}
	return s.outputs, nil
}

// sameValues reports whether a and b hold the same data, bit for bit.
func sameValues(a, b *Tensor) bool {
	switch a.DType {
	case Float32:
		if len(a.F32) != len(b.F32) {
			return false
		}
		for i, v := range a.F32 {
			if math.Float32bits(v) != math.Float32bits(b.F32[i]) {
				return false
			}
		}
		return true
	case Int32:
		return slices.Equal(a.I32, b.I32)
	}
	return slices.Equal(a.I64, b.I64)
}

// unbind drops the references to the caller's input data.
func (s *Session) unbind() {
	for _, t := range s.inputs {
		t.F32, t.I32, t.I64 = nil, nil, nil
	}
}

// Close stops the Session's worker goroutines. The Session must not be used
// afterwards.
func (s *Session) Close() { s.pool.close() }
