package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// MoveNet Lightning 1x1 convolutions (M = Cout, K = Cin, N = H*W), from the
// model's graph: the 96x96 expansion, a 48x48 projection, the heaviest
// 24x24 and 12x12 layers, the 6x6 tail and a 48x48 head.
var gemmBenchShapes = []struct{ m, k, n int }{
	{16, 32, 96 * 96},
	{96, 16, 96 * 96},
	{24, 144, 48 * 48},
	{144, 24, 48 * 48},
	{192, 32, 24 * 24},
	{64, 384, 12 * 12},
	{384, 64, 12 * 12},
	{96, 576, 12 * 12},
	{960, 160, 6 * 6},
	{64, 1280, 6 * 6},
	{96, 24, 48 * 48},
	{34, 96, 48 * 48},
}

func BenchmarkGemm(b *testing.B) {
	saved := impl
	defer func() { impl = saved }()
	for _, s := range gemmBenchShapes {
		r := rand.New(rand.NewPCG(1, 1))
		p := PackA(randSlice(r, s.m*s.k), s.k, s.m, s.k, randSlice(r, s.m))
		in, out := randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
		scr := make([]float32, GemmScratchLen)
		ep := &Epilogue{Clamp: true, Lo: 0, Hi: 6}
		for _, i := range Available() {
			impl = i
			b.Run(fmt.Sprintf("%s/M%d_K%d_N%d", i, s.m, s.k, s.n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.MulBlock(out, s.n, in, s.n, ep, 0, s.m, 0, s.n, scr)
				}
				flops := 2 * float64(s.m) * float64(s.k) * float64(s.n)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkGemmPacking compares packing B with reading it in place on the
// fastest path, to set directMaxPanels.
func BenchmarkGemmPacking(b *testing.B) {
	saved := packPolicy
	defer func() { packPolicy = saved }()
	for _, s := range gemmBenchShapes {
		r := rand.New(rand.NewPCG(1, 1))
		p := PackA(randSlice(r, s.m*s.k), s.k, s.m, s.k, randSlice(r, s.m))
		in, out := randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
		scr := make([]float32, GemmScratchLen)
		for _, pol := range []struct {
			name string
			p    int
		}{{"packed", packAlways}, {"inplace", packNever}} {
			packPolicy = pol.p
			b.Run(fmt.Sprintf("%s/M%d_K%d_N%d", pol.name, s.m, s.k, s.n), func(b *testing.B) {
				for b.Loop() {
					p.MulBlock(out, s.n, in, s.n, nil, 0, s.m, 0, s.n, scr)
				}
				flops := 2 * float64(s.m) * float64(s.k) * float64(s.n)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
