package models

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// randomRegions returns regions of a w x h frame drawn from rng: inside
// it, across its edges, wholly beside it, far larger than it (reducing by
// up to about 30x) and smaller than the model input (enlarging), down to
// a fraction of a pixel.
func randomRegions(rng *rand.Rand, w, h int) []Region {
	big := float64(max(w, h))
	rs := []Region{Letterbox(w, h), {X: 0.25, Y: 0.5, Side: 0.4}, {X: -5000, Y: -40, Side: 3 * big}, {X: float64(w) + 3, Y: 0, Side: 50}}
	for range 12 {
		var side float64
		switch rng.IntN(3) {
		case 0:
			side = 0.2 + rng.Float64()*20 // enlarging, from under a pixel
		case 1:
			side = 20 + rng.Float64()*big // about the frame's size
		default:
			side = big + rng.Float64()*5*big // larger than the frame
		}
		rs = append(rs, Region{X: rng.Float64()*float64(w)*1.4 - 0.2*float64(w) - side/2, Y: rng.Float64()*float64(h)*1.4 - 0.2*float64(h) - side/2, Side: side})
	}
	return rs
}

// TestResampleKernelsMatchGo: every kernel set this build and CPU run (on
// amd64 with AVX-512: the Go versions, AVX2 and AVX-512) gives the Go
// versions' output bytes exactly, mirrored or not, on noise frames of
// several shapes (a sub-image among them), random regions and model sizes
// including odd ones (whose last outputs do not fill a SIMD group).
// Under -tags noasm there is only the Go set, and the test checks the
// padded plan instead, in TestHrowPaddedMatchesHrowGo.
func TestResampleKernelsMatchGo(t *testing.T) {
	if len(resampleKernelSets) == 1 {
		t.Skip("this build has only the Go kernels")
	}
	defer useKernels(resampleKernelSets[len(resampleKernelSets)-1])
	rng := rand.New(rand.NewPCG(23, 29))
	big := noiseRGBA(rng, 900, 700)
	frames := []struct {
		name string
		img  *image.RGBA
	}{
		{"1280x720", noiseRGBA(rng, 1280, 720)}, {"1080x1920", noiseRGBA(rng, 1080, 1920)},
		{"97x61", noiseRGBA(rng, 97, 61)}, {"1x1", noiseRGBA(rng, 1, 1)}, {"3x2", noiseRGBA(rng, 3, 2)},
		{"sub-image", big.SubImage(image.Rect(101, 33, 101+611, 33+505)).(*image.RGBA)},
	}
	for _, f := range frames {
		w, h := f.img.Bounds().Dx(), f.img.Bounds().Dy()
		for _, n := range []int{192, 256, 13, 7, 1} {
			t.Run(fmt.Sprintf("%s/%d", f.name, n), func(t *testing.T) {
				// Resamplers reused, as an Estimator does.
				want, got := newResampler(n), make([]*resampler, len(resampleKernelSets))
				for i := range got {
					got[i] = newResampler(n)
				}
				a, b := make([]int32, n*n*3), make([]int32, n*n*3)
				for _, r := range randomRegions(rng, w, h) {
					for _, mirrored := range []bool{false, true} {
						useKernels(resampleKernelSets[0])
						want.resample(b, f.img, r, mirrored)
						for ki, k := range resampleKernelSets[1:] {
							useKernels(k)
							got[ki].resample(a, f.img, r, mirrored)
							for i := range a {
								if a[i] != b[i] {
									t.Fatalf("%s kernels, region %+v, mirrored %v: element %d is %d, Go kernels %d", k.name, r, mirrored, i, a[i], b[i])
								}
							}
						}
					}
				}
			})
		}
	}
}

// TestHrowPaddedMatchesHrowGo: on the plans real regions give, filtering
// from the padded plan (hplan.pad) gives hrowGo's sums bit for bit, with
// groups of 1 to 4 outputs, and so does filtering source rows' bytes by
// the packed window plan (hplan.packWindows) with groups of 1 to 5
// outputs, a batch of rows into slots out of order (and nothing else of
// the buffer), forward and mirrored, of the rows as RGBA and as BGR with
// padded rows (the same red, green and blue sums): in Go (hrowPaddedGo and hrowPackedGo, the
// SIMD kernels' references, run on every architecture) and with every
// kernel this build and CPU run. The packed plan runs each group's own
// number of taps, dropping padding taps the padded plan would add; the
// test checks that its cases include groups whose outputs have fewer taps
// than the group runs and groups with no tap in the image. The rows are
// rows of noise frames, converted as filterRow does. The sums are
// compared as bits, which is stronger than the output bytes
// TestResampleKernelsMatchGo compares.
func TestHrowPaddedMatchesHrowGo(t *testing.T) {
	defer useKernels(resampleKernelSets[len(resampleKernelSets)-1])
	useKernels(resampleKernelSets[0]) // plans from clipColumns without padding
	rng := rand.New(rand.NewPCG(31, 37))
	windowed, cases, padded, empty := 0, 0, 0, 0
	for _, sz := range [][2]int{{1280, 720}, {1080, 1920}, {53, 40}, {1, 9}} {
		w, h := sz[0], sz[1]
		img := noiseRGBA(rng, w, h)
		img3 := bgrOf(img, 5) // rows padded: the stride is not the row
		for _, n := range []int{192, 13, 5} {
			rs := newResampler(n)
			for ri, r := range randomRegions(rng, w, h) {
				for _, mirrored := range []bool{false, true} {
					// resample sizes the buffers and plans the columns.
					rs.resample(make([]int32, n*n*3), img, r, mirrored)
					p := rs.plan
					x0 := max(rs.xs[0], 0)
					pixels := max(min(rs.xs[n-1]+rs.xn[n-1], w), x0) - x0
					if p.pixels > pixels {
						t.Fatalf("plan reads %d pixels of a %d-pixel row", p.pixels, pixels)
					}
					y := rng.IntN(h)
					src := img.Pix[y*img.Stride : y*img.Stride+4*w]
					row := make([]float32, 4*pixels)
					if mirrored {
						pixelsGo(row, src, len(src)-4*(x0+1), -4, pixels, nil)
					} else {
						pixelsGo(row, src, 4*x0, 4, pixels, nil)
					}
					want := make([]float32, 4*n)
					hrowGo(want, row, rs.wx, &p)
					check := func(name string, got []float32) {
						t.Helper()
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%dx%d, n %d, region %d %+v, mirrored %v, %s: float %d is %v, hrowGo %v", w, h, n, ri, r, mirrored, name, i, got[i], want[i])
							}
						}
					}
					for lanes := 1; lanes <= 4; lanes++ {
						q := p
						q.first, q.wide = nil, nil
						q.pad(rs.wx, pixels, lanes)
						q.check(want, row, rs.wx)
						got := make([]float32, 4*n)
						hrowPaddedGo(got, row, &q, 0)
						check(fmt.Sprintf("hrowPaddedGo, %d lanes", lanes), got)
						for _, k := range resampleKernelSets[1:] {
							if k.lanes == lanes {
								got := make([]float32, 4*n)
								k.hrow(got, row, rs.wx, &q)
								check(k.name, got)
							}
						}
					}
					// The packed plan, on a batch of up to three rows
					// from y, into slots of a buffer in reverse order,
					// the first slot left alone.
					ys := rangeInts(min(3, h-y))
					wants := make([][]float32, len(ys))
					for r := range ys {
						src := img.Pix[(y+r)*img.Stride:][:4*w]
						if mirrored {
							pixelsGo(row, src, len(src)-4*(x0+1), -4, pixels, nil)
						} else {
							pixelsGo(row, src, 4*x0, 4, pixels, nil)
						}
						wants[r] = make([]float32, 4*n)
						hrowGo(wants[r], row, rs.wx, &p)
					}
					dst := make([]int32, len(ys))
					for r := range dst {
						dst[r] = int32((len(ys) - r) * 3 * n)
					}
					for outs := 1; outs <= 5; outs++ {
						q := p
						q.win, q.winIdx, q.winW = nil, nil, nil
						if !q.packWindows(rs.wx, w, x0, mirrored, layoutRGBA, outs) {
							continue
						}
						windowed++
						for g := range len(q.win) / 2 {
							k := q.win[2*g+1]
							if k == 0 {
								empty++
							}
							for i := outs * g; i < min(outs*g+outs, n); i++ {
								if q.cnt[i] < k {
									padded++
								}
							}
						}
						checkPacked := func(name string, got []float32, bgr bool) {
							t.Helper()
							for i := range 3 * n {
								if got[i] != -1 { // the slot left alone
									t.Fatalf("%dx%d, n %d, region %d %+v, mirrored %v, %d outputs a group, BGR %v, %s: wrote float %d of a slot it was not given", sz[0], sz[1], n, ri, r, mirrored, outs, bgr, name, i)
								}
							}
							for j, d := range dst {
								for i := range n {
									for c := range 3 {
										if g, w := got[int(d)+3*i+c], wants[j][4*i+c]; math.Float32bits(g) != math.Float32bits(w) {
											t.Fatalf("%dx%d, n %d, region %d %+v, mirrored %v, %d outputs a group, BGR %v, %s: row %d output %d channel %d is %v, hrowGo %v", sz[0], sz[1], n, ri, r, mirrored, outs, bgr, name, y+j, i, c, g, w)
										}
									}
								}
							}
						}
						for _, bgr := range []bool{false, true} {
							src, stride := img.Pix[y*img.Stride:], img.Stride
							if bgr {
								src, stride = img3.Pix[y*img3.Stride:], img3.Stride
								// The same row as BGR reads fewer bytes.
								if !q.packWindows(rs.wx, w, x0, mirrored, layoutBGR, outs) {
									t.Fatalf("%dx%d, region %d: fits the packed plan as RGBA, not as BGR", w, h, ri)
								}
							}
							q.checkPacked()
							for _, k := range append([]resampleKernels{{name: "go", hrowPacked: hrowPackedGo}}, resampleKernelSets[1:]...) {
								if k.hrowPacked == nil {
									continue
								}
								got := make([]float32, (len(ys)+1)*3*n)
								for i := range got {
									got[i] = -1
								}
								k.hrowPacked(got, dst, src, stride, &q, false)
								checkPacked(k.name, got, bgr)
							}
						}
					}
					cases++
				}
			}
		}
	}
	// Windows fit reductions up to about 6 on rows of 32 pixels or more;
	// many of the random regions are larger.
	t.Logf("%d packed plans for %d cases; %d outputs ran padding taps, %d groups had no tap", windowed, cases, padded, empty)
	if windowed == 0 || padded == 0 || empty == 0 {
		t.Error("the packed plans did not cover fitting windows, outputs with fewer taps than their group and groups with none")
	}
}

// TestWindowsFitTrackedCrops: the crops tracking makes of 720p and
// portrait frames (a standing person, the frame's height or less) fit
// the packed window plan with five outputs a group, forward and mirrored,
// BGR (decoded frames) and, for the smaller reductions, RGBA, so that the
// window kernel at its widest, not the slower conversion path, serves
// them.
func TestWindowsFitTrackedCrops(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		r    Region
		rgba bool // RGBA fits too
	}{
		{1280, 720, Region{X: 400.3, Y: 120.6, Side: 480.7}, true},
		{1280, 720, Region{X: 290.8, Y: -10.2, Side: 740.4}, true},
		{1080, 1920, Region{X: 90.4, Y: 500.7, Side: 1100.2}, false},
	} {
		for _, mirrored := range []bool{false, true} {
			rs := newResampler(192)
			rs.resample(make([]int32, 192*192*3), image.NewRGBA(image.Rect(0, 0, tc.w, tc.h)), tc.r, mirrored)
			p := rs.plan
			for _, l := range []layout{layoutRGBA, layoutBGR} {
				if l == layoutRGBA && !tc.rgba {
					continue
				}
				if !p.packWindows(rs.wx, tc.w, max(rs.xs[0], 0), mirrored, l, 5) {
					t.Errorf("%dx%d, region %+v, mirrored %v, %d bytes a pixel: does not fit the packed window plan", tc.w, tc.h, tc.r, mirrored, l.bpp)
				}
			}
		}
	}
}

// TestPixelsKernelsMatchGo: every pixels kernel converts rows as pixelsGo
// does, forward and mirrored, for every count of pixels up to 40 (all
// remainders of the SIMD steps) and a long row, at every offset of a
// row's start.
func TestPixelsKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 43))
	src := make([]uint8, 4*700)
	for i := range src {
		src[i] = uint8(rng.IntN(256))
	}
	for _, k := range resampleKernelSets[1:] {
		for _, n := range append(rangeInts(41), 700) {
			for _, step := range []int{4, -4} {
				for shift := range 3 {
					first := 4 * shift
					if step < 0 {
						first = len(src) - 4 - 4*shift
					}
					if n > 700-shift {
						continue
					}
					want, got := make([]float32, 4*n+8), make([]float32, 4*n+8)
					for i := range got {
						got[i], want[i] = -1, -1 // what is past n must stay
					}
					pixelsGo(want, src, first, step, n, nil)
					k.pixels(got, src, first, step, n, src)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s, n %d, step %d, first %d: float %d is %v, pixelsGo %v", k.name, n, step, first, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestVsumKernelsMatchGo: every vertical-pass kernel writes vsumGo's
// bytes, for every output width up to 40 (all remainders of the SIMD
// steps) and 192, summing 0 to 12 rows in a shuffled ring order, on
// floats from -3 to 260 so that both ends of the clamp are reached (a
// filtered row holds 0..255, give or take rounding, but the kernels'
// contract is any float).
func TestVsumKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 53))
	for _, k := range resampleKernelSets[1:] {
		for _, n := range append(rangeInts(41), 192) {
			for _, nrows := range []int{0, 1, 2, 5, 12} {
				ring := max(nrows, 1) + 1
				tmp := make([]float32, ring*4*n)
				for i := range tmp {
					tmp[i] = -3 + 263*rng.Float32()
				}
				rows, w := make([]int32, nrows), make([]float32, nrows)
				for j, r := range rng.Perm(ring)[:nrows] {
					rows[j], w[j] = int32(r*4*n), rng.Float32()
				}
				want, got := make([]int32, 3*n+3), make([]int32, 3*n+3)
				want[3*n], got[3*n] = -7, -7 // past the row: must stay
				vsumGo(want, make([]float32, 4*n), tmp, rows, w, n)
				k.vsum(got, make([]float32, 4*n), tmp, rows, w, n)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s, n %d, %d rows: element %d is %d, vsumGo %d", k.name, n, nrows, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestVsumPackedKernelsMatchGo: vsumPackedGo gives vsumGo's bytes for the
// same rows packed (three floats a pixel instead of four), and every
// packed vertical-pass kernel gives vsumPackedGo's, for every output
// width up to 40 (all remainders of the SIMD steps, in floats) and 192,
// summing 0 to 12 rows in a shuffled ring order, on floats from -3 to 260
// (both ends of the clamp).
func TestVsumPackedKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(67, 71))
	kernels := 0
	for _, n := range append(rangeInts(41), 192) {
		for _, nrows := range []int{0, 1, 2, 5, 12} {
			ring := max(nrows, 1) + 1
			tmp, packed := make([]float32, ring*4*n), make([]float32, ring*3*n)
			for i := range tmp {
				tmp[i] = -3 + 263*rng.Float32()
				if i%4 != 3 {
					packed[i/4*3+i%4] = tmp[i]
				}
			}
			rows, prows, w := make([]int32, nrows), make([]int32, nrows), make([]float32, nrows)
			for j, r := range rng.Perm(ring)[:nrows] {
				rows[j], prows[j], w[j] = int32(r*4*n), int32(r*3*n), rng.Float32()
			}
			want, got := make([]int32, 3*n+3), make([]int32, 3*n+3)
			want[3*n], got[3*n] = -7, -7 // past the row: must stay
			vsumGo(want, make([]float32, 4*n), tmp, rows, w, n)
			vsumPackedGo(got, make([]float32, 3*n), packed, prows, w, 3*n)
			check := func(name string) {
				t.Helper()
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s, n %d, %d rows: element %d is %d, vsumGo %d", name, n, nrows, i, got[i], want[i])
					}
				}
			}
			check("vsumPackedGo")
			for _, k := range resampleKernelSets[1:] {
				if k.vsumPacked != nil {
					kernels++
					clear(got[:3*n])
					k.vsumPacked(got, make([]float32, 3*n), packed, prows, w, 3*n)
					check(k.name)
				}
			}
		}
	}
	if hrowPackedKernel != nil && kernels == 0 {
		t.Error("no packed vertical-pass kernel tested")
	}
}

func rangeInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
