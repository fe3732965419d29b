package models

// The resampler's inner loops, over floats laid out four to a pixel (R, G,
// B and an unused fourth), so that 128 bits hold a pixel and a SIMD
// register the same channels of several outputs. Each has a Go version,
// used where the assembly is not (other architectures, -tags noasm, CPUs
// without AVX2) and as the assembly's reference; all round exactly alike:
// a float32 multiply and then a float32 add per tap, in tap order, never
// fused, so every kernel set gives the same bytes. (The Go spec lets a compiler fuse x += f*v
// into one FMA, as Go's does on arm64 and with GOAMD64=v3; the explicit
// float32(f*v) conversions forbid it.)

// hplan lays out the horizontal taps of every output column of one
// resample call: output i sums its cnt[i] taps q, weight w[off[i]+q] times
// pixel start[i]+q of the row. pixels and weights are the extents those
// reach, which check holds them to once, so that the per-row kernel need
// not.
type hplan struct {
	start, off, cnt []int32
	pixels, weights int

	// The padded plan (pad), which the SIMD kernels that filter lanes
	// outputs side by side read instead (lanes > 0). Every output has
	// taps taps, the most any output of the call has: its own, in order,
	// and taps of weight 0 before or after them. A zero-weight tap adds
	// +0 to a sum of non-negative terms (pixels are 0..255, weights >= 0),
	// which leaves it bit for bit as it was, so the sums are the unpadded
	// ones; in exchange a group of outputs runs the same number of taps,
	// one SIMD multiply and add each for the whole group, with no
	// per-output loop exit to mispredict. first[i] is output i's first
	// pixel; wide holds, for each group of lanes outputs (the last group
	// possibly partial) and each of its taps, every output's weight four
	// times (once per float of its pixel), so a tap's weights are one
	// load.
	lanes, taps int
	first       []int32
	wide        []float32

	// The window plan (windows), for a kernel that filters groups of
	// four outputs straight from the source row's bytes, with no pass
	// converting the row to floats first: each group's taps read one
	// window of windowBytes bytes of the row, from byte winBase[g]; for
	// each tap, winIdx holds 64 indices into the window, one for each
	// byte of the sixteen int32 its four pixels widen to (every fourth,
	// a pixel's channel, is the int32's low byte; the other three are
	// zero and unused). The indices put each pixel's red, green and blue
	// in its first three int32 whatever the row's layout, so the kernel
	// reads RGBA and BGR rows alike.
	winBase []int32
	winIdx  []uint8
}

// windowBytes is the width of a window plan's windows: 32 RGBA pixels
// (42 BGR), which holds a group of four outputs' taps when reducing by up
// to about 6 (8 for BGR).
const windowBytes = 128

// check panics unless the plan (and the padded plan, if there is one)
// reads only rows of at least p.pixels pixels and weights within w, and
// writes within t (four floats an output).
func (p *hplan) check(t, row, w []float32) {
	n := len(p.cnt)
	if len(t) < 4*n || len(row) < 4*p.pixels || len(w) < p.weights || len(p.start) < n || len(p.off) < n {
		panic("models: resampler plan out of range")
	}
	if p.lanes > 0 && (len(p.first) < n || len(p.wide) < 4*p.taps*p.lanes*((n+p.lanes-1)/p.lanes)) {
		panic("models: resampler padded plan out of range")
	}
}

// checkWindows panics unless the window plan reads within rows of
// rowBytes bytes.
func (p *hplan) checkWindows(rowBytes int) {
	if len(p.winBase) < (len(p.cnt)+3)/4 || len(p.winIdx) < 64*p.taps*len(p.winBase) {
		panic("models: resampler window plan out of range")
	}
	for _, b := range p.winBase {
		if b < 0 || int(b)+windowBytes > rowBytes {
			panic("models: resampler window out of range")
		}
	}
}

// pad builds the padded plan for kernels that filter lanes outputs side
// by side, from start, off and cnt, their weights w and the row length
// (pixels). An output's window of p.taps pixels starts at its first tap
// unless that would run past the row's end, in which case it ends at the
// row's end and the padding comes first; either way it holds the output's
// own taps (cnt <= the row length, as taps are clipped to the row) and
// reads only the row.
func (p *hplan) pad(w []float32, pixels, lanes int) {
	n := len(p.cnt)
	p.lanes, p.taps = lanes, 0
	for _, c := range p.cnt {
		p.taps = max(p.taps, int(c))
	}
	k := p.taps
	p.first = p.first[:0]
	groups := (n + lanes - 1) / lanes
	if need := 4 * k * lanes * groups; cap(p.wide) < need {
		p.wide = make([]float32, need)
	}
	p.wide = p.wide[:4*k*lanes*groups]
	clear(p.wide)
	for i := range n {
		s, o, c := int(p.start[i]), int(p.off[i]), int(p.cnt[i])
		a := max(min(s, pixels-k), 0)
		p.first = append(p.first, int32(a))
		p.pixels = max(p.pixels, a+k)
		if c == 0 {
			continue // all weights 0 (and off may lie past w)
		}
		g, l := i/lanes, i%lanes
		for j, f := range w[o : o+c] {
			q := s - a + j
			e := 4 * ((g*k+q)*lanes + l)
			p.wide[e], p.wide[e+1], p.wide[e+2], p.wide[e+3] = f, f, f, f
		}
	}
}

// hrowKernel filters one row horizontally by plan p into t (four floats
// an output pixel), each sum starting from zero. p.check(t, row, w) must
// hold.
var hrowKernel = hrowGo

// hrowWindowsKernel, when not nil, filters source row src (w pixels of 4
// bytes) into t by the window plan (hplan.windows), for which p.check(t,
// nil, nil) and p.checkWindows(len(src)) must hold. next, when not nil,
// is the next row that will be read, laid out like src, for a kernel to
// prefetch.
var hrowWindowsKernel func(t []float32, src []uint8, p *hplan, next []uint8)

// hrowLanes is how many outputs hrowKernel filters side by side, from the
// padded plan (hplan.pad); 0 for hrowGo, which reads start, off and cnt.
var hrowLanes = 0

// vsumKernel writes one output row, dst (n pixels of three int32): each
// of its floats sums, from zero and in order of j, w[j] times the float
// in the same place of the filtered row that starts at tmp[rows[j]] (n
// pixels of four floats), and is rounded and clamped to 0..255 as
// clampByte does (the fourth float of a pixel is dropped). acc (4n
// floats) is scratch. len(w) == len(rows), and every row lies within tmp.
var vsumKernel = vsumGo

var vsumGo = vsumWith(vaccGo, clampGo)

// vsumWith returns a vsumKernel made of a kernel that adds f times a row
// to an accumulator row (len(acc) floats, a multiple of 8 when
// assembly) and one that clamps it into output bytes (clampGo's
// contract).
func vsumWith(vacc func(acc, row []float32, f float32), clamp func(dst []int32, acc []float32, n int)) func(dst []int32, acc, tmp []float32, rows []int32, w []float32, n int) {
	return func(dst []int32, acc, tmp []float32, rows []int32, w []float32, n int) {
		acc = acc[:4*n]
		clear(acc)
		for j, r := range rows {
			vacc(acc, tmp[r:int(r)+4*n], w[j])
		}
		clamp(dst, acc, n)
	}
}

// pixelsKernel converts n pixels of 4 bytes, starting at src[first] and
// stepping by step bytes (4, or -4 to read a row mirrored), to floats in
// dst (four a pixel). next, when not nil, is the next row that will be
// read, laid out like src, for a kernel to prefetch.
var pixelsKernel = pixelsGo

// pixelsBGRKernel is pixelsKernel for pixels of 3 bytes, blue, green, red
// (step 3, or -3 mirrored): each pixel's floats are red, green, blue and
// an unused fourth, as pixelsKernel gives for the same RGBA pixel.
var pixelsBGRKernel = pixelsBGRGo

// resampleKernels is one implementation of the resampler's inner loops.
type resampleKernels struct {
	name  string
	hrow  func(t, row, w []float32, p *hplan)
	lanes int // hrow's hrowLanes
	// hrowWindows, when not nil, filters a source row's bytes by the
	// window plan (hplan.windows), and needs hrow's padded plan to have
	// four lanes.
	hrowWindows func(t []float32, src []uint8, p *hplan, next []uint8)
	vsum        func(dst []int32, acc, tmp []float32, rows []int32, w []float32, n int)
	pixels      func(dst []float32, src []uint8, first, step, n int, next []uint8)
	// pixelsBGR is pixels for BGR rows (pixelsBGRKernel's contract).
	pixelsBGR func(dst []float32, src []uint8, first, step, n int, next []uint8)
}

// resampleKernelSets lists the implementations this build and CPU run,
// the Go versions first and the fastest last, which init selects; the
// tests hold each to the Go versions.
var resampleKernelSets = []resampleKernels{{name: "go", hrow: hrowGo, vsum: vsumGo, pixels: pixelsGo, pixelsBGR: pixelsBGRGo}}

// useKernels makes k the resampler's kernels. Not safe while a resample
// runs.
func useKernels(k resampleKernels) {
	hrowKernel, hrowLanes, vsumKernel, pixelsKernel, pixelsBGRKernel, hrowWindowsKernel = k.hrow, k.lanes, k.vsum, k.pixels, k.pixelsBGR, k.hrowWindows
}

func hrowGo(t, row, w []float32, p *hplan) {
	start, off, cnt := p.start, p.off, p.cnt
	for i := range cnt {
		var sum [4]float32
		if c := cnt[i]; c > 0 {
			p := row[4*start[i] : 4*(start[i]+c)]
			for q, f := range w[off[i] : off[i]+c] {
				addTap(&sum, f, p[4*q:])
			}
		}
		copy(t[4*i:4*i+4], sum[:])
	}
}

// addTap adds f times pixel v (its first four floats) to sum: a float32
// multiply, then a float32 add, per float.
func addTap(sum *[4]float32, f float32, v []float32) {
	v = v[:4]
	sum[0] += float32(f * v[0])
	sum[1] += float32(f * v[1])
	sum[2] += float32(f * v[2])
	sum[3] += float32(f * v[3])
}

// windows builds the window plan from the padded plan (which must have
// four lanes) for source rows of w pixels of layout l of which the row
// buffer holds columns x0 onwards, read mirrored (the buffer's pixel j is
// then column w-1-(x0+j)) or not. It reports whether every group fits a
// window; if not, or the row is narrower than a window, the plan is
// unusable and the caller converts rows to floats instead.
func (p *hplan) windows(w, x0 int, mirrored bool, l layout) bool {
	n, k, bpp := len(p.cnt), p.taps, l.bpp
	if p.lanes != 4 || bpp*w < windowBytes || k == 0 {
		return false
	}
	col := func(j int) int { // the source column of buffer pixel j
		if mirrored {
			return w - 1 - (x0 + j)
		}
		return x0 + j
	}
	groups := (n + 3) / 4
	p.winBase = p.winBase[:0]
	if need := 64 * k * groups; cap(p.winIdx) < need {
		p.winIdx = make([]uint8, need)
	}
	p.winIdx = p.winIdx[:64*k*groups]
	clear(p.winIdx)
	for g := range groups {
		lo, hi := bpp*w, 0 // the bytes the group reads
		for i := 4 * g; i < min(4*g+4, n); i++ {
			a, b := col(int(p.first[i])), col(int(p.first[i])+k-1)
			lo, hi = min(lo, bpp*min(a, b)), max(hi, bpp*max(a, b)+bpp)
		}
		base := min(lo, bpp*w-windowBytes)
		if hi-base > windowBytes {
			return false
		}
		p.winBase = append(p.winBase, int32(base))
		for i := 4 * g; i < min(4*g+4, n); i++ {
			for q := range k {
				e := 64*(g*k+q) + 16*(i%4)
				c := bpp*col(int(p.first[i])+q) - base
				p.winIdx[e], p.winIdx[e+4], p.winIdx[e+8], p.winIdx[e+12] = uint8(c+l.r), uint8(c+l.g), uint8(c+l.b), uint8(c+l.x)
			}
		}
	}
	return true
}

// hrowWindowsGo filters outputs from..len(p.cnt)-1 of source row src by
// the window plan: the outputs that do not fill a
// last group, and the reference the window kernel's tests hold it to.
func hrowWindowsGo(t []float32, src []uint8, p *hplan, from int) {
	k := p.taps
	for i := from; i < len(p.cnt); i++ {
		var c [4]float32
		g, l := i/4, i%4
		win := src[p.winBase[g] : int(p.winBase[g])+windowBytes]
		for q := range k {
			f := p.wide[4*((g*k+q)*4+l)]
			e := 64*(g*k+q) + 16*l
			for ch := range c {
				c[ch] += float32(f * float32(win[p.winIdx[e+4*ch]]))
			}
		}
		copy(t[4*i:4*i+4], c[:])
	}
}

// hrowPaddedGo filters outputs from..len(p.cnt)-1 of one row as the SIMD
// kernels do, from the padded plan: the outputs that do not fill a last
// group, and the reference the kernels' tests hold them to. p.check(t,
// row, nil) must hold.
func hrowPaddedGo(t, row []float32, p *hplan, from int) {
	k, lanes := p.taps, p.lanes
	for i := from; i < len(p.cnt); i++ {
		var sum [4]float32
		a, g, l := int(p.first[i]), i/lanes, i%lanes
		px := row[4*a : 4*(a+k)]
		for q := range k {
			addTap(&sum, p.wide[4*((g*k+q)*lanes+l)], px[4*q:])
		}
		copy(t[4*i:4*i+4], sum[:])
	}
}

func vaccGo(acc, row []float32, f float32) {
	row = row[:len(acc)]
	for x, v := range row {
		acc[x] += float32(f * v)
	}
}

func pixelsGo(dst []float32, src []uint8, first, step, n int, _ []uint8) {
	for x, e := 0, first; x < n; x, e = x+1, e+step {
		p, d := src[e:e+4:e+4], dst[4*x:4*x+4:4*x+4]
		d[0], d[1], d[2], d[3] = float32(p[0]), float32(p[1]), float32(p[2]), float32(p[3])
	}
}

func pixelsBGRGo(dst []float32, src []uint8, first, step, n int, _ []uint8) {
	for x, e := 0, first; x < n; x, e = x+1, e+step {
		p, d := src[e:e+3:e+3], dst[4*x:4*x+4:4*x+4]
		d[0], d[1], d[2], d[3] = float32(p[2]), float32(p[1]), float32(p[0]), 0
	}
}

func clampGo(dst []int32, acc []float32, n int) {
	for x := range n {
		d, a := dst[3*x:3*x+3:3*x+3], acc[4*x:4*x+3:4*x+3]
		d[0], d[1], d[2] = clampByte(a[0]), clampByte(a[1]), clampByte(a[2])
	}
}
