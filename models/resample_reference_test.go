package models

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// resampleReference is the resampler as it was before its kernels (3
// floats a pixel, scalar Go), kept as the reference the kernels must match
// bit for bit. It fills dst (n*n*3 int32, NHWC RGB) with region r of img.
func (rs *resampler) resampleReference(dst []int32, img image.Image, r Region) {
	m := rs.toRGBA(img)
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
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
	if need := ring * n * 3; cap(rs.tmp) < need {
		rs.tmp = make([]float32, need)
	}
	tmp := rs.tmp[:ring*n*3]
	x0 := max(rs.xs[0], 0)
	x1 := max(min(rs.xs[n-1]+rs.xn[n-1], w), x0)

	next := y0 // the next source row to filter horizontally
	for i := range n {
		s, k, o := rs.ys[i], rs.yn[i], rs.yo[i]
		wt := rs.wy[o : o+k]
		// Clip the taps to the image rows; rows outside read black.
		j0, j1 := max(y0-s, 0), min(y1-s, k)
		next = max(next, s+j0)
		for ; next < s+j1; next++ {
			rs.filterRowReference(tmp[(next%ring)*n*3:(next%ring+1)*n*3], m, next, x0, x1)
		}
		acc := rs.acc[:n*3]
		clear(acc)
		for j := j0; j < j1; j++ {
			f := wt[j]
			r := (s + j) % ring
			for x, v := range tmp[r*n*3 : (r+1)*n*3] {
				acc[x] += float32(f * v)
			}
		}
		d := dst[i*n*3 : (i+1)*n*3]
		for x, v := range acc {
			d[x] = clampByte(v)
		}
	}
}

// filterRowReference fills t with source row sy filtered horizontally to n pixels;
// only columns [x0, x1) of the image are read.
func (rs *resampler) filterRowReference(t []float32, m *image.RGBA, sy, x0, x1 int) {
	b := m.Bounds()
	src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+sy):]
	for i := range rs.n {
		s, k, o := rs.xs[i], rs.xn[i], rs.xo[i]
		// Clip the taps to the image; taps outside read black.
		j0, j1 := max(x0-s, 0), min(x1-s, k)
		var cr, cg, cb float32
		if j0 < j1 {
			px := src[4*(s+j0) : 4*(s+j1)]
			for q, f := range rs.wx[o+j0 : o+j1] {
				p := px[4*q : 4*q+3 : 4*q+3]
				cr += float32(f * float32(p[0]))
				cg += float32(f * float32(p[1]))
				cb += float32(f * float32(p[2]))
			}
		}
		t[3*i], t[3*i+1], t[3*i+2] = cr, cg, cb
	}
}

// TestResampleMatchesReference: the resampler with its kernels (the
// assembly where the CPU has it, the Go versions under -tags noasm) gives
// the scalar reference's bytes exactly, mirrored or not (the reference
// reads a mirrored copy), on noise frames of odd and even sizes (down to
// one pixel), a
// sub-image, and regions inside, across the edges, larger than the frame
// and smaller than the input (GODEBUG=cpu.avx2=off runs the Go kernels
// without the tag).
func TestResampleMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	noise := func(w, h int) *image.RGBA { return noiseRGBA(rng, w, h) }
	big := noise(1100, 800)
	for name, img := range map[string]*image.RGBA{
		"1280x720": noise(1280, 720), "540x960": noise(540, 960), "333x201": noise(333, 201),
		"1x1": noise(1, 1), "2x3": noise(2, 3), "1x400": noise(1, 400),
		"sub-image": big.SubImage(image.Rect(211, 37, 211+701, 37+555)).(*image.RGBA),
	} {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		regions := []Region{Letterbox(w, h), {X: 100.3, Y: 20.7, Side: 333.3}, {X: -40.5, Y: -10.25, Side: 280},
			{X: float64(w) - 150.2, Y: float64(h) - 90.9, Side: 301.7}, {X: 50.5, Y: 60.25, Side: 77.3},
			{X: -3000, Y: 10, Side: 100}}
		for range 4 {
			side := 20 + rng.Float64()*float64(max(w, h))
			regions = append(regions, Region{X: rng.Float64()*float64(w) - side/2, Y: rng.Float64()*float64(h) - side/2, Side: side})
		}
		cp := mirroredCopy(img)
		for _, n := range []int{192, 256} {
			rs := newResampler(n) // reused, as an Estimator does
			for _, r := range regions {
				for _, mirrored := range []bool{false, true} {
					want, got := make([]int32, n*n*3), make([]int32, n*n*3)
					ref := img
					if mirrored {
						ref = cp
					}
					newResampler(n).resampleReference(want, ref, r)
					rs.resample(got, img, r, mirrored)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s, %d, region %+v, mirrored %v: element %d is %d, reference %d", name, n, r, mirrored, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
