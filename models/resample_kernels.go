package models

// The resampler's inner loops, over floats laid out four to a pixel (R, G,
// B and an unused fourth), so that one SIMD register holds a pixel. Each
// has a Go version, used where the assembly is not (other architectures,
// -tags noasm, CPUs without AVX) and as the assembly's reference; both
// round exactly alike: a float32 multiply and then a float32 add per tap,
// in tap order, never fused.

// hplan lays out the horizontal taps of every output column of one
// resample call: output i sums its cnt[i] taps q, weight w[off[i]+q] times
// pixel start[i]+q of the row. pixels and weights are the extents those
// reach, which check holds them to once, so that the per-row kernel need
// not.
type hplan struct {
	start, off, cnt []int32
	pixels, weights int
}

// check panics unless the plan reads only rows of at least p.pixels
// pixels and weights within w, and writes within t (four floats an
// output).
func (p *hplan) check(t, row, w []float32) {
	if len(t) < 4*len(p.cnt) || len(row) < 4*p.pixels || len(w) < p.weights || len(p.start) < len(p.cnt) || len(p.off) < len(p.cnt) {
		panic("models: resampler plan out of range")
	}
}

// hrowKernel filters one row horizontally by plan p into t (four floats
// an output pixel), each sum starting from zero. p.check(t, row, w) must
// hold.
var hrowKernel = hrowGo

// clampKernel writes n output pixels: the first three floats of every four
// in acc, rounded and clamped to 0..255 as clampByte does, to dst (three
// int32 a pixel).
var clampKernel = clampGo

// vaccKernel adds f times row to acc, element by element (len(acc)
// floats, a multiple of 8).
var vaccKernel = vaccGo

// pixelsKernel converts n pixels of 4 bytes, starting at src[first] and
// stepping by step bytes (4, or -4 to read a row mirrored), to floats in
// dst (four a pixel). next, when not nil, is the next row that will be
// read, laid out like src, for a kernel to prefetch.
var pixelsKernel = pixelsGo

func hrowGo(t, row, w []float32, p *hplan) {
	start, off, cnt := p.start, p.off, p.cnt
	for i := range cnt {
		var c0, c1, c2, c3 float32
		if c := cnt[i]; c > 0 {
			p := row[4*start[i] : 4*(start[i]+c)]
			for q, f := range w[off[i] : off[i]+c] {
				v := p[4*q : 4*q+4 : 4*q+4]
				c0 += f * v[0]
				c1 += f * v[1]
				c2 += f * v[2]
				c3 += f * v[3]
			}
		}
		d := t[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = c0, c1, c2, c3
	}
}

func vaccGo(acc, row []float32, f float32) {
	row = row[:len(acc)]
	for x, v := range row {
		acc[x] += f * v
	}
}

func pixelsGo(dst []float32, src []uint8, first, step, n int, _ []uint8) {
	for x, e := 0, first; x < n; x, e = x+1, e+step {
		p, d := src[e:e+4:e+4], dst[4*x:4*x+4:4*x+4]
		d[0], d[1], d[2], d[3] = float32(p[0]), float32(p[1]), float32(p[2]), float32(p[3])
	}
}

func clampGo(dst []int32, acc []float32, n int) {
	for x := range n {
		d, a := dst[3*x:3*x+3:3*x+3], acc[4*x:4*x+3:4*x+3]
		d[0], d[1], d[2] = clampByte(a[0]), clampByte(a[1]), clampByte(a[2])
	}
}
