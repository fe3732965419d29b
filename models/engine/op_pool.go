package engine

import (
	"fmt"
	"math"
)

// Pooling over the spatial axes of NC... tensors with 1 to 3 spatial axes:
// MaxPool (with its optional Indices output), AveragePool, and their
// global forms. Every geometry is planned as 3-D (depth, height, width),
// fewer axes being leading axes of size 1.
func init() {
	register("MaxPool", poolCompiler(poolMax, false))
	register("AveragePool", poolCompiler(poolAvg, false))
	register("GlobalMaxPool", poolCompiler(poolMax, true))
	register("GlobalAveragePool", poolCompiler(poolAvg, true))
}

type poolKind uint8

const (
	poolMax poolKind = iota
	poolAvg
)

// poolGeom is a pooling window along one axis.
type poolAxis struct {
	in, out, k, s, d int
	pb, pe           int // pads at the beginning and end
}

// windowTaps returns the taps [t0, t1) of output position o that fall
// inside the input, and (for averages that count padding) how many fall
// inside the padded extent.
func (a *poolAxis) windowTaps(o int) (t0, t1, padded int) {
	start := o*a.s - a.pb
	t0, t1 = 0, a.k
	for t0 < t1 && start+t0*a.d < 0 {
		t0++
	}
	for t1 > t0 && start+(t1-1)*a.d >= a.in {
		t1--
	}
	for t := 0; t < a.k; t++ {
		if p := start + t*a.d; p >= -a.pb && p < a.in+a.pe {
			padded++
		}
	}
	return t0, t1, padded
}

func poolCompiler(kind poolKind, global bool) compileFunc {
	return func(c *opCtx) error {
		if err := c.need(1, 1); err != nil {
			return err
		}
		if err := c.wantFloat(0); err != nil {
			return err
		}
		x := c.in[0]
		sp := len(x.shape) - 2
		if sp < 1 || sp > 3 {
			return fmt.Errorf("input is %v; pooling needs N, C and 1 to 3 spatial axes", typeString(x.dtype, x.shape))
		}
		axes := make([]poolAxis, sp)
		for i := range axes {
			axes[i] = poolAxis{in: x.shape[2+i], k: x.shape[2+i], s: 1, d: 1}
		}
		k := &poolKernel{kind: kind, planes: x.shape[0] * x.shape[1]}
		if !global {
			if err := poolAttrs(c, axes); err != nil {
				return err
			}
			if kind == poolAvg {
				inc, err := c.attrInt("count_include_pad", 0)
				if err != nil {
					return err
				}
				k.countPad = inc != 0
			}
		}
		for i := range axes {
			axes[i].out = poolOut(&axes[i], false)
		}
		if !global {
			ceil, err := c.attrInt("ceil_mode", 0)
			if err != nil {
				return err
			}
			if ceil != 0 {
				for i := range axes {
					axes[i].out = poolOut(&axes[i], true)
				}
			}
		}
		out := []int{x.shape[0], x.shape[1]}
		for i, a := range axes {
			if a.out < 1 {
				return fmt.Errorf("window %d (dilation %d) does not fit axis %d of size %d with pads %d,%d", a.k, a.d, 2+i, a.in, a.pb, a.pe)
			}
			out = append(out, a.out)
		}
		// Plan as 3-D.
		for len(axes) < 3 {
			axes = append([]poolAxis{{in: 1, out: 1, k: 1, s: 1, d: 1}}, axes...)
		}
		copy(k.ax[:], axes)
		c.outs = []outInfo{{dtype: Float32, shape: out}}
		if c.nout > 1 {
			if kind != poolMax || global {
				return fmt.Errorf("%s has one output", c.op)
			}
			order, err := c.attrInt("storage_order", 0)
			if err != nil {
				return err
			}
			k.indices, k.colMajor = true, order != 0
			c.outs = append(c.outs, outInfo{dtype: Int64, shape: out})
		}
		c.k = k
		return nil
	}
}

// poolAttrs reads the window, strides, dilations and pads of MaxPool and
// AveragePool.
func poolAttrs(c *opCtx, axes []poolAxis) error {
	n := len(axes)
	ks, err := c.attrInts("kernel_shape", nil)
	if err != nil {
		return err
	}
	if len(ks) != n {
		return fmt.Errorf("kernel_shape %v: want %d values", ks, n)
	}
	ones := make([]int64, n)
	for i := range ones {
		ones[i] = 1
	}
	strides, err := c.attrInts("strides", ones)
	if err != nil {
		return err
	}
	dil, err := c.attrInts("dilations", ones)
	if err != nil {
		return err
	}
	pads, err := c.attrInts("pads", make([]int64, 2*n))
	if err != nil {
		return err
	}
	if len(strides) != n || len(dil) != n || len(pads) != 2*n {
		return fmt.Errorf("strides %v, dilations %v, pads %v: want %d, %d and %d values", strides, dil, pads, n, n, 2*n)
	}
	for i := range axes {
		a := &axes[i]
		a.k, a.s, a.d, a.pb, a.pe = int(ks[i]), int(strides[i]), int(dil[i]), int(pads[i]), int(pads[n+i])
		if a.k < 1 || a.s < 1 || a.d < 1 || a.pb < 0 || a.pe < 0 || a.k > 1<<16 || a.s > 1<<16 || a.d > 1<<16 || a.pb > 1<<16 || a.pe > 1<<16 {
			return fmt.Errorf("bad kernel_shape %v, strides %v, dilations %v or pads %v", ks, strides, dil, pads)
		}
	}
	autoPad, err := c.attrString("auto_pad", "NOTSET")
	if err != nil {
		return err
	}
	switch autoPad {
	case "NOTSET", "":
	case "VALID":
		for i := range axes {
			axes[i].pb, axes[i].pe = 0, 0
		}
	case "SAME_UPPER", "SAME_LOWER":
		for i := range axes {
			a := &axes[i]
			a.pb, a.pe = samePads(a.in, a.k, a.s, a.d, autoPad == "SAME_LOWER")
		}
	default:
		return fmt.Errorf("unknown auto_pad %q", autoPad)
	}
	return nil
}

// poolOut is the output size along an axis; in ceil mode the last window
// must still start inside the input or the leading padding.
func poolOut(a *poolAxis, ceil bool) int {
	span := a.in + a.pb + a.pe - ((a.k-1)*a.d + 1)
	if span < 0 {
		return 0
	}
	if !ceil {
		return span/a.s + 1
	}
	out := (span+a.s-1)/a.s + 1
	if (out-1)*a.s >= a.in+a.pb {
		out--
	}
	return out
}

// poolKernel pools each of planes (batch × channel) 3-D planes.
type poolKernel struct {
	kind     poolKind
	planes   int
	ax       [3]poolAxis
	countPad bool // AveragePool's count_include_pad
	indices  bool // MaxPool's second output
	colMajor bool // its storage_order
}

type poolStep struct {
	k          *poolKernel
	x, y, idx  *Tensor
	inPlane    int
	outPlane   int
	inStrides  [3]int
	idxStrides [3]int
}

func (k *poolKernel) bind(in, out []*Tensor) step {
	s := &poolStep{k: k, x: in[0], y: out[0]}
	if k.indices {
		s.idx = out[1]
	}
	a := k.ax
	s.inPlane = a[0].in * a[1].in * a[2].in
	s.outPlane = a[0].out * a[1].out * a[2].out
	s.inStrides = [3]int{a[1].in * a[2].in, a[2].in, 1}
	s.idxStrides = s.inStrides
	if k.colMajor {
		s.idxStrides = [3]int{1, a[0].in, a[0].in * a[1].in}
	}
	return s
}

func (s *poolStep) run(p *pool) error {
	p.parallelFor(s.k.planes, max(1, ewGrain/max(s.inPlane, 1)), s)
	return nil
}

// Range pools planes [lo, hi).
func (s *poolStep) Range(lo, hi int) {
	k := s.k
	a0, a1, a2 := &k.ax[0], &k.ax[1], &k.ax[2]
	for pl := lo; pl < hi; pl++ {
		x := s.x.F32[pl*s.inPlane : (pl+1)*s.inPlane]
		y := s.y.F32[pl*s.outPlane : (pl+1)*s.outPlane]
		var idx []int64
		if s.idx != nil {
			idx = s.idx.I64[pl*s.outPlane : (pl+1)*s.outPlane]
		}
		o := 0
		for od := 0; od < a0.out; od++ {
			d0, d1, pd := a0.windowTaps(od)
			bd := od*a0.s - a0.pb
			for oh := 0; oh < a1.out; oh++ {
				h0, h1, ph := a1.windowTaps(oh)
				bh := oh*a1.s - a1.pb
				for ow := 0; ow < a2.out; ow++ {
					w0, w1, pw := a2.windowTaps(ow)
					bw := ow*a2.s - a2.pb
					if k.kind == poolAvg {
						var sum float32
						for td := d0; td < d1; td++ {
							for th := h0; th < h1; th++ {
								row := (bd+td*a0.d)*s.inStrides[0] + (bh+th*a1.d)*s.inStrides[1]
								for tw := w0; tw < w1; tw++ {
									sum += x[row+bw+tw*a2.d]
								}
							}
						}
						n := (d1 - d0) * (h1 - h0) * (w1 - w0)
						if k.countPad {
							n = pd * ph * pw
						}
						if n > 0 {
							y[o] = sum / float32(n)
						} else {
							y[o] = 0
						}
						o++
						continue
					}
					m, at := float32(math.Inf(-1)), -1
					for td := d0; td < d1; td++ {
						id := bd + td*a0.d
						for th := h0; th < h1; th++ {
							ih := bh + th*a1.d
							row := id*s.inStrides[0] + ih*s.inStrides[1]
							for tw := w0; tw < w1; tw++ {
								iw := bw + tw*a2.d
								if v := x[row+iw]; v > m || at < 0 {
									m, at = v, id*s.idxStrides[0]+ih*s.idxStrides[1]+iw*s.idxStrides[2]
								}
							}
						}
					}
					y[o] = m
					if idx != nil {
						idx[o] = int64(pl*s.inPlane + max(at, 0))
					}
					o++
				}
			}
		}
	}
}
