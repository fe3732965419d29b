package kernels

import (
	"errors"
	"fmt"
	"math"
)

// Depthwise is a planned depthwise k x k convolution, k = 3 or 5 (one
// filter per channel, ONNX Conv with group = C and weights [C,1,k,k]) over
// NCHW channel planes, with bias and an optional clamp. Run copies each
// input plane into a zero-bordered scratch plane, so the inner loops need no
// bounds logic for padding, and then sweeps output rows vectorised along the
// width; with AVX-512, 3x3 reads the plane in place instead, with masked
// loads at its edges (planDirect; at stride 1 for rows of a multiple of 16
// or at least direct1MinWidth values), and 3x3 stride 1 on small planes as
// wide as their input sweeps whole planes of every channel in one call, in
// place (planFlat).
type Depthwise struct {
	k              int
	h, w, oh, ow   int
	stride         int
	padTop, padLft int
	ph, pw         int // scratch plane size
	// The AVX-512 3x3 kernels read the input plane in place: rows in the
	// padding come from zero, columns are masked per 16-wide output block
	// by masks (8 per block: see planDirect).
	zero   []float32
	masks  []uint16
	blocks int
	// direct1 is set when the 3x3 stride-1 plane takes the in-place
	// kernel rather than the copy and sweep (see direct1MinWidth).
	direct1 bool
	// The AVX-512 3x3 stride-1 kernel for small planes with ow = w sweeps
	// each whole plane as one run of oh*ow outputs, reading the input in
	// place: flatMasks has 16 entries per 16-wide block (see dwFlatKernel
	// in asmgen), flatShift is pt*w + pl. Nil when the geometry does not
	// fit.
	flatMasks  []uint16
	flatBlocks int
	flatShift  int
}

// flatMaxPlane is the largest output plane the flat stride-1 kernel takes.
// Its mask table grows with the plane, and on wider rows the row kernels'
// 16-wide blocks waste few lanes (none at 48 or 96) and their inner blocks
// need no masks (see dwDirect1Kernel in asmgen); the planes the engine
// splits by channels (under 1024 values) are the ones that gain.
const flatMaxPlane = 1024

// direct1MinWidth is the narrowest input row whose plane takes the
// in-place 3x3 stride-1 kernel when its rows do not start on a cache line
// (w not a multiple of 16, its loads straddling lines as the copy and
// sweep's do) and so its gain is the copy only: on 33 and 50 wide rows,
// whose ragged last block takes the masked body, it measured 5-9% slower
// than copy and sweep, on 40 the same, on 97 and 100 a fifth faster.
// Rows of a multiple of 16 (Lightning's 96 and 48) gain at any width.
const direct1MinWidth = 64

// ErrDepthwiseShape reports a depthwise geometry the kernel does not handle.
var ErrDepthwiseShape = errors.New("kernels: unsupported depthwise geometry")

// NewDepthwise plans a depthwise k x k convolution (k = 3 or 5) of h x w
// planes with the given stride (1 or 2) and explicit, possibly asymmetric,
// pads of at most k-1.
func NewDepthwise(k, h, w, stride, padTop, padLeft, padBottom, padRight int) (*Depthwise, error) {
	if (k != 3 && k != 5) || h <= 0 || w <= 0 || (stride != 1 && stride != 2) || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0 ||
		padTop > k-1 || padLeft > k-1 || padBottom > k-1 || padRight > k-1 {
		return nil, fmt.Errorf("%w: %dx%d kernel on %dx%d input, stride %d, pads %d,%d,%d,%d", ErrDepthwiseShape, k, k, h, w, stride, padTop, padLeft, padBottom, padRight)
	}
	oh := (h+padTop+padBottom-k)/stride + 1
	ow := (w+padLeft+padRight-k)/stride + 1
	if h+padTop+padBottom < k || w+padLeft+padRight < k || oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("%w: %dx%d input too small for %dx%d with pads %d,%d,%d,%d", ErrDepthwiseShape, h, w, k, k, padTop, padLeft, padBottom, padRight)
	}
	d := &Depthwise{k: k, h: h, w: w, oh: oh, ow: ow, stride: stride, padTop: padTop, padLft: padLeft}
	d.ph = (oh-1)*stride + k
	// The vector kernels read whole 16-wide blocks (plus k-1 columns, and
	// for stride 2 both phases), so the scratch rows are wide enough for
	// that.
	d.pw = stride*roundUp(ow, 16) + k - 1 + 16
	if k == 3 {
		d.planDirect()
		d.direct1 = stride == 1 && (w%16 == 0 || w >= direct1MinWidth)
	}
	if k == 3 && stride == 1 && ow == w && oh*ow <= flatMaxPlane {
		d.planFlat()
	}
	return d, nil
}

// planDirect makes the zero row and the column masks of the in-place 3x3
// kernels; lane l of a load from column c may read column c+l only where
// that lies in [0, w). Block b covers outputs [16b, 16b+16); entry 4 is
// the mask of its store and entry 5 nonzero when it needs its masks (at
// stride 1: 1, or 2 and 3 when only its first or last vector lies wholly
// outside the plane, which the kernel then takes as zero without masks).
//
// At stride 2 block b loads 32 values from input column c0 = 32b-pl (taps
// 0 and 1 as their even and odd lanes; tap 2 is tap 0 one lane on) and
// column c0+32 alone (tap 2's last lane): entries 0 and 1 are the masks of
// the 32 values, 2 that of column c0+32 (lane 0).
//
// At stride 1 it loads 16 values from each of columns 16b-16, 16b and
// 16b+16, entries 0 to 2 (the first only for pl > 0, the last only for
// pl < 2; see dwDirect1Kernel).
func (d *Depthwise) planDirect() {
	d.zero = make([]float32, d.w)
	d.blocks = (d.ow + 15) / 16
	d.masks = make([]uint16, 8*d.blocks)
	inside := func(c0 int) uint16 {
		var m uint16
		for l := 0; l < 16; l++ {
			if c := c0 + l; c >= 0 && c < d.w {
				m |= 1 << l
			}
		}
		return m
	}
	for b := 0; b < d.blocks; b++ {
		e := d.masks[8*b : 8*b+8]
		for l := 0; l < 16 && 16*b+l < d.ow; l++ {
			e[4] |= 1 << l
		}
		masked := e[4] != 0xffff
		if d.stride == 2 {
			c0 := 32*b - d.padLft
			e[0], e[1], e[2] = inside(c0), inside(c0+16), inside(c0+32)&1
			masked = masked || e[0] != 0xffff || e[1] != 0xffff || e[2] != 1
		} else {
			// Of the outer vectors only the lanes next to the middle one
			// reach a tap: pl of the first, 2-pl of the last.
			first, last := uint16(0xffff<<(16-d.padLft)), uint16(1<<(2-d.padLft)-1)
			e[0], e[1], e[2] = inside(16*b-16)&first, inside(16*b), inside(16*b+16)&last
			switch {
			case !masked && e[0] == 0 && first != 0 && e[1] == 0xffff && e[2] == last:
				e[5] = 2 // the first vector outside the plane: zero
				continue
			case !masked && e[0] == first && e[1] == 0xffff && e[2] == 0 && last != 0:
				e[5] = 3 // the last one
				continue
			}
			masked = masked || e[0] != first || e[1] != 0xffff || e[2] != last
		}
		if masked {
			e[5] = 1
		}
	}
}

// planFlat makes the mask table of the flat 3x3 stride-1 kernel. Block b
// covers outputs i in [16b, 16b+16) of the plane, at (oy, ox) = (i/ow,
// i%ow); entry 3ky+kx holds the lanes whose tap (oy+ky-pt, ox+kx-pl) lies in
// the input plane, entry 9 the lanes inside the output plane (the store's),
// entry 10 is nonzero when a column's taps differ by row, so that the
// kernel needs all nine masks rather than three, and entries 11 and 12
// hold which of the 32 values from a row's kx = 0 tap on the three taps
// read (for blocks with entry 10 zero).
func (d *Depthwise) planFlat() {
	n := d.oh * d.ow
	d.flatBlocks = (n + 15) / 16
	d.flatShift = d.padTop*d.w + d.padLft
	d.flatMasks = make([]uint16, 16*d.flatBlocks)
	for b := 0; b < d.flatBlocks; b++ {
		e := d.flatMasks[16*b : 16*b+16]
		for l := 0; l < 16; l++ {
			i := 16*b + l
			if i >= n {
				break
			}
			e[9] |= 1 << l
			oy, ox := i/d.ow, i%d.ow
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					if iy, ix := oy+ky-d.padTop, ox+kx-d.padLft; iy >= 0 && iy < d.h && ix >= 0 && ix < d.w {
						e[3*ky+kx] |= 1 << l
					}
				}
			}
		}
		for kx := 0; kx < 3; kx++ {
			if e[kx] != e[3+kx] || e[kx] != e[6+kx] {
				e[10] = 1 // the block touches the first or last row
			}
		}
		// The values a row's taps read, from its kx = 0 tap on: only
		// those load (the rest may lie outside the plane).
		m := uint32(e[0]) | uint32(e[1])<<1 | uint32(e[2])<<2
		e[11], e[12] = uint16(m), uint16(m>>16)
	}
}

// K returns the kernel's side.
func (d *Depthwise) K() int { return d.k }

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// OutSize returns the output plane's height and width.
func (d *Depthwise) OutSize() (oh, ow int) { return d.oh, d.ow }

// ScratchLen is the number of float32s of scratch a Run call needs.
func (d *Depthwise) ScratchLen() int { return d.ph * d.pw }

// Run computes output channels [c0, c1):
// dst[c] = clamp(bias[c] + w[c] ⊛ src[c] + residual[c]) with the clamp and
// residual of ep (nil for none; ep.LdR is ignored, the residual has dst's
// layout). src holds h*w planes, dst oh*ow planes, weights k*k values per
// channel and bias one per channel (or nil). Concurrent calls need their own
// scratch.
func (d *Depthwise) Run(dst, src, weights, bias []float32, ep *Epilogue, c0, c1 int, scratch []float32) {
	d.run(dst, d.whole(src), weights, bias, ep, c0, c1, 0, d.oh, scratch)
}

// RunRows is Run for output rows [oy0, oy1) of channels [0, channels): a
// band of the image across all channels, the same pixels a column range of
// the next 1x1 convolution reads, so a worker keeps its data in its own
// cache.
func (d *Depthwise) RunRows(dst, src, weights, bias []float32, ep *Epilogue, channels, oy0, oy1 int, scratch []float32) {
	d.checkRows(oy0, oy1)
	d.run(dst, d.whole(src), weights, bias, ep, 0, channels, oy0, oy1, scratch)
}

// RunBand is RunRows over a band of the input: src holds, for each of the
// channels, only input rows [y0, y0+rows), in planes ldp values apart
// (ldp >= rows*w), which must be every row of the image that output rows
// [oy0, oy1) read (BandRows). A convolution producing the input can so
// hand over a band that stays in cache instead of whole planes. Each output
// is computed with the same operations in the same order as by Run.
func (d *Depthwise) RunBand(dst, src []float32, y0, rows, ldp int, weights, bias []float32, ep *Epilogue, channels, oy0, oy1 int, scratch []float32) {
	d.checkRows(oy0, oy1)
	if oy0 == oy1 {
		return
	}
	if b0, b1 := d.BandRows(oy0, oy1); y0 < 0 || rows < 0 || y0+rows > d.h || y0 > b0 || y0+rows < b1 || ldp < rows*d.w {
		panic(fmt.Sprintf("kernels: depthwise band of input rows [%d,%d) (plane stride %d) for output rows [%d,%d), which read [%d,%d) of %d", y0, y0+rows, ldp, oy0, oy1, b0, b1, d.h))
	}
	d.run(dst, srcBand{src: src, y0: y0, rows: rows, ldp: ldp}, weights, bias, ep, 0, channels, oy0, oy1, scratch)
}

// BandRows returns the input rows [y0, y1) that output rows [oy0, oy1)
// read: the rows of their windows that lie inside the image.
func (d *Depthwise) BandRows(oy0, oy1 int) (y0, y1 int) {
	return max(oy0*d.stride-d.padTop, 0), min((oy1-1)*d.stride+d.k-d.padTop, d.h)
}

func (d *Depthwise) checkRows(oy0, oy1 int) {
	if oy0 < 0 || oy1 > d.oh || oy0 > oy1 {
		panic(fmt.Sprintf("kernels: depthwise rows [%d,%d) of %d", oy0, oy1, d.oh))
	}
}

// srcBand is the input of a depthwise call: input rows [y0, y0+rows) of
// each channel, in planes ldp values apart.
type srcBand struct {
	src           []float32
	y0, rows, ldp int
}

func (d *Depthwise) whole(src []float32) srcBand {
	return srcBand{src: src, rows: d.h, ldp: d.h * d.w}
}

func (d *Depthwise) run(dst []float32, sb srcBand, weights, bias []float32, ep *Epilogue, c0, c1, oy0, oy1 int, scratch []float32) {
	ip, op := sb.rows*d.w, d.oh*d.ow
	src := sb.src
	kk := d.k * d.k
	if c0 < 0 || c0 > c1 || (c1 > 0 && len(src) < (c1-1)*sb.ldp+ip) || len(dst) < c1*op || len(weights) < kk*c1 ||
		(bias != nil && len(bias) < c1) || len(scratch) < d.ScratchLen() {
		panic(fmt.Sprintf("kernels: depthwise channels [%d,%d) with src %d dst %d weights %d scratch %d", c0, c1, len(src), len(dst), len(weights), len(scratch)))
	}
	if oy0 == oy1 {
		return
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	var res []float32
	if ep != nil {
		if ep.Clamp {
			lo, hi = ep.Lo, ep.Hi
		}
		res = ep.Residual
		if res != nil && len(res) < c1*op {
			panic(fmt.Sprintf("kernels: depthwise residual has %d values for %d channels of %d", len(res), c1, op))
		}
	}
	if dwFlat(d, dst, sb, weights, bias, res, c0, c1, oy0, oy1, lo, hi) {
		return
	}
	if dwDirect(d, dst, sb, weights, bias, res, c0, c1, oy0, oy1, lo, hi) {
		return
	}
	// The band needs padded rows [py0, py1); of those, input rows
	// [iy0, iy1) exist and the rest stay zero.
	py0, py1 := oy0*d.stride, (oy1-1)*d.stride+d.k
	iy0, iy1 := max(py0-d.padTop, 0), min(py1-d.padTop, d.h)
	pad := scratch[:(py1-py0)*d.pw]
	clear(pad)
	cols := min(d.w, d.pw-d.padLft)
	plane := dwPlane()
	for c := c0; c < c1; c++ {
		in := src[c*sb.ldp : c*sb.ldp+ip]
		if iy0 < iy1 {
			copyRows(pad[(iy0+d.padTop-py0)*d.pw+d.padLft:], d.pw, in[(iy0-sb.y0)*d.w:], d.w, cols, iy1-iy0)
		}
		var b float32
		if bias != nil {
			b = bias[c]
		}
		var r []float32
		if res != nil {
			r = res[c*op+oy0*d.ow : c*op+oy1*d.ow]
		}
		plane(d, oy1-oy0, dst[c*op+oy0*d.ow:c*op+oy1*d.ow], pad, weights[kk*c:kk*c+kk], r, b, lo, hi)
	}
}

// dwPlaneGo is the portable plane kernel over the zero-bordered plane pad.
func dwPlaneGo(d *Depthwise, oh int, out, pad, w, res []float32, bias, lo, hi float32) {
	if d.k == 3 {
		dwPlane3Go(d, oh, out, pad, w, res, bias, lo, hi)
		return
	}
	s, pw, ow, k := d.stride, d.pw, d.ow, d.k
	w = w[:k*k]
	for oy := 0; oy < oh; oy++ {
		o := out[oy*ow : oy*ow+ow]
		for x := range o {
			v := bias
			for ky := 0; ky < k; ky++ {
				row := pad[(oy*s+ky)*pw+x*s : (oy*s+ky)*pw+x*s+k]
				wr := w[ky*k : ky*k+k]
				for kx, p := range row {
					v += wr[kx] * p
				}
			}
			if res != nil {
				v += res[oy*ow+x]
			}
			o[x] = min(max(v, lo), hi)
		}
	}
}

// dwPlane3Go is dwPlaneGo for 3x3, unrolled.
func dwPlane3Go(d *Depthwise, oh int, out, pad, w, res []float32, bias, lo, hi float32) {
	s, pw, ow := d.stride, d.pw, d.ow
	w = w[:9]
	for oy := 0; oy < oh; oy++ {
		r0 := pad[oy*s*pw : oy*s*pw+pw]
		r1 := pad[(oy*s+1)*pw : (oy*s+1)*pw+pw]
		r2 := pad[(oy*s+2)*pw : (oy*s+2)*pw+pw]
		o := out[oy*ow : oy*ow+ow]
		for x := range o {
			i := x * s
			a := r0[i : i+3]
			b := r1[i : i+3]
			c := r2[i : i+3]
			v := bias + w[0]*a[0] + w[1]*a[1] + w[2]*a[2] +
				w[3]*b[0] + w[4]*b[1] + w[5]*b[2] +
				w[6]*c[0] + w[7]*c[1] + w[8]*c[2]
			if res != nil {
				v += res[oy*ow+x]
			}
			o[x] = min(max(v, lo), hi)
		}
	}
}

// copyRowsGo copies h rows of w values between strided planes.
func copyRowsGo(dst []float32, ldd int, src []float32, lds, w, h int) {
	for y := 0; y < h; y++ {
		copy(dst[y*ldd:y*ldd+w], src[y*lds:y*lds+w])
	}
}
