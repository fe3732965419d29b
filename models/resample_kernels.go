package models

// The resampler's inner loops, over floats laid out four to a pixel (R, G,
// B and an unused fourth), so that 128 bits hold a pixel and a SIMD
// register the same channels of several outputs, or, for the kernels that
// read the frame's bytes through a packed window plan, three to a pixel
// (five outputs' R, G, B in fifteen lanes of sixteen). Each has a Go
// version, the assembly's reference, which but for the packed ones also
// runs where the assembly does not (other architectures, -tags noasm,
// CPUs without AVX2; without AVX-512 VBMI, the packed path is not taken
// at all); all round exactly alike:
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

	// The packed window plan (packWindows), for a kernel that filters
	// groups of outs outputs straight from the source row's bytes, with
	// no pass converting the row to floats first, into packed floats
	// (three an output: red, green, blue; the fourth float of the other
	// layout would be a SIMD lane of sixteen spent on nothing): group g
	// runs win[2g+1] taps, the most any of its outputs has (fewer outputs
	// with padding taps than a plan padded to the call's most), and reads
	// one window of windowBytes bytes of the row, from byte win[2g].
	// The groups' taps follow one another in winIdx and winW: for tap e
	// (counting every group's), winIdx holds 64 indices into the window,
	// one for each byte of sixteen int32, and winW sixteen weights; lane
	// 3l+c is output l's channel c, whose int32's low byte (the byte at
	// 4(3l+c)) indexes that channel's byte of its pixel, the other three
	// bytes unused (they widen to zero). The indices put red, green and
	// blue in lanes 3l, 3l+1, 3l+2 whatever the row's layout, so the
	// kernel reads RGBA and BGR rows alike. An output's own taps come
	// first, in order; its padding taps, and the lanes of outputs a last
	// group lacks (and lane 15), have weight 0 and index 0. rowBytes is
	// the length of the rows the plan reads.
	outs, rowBytes int
	win            []int32
	winIdx         []uint8
	winW           []float32
}

// windowBytes is the width of a packed window plan's windows: 32 RGBA
// pixels (42 BGR), which holds a group of five outputs' taps when
// reducing by up to about 5 (7 for BGR), and of four up to about 6 (8).
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

// checkPacked panics unless the packed window plan reads within rows of
// p.rowBytes bytes and the tables it holds.
func (p *hplan) checkPacked() {
	n := len(p.cnt)
	if p.outs < 1 || 3*p.outs > 16 || len(p.win) != 2*((n+p.outs-1)/p.outs) {
		panic("models: resampler packed plan out of range")
	}
	taps := 0
	for g := range len(p.win) / 2 {
		b, k := p.win[2*g], p.win[2*g+1]
		if k < 0 || b < 0 || int(b)+windowBytes > p.rowBytes {
			panic("models: resampler window out of range")
		}
		taps += int(k)
	}
	if len(p.winIdx) < 64*taps || len(p.winW) < 16*taps {
		panic("models: resampler packed plan out of range")
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

// hrowPackedKernel, when not nil, filters len(dst) source rows by the
// packed window plan (hplan.packWindows), for which p.checkPacked must
// have held: row r, the p.rowBytes bytes at src[r*stride:], into the 3n
// floats (three an output) at t[dst[r]:]. It panics unless those lie
// within src and t. When more, the rows len(dst) rows further on follow
// in src, and a kernel may prefetch them.
var hrowPackedKernel func(t []float32, dst []int32, src []uint8, stride int, p *hplan, more bool)

// vsumPackedKernel is vsumKernel for rows of m packed floats (three an
// output pixel, as hrowPackedKernel writes them): each of dst's m int32
// is the clamped sum, from zero and in order of j, of w[j] times the
// float in the same place of the row that starts at tmp[rows[j]]. acc (m
// floats) is scratch.
var vsumPackedKernel func(dst []int32, acc, tmp []float32, rows []int32, w []float32, m int)

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
	// hrowPacked and vsumPacked, when not nil, are hrowPackedKernel and
	// vsumPackedKernel.
	hrowPacked func(t []float32, dst []int32, src []uint8, stride int, p *hplan, more bool)
	vsumPacked func(dst []int32, acc, tmp []float32, rows []int32, w []float32, m int)
	vsum       func(dst []int32, acc, tmp []float32, rows []int32, w []float32, n int)
	pixels     func(dst []float32, src []uint8, first, step, n int, next []uint8)
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
	hrowKernel, hrowLanes, vsumKernel, pixelsKernel, pixelsBGRKernel = k.hrow, k.lanes, k.vsum, k.pixels, k.pixelsBGR
	hrowPackedKernel, vsumPackedKernel = k.hrowPacked, k.vsumPacked
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

// packWindows builds the packed window plan, groups of outs (1 to 5)
// outputs, from the clipped plan (start, off, cnt) and its weights wx,
// for source rows of w pixels of layout l of which the row buffer holds
// columns x0 onwards, read mirrored (the buffer's pixel j is then column
// w-1-(x0+j)) or not. It reports whether every group fits a window; if
// not, or the row is narrower than a window, the plan is unusable and the
// caller filters otherwise.
//
// Dropping the padding taps an output's group does not need changes no
// sum: a padding tap adds float32(0*v), +0 for the finite v >= 0 a pixel
// is, to a sum that starts at +0 and only ever adds products of
// non-negative weights and pixels, so it is +0 or positive, and x + +0 is
// x for either (the one x it would change, -0, never occurs).
func (p *hplan) packWindows(wx []float32, w, x0 int, mirrored bool, l layout, outs int) bool {
	n, bpp := len(p.cnt), l.bpp
	if bpp*w < windowBytes || outs < 1 || 3*outs > 16 {
		return false
	}
	col := func(j int) int { // the source column of buffer pixel j
		if mirrored {
			return w - 1 - (x0 + j)
		}
		return x0 + j
	}
	groups := (n + outs - 1) / outs
	p.outs, p.rowBytes, p.win = outs, bpp*w, p.win[:0]
	taps := 0
	for g := range groups {
		k, lo, hi := 0, bpp*w, 0 // the group's taps and the bytes it reads
		for i := outs * g; i < min(outs*g+outs, n); i++ {
			if c := int(p.cnt[i]); c > 0 {
				a, b := col(int(p.start[i])), col(int(p.start[i])+c-1)
				k, lo, hi = max(k, c), min(lo, bpp*min(a, b)), max(hi, bpp*max(a, b)+bpp)
			}
		}
		base := 0
		if k > 0 {
			base = min(lo, bpp*w-windowBytes)
			if hi-base > windowBytes {
				return false
			}
		}
		p.win = append(p.win, int32(base), int32(k))
		taps += k
	}
	if need := 64 * taps; cap(p.winIdx) < need {
		p.winIdx = make([]uint8, need)
	}
	if need := 16 * taps; cap(p.winW) < need {
		p.winW = make([]float32, need)
	}
	p.winIdx, p.winW = p.winIdx[:64*taps], p.winW[:16*taps]
	clear(p.winIdx)
	clear(p.winW)
	e := 0 // the group's first tap
	for g := range groups {
		base, k := int(p.win[2*g]), p.win[2*g+1]
		for i := outs * g; i < min(outs*g+outs, n); i++ {
			lane := 3 * (i - outs*g)
			s, o, c := int(p.start[i]), int(p.off[i]), int(p.cnt[i])
			if c == 0 {
				continue // all weights 0 (and off may lie past wx)
			}
			for q, f := range wx[o : o+c] {
				b := bpp*col(s+q) - base
				x, y := 64*(e+q)+4*lane, 16*(e+q)+lane
				p.winIdx[x], p.winIdx[x+4], p.winIdx[x+8] = uint8(b+l.r), uint8(b+l.g), uint8(b+l.b)
				p.winW[y], p.winW[y+1], p.winW[y+2] = f, f, f
			}
		}
		e += int(k)
	}
	return true
}

// hrowPackedGo is the Go hrowPackedKernel, which the SIMD kernel's tests
// hold it to: each output's sums as the kernel's lanes make them.
func hrowPackedGo(t []float32, dst []int32, src []uint8, stride int, p *hplan, _ bool) {
	for r, d := range dst {
		hrowPackedRow(t[d:][:3*len(p.cnt)], src[r*stride:][:p.rowBytes], p)
	}
}

// hrowPackedRow filters one row, src, into t (hrowPackedGo).
func hrowPackedRow(t []float32, src []uint8, p *hplan) {
	n, outs, e := len(p.cnt), p.outs, 0
	for g := range len(p.win) / 2 {
		k := int(p.win[2*g+1])
		win := src[p.win[2*g]:][:windowBytes]
		for lane := range 3 * min(outs, n-outs*g) {
			var sum float32
			for q := range k {
				sum += float32(p.winW[16*(e+q)+lane] * float32(win[p.winIdx[64*(e+q)+4*lane]]))
			}
			t[3*outs*g+lane] = sum
		}
		e += k
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

// vsumPackedGo is the Go vsumPackedKernel.
func vsumPackedGo(dst []int32, acc, tmp []float32, rows []int32, w []float32, m int) {
	acc = acc[:m]
	clear(acc)
	for j, r := range rows {
		vaccGo(acc, tmp[r:int(r)+m], w[j])
	}
	for x, a := range acc {
		dst[x] = clampByte(a)
	}
}
