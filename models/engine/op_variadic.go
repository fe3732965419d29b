package engine

import "fmt"

// The variadic element-wise operators: Sum, Mean, Max and Min of one or
// more inputs, broadcast together. Two inputs run as one binary kernel
// (which constant-operand chains can absorb); more run as a sequence of
// binary passes into the output.
func init() {
	for name, op := range map[string]binOp{"Sum": opAdd, "Mean": opAdd, "Max": opMax, "Min": opMin} {
		register(name, variadicCompiler(op))
	}
}

func variadicCompiler(op binOp) compileFunc {
	return func(c *opCtx) error {
		if len(c.in) == 0 {
			return fmt.Errorf("needs at least one input")
		}
		shapes := make([][]int, len(c.in))
		for i, v := range c.in {
			if v == nil {
				return fmt.Errorf("input %d is missing", i)
			}
			shapes[i] = v.shape
		}
		if err := c.sameType(); err != nil {
			return err
		}
		dt := c.in[0].dtype
		if c.op == "Mean" && dt != Float32 {
			return fmt.Errorf("only float32 is supported, got %v", dt)
		}
		out, err := broadcastShape(shapes...)
		if err != nil {
			return err
		}
		c.setOut(dt, out)
		k := &variadicKernel{n: len(c.in), mean: c.op == "Mean"}
		if len(c.in) == 1 {
			k.first = &bcastCopy{it: newBcastIter(out, out, shapes[0])}
		} else {
			k.passes = append(k.passes, &binKernel{op: op, it: newBcastIter(out, shapes[0], shapes[1])})
			for _, s := range shapes[2:] {
				k.passes = append(k.passes, &binKernel{op: op, it: newBcastIter(out, out, s)})
			}
		}
		if len(k.passes) == 1 && !k.mean {
			c.k = k.passes[0]
			return nil
		}
		c.k = k
		return nil
	}
}

// variadicKernel computes out = in0 op in1, then out = out op in_i for each
// further input; Mean divides the sum by the count.
type variadicKernel struct {
	n      int
	mean   bool
	first  *bcastCopy // a single input: broadcast copy
	passes []*binKernel
}

type variadicStep struct {
	k     *variadicKernel
	steps []step
	y     *Tensor
}

func (k *variadicKernel) bind(in, out []*Tensor) step {
	s := &variadicStep{k: k, y: out[0]}
	if k.first != nil {
		s.steps = append(s.steps, k.first.bind(in, out))
	}
	for i, b := range k.passes {
		a := in[0]
		other := in[i+1]
		if i > 0 {
			a = out[0]
		}
		s.steps = append(s.steps, b.bind([]*Tensor{a, other}, out))
	}
	return s
}

func (s *variadicStep) run(p *pool) error {
	for _, st := range s.steps {
		if err := st.run(p); err != nil {
			return err
		}
	}
	if s.k.mean {
		n := float32(s.k.n)
		for i := range s.y.F32 {
			s.y.F32[i] /= n
		}
	}
	return nil
}

// bcastCopy copies its input broadcast to the output's shape.
type bcastCopy struct{ it *bcastIter }

type bcastCopyStep struct {
	it   *bcastIter
	x, y *Tensor
}

func (k *bcastCopy) bind(in, out []*Tensor) step {
	return &bcastCopyStep{it: k.it, x: in[0], y: out[0]}
}

func (s *bcastCopyStep) run(*pool) error {
	it := s.it
	n0 := it.inner
	st := it.innerStride(1)
	var offs [2]int
	for r := 0; r < it.outer; r++ {
		it.offsets(r, offs[:])
		o := offs[1]
		for j := 0; j < n0; j++ {
			copyBlock(s.y, r*n0+j, s.x, o+j*st, 1)
		}
	}
	return nil
}
