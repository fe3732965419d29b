//go:build amd64 && !noasm

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmTilesMatchesTile holds gemm8x48TilesAVX512 to the bits of
// gemm8x48AVX512 called once per tile, for 1 to 5 tiles side by side in
// matrices wider than the run, under every flag combination, and checks
// that it writes nothing beyond its tiles.
func TestGemmTilesMatchesTile(t *testing.T) {
	if bestImpl() < ImplAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(5, 8))
	for _, kl := range []int{1, 2, 37, 512} {
		for nt := 1; nt <= 5; nt++ {
			for _, flags := range []int{0, flagFinal, flagAccumulate, flagAccumulate | flagFinal, flagFinal | flagResidual, flagAccumulate | flagFinal | flagResidual} {
				t.Run(fmt.Sprintf("k%d_tiles%d_flags%b", kl, nt, flags), func(t *testing.T) {
					ld := nt*TileN + 1 + r.IntN(20) // row strides past the run
					a, b, bias := randSlice(r, kl*TileM), randSlice(r, kl*ld), randSlice(r, TileM)
					res, prev := randSlice(r, TileM*ld), randSlice(r, TileM*ld)
					want := append([]float32(nil), prev...)
					for q := 0; q < nt; q++ {
						gemm8x48AVX512(kl, &a[0], &b[q*TileN], ld, &want[q*TileN], ld, &bias[0], &res[q*TileN], ld, -1, 2, flags)
					}
					got := append([]float32(nil), prev...)
					gemm8x48TilesAVX512(kl, &a[0], &b[0], ld, &got[0], ld, &bias[0], &res[0], ld, -1, 2, flags, nt)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("(%d,%d) = %g, per tile %g", i/ld, i%ld, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

// TestMulBlockTilesMatchesPerTile holds MulBlock with runs of full tiles
// on one call to its bits with a call per tile, over gemmCases' shapes
// (partial panels and tiles, K blocks, residuals) and sub-blocks of them
// as the engine's workers take, with strides wider than the block.
func TestMulBlockTilesMatchesPerTile(t *testing.T) {
	if bestImpl() < ImplAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	saved := impl
	defer func() { impl, gemmTilesEnabled = saved, true }()
	impl = ImplAVX512
	r := rand.New(rand.NewPCG(6, 9))
	cases := append(gemmCases(), gemmCase{"wide-k-blocks", 19, 1030, 700, true, true, true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ldb, ldc := c.n+r.IntN(3), c.n+r.IntN(3)
			a, b := randSlice(r, c.m*c.k), randSlice(r, c.k*ldb)
			var bias []float32
			if c.bias {
				bias = randSlice(r, c.m)
			}
			p := PackA(a, c.k, c.m, c.k, bias)
			ep := &Epilogue{Clamp: c.clamp, Lo: -0.5, Hi: 2}
			if c.res {
				ep.Residual, ep.LdR = randSlice(r, c.m*(ldc+1)), ldc+1
			}
			blocks := [][4]int{{0, c.m, 0, c.n}}
			for range 3 {
				m0, n0 := r.IntN(c.m), r.IntN(c.n)
				blocks = append(blocks, [4]int{m0, m0 + 1 + r.IntN(c.m-m0), n0, n0 + 1 + r.IntN(c.n-n0)})
			}
			scr := make([]float32, GemmScratchLen)
			for _, bl := range blocks {
				run := func(tiles bool) *guardedBuf {
					gemmTilesEnabled = tiles
					dst := newGuarded(c.m * ldc)
					p.MulBlock(dst.data(), ldc, b, ldb, ep, bl[0], bl[1], bl[2], bl[3], scr)
					dst.check(t, "dst")
					return dst
				}
				want, got := run(false).data(), run(true).data()
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("block %v: (%d,%d) = %g, per tile %g", bl, i/ldc, i%ldc, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestGemm36MatchesTile holds gemm8x36AVX512 to the bits of gemm8x48AVX512
// on the first 36 columns of a tile, for depths from 1 through a whole K
// block and between, under every flag combination and clamp bounds that
// bite, with row strides past the 36 columns whose values (sentinels in C,
// NaN in B and the residual beyond column 36) it must neither write nor
// let into its results.
func TestGemm36MatchesTile(t *testing.T) {
	if bestImpl() < ImplAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(11, 36))
	nan := float32(math.NaN())
	for _, kl := range []int{0, 1, 2, 3, 7, 37, 160, 511, 512} {
		for _, flags := range []int{0, flagFinal, flagAccumulate, flagAccumulate | flagFinal, flagFinal | flagResidual, flagAccumulate | flagFinal | flagResidual} {
			t.Run(fmt.Sprintf("k%d_flags%b", kl, flags), func(t *testing.T) {
				ld := 36 + 12 + r.IntN(20) // room for the 48-column reference
				a, bias := randSlice(r, max(kl, 1)*TileM), randSlice(r, TileM)
				b, res, prev := randSlice(r, max(kl, 1)*ld), randSlice(r, TileM*ld), randSlice(r, TileM*ld)
				lo, hi := float32(-1-r.Float64()), float32(1+2*r.Float64())
				want := append([]float32(nil), prev...)
				gemm8x48AVX512(kl, &a[0], &b[0], ld, &want[0], ld, &bias[0], &res[0], ld, lo, hi, flags)
				for i := range b {
					if i%ld >= 36 {
						b[i] = nan
					}
				}
				for i := range res {
					if i%ld >= 36 {
						res[i] = nan
					}
				}
				got := append([]float32(nil), prev...)
				gemm8x36AVX512(kl, &a[0], &b[0], ld, &got[0], ld, &bias[0], &res[0], ld, lo, hi, flags)
				for i := range got {
					w := want[i]
					if i%ld >= 36 || i/ld >= TileM {
						w = prev[i] // outside the kernel's 8x36 corner
					}
					if math.Float32bits(got[i]) != math.Float32bits(w) {
						t.Fatalf("(%d,%d) = %g, want %g", i/ld, i%ld, got[i], w)
					}
				}
			})
		}
	}
}
