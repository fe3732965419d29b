package engine

import (
	"fmt"
)

func init() { register("Pad", compilePad) }

type padMode uint8

const (
	padConstant padMode = iota
	padReflect
	padEdge
	padWrap
)

// compilePad handles both signatures: pads and value as attributes (opset
// < 11) and as inputs (pads, an optional constant_value and, from opset
// 18, axes). Pads must be known at load time; negative pads crop.
func compilePad(c *opCtx) error {
	if err := c.need(1, 4); err != nil {
		return err
	}
	x := c.in[0]
	r := len(x.shape)
	var pads []int64
	var value float64
	if len(c.in) >= 2 {
		t, err := c.constInput(1, "pads")
		if err != nil {
			return err
		}
		pads = t.ints()
		if v := c.input(2); v != nil {
			t, err := c.constInput(2, "constant value")
			if err != nil {
				return err
			}
			if t.Len() != 1 || t.DType != x.dtype {
				return fmt.Errorf("constant value is %v, want one %v", t, x.dtype)
			}
			value = float64(t.floats()[0])
			if t.DType == Int64 {
				value = float64(t.I64[0])
			}
		}
		if v := c.input(3); v != nil {
			t, err := c.constInput(3, "axes")
			if err != nil {
				return err
			}
			axes := t.ints()
			if len(pads) != 2*len(axes) {
				return fmt.Errorf("pads %v do not fit axes %v", pads, axes)
			}
			full := make([]int64, 2*r)
			for i, a := range axes {
				ax, err := normAxis(a, r)
				if err != nil {
					return err
				}
				full[ax], full[r+ax] = pads[i], pads[len(axes)+i]
			}
			pads = full
		}
	} else {
		var err error
		if pads, err = c.attrInts("pads", nil); err != nil {
			return err
		}
		v, err := c.attrFloat("value", 0)
		if err != nil {
			return err
		}
		value = float64(v)
	}
	if len(pads) != 2*r {
		return fmt.Errorf("pads %v: want %d values for a rank-%d input", pads, 2*r, r)
	}
	modeName, err := c.attrString("mode", "constant")
	if err != nil {
		return err
	}
	mode, ok := map[string]padMode{"constant": padConstant, "reflect": padReflect, "edge": padEdge, "wrap": padWrap}[modeName]
	if !ok {
		return fmt.Errorf("unknown mode %q", modeName)
	}
	k := &padKernel{mode: mode, value: value, in: x.shape, begin: make([]int, r)}
	out := make([]int, r)
	for i, d := range x.shape {
		b, e := pads[i], pads[r+i]
		if b < -int64(d) || e < -int64(d) || b > 1<<24 || e > 1<<24 {
			return fmt.Errorf("bad pads %v for shape %v", pads, x.shape)
		}
		out[i] = d + int(b) + int(e)
		k.begin[i] = int(b)
		if out[i] < 0 {
			return fmt.Errorf("pads %v crop shape %v below zero", pads, x.shape)
		}
		if mode != padConstant && out[i] > 0 && d == 0 {
			return fmt.Errorf("%s padding of an empty axis", modeName)
		}
		if mode == padReflect && (b >= int64(d) || e >= int64(d)) && (b > 0 || e > 0) && d > 0 {
			return fmt.Errorf("reflect pads %v must be smaller than the axes %v", pads, x.shape)
		}
	}
	if err := checkShape(out); err != nil {
		return err
	}
	k.out = out
	c.setOut(x.dtype, out)
	c.k = k
	return nil
}

// padKernel writes each output row from the input row it maps to: along
// every axis an output index o reads input index o - begin, mapped into
// range by the mode (constant: out of range reads the value).
type padKernel struct {
	mode    padMode
	value   float64
	in, out []int
	begin   []int
}

type padStep struct {
	k       *padKernel
	x, y    *Tensor
	src     []int // per axis and output index: input index or -1
	inSt    []int
	rows    int
	rowLen  int
	lastOff int // offset of the last axis's map in src
}

func (k *padKernel) bind(in, out []*Tensor) step {
	s := &padStep{k: k, x: in[0], y: out[0], inSt: stridesOf(k.in)}
	r := len(k.in)
	if r == 0 {
		return stepFunc(func(*pool) error { copyBlock(out[0], 0, in[0], 0, 1); return nil })
	}
	for i := 0; i < r; i++ {
		if i == r-1 {
			s.lastOff = len(s.src)
		}
		for o := 0; o < k.out[i]; o++ {
			s.src = append(s.src, padIndex(k.mode, o-k.begin[i], k.in[i]))
		}
	}
	s.rowLen = k.out[r-1]
	s.rows = numElems(k.out) / max(s.rowLen, 1)
	if s.rowLen == 0 {
		s.rows = 0
	}
	return s
}

// padIndex maps an input index that may be out of [0, n) into range, or
// returns -1 for the constant value.
func padIndex(mode padMode, i, n int) int {
	if i >= 0 && i < n {
		return i
	}
	switch mode {
	case padEdge:
		return min(max(i, 0), n-1)
	case padReflect:
		if n == 1 {
			return 0
		}
		p := 2 * (n - 1)
		i = ((i % p) + p) % p
		if i >= n {
			i = p - i
		}
		return i
	case padWrap:
		return ((i % n) + n) % n
	}
	return -1
}

func (s *padStep) run(p *pool) error {
	p.parallelFor(s.rows, max(1, ewGrain/max(s.rowLen, 1)), s)
	return nil
}

// Range writes output rows [lo, hi).
func (s *padStep) Range(lo, hi int) {
	k := s.k
	r := len(k.out)
	last := s.src[s.lastOff : s.lastOff+s.rowLen]
	for row := lo; row < hi; row++ {
		// The input row this output row reads, or -1 for a row of the value.
		off, rem, inside := 0, row, true
		axOff := s.lastOff
		for i := r - 2; i >= 0; i-- {
			axOff -= k.out[i]
			o := rem % k.out[i]
			rem /= k.out[i]
			si := s.src[axOff+o]
			if si < 0 {
				inside = false
				break
			}
			off += si * s.inSt[i]
		}
		base := row * s.rowLen
		switch s.y.DType {
		case Float32:
			padRow(s.y.F32[base:base+s.rowLen], s.x.F32, off, last, inside, float32(k.value))
		case Int32:
			padRow(s.y.I32[base:base+s.rowLen], s.x.I32, off, last, inside, int32(k.value))
		case Int64:
			padRow(s.y.I64[base:base+s.rowLen], s.x.I64, off, last, inside, int64(k.value))
		}
	}
}

func padRow[T float32 | int32 | int64](y, x []T, off int, src []int, inside bool, value T) {
	if !inside {
		for j := range y {
			y[j] = value
		}
		return
	}
	for j, si := range src {
		if si < 0 {
			y[j] = value
		} else {
			y[j] = x[off+si]
		}
	}
}
