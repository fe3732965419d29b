package engine

import (
	"errors"
	"fmt"
	"math"
)

func init() { register("Conv", compileConv) }

// convGeom is the static geometry of a 2-D convolution in NCHW layout.
type convGeom struct {
	N, C, H, W     int // input
	M, OH, OW      int // output channels and size
	KH, KW         int // kernel
	SH, SW         int // strides
	DH, DW         int // dilations
	PT, PL, PB, PR int // pads: top, left, bottom, right
	Group          int
}

// convKernel is a compiled Conv with its epilogue: bias, an optional
// residual addition (a following Add fused in at load) and a clamp (a
// following Relu or Clip fused in), applied in that order.
type convKernel struct {
	g    convGeom
	w    []float32 // [M, C/Group, KH, KW]
	bias []float32 // [M], zeros when the node has none
	lo   float32
	hi   float32
	// residual means the step has a fourth input added to the result
	// before clamping.
	residual  bool
	pointwise bool
	// fast is the plan on internal/kernels, nil when the convolution runs on
	// the pure-Go loops.
	fast *fastConv
}

func compileConv(c *opCtx) error {
	if err := c.need(2, 3); err != nil {
		return err
	}
	x := c.input(0)
	if err := c.wantFloat(0); err != nil {
		return err
	}
	if len(x.shape) != 4 {
		return fmt.Errorf("input is %v; only 2-D convolution on NCHW tensors is supported", typeString(x.dtype, x.shape))
	}
	wt, err := c.constInput(1, "weights")
	if err != nil {
		return err
	}
	if wt.DType != Float32 || len(wt.Shape) != 4 {
		return fmt.Errorf("weights are %v, want float32 [M, C/group, kH, kW]", wt)
	}
	g := convGeom{N: x.shape[0], C: x.shape[1], H: x.shape[2], W: x.shape[3], M: wt.Shape[0], KH: wt.Shape[2], KW: wt.Shape[3]}
	group, err := c.attrInt("group", 1)
	if err != nil {
		return err
	}
	g.Group = int(group)
	if g.Group < 1 || g.C%g.Group != 0 || g.M%g.Group != 0 || wt.Shape[1]*g.Group != g.C {
		return fmt.Errorf("group %d does not fit input channels %d and weights %v", group, g.C, wt.Shape)
	}
	if ks, err := c.attrInts("kernel_shape", nil); err != nil {
		return err
	} else if ks != nil && (len(ks) != 2 || int(ks[0]) != g.KH || int(ks[1]) != g.KW) {
		return fmt.Errorf("kernel_shape %v does not match weights %v", ks, wt.Shape)
	}
	strides, err := c.attrInts("strides", []int64{1, 1})
	if err != nil {
		return err
	}
	dil, err := c.attrInts("dilations", []int64{1, 1})
	if err != nil {
		return err
	}
	pads, err := c.attrInts("pads", []int64{0, 0, 0, 0})
	if err != nil {
		return err
	}
	if len(strides) != 2 || len(dil) != 2 || len(pads) != 4 {
		return fmt.Errorf("strides %v, dilations %v, pads %v: want 2, 2 and 4 values", strides, dil, pads)
	}
	g.SH, g.SW, g.DH, g.DW = int(strides[0]), int(strides[1]), int(dil[0]), int(dil[1])
	g.PT, g.PL, g.PB, g.PR = int(pads[0]), int(pads[1]), int(pads[2]), int(pads[3])
	if g.SH < 1 || g.SW < 1 || g.DH < 1 || g.DW < 1 || g.PT < 0 || g.PL < 0 || g.PB < 0 || g.PR < 0 {
		return fmt.Errorf("bad strides %v, dilations %v or pads %v", strides, dil, pads)
	}
	autoPad, err := c.attrString("auto_pad", "NOTSET")
	if err != nil {
		return err
	}
	switch autoPad {
	case "NOTSET", "":
	case "VALID":
		g.PT, g.PL, g.PB, g.PR = 0, 0, 0, 0
	case "SAME_UPPER", "SAME_LOWER":
		g.PT, g.PB = samePads(g.H, g.KH, g.SH, g.DH, autoPad == "SAME_LOWER")
		g.PL, g.PR = samePads(g.W, g.KW, g.SW, g.DW, autoPad == "SAME_LOWER")
	default:
		return fmt.Errorf("unknown auto_pad %q", autoPad)
	}
	g.OH = (g.H+g.PT+g.PB-g.DH*(g.KH-1)-1)/g.SH + 1
	g.OW = (g.W+g.PL+g.PR-g.DW*(g.KW-1)-1)/g.SW + 1
	if g.OH < 1 || g.OW < 1 {
		return fmt.Errorf("kernel %dx%d does not fit input %dx%d with pads %v", g.KH, g.KW, g.H, g.W, pads)
	}
	k := &convKernel{g: g, w: wt.F32, bias: make([]float32, g.M), lo: float32(math.Inf(-1)), hi: float32(math.Inf(1))}
	if b := c.input(2); b != nil {
		bt, err := c.constInput(2, "bias")
		if err != nil {
			return err
		}
		if bt.DType != Float32 || bt.Len() != g.M {
			return fmt.Errorf("bias is %v, want float32 [%d]", bt, g.M)
		}
		copy(k.bias, bt.F32)
	}
	k.pointwise = g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT+g.PL+g.PB+g.PR == 0 && g.Group == 1
	k.fast = planFastConv(&g, k.w, k.bias)
	c.setOut(Float32, []int{g.N, g.M, g.OH, g.OW})
	c.k = k
	return nil
}

// samePads splits the padding that keeps out = ceil(in/stride), putting the
// odd pixel at the end (SAME_UPPER, TensorFlow's SAME) or the start.
func samePads(in, k, s, d int, lower bool) (begin, end int) {
	out := (in + s - 1) / s
	total := max(0, (out-1)*s+(k-1)*d+1-in)
	begin = total / 2
	if lower {
		begin = total - total/2
	}
	return begin, total - begin
}

// fuseClamp makes the kernel clamp its output to [lo, hi] (after any
// clamp already fused, which narrows the range).
func (k *convKernel) fuseClamp(lo, hi float32) {
	k.lo = max(k.lo, lo)
	k.hi = min(k.hi, hi)
}

// convStep is a convKernel bound to a Session's tensors.
type convStep struct {
	k       *convKernel
	x, r, y *Tensor
	// units of parallel work: see Range.
	rowBlocks, colBlocks int
	fastTask             fastTask
}

// Tile sizes of the pointwise (matrix-multiply) path: a block of output
// channels times a block of pixels.
const (
	pwRowBlock = 16
	pwColBlock = 256
)

func (k *convKernel) bind(in, out []*Tensor) step {
	s := &convStep{k: k, x: in[0], y: out[0]}
	if k.residual {
		s.r = in[3]
	}
	if k.pointwise {
		s.rowBlocks = (k.g.M + pwRowBlock - 1) / pwRowBlock
		s.colBlocks = (k.g.OH*k.g.OW + pwColBlock - 1) / pwColBlock
	}
	return s
}

func (s *convStep) run(p *pool) error {
	g := &s.k.g
	if s.x == nil || len(s.x.F32) != g.N*g.C*g.H*g.W {
		return errors.New("conv: input buffer does not match the planned shape")
	}
	if s.k.fast != nil {
		s.runFast(p)
		return nil
	}
	if s.k.pointwise {
		p.parallelFor(g.N*s.rowBlocks*s.colBlocks, 1, s)
	} else {
		p.parallelFor(g.N*g.M, 1, s)
	}
	return nil
}

// Range computes units [lo, hi): tiles of the matrix multiply for pointwise
// convolutions, whole output planes (one batch item, one channel) for the
// direct path.
func (s *convStep) Range(lo, hi int) {
	k := s.k
	g := &k.g
	var res []float32
	if s.r != nil {
		res = s.r.F32
	}
	if k.pointwise {
		hw := g.OH * g.OW
		per := s.rowBlocks * s.colBlocks
		for u := lo; u < hi; u++ {
			n, t := u/per, u%per
			rb, cb := t/s.colBlocks, t%s.colBlocks
			i0, j0 := rb*pwRowBlock, cb*pwColBlock
			i1, j1 := min(i0+pwRowBlock, g.M), min(j0+pwColBlock, hw)
			x := s.x.F32[n*g.C*hw : (n+1)*g.C*hw]
			y := s.y.F32[n*g.M*hw : (n+1)*g.M*hw]
			var r []float32
			if res != nil {
				r = res[n*g.M*hw : (n+1)*g.M*hw]
			}
			gemmTile(y, k.w, x, r, k.bias, g.C, hw, i0, i1, j0, j1, k.lo, k.hi)
		}
		return
	}
	for u := lo; u < hi; u++ {
		convDirectPlane(s, u/g.M, u%g.M, res)
	}
}
