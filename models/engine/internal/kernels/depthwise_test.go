package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refDepthwise is the float64 oracle straight from the definition, with
// padding as out-of-range taps.
func refDepthwise(k int, src []float32, c, h, w, stride, pt, pl, oh, ow int, wt, bias, res []float32, clampOn bool, lo, hi float32) (out, scale []float64) {
	out = make([]float64, c*oh*ow)
	scale = make([]float64, c*oh*ow)
	for ch := 0; ch < c; ch++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s, abs := 0.0, 0.0
				if bias != nil {
					s, abs = float64(bias[ch]), math.Abs(float64(bias[ch]))
				}
				for ky := 0; ky < k; ky++ {
					for kx := 0; kx < k; kx++ {
						y, x := oy*stride+ky-pt, ox*stride+kx-pl
						if y < 0 || y >= h || x < 0 || x >= w {
							continue
						}
						t := float64(wt[(ch*k+ky)*k+kx]) * float64(src[ch*h*w+y*w+x])
						s += t
						abs += math.Abs(t)
					}
				}
				if res != nil {
					rv := float64(res[(ch*oh+oy)*ow+ox])
					s += rv
					abs += math.Abs(rv)
				}
				if clampOn {
					s = math.Min(math.Max(s, float64(lo)), float64(hi))
				}
				out[(ch*oh+oy)*ow+ox] = s
				scale[(ch*oh+oy)*ow+ox] = abs
			}
		}
	}
	return out, scale
}

func TestDepthwiseMatchesReference(t *testing.T) {
	type tc struct {
		k, c, h, w, stride, pt, pl, pb, pr int
		bias, clamp, res                   bool
	}
	cases := []tc{
		{3, 3, 96, 96, 1, 1, 1, 1, 1, true, true, false},
		{3, 2, 96, 96, 2, 0, 0, 1, 1, true, true, false}, // TF SAME, stride 2, even size
		{3, 5, 6, 6, 1, 1, 1, 1, 1, true, false, true},
		{3, 4, 12, 12, 2, 0, 0, 1, 1, false, true, true},
		{3, 3, 1, 1, 1, 1, 1, 1, 1, true, true, false},
		{3, 2, 7, 33, 2, 1, 1, 1, 1, true, false, true},
		{3, 2, 17, 16, 1, 0, 2, 2, 0, true, true, true},
		{3, 2, 9, 31, 2, 2, 0, 0, 2, false, false, false},
		{3, 1, 48, 48, 1, 1, 1, 1, 1, true, false, true},
		// BlazePose's 5x5 layers: SAME stride 1, and stride 2 after an
		// explicit Pad (1 before, 2 after, fused into the convolution).
		{5, 3, 32, 32, 1, 2, 2, 2, 2, true, true, true},
		{5, 2, 16, 16, 1, 2, 2, 2, 2, true, true, false},
		{5, 2, 8, 8, 1, 2, 2, 2, 2, true, false, true},
		{5, 3, 32, 32, 2, 1, 1, 2, 2, true, true, false},
		{5, 2, 33, 47, 2, 1, 1, 2, 2, false, true, true},
		{5, 2, 2, 3, 1, 4, 4, 4, 4, true, false, false},
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20; i++ {
		k := 3 + 2*r.IntN(2)
		cases = append(cases, tc{k, 1 + r.IntN(4), 1 + r.IntN(40), 1 + r.IntN(70), 1 + r.IntN(2),
			r.IntN(k), r.IntN(k), r.IntN(k), r.IntN(k), r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0})
	}
	forEachImpl(t, func(t *testing.T) {
		for _, c := range cases {
			name := fmt.Sprintf("k%d_c%d_%dx%d_s%d_p%d%d%d%d_b%v_c%v_r%v", c.k, c.c, c.h, c.w, c.stride, c.pt, c.pl, c.pb, c.pr, c.bias, c.clamp, c.res)
			t.Run(name, func(t *testing.T) {
				d, err := NewDepthwise(c.k, c.h, c.w, c.stride, c.pt, c.pl, c.pb, c.pr)
				if errors.Is(err, ErrDepthwiseShape) {
					t.Skip("geometry has no output")
				}
				if err != nil {
					t.Fatal(err)
				}
				oh, ow := d.OutSize()
				ep := &Epilogue{}
				if c.clamp {
					ep.Clamp, ep.Lo, ep.Hi = true, 0, 1.5
				}
				if c.res {
					ep.Residual = randSlice(r, c.c*oh*ow)
				}
				// The input has guard bands too: the AVX-512 3x3 kernels
				// read it in place, and an unmasked load outside it would
				// bring a NaN sentinel into the result.
				srcBuf := newGuarded(c.c * c.h * c.w)
				src := srcBuf.data()
				copy(src, randSlice(r, len(src)))
				wt := randSlice(r, c.c*c.k*c.k)
				var bias []float32
				if c.bias {
					bias = randSlice(r, c.c)
				}
				want, scale := refDepthwise(c.k, src, c.c, c.h, c.w, c.stride, c.pt, c.pl, oh, ow, wt, bias, ep.Residual, c.clamp, ep.Lo, ep.Hi)
				dst := newGuarded(c.c * oh * ow)
				scr := newGuarded(d.ScratchLen())
				// Two calls over split channel ranges, as the engine's workers do.
				half := c.c / 2
				d.Run(dst.data(), src, wt, bias, ep, 0, half, scr.data())
				d.Run(dst.data(), src, wt, bias, ep, half, c.c, scr.data())
				dst.check(t, "dst")
				scr.check(t, "scratch")
				for i, got := range dst.data() {
					if !closeEnough(got, want[i], scale[i]) {
						t.Fatalf("element %d = %g, want %g", i, got, want[i])
					}
				}
				// And by bands of output rows across all channels.
				bands := newGuarded(c.c * oh * ow)
				for b := 0; b < 3; b++ {
					d.RunRows(bands.data(), src, wt, bias, ep, c.c, oh*b/3, oh*(b+1)/3, scr.data())
				}
				bands.check(t, "bands dst")
				scr.check(t, "bands scratch")
				for i, got := range bands.data() {
					if !closeEnough(got, want[i], scale[i]) {
						t.Fatalf("by rows: element %d = %g, want %g", i, got, want[i])
					}
				}
			})
		}
	})
}

func TestDepthwiseRejectsBadGeometry(t *testing.T) {
	for _, g := range [][8]int{{3, 0, 5, 1, 1, 1, 1, 1}, {3, 5, 5, 3, 1, 1, 1, 1}, {3, 5, 5, 1, -1, 0, 0, 0}, {3, 1, 1, 1, 0, 0, 0, 0},
		{3, 5, 5, 1, 3, 0, 0, 0}, {4, 5, 5, 1, 0, 0, 0, 0}, {5, 5, 5, 1, 5, 0, 0, 0}, {5, 3, 3, 1, 0, 0, 0, 0}} {
		if _, err := NewDepthwise(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]); !errors.Is(err, ErrDepthwiseShape) {
			t.Errorf("NewDepthwise%v: err = %v, want ErrDepthwiseShape", g, err)
		}
	}
}

func TestDepthwiseAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 9))
	d, err := NewDepthwise(3, 24, 24, 2, 0, 0, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	src, wt, bias := randSlice(r, 8*24*24), randSlice(r, 8*9), randSlice(r, 8)
	dst, scr := make([]float32, 8*12*12), make([]float32, d.ScratchLen())
	forEachImpl(t, func(t *testing.T) {
		ep := &Epilogue{Clamp: true, Lo: 0, Hi: 6, Residual: randSlice(r, len(dst))}
		if n := testing.AllocsPerRun(20, func() { d.Run(dst, src, wt, bias, ep, 0, 8, scr) }); n != 0 {
			t.Fatalf("Run allocates %v times per call", n)
		}
	})
}

// MoveNet Lightning's depthwise layers and BlazePose full's 5x5 ones
// (kernel, channels, input size, stride).
var dwBenchShapes = []struct{ k, c, hw, stride int }{
	{3, 32, 96, 1}, {3, 96, 96, 2}, {3, 144, 48, 1}, {3, 144, 48, 2}, {3, 192, 24, 1}, {3, 384, 12, 1}, {3, 576, 12, 2}, {3, 960, 6, 1}, {3, 24, 48, 1},
	{5, 192, 32, 1}, {5, 528, 16, 1}, {5, 864, 8, 1}, {5, 144, 64, 2}, {5, 528, 16, 2}, {5, 1152, 7, 1}, {3, 288, 7, 1},
}

func BenchmarkDepthwise(b *testing.B) {
	saved := impl
	defer func() { impl = saved }()
	for _, s := range dwBenchShapes {
		r := rand.New(rand.NewPCG(1, 1))
		pt, pb := s.k/2, s.k/2
		if s.stride == 2 {
			pt, pb = s.k/2-1, s.k/2
		}
		d, err := NewDepthwise(s.k, s.hw, s.hw, s.stride, pt, pt, pb, pb)
		if err != nil {
			b.Fatal(err)
		}
		ep := &Epilogue{Clamp: true, Lo: 0, Hi: 6}
		oh, ow := d.OutSize()
		src, wt, bias := randSlice(r, s.c*s.hw*s.hw), randSlice(r, s.c*s.k*s.k), randSlice(r, s.c)
		dst, scr := make([]float32, s.c*oh*ow), make([]float32, d.ScratchLen())
		for _, i := range Available() {
			impl = i
			b.Run(fmt.Sprintf("%s/k%d_C%d_%dx%d_s%d", i, s.k, s.c, s.hw, s.hw, s.stride), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					d.Run(dst, src, wt, bias, ep, 0, s.c, scr)
				}
				flops := 2 * float64(s.k*s.k) * float64(s.c*oh*ow)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestDepthwiseBandMatchesRun holds RunBand, which reads only a band of
// input rows, to Run's bits: the fused expansion + depthwise convolutions
// of the engine rely on every output being computed alike either way.
func TestDepthwiseBandMatchesRun(t *testing.T) {
	type tc struct{ k, c, h, w, stride, pt, pl, pb, pr int }
	cases := []tc{
		{3, 3, 96, 96, 2, 0, 0, 1, 1}, // MoveNet's stride-2 layers
		{3, 4, 48, 48, 1, 1, 1, 1, 1}, // and stride 1
		{3, 2, 1, 9, 1, 1, 1, 1, 1},   // one row
		{3, 2, 1, 17, 2, 1, 1, 1, 1},
		{3, 2, 2, 5, 2, 0, 0, 1, 1},
		{3, 2, 7, 33, 2, 1, 1, 1, 1},
		{3, 2, 17, 16, 1, 0, 2, 2, 0},
		{3, 2, 9, 31, 2, 2, 0, 0, 2},
		{5, 2, 33, 47, 2, 1, 1, 2, 2},
		{5, 2, 2, 3, 1, 4, 4, 4, 4},
	}
	r := rand.New(rand.NewPCG(8, 3))
	for i := 0; i < 12; i++ {
		k := 3 + 2*r.IntN(2)
		cases = append(cases, tc{k, 1 + r.IntN(4), 1 + r.IntN(30), 1 + r.IntN(70), 1 + r.IntN(2), r.IntN(k), r.IntN(k), r.IntN(k), r.IntN(k)})
	}
	forEachImpl(t, func(t *testing.T) {
		for _, c := range cases {
			t.Run(fmt.Sprintf("k%d_c%d_%dx%d_s%d_p%d%d%d%d", c.k, c.c, c.h, c.w, c.stride, c.pt, c.pl, c.pb, c.pr), func(t *testing.T) {
				d, err := NewDepthwise(c.k, c.h, c.w, c.stride, c.pt, c.pl, c.pb, c.pr)
				if errors.Is(err, ErrDepthwiseShape) {
					t.Skip("geometry has no output")
				}
				if err != nil {
					t.Fatal(err)
				}
				oh, ow := d.OutSize()
				ep := &Epilogue{Clamp: true, Lo: -1, Hi: 1.5, Residual: randSlice(r, c.c*oh*ow)}
				src, wt, bias := randSlice(r, c.c*c.h*c.w), randSlice(r, c.c*c.k*c.k), randSlice(r, c.c)
				want := make([]float32, c.c*oh*ow)
				scr := newGuarded(d.ScratchLen())
				d.Run(want, src, wt, bias, ep, 0, c.c, scr.data())
				for _, band := range []int{1, 2, 3, 5, oh} {
					for _, extra := range []int{0, 1} {
						dst := newGuarded(c.c * oh * ow)
						for oy0 := 0; oy0 < oh; oy0 += band {
							oy1 := min(oh, oy0+band)
							y0, y1 := d.BandRows(oy0, oy1)
							// A band may hold more rows than the outputs read.
							y0, y1 = max(0, y0-extra), min(c.h, y1+extra)
							// Planes further apart than the band's rows, with
							// NaN in between that must not be read.
							rows := y1 - y0
							ldp := (rows + extra) * c.w
							buf := newGuarded((c.c-1)*ldp + rows*c.w)
							for ch := 0; ch < c.c; ch++ {
								copy(buf.data()[ch*ldp:ch*ldp+rows*c.w], src[ch*c.h*c.w+y0*c.w:ch*c.h*c.w+y1*c.w])
							}
							d.RunBand(dst.data(), buf.data(), y0, rows, ldp, wt, bias, ep, c.c, oy0, oy1, scr.data())
						}
						dst.check(t, "dst")
						scr.check(t, "scratch")
						for i, got := range dst.data() {
							if math.Float32bits(got) != math.Float32bits(want[i]) {
								t.Fatalf("bands of %d rows (+%d): element %d = %g, Run gives %g", band, extra, i, got, want[i])
							}
						}
					}
				}
			})
		}
	})
}
