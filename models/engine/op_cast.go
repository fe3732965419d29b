package engine

func init() { register("Cast", compileCast) }

func compileCast(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	to, err := c.attrInt("to", 0)
	if err != nil {
		return err
	}
	dt, err := dtypeFromONNX(to)
	if err != nil {
		return err
	}
	c.setOut(dt, c.in[0].shape)
	c.k = kernelFunc(func(in, out []*Tensor) step { return &castStep{x: in[0], y: out[0]} })
	return nil
}

type castStep struct{ x, y *Tensor }

func (s *castStep) run(p *pool) error {
	p.parallelFor(s.y.Len(), ewGrain, s)
	return nil
}

// Range converts elements [lo, hi).
func (s *castStep) Range(lo, hi int) {
	castInto(s.y.sub(lo, hi), s.x.sub(lo, hi))
}

// castInto converts x's elements into y's type. Float to integer truncates
// toward zero, as ONNX Cast does.
func castInto(y, x *Tensor) {
	switch y.DType {
	case Float32:
		switch x.DType {
		case Float32:
			copy(y.F32, x.F32)
		case Int32:
			convert(y.F32, x.I32)
		case Int64:
			convert(y.F32, x.I64)
		}
	case Int32:
		switch x.DType {
		case Float32:
			convert(y.I32, x.F32)
		case Int32:
			copy(y.I32, x.I32)
		case Int64:
			convert(y.I32, x.I64)
		}
	case Int64:
		switch x.DType {
		case Float32:
			convert(y.I64, x.F32)
		case Int32:
			convert(y.I64, x.I32)
		case Int64:
			copy(y.I64, x.I64)
		}
	}
}

// convert is the element loop of castInto, on local slices so that the
// compiler keeps them in registers.
func convert[D, S float32 | int32 | int64](dst []D, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(v)
	}
}
