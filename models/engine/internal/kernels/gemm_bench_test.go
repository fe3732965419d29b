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

// gemmBench holds one benchmark shape's operands, from a fixed seed.
type gemmBench struct {
	m, k, n      int
	p            *PackedA
	in, out, scr []float32
}

func newGemmBench(m, k, n int) *gemmBench {
	r := rand.New(rand.NewPCG(1, 1))
	p := PackA(randSlice(r, m*k), k, m, k, randSlice(r, m))
	return &gemmBench{m: m, k: k, n: n, p: p, in: randSlice(r, k*n), out: make([]float32, m*n), scr: make([]float32, GemmScratchLen)}
}

func (g *gemmBench) name(prefix string) string {
	return fmt.Sprintf("%s/M%d_K%d_N%d", prefix, g.m, g.k, g.n)
}

// run times the whole product and reports its rate in GFLOP/s.
func (g *gemmBench) run(b *testing.B, ep *Epilogue) {
	for b.Loop() {
		g.p.MulBlock(g.out, g.n, g.in, g.n, ep, 0, g.m, 0, g.n, g.scr)
	}
	flops := 2 * float64(g.m) * float64(g.k) * float64(g.n)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkGemm(b *testing.B) {
	saved := impl
	defer func() { impl = saved }()
	for _, s := range gemmBenchShapes {
		g := newGemmBench(s.m, s.k, s.n)
		ep := &Epilogue{Clamp: true, Lo: 0, Hi: 6}
		for _, i := range Available() {
			impl = i
			b.Run(g.name(i.String()), func(b *testing.B) {
				b.ReportAllocs()
				g.run(b, ep)
			})
		}
	}
}

// BenchmarkGemmRowBlocks runs Lightning's 6x6 1x1 convolutions as the
// engine does at two threads: in four blocks of rows, one MulBlock call
// each, so that what a call costs besides its tiles (such as copying B)
// counts four times as in a model run.
func BenchmarkGemmRowBlocks(b *testing.B) {
	saved := impl
	defer func() { impl = saved }()
	const parts = 4
	for _, s := range []struct{ m, k int }{{960, 160}, {160, 960}, {320, 960}, {1280, 320}, {64, 1280}} {
		g := newGemmBench(s.m, s.k, 6*6)
		ep := &Epilogue{Clamp: true, Lo: 0, Hi: 6}
		for _, i := range Available() {
			impl = i
			b.Run(g.name(i.String()), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for q := range parts {
						m0, m1 := SplitRows(g.m, parts, q)
						g.p.MulBlock(g.out, g.n, g.in, g.n, ep, m0, m1, 0, g.n, g.scr)
					}
				}
				flops := 2 * float64(g.m) * float64(g.k) * float64(g.n)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
