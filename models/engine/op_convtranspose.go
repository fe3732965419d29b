package engine

import (
	"fmt"
)

func init() { register("ConvTranspose", compileConvTranspose) }

// ctAxis is the geometry of a transposed convolution along one spatial
// axis: input position i and kernel tap t write output position
// i·s + t·d - pb.
type ctAxis struct {
	in, out, k, s, d, pb int
}

// compileConvTranspose handles 1 to 3 spatial axes with groups, strides,
// dilations, pads or auto_pad, output_padding and output_shape. Weights
// [C, M/group, k...] and bias [M] may be computed at run time.
func compileConvTranspose(c *opCtx) error {
	if err := c.need(2, 3); err != nil {
		return err
	}
	for i := range c.in {
		if err := c.wantFloat(i); err != nil {
			return err
		}
	}
	x, w := c.in[0], c.in[1]
	sp := len(x.shape) - 2
	if sp < 1 || sp > 3 || len(w.shape) != sp+2 {
		return fmt.Errorf("input %v and weights %v: want N, C and 1 to 3 spatial axes, weights [C, M/group, k...]", x.shape, w.shape)
	}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return err
	}
	g := int(group)
	C := x.shape[1]
	if g < 1 || C%g != 0 || w.shape[0] != C {
		return fmt.Errorf("group %d does not fit %d input channels and weights %v", g, C, w.shape)
	}
	M := w.shape[1] * g
	if b := c.input(2); b != nil && numElems(b.shape) != M {
		return fmt.Errorf("bias has shape %v, want %d values", b.shape, M)
	}
	ones := make([]int64, sp)
	for i := range ones {
		ones[i] = 1
	}
	get := func(name string, def []int64, n int) ([]int64, error) {
		v, err := c.attrInts(name, def)
		if err != nil {
			return nil, err
		}
		if len(v) != n {
			return nil, fmt.Errorf("%s %v: want %d values", name, v, n)
		}
		return v, nil
	}
	ks, err := get("kernel_shape", int64s(w.shape[2:]), sp)
	if err != nil {
		return err
	}
	strides, err := get("strides", ones, sp)
	if err != nil {
		return err
	}
	dil, err := get("dilations", ones, sp)
	if err != nil {
		return err
	}
	outPad, err := get("output_padding", make([]int64, sp), sp)
	if err != nil {
		return err
	}
	pads, err := get("pads", make([]int64, 2*sp), 2*sp)
	if err != nil {
		return err
	}
	outShape, err := c.attrInts("output_shape", nil)
	if err != nil {
		return err
	}
	if len(outShape) == sp+2 { // some exporters give the whole shape
		outShape = outShape[2:]
	}
	if outShape != nil && len(outShape) != sp {
		return fmt.Errorf("output_shape %v: want %d values", outShape, sp)
	}
	autoPad, err := c.attrString("auto_pad", "NOTSET")
	if err != nil {
		return err
	}
	axes := make([]ctAxis, sp)
	out := []int{x.shape[0], M}
	for i := range axes {
		a := ctAxis{in: x.shape[2+i], k: int(ks[i]), s: int(strides[i]), d: int(dil[i]), pb: int(pads[i])}
		pe := int(pads[sp+i])
		op := int(outPad[i])
		if a.k != w.shape[2+i] || a.s < 1 || a.d < 1 || a.pb < 0 || pe < 0 || op < 0 || a.s > 1<<16 || a.d > 1<<16 || op > 1<<16 {
			return fmt.Errorf("bad kernel_shape %v, strides %v, dilations %v, pads %v or output_padding %v for weights %v", ks, strides, dil, pads, outPad, w.shape)
		}
		eff := (a.k-1)*a.d + 1
		switch {
		case outShape != nil || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER":
			if outShape != nil {
				a.out = int(outShape[i])
			} else {
				a.out = a.in * a.s
			}
			// A negative total (output_shape beyond the full output) extends
			// the end: halves round down, as in ONNX's reference.
			total := a.s*(a.in-1) + op + eff - a.out
			half := total / 2
			if total < 0 && total%2 != 0 {
				half--
			}
			if autoPad == "SAME_UPPER" {
				a.pb = half
			} else {
				a.pb = total - half
			}
		case autoPad == "VALID":
			a.pb = 0
			a.out = a.s*(a.in-1) + op + eff
		case autoPad == "NOTSET" || autoPad == "":
			a.out = a.s*(a.in-1) + op + eff - a.pb - pe
		default:
			return fmt.Errorf("unknown auto_pad %q", autoPad)
		}
		if a.out < 1 || a.out > 1<<24 {
			return fmt.Errorf("output size %d along spatial axis %d", a.out, i)
		}
		axes[i] = a
		out = append(out, a.out)
	}
	if err := checkShape(out); err != nil {
		return err
	}
	for len(axes) < 3 {
		axes = append([]ctAxis{{in: 1, out: 1, k: 1, s: 1, d: 1}}, axes...)
	}
	k := &convTransposeKernel{n: x.shape[0], c: C, m: M, group: g}
	copy(k.ax[:], axes)
	c.setOut(Float32, out)
	c.k = k
	return nil
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

type convTransposeKernel struct {
	n, c, m, group int
	ax             [3]ctAxis
}

type convTransposeStep struct {
	k           *convTransposeKernel
	x, w, b, y  *Tensor
	inPl, outPl int
	taps        int
}

func (k *convTransposeKernel) bind(in, out []*Tensor) step {
	s := &convTransposeStep{k: k, x: in[0], w: in[1], y: out[0]}
	if len(in) > 2 {
		s.b = in[2]
	}
	a := k.ax
	s.inPl = a[0].in * a[1].in * a[2].in
	s.outPl = a[0].out * a[1].out * a[2].out
	s.taps = a[0].k * a[1].k * a[2].k
	return s
}

func (s *convTransposeStep) run(p *pool) error {
	p.parallelFor(s.k.n*s.k.m, 1, s)
	return nil
}

// Range computes output planes (batch item, output channel) [lo, hi),
// each gathering the scatter of every input channel of its group.
func (s *convTransposeStep) Range(lo, hi int) {
	k := s.k
	a0, a1, a2 := &k.ax[0], &k.ax[1], &k.ax[2]
	cg, mg := k.c/k.group, k.m/k.group
	for u := lo; u < hi; u++ {
		n, m := u/k.m, u%k.m
		grp, mm := m/mg, m%mg
		y := s.y.F32[u*s.outPl : (u+1)*s.outPl]
		var bias float32
		if s.b != nil {
			bias = s.b.F32[m]
		}
		for i := range y {
			y[i] = bias
		}
		for ci := 0; ci < cg; ci++ {
			ch := grp*cg + ci
			x := s.x.F32[(n*k.c+ch)*s.inPl : (n*k.c+ch+1)*s.inPl]
			w := s.w.F32[(ch*mg+mm)*s.taps : (ch*mg+mm+1)*s.taps]
			t := 0
			for t0 := 0; t0 < a0.k; t0++ {
				for t1 := 0; t1 < a1.k; t1++ {
					for t2 := 0; t2 < a2.k; t2++ {
						wv := w[t]
						t++
						for i0 := 0; i0 < a0.in; i0++ {
							o0 := i0*a0.s + t0*a0.d - a0.pb
							if o0 < 0 || o0 >= a0.out {
								continue
							}
							for i1 := 0; i1 < a1.in; i1++ {
								o1 := i1*a1.s + t1*a1.d - a1.pb
								if o1 < 0 || o1 >= a1.out {
									continue
								}
								xr := x[(i0*a1.in+i1)*a2.in : (i0*a1.in+i1+1)*a2.in]
								yr := y[(o0*a1.out+o1)*a2.out : (o0*a1.out+o1+1)*a2.out]
								for i2, xv := range xr {
									if o2 := i2*a2.s + t2*a2.d - a2.pb; o2 >= 0 && o2 < a2.out {
										yr[o2] += xv * wv
									}
								}
							}
						}
					}
				}
			}
		}
	}
}
