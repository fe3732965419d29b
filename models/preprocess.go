package models

import (
	"image"
	"image/draw"
	"math"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// Region is a square window of a source image, in source pixels, that is
// scaled to the model input. It may extend beyond the image: the part outside
// is black, which is how a frame is letterboxed onto a square.
type Region struct {
	// X and Y are the top-left corner; Side is the edge length (> 0).
	X, Y, Side float64
}

// Letterbox returns the region that centres a w x h image on a black square
// of side max(w, h), the padding split evenly on both sides.
func Letterbox(w, h int) Region {
	side := max(w, h)
	// Integer padding, as the reference inputs were padded (ffmpeg's
	// (side-iw)/2), so letterboxed frames match them pixel for pixel.
	return Region{X: -float64((side - w) / 2), Y: -float64((side - h) / 2), Side: float64(side)}
}

// ToSource maps a point normalised to the region (0..1 across the model
// input) to source pixels.
func (r Region) ToSource(nx, ny float64) (x, y float64) {
	return r.X + nx*r.Side, r.Y + ny*r.Side
}

// resampler scales a square region of an RGBA or BGR image to an n x n RGB int32
// tensor (NHWC, values 0..255). Its buffers are reused between calls so the
// steady state does not allocate.
//
// The filter is a triangle ("bilinear") whose support widens with the
// reduction factor, like ffmpeg's and Pillow's bilinear scalers, so a 1080p
// frame reduced to 192 pixels is averaged rather than aliased; when
// enlarging it is plain two-tap bilinear with half-pixel centres. Taps are
// restricted to the region square (weights renormalised there), and taps in
// the square but outside the image read black. This is the same as padding
// the frame onto a black square and scaling the square, which is how the
// reference model inputs were made.
type resampler struct {
	n int
	// Per output column/row: first source index, tap count and the offset
	// of its weights in wx/wy.
	xs, xn, xo []int
	ys, yn, yo []int
	wx, wy     []float32
	// plan: per output column, the taps inside the image (clipColumns).
	plan hplan
	// tmp holds horizontally filtered rows (n pixels of 4 floats each,
	// the fourth unused, or 3 when packed) in a ring indexed by source
	// row.
	tmp []float32
	// acc accumulates one output row (4 floats a pixel).
	acc []float32
	// packed: this call's rows are filtered by the packed window plan
	// (hplan.packWindows), from the source bytes, into rows of 3 floats a
	// pixel.
	packed bool
	// rows holds where, in tmp, the rows one output row sums start, and
	// slots where the rows filtered together go.
	rows, slots []int32
	// row holds one source row's pixels as floats (4 a pixel).
	row []float32
	// rgba receives images of other types, converted once per frame.
	rgba *image.RGBA
}

// layout is how a pixel lies in a frame's bytes: bpp bytes, of which
// red, green and blue are at offsets r, g and b.
type layout struct{ bpp, r, g, b int }

// The layouts the resampler reads: *image.RGBA's, and *bgr.Image's
// (OpenCV's decoded frames).
var (
	layoutRGBA = layout{bpp: 4, r: 0, g: 1, b: 2}
	layoutBGR  = layout{bpp: 3, r: 2, g: 1, b: 0}
)

// pixels is a frame as the resampler reads it: w x h pixels of layout l,
// row y starting at pix[y*stride].
type pixels struct {
	pix    []uint8
	stride int
	w, h   int
	l      layout
}

// row returns the bytes of row y.
func (p *pixels) row(y int) []uint8 { return p.pix[y*p.stride:][:p.l.bpp*p.w] }

// frame returns img's pixels: a *bgr.Image's as they are, others as
// toRGBA gives them.
func (rs *resampler) frame(img image.Image) pixels {
	if m, ok := img.(*bgr.Image); ok {
		b := m.Rect
		return pixels{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: b.Dx(), h: b.Dy(), l: layoutBGR}
	}
	m := rs.toRGBA(img)
	b := m.Rect
	return pixels{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: b.Dx(), h: b.Dy(), l: layoutRGBA}
}

func newResampler(n int) *resampler {
	return &resampler{
		n:  n,
		xs: make([]int, n), xn: make([]int, n), xo: make([]int, n),
		ys: make([]int, n), yn: make([]int, n), yo: make([]int, n),
		plan: hplan{start: make([]int32, n), off: make([]int32, n), cnt: make([]int32, n), first: make([]int32, 0, n),
			win: make([]int32, 0, 2*n)},
		acc: make([]float32, 4*n),
	}
}

// taps computes the filter taps along one axis: output i of n covers
// [origin + i*scale, origin + (i+1)*scale) in source coordinates; taps are
// limited to source indices in [lo, hi) (the region square, in whole pixels).
func (rs *resampler) taps(origin, side float64, lo, hi int, start, count, off []int, w []float32) []float32 {
	n := rs.n
	scale := side / float64(n)
	support := max(scale, 1)
	w = w[:0]
	for i := range n {
		c := origin + (float64(i)+0.5)*scale
		s0 := int(math.Floor(c - support))
		s1 := int(math.Ceil(c + support))
		s0 = max(s0, lo)
		s1 = min(s1, hi)
		o := len(w)
		var sum float64
		first, found := 0, false
		for s := s0; s < s1; s++ {
			d := math.Abs(float64(s)+0.5-c) / support
			if d >= 1 {
				if !found {
					continue
				}
				break
			}
			if !found {
				first, found = s, true
			}
			wt := 1 - d
			sum += wt
			w = append(w, float32(wt))
		}
		if !found {
			// The region is narrower than a pixel here; take the nearest.
			first = min(max(int(math.Floor(c)), lo), hi-1)
			w = append(w, 1)
			sum = 1
		}
		inv := float32(1 / sum)
		for k := o; k < len(w); k++ {
			w[k] *= inv
		}
		start[i], count[i], off[i] = first, len(w)-o, o
	}
	return w
}

// toRGBA returns img as an *image.RGBA, converting other types into a
// reused buffer (with image/draw, which has fast paths for the decoder
// types, or bgr's own conversion).
func (rs *resampler) toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		return m
	}
	b := img.Bounds()
	if rs.rgba == nil || rs.rgba.Bounds() != b {
		rs.rgba = image.NewRGBA(b)
	}
	if m, ok := img.(*bgr.Image); ok {
		return m.ToRGBA(rs.rgba)
	}
	draw.Draw(rs.rgba, b, img, b.Min, draw.Src)
	return rs.rgba
}

// copyExact writes an n x n image to dst unchanged: the model sees exactly
// these pixels.
func copyExact(dst []int32, m pixels, n int) {
	l := m.l
	for y := range n {
		row := m.row(y)
		d := dst[y*n*3 : (y+1)*n*3]
		for x := range n {
			p := row[l.bpp*x:]
			d[3*x] = int32(p[l.r])
			d[3*x+1] = int32(p[l.g])
			d[3*x+2] = int32(p[l.b])
		}
	}
}

// resample fills dst (n*n*3 int32, NHWC RGB) with region r of img, or
// of img's mirror image (flipped left to right) when mirrored. The mirror
// image is never made: its pixel x is img's w-1-x, read in the order and
// with the weights a mirrored copy would be read, so the result is the
// copy's bit for bit. (Resampling img's reflected region and flipping the
// result would sum each output's taps in the opposite order; a last-bit
// difference that moves a byte across a rounding boundary then moves
// MoveNet's argmax-decoded joints by whole heatmap cells now and then,
// which tracking carries into the following frames.)
func (rs *resampler) resample(dst []int32, img image.Image, r Region, mirrored bool) {
	m := rs.frame(img)
	w, h := m.w, m.h
	n := rs.n
	// The square in whole source pixels (the region is in image coordinates
	// relative to Bounds().Min).
	lox, hix := int(math.Floor(r.X+1e-9)), int(math.Ceil(r.X+r.Side-1e-9))
	loy, hiy := int(math.Floor(r.Y+1e-9)), int(math.Ceil(r.Y+r.Side-1e-9))
	rs.wx = rs.taps(r.X, r.Side, lox, hix, rs.xs, rs.xn, rs.xo, rs.wx)
	rs.wy = rs.taps(r.Y, r.Side, loy, hiy, rs.ys, rs.yn, rs.yo, rs.wy)

	// Source rows the vertical taps read that lie inside the image.
	y0 := max(rs.ys[0], 0)
	y1 := min(rs.ys[n-1]+rs.yn[n-1], h)
	// Horizontally filtered rows live in a ring just large enough for the
	// rows one output row reads, so they stay in cache between the
	// horizontal and the vertical pass.
	ring := 1
	for _, k := range rs.yn {
		ring = max(ring, k)
	}
	if need := ring * n * 4; cap(rs.tmp) < need {
		rs.tmp = make([]float32, need)
	}
	if cap(rs.rows) < ring {
		rs.rows = make([]int32, 0, ring)
		rs.slots = make([]int32, 0, ring)
	}
	x0 := max(rs.xs[0], 0)
	x1 := max(min(rs.xs[n-1]+rs.xn[n-1], w), x0)
	rs.clipColumns(x0, x1)
	// Filter straight from the frame's bytes where a kernel can: five
	// outputs a group where their taps fit a window, else four.
	rs.packed = hrowPackedKernel != nil && (rs.plan.packWindows(rs.wx, w, x0, mirrored, m.l, 5) || rs.plan.packWindows(rs.wx, w, x0, mirrored, m.l, 4))
	ch := 4 // floats a filtered pixel
	if rs.packed {
		ch = 3
		rs.plan.checkPacked()
	} else if hrowLanes > 0 {
		rs.plan.pad(rs.wx, x1-x0, hrowLanes)
	}
	tmp := rs.tmp[:ring*n*ch]
	if need := 4 * (x1 - x0); cap(rs.row) < need {
		rs.row = make([]float32, need)
	}
	row := rs.row[:4*(x1-x0)]
	if !rs.packed {
		rs.plan.check(tmp[:n*4], row, rs.wx)
	}

	next := y0 // the next source row to filter horizontally
	acc := rs.acc[:n*4]
	for i := range n {
		s, k, o := rs.ys[i], rs.yn[i], rs.yo[i]
		wt := rs.wy[o : o+k]
		// Clip the taps to the image rows; rows outside read black.
		j0, j1 := max(y0-s, 0), min(y1-s, k)
		next = max(next, s+j0)
		if rs.packed && next < s+j1 {
			// A group's tables are read once for all the new rows.
			slots := rs.slots[:0]
			for y := next; y < s+j1; y++ {
				slots = append(slots, int32(y%ring*n*ch))
			}
			more := s+j1+len(slots) <= h
			hrowPackedKernel(tmp, slots, m.pix[next*m.stride:], m.stride, &rs.plan, more)
			next = s + j1
		}
		for ; next < s+j1; next++ {
			rs.filterRow(tmp[(next%ring)*n*ch:(next%ring+1)*n*ch], row, &m, next, x0, x1, mirrored)
		}
		rows, f := rs.rows[:0], wt[:0]
		if j0 < j1 {
			f = wt[j0:j1]
			for j := j0; j < j1; j++ {
				rows = append(rows, int32((s+j)%ring*n*ch))
			}
		}
		if rs.packed {
			vsumPackedKernel(dst[i*n*3:(i+1)*n*3], acc, tmp, rows, f, 3*n)
		} else {
			vsumKernel(dst[i*n*3:(i+1)*n*3], acc, tmp, rows, f, n)
		}
	}
}

// clipColumns sets, for every output column, the taps that read source
// columns [x0, x1) (taps outside read black and are skipped): where they
// start in the row filterRow converts (whose first pixel is column x0),
// where their weights start in wx, and how many there are. The kernels
// that filter outputs side by side need the plan padded (hplan.pad) as
// well; the packed window plan does not.
func (rs *resampler) clipColumns(x0, x1 int) {
	p := &rs.plan
	p.pixels, p.weights = 0, 0
	for i := range rs.n {
		s, k, o := rs.xs[i], rs.xn[i], rs.xo[i]
		j0, j1 := max(x0-s, 0), min(x1-s, k)
		j1 = max(j1, j0)
		p.start[i], p.off[i], p.cnt[i] = int32(s+j0-x0), int32(o+j0), int32(j1-j0)
		if j1 > j0 {
			p.pixels, p.weights = max(p.pixels, s+j1-x0), max(p.weights, o+j1)
		}
	}
}

// filterRow fills t (four floats an output pixel) with source row sy
// filtered horizontally to n pixels, of the row's mirror image when
// mirrored; only columns [x0, x1) are read (the mirror image's columns
// when mirrored: its column x is the row's w-1-x). The row's pixels are
// converted to floats once, into row, as each is read by about two
// outputs. rs.plan must have been checked against t, row and rs.wx. (Where
// the packed window plan serves a call, rs.packed, resample filters rows
// with hrowPackedKernel instead.)
func (rs *resampler) filterRow(t, row []float32, m *pixels, sy, x0, x1 int, mirrored bool) {
	src := m.row(sy)
	var next []uint8
	if sy+1 < m.h {
		next = m.row(sy + 1)
	}
	bpp, convert := 4, pixelsKernel
	if m.l == layoutBGR {
		bpp, convert = 3, pixelsBGRKernel
	}
	if mirrored {
		convert(row, src, len(src)-bpp*(x0+1), -bpp, x1-x0, next)
	} else {
		convert(row, src, bpp*x0, bpp, x1-x0, next)
	}
	hrowKernel(t, row, rs.wx, &rs.plan)
}

func clampByte(v float32) int32 {
	q := int32(v + 0.5)
	if v < 0 {
		return 0
	}
	if q > 255 {
		return 255
	}
	return q
}
