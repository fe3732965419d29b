package engine

import (
	"fmt"
	"math"
)

func init() { register("Clip", compileClip) }

// compileClip handles both signatures: bounds as attributes (opset < 11)
// and as optional inputs (opset 11 and later).
func compileClip(c *opCtx) error {
	if err := c.need(1, 3); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	k := &clipKernel{lo: float32(math.Inf(-1)), hi: float32(math.Inf(1)), loIn: -1, hiIn: -1}
	var err error
	if k.lo, err = c.attrFloat("min", k.lo); err != nil {
		return err
	}
	if k.hi, err = c.attrFloat("max", k.hi); err != nil {
		return err
	}
	for i, bound := range []*float32{&k.lo, &k.hi} {
		v := c.input(1 + i)
		if v == nil {
			continue
		}
		if v.dtype != Float32 || v.shape != nil && numElems(v.shape) != 1 {
			return fmt.Errorf("bound input %d is %v, want a float32 scalar", 1+i, typeString(v.dtype, v.shape))
		}
		if v.konst != nil {
			*bound = v.konst.F32[0]
		} else if i == 0 {
			k.loIn = 1
		} else {
			k.hiIn = 2
		}
	}
	c.setOut(Float32, c.in[0].shape)
	c.k = k
	return nil
}

// clipKernel clamps to [lo, hi]; a bound read from a run-time input has
// its input index in loIn or hiIn. Relu is a clip to [0, +Inf).
type clipKernel struct {
	lo, hi     float32
	loIn, hiIn int
}

// staticBounds returns the bounds when both are known at load time.
func (k *clipKernel) staticBounds() (lo, hi float32, ok bool) {
	return k.lo, k.hi, k.loIn < 0 && k.hiIn < 0
}

type clipStep struct {
	k      *clipKernel
	x, y   *Tensor
	lo, hi *Tensor
	curLo  float32
	curHi  float32
}

func (k *clipKernel) bind(in, out []*Tensor) step {
	s := &clipStep{k: k, x: in[0], y: out[0]}
	if k.loIn > 0 {
		s.lo = in[k.loIn]
	}
	if k.hiIn > 0 {
		s.hi = in[k.hiIn]
	}
	return s
}

func (s *clipStep) run(p *pool) error {
	s.curLo, s.curHi = s.k.lo, s.k.hi
	if s.lo != nil {
		s.curLo = s.lo.F32[0]
	}
	if s.hi != nil {
		s.curHi = s.hi.F32[0]
	}
	p.parallelFor(len(s.y.F32), ewGrain, s)
	return nil
}

// Range clamps elements [lo, hi).
func (s *clipStep) Range(lo, hi int) {
	y := s.y.F32[lo:hi]
	copy(y, s.x.F32[lo:hi])
	clampSlice(y, s.curLo, s.curHi)
}
