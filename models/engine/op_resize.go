package engine

import (
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

func init() {
	register("Resize", compileResize)
	register("Upsample", compileResize)
}

// compileResize handles Resize (opsets 10 to 19 without antialiasing) and
// the older Upsample, for nearest and linear modes on the last two axes.
// Scales or sizes must be constants: the engine plans static shapes.
func compileResize(c *opCtx) error {
	if err := c.need(1, 4); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	x := c.in[0]
	r := len(x.shape)
	if r < 2 {
		return fmt.Errorf("input %v has rank < 2", x.shape)
	}
	var scales []float32
	var sizes []int64
	scaleIn, sizeIn := 2, 3
	if len(c.in) == 2 { // Resize-10 and Upsample: (X, scales)
		scaleIn = 1
	}
	if v := c.input(scaleIn); v != nil {
		t, err := c.constInput(scaleIn, "scales")
		if err != nil {
			return err
		}
		scales = t.floats()
	}
	if v := c.input(sizeIn); v != nil {
		t, err := c.constInput(sizeIn, "sizes")
		if err != nil {
			return err
		}
		sizes = t.ints()
	}
	if c.has("scales") { // Upsample-7
		a, ok := c.attrs["scales"].([]float32)
		if !ok {
			return fmt.Errorf("scales attribute is %T", c.attrs["scales"])
		}
		scales = a
	}
	if c.has("axes") {
		return fmt.Errorf("the axes attribute is not supported")
	}
	if aa, _ := c.attrInt("antialias", 0); aa != 0 {
		return fmt.Errorf("antialias is not supported")
	}
	out := make([]int, r)
	scl := make([]float64, r)
	switch {
	case len(sizes) > 0:
		if len(sizes) != r {
			return fmt.Errorf("sizes %v do not fit rank %d", sizes, r)
		}
		for i, s := range sizes {
			if s < 1 {
				return fmt.Errorf("bad sizes %v", sizes)
			}
			out[i] = int(s)
			scl[i] = float64(s) / float64(x.shape[i])
		}
	case len(scales) > 0:
		if len(scales) != r {
			return fmt.Errorf("scales %v do not fit rank %d", scales, r)
		}
		for i, s := range scales {
			if !(s > 0) || s > 1<<16 {
				return fmt.Errorf("bad scales %v", scales)
			}
			scl[i] = float64(s)
			out[i] = int(math.Floor(float64(x.shape[i]) * float64(s)))
			if out[i] < 1 {
				return fmt.Errorf("scales %v give an empty output for %v", scales, x.shape)
			}
		}
	default:
		return fmt.Errorf("neither scales nor sizes given")
	}
	if err := checkShape(out); err != nil {
		return err
	}
	for i := 0; i < r-2; i++ {
		if out[i] != x.shape[i] {
			return fmt.Errorf("only the last two axes can be resized (input %v, output %v)", x.shape, out)
		}
	}
	mode, err := c.attrString("mode", "nearest")
	if err != nil {
		return err
	}
	// Upsample and Resize-10 have neither attribute: they map output x to
	// input x / scale, rounded down when enlarging and up when shrinking
	// (onnxruntime's rule for these opsets, which ONNX's own test data
	// follows).
	defCoord, defNearest := "half_pixel", "round_prefer_floor"
	if c.op == "Upsample" || (c.opset > 0 && c.opset < 11) {
		defCoord, defNearest = "asymmetric", "legacy"
	}
	coord, err := c.attrString("coordinate_transformation_mode", defCoord)
	if err != nil {
		return err
	}
	nearest, err := c.attrString("nearest_mode", defNearest)
	if err != nil {
		return err
	}
	k := &resizeKernel{planes: numElems(x.shape[:r-2]), ih: x.shape[r-2], iw: x.shape[r-1], oh: out[r-2], ow: out[r-1]}
	switch mode {
	case "linear", "bilinear":
		k.linear = true
	case "nearest":
	default:
		return fmt.Errorf("mode %q is not supported (nearest, linear)", mode)
	}
	for axis, tab := range []*[]resizeTap{&k.ys, &k.xs} {
		in, o, s := x.shape[r-2+axis], out[r-2+axis], scl[r-2+axis]
		for i := 0; i < o; i++ {
			xo, err := sourceCoord(coord, i, in, o, s)
			if err != nil {
				return err
			}
			var t resizeTap
			if k.linear {
				t = linearTap(xo, in)
			} else {
				mode := nearest
				if mode == "legacy" {
					mode = "floor"
					if s < 1 {
						mode = "ceil"
					}
				}
				t, err = nearestTap(mode, xo, in)
				if err != nil {
					return err
				}
			}
			*tab = append(*tab, t)
		}
	}
	if k.linear {
		i0, i1, w := make([]int32, len(k.xs)), make([]int32, len(k.xs)), make([]float32, len(k.xs))
		for j, t := range k.xs {
			i0[j], i1[j], w[j] = int32(t.i0), int32(t.i1), t.w
		}
		taps, err := kernels.NewTaps(i0, i1, w, k.iw)
		if err != nil {
			return err
		}
		k.taps = taps
	}
	c.setOut(Float32, out)
	c.k = k
	return nil
}

// sourceCoord maps output coordinate i to the input, per ONNX's
// coordinate_transformation_mode.
func sourceCoord(mode string, i, in, out int, scale float64) (float64, error) {
	x := float64(i)
	switch mode {
	case "half_pixel":
		return (x+0.5)/scale - 0.5, nil
	case "pytorch_half_pixel":
		if out <= 1 {
			return 0, nil
		}
		return (x+0.5)/scale - 0.5, nil
	case "align_corners":
		if out <= 1 {
			return 0, nil
		}
		return x * float64(in-1) / float64(out-1), nil
	case "asymmetric":
		return x / scale, nil
	case "tf_half_pixel_for_nn":
		return (x + 0.5) / scale, nil
	}
	return 0, fmt.Errorf("coordinate_transformation_mode %q is not supported", mode)
}

// resizeTap is one output coordinate's two input neighbours and the weight
// of the second; nearest taps have i0 == i1.
type resizeTap struct {
	i0, i1 int
	w      float32
}

func linearTap(x float64, in int) resizeTap {
	x = max(x, 0)
	i0 := min(int(math.Floor(x)), in-1)
	i1 := min(i0+1, in-1)
	return resizeTap{i0: i0, i1: i1, w: float32(x - float64(i0))}
}

func nearestTap(mode string, x float64, in int) (resizeTap, error) {
	var i float64
	switch mode {
	case "round_prefer_floor":
		if x-math.Floor(x) == 0.5 {
			i = math.Floor(x)
		} else {
			i = math.Round(x)
		}
	case "round_prefer_ceil":
		i = math.Floor(x + 0.5)
	case "floor":
		i = math.Floor(x)
	case "ceil":
		i = math.Ceil(x)
	default:
		return resizeTap{}, fmt.Errorf("nearest_mode %q is not supported", mode)
	}
	j := min(max(int(i), 0), in-1)
	return resizeTap{i0: j, i1: j}, nil
}

// resizeKernel interpolates each plane (the last two axes) from per-row and
// per-column taps computed at load time.
type resizeKernel struct {
	planes, ih, iw, oh, ow int
	linear                 bool
	ys, xs                 []resizeTap
	taps                   *kernels.Taps // xs of a linear resize, for kernels.Taps.Lerp
}

type resizeStep struct {
	k    *resizeKernel
	x, y *Tensor
}

func (k *resizeKernel) bind(in, out []*Tensor) step {
	return &resizeStep{k: k, x: in[0], y: out[0]}
}

func (s *resizeStep) run(p *pool) error {
	p.parallelFor(s.k.planes, 1, s)
	return nil
}

// Range resizes planes [lo, hi). Linear interpolation follows TensorFlow's
// ResizeBilinear arithmetic (top and bottom row lerps, then a vertical
// lerp), which the converted models were trained and checked with.
func (s *resizeStep) Range(lo, hi int) {
	k := s.k
	for pl := lo; pl < hi; pl++ {
		src := s.x.F32[pl*k.ih*k.iw : (pl+1)*k.ih*k.iw]
		dst := s.y.F32[pl*k.oh*k.ow : (pl+1)*k.oh*k.ow]
		switch {
		case !k.linear:
			for oy, ty := range k.ys {
				row := dst[oy*k.ow : (oy+1)*k.ow]
				r0 := src[ty.i0*k.iw : (ty.i0+1)*k.iw]
				for ox, tx := range k.xs {
					row[ox] = r0[tx.i0]
				}
			}
		case k.ow <= resizeRowMax:
			resizeLinearPlane(k, dst, src)
		default:
			resizeLinearScan(k, dst, src)
		}
	}
}

// resizeLinearScan is the linear interpolation of one plane as
// TensorFlow's arithmetic states it, output by output; resizeLinearPlane
// computes the same expressions with less work.
func resizeLinearScan(k *resizeKernel, dst, src []float32) {
	for oy, ty := range k.ys {
		row := dst[oy*k.ow : (oy+1)*k.ow]
		r0 := src[ty.i0*k.iw : (ty.i0+1)*k.iw]
		r1 := src[ty.i1*k.iw : (ty.i1+1)*k.iw]
		for ox, tx := range k.xs {
			top := r0[tx.i0] + (r0[tx.i1]-r0[tx.i0])*tx.w
			bot := r1[tx.i0] + (r1[tx.i1]-r1[tx.i0])*tx.w
			row[ox] = top + (bot-top)*ty.w
		}
	}
}

// resizeRowMax is the widest output row resizeLinearPlane keeps on the
// stack (two rows of it).
const resizeRowMax = 256

// resizeLinearPlane is resizeLinearScan with the horizontal lerp of each
// source row computed once and kept while the next output rows read it
// (the row taps move forward), instead of twice per output row: with 2x
// upsampling each is read by about four output rows. Every value is the
// same expression on the same operands as the scan's, so the same bits.
func resizeLinearPlane(k *resizeKernel, dst, src []float32) {
	var buf [2][resizeRowMax]float32
	rows := [2]int{-1, -1} // the source row held in buf[i]
	// slot returns the buffer holding source row iy's lerp, computing it
	// into a buffer other than keep's on a miss.
	slot := func(iy, keep int) int {
		for i, r := range rows {
			if r == iy {
				return i
			}
		}
		i := 0
		switch {
		case keep >= 0:
			i = 1 - keep
		case rows[1] < rows[0]: // the row read longest ago
			i = 1
		}
		rows[i] = iy
		// r[tx.i0] + (r[tx.i1]-r[tx.i0])*tx.w for every output column.
		k.taps.Lerp(buf[i][:k.ow], src[iy*k.iw:(iy+1)*k.iw])
		return i
	}
	for oy, ty := range k.ys {
		row := dst[oy*k.ow : (oy+1)*k.ow]
		top := slot(ty.i0, -1)
		bot := slot(ty.i1, top)
		// top + (bot-top)*ty.w, three roundings as the scan's expression.
		kernels.Lerp(row, buf[top][:k.ow], buf[bot][:k.ow], ty.w)
	}
}
