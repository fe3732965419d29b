package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refGemm is the float64 oracle: out = clamp(A·B + bias + res), with scale
// the sum of |terms| for each element (for the tolerance).
func refGemm(a []float32, m, k int, b []float32, ldb, n int, bias []float32, ep *Epilogue, ldc int) (out, scale []float64) {
	out = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s, abs := 0.0, 0.0
			if bias != nil {
				s, abs = float64(bias[i]), math.Abs(float64(bias[i]))
			}
			for kk := 0; kk < k; kk++ {
				t := float64(a[i*k+kk]) * float64(b[kk*ldb+j])
				s += t
				abs += math.Abs(t)
			}
			if ep != nil && ep.Residual != nil {
				ldr := ep.LdR
				if ldr == 0 {
					ldr = ldc
				}
				rv := float64(ep.Residual[i*ldr+j])
				s += rv
				abs += math.Abs(rv)
			}
			if ep != nil && ep.Clamp {
				s = math.Min(math.Max(s, float64(ep.Lo)), float64(ep.Hi))
			}
			out[i*n+j] = s
			scale[i*n+j] = abs
		}
	}
	return out, scale
}

type gemmCase struct {
	name             string
	m, k, n          int
	bias, clamp, res bool
}

func gemmCases() []gemmCase {
	cases := []gemmCase{
		{"tiny", 1, 1, 1, false, false, false},
		{"one-tile", 8, 16, 48, true, false, false},
		{"odd", 17, 33, 101, true, true, false},
		{"relu6-res", 24, 144, 576, true, true, true},
		{"heads-17", 17, 96, 2304 / 4, true, false, false},
		{"k-blocks", 13, 1100, 70, true, true, true},
		{"k-exact-block", 9, 512, 49, true, false, true},
		{"k-block+1", 16, 513, 95, false, true, false},
		{"n-36", 64, 1280, 36, true, false, false},
		{"wide-n", 9, 27, 3000, true, true, false},
		{"tall", 130, 5, 7, true, false, true},
		{"n-64", 20, 50, 64, true, true, true},
		{"n-80", 3, 30, 80, true, false, false},
		{"m-2", 2, 40, 96, true, true, true},
		{"m-4", 36, 21, 112, false, false, true},
		// 36 columns (a 6x6 image) on the 8x36 kernel: K blocks,
		// residual, clamp, and rows that leave a partial panel.
		{"n-36-k-blocks", 77, 1100, 36, true, true, true},
		{"n-36-res", 160, 160, 36, true, false, true},
		{"n-84", 24, 40, 84, true, true, false},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 12; i++ {
		cases = append(cases, gemmCase{
			name: fmt.Sprintf("rand%d", i),
			m:    1 + r.IntN(70), k: 1 + r.IntN(700), n: 1 + r.IntN(400),
			bias: r.IntN(2) == 0, clamp: r.IntN(2) == 0, res: r.IntN(2) == 0,
		})
	}
	return cases
}

func TestMulBlockMatchesReference(t *testing.T) {
	forEachImpl(t, testMulBlockCases)
}

func testMulBlockCases(t *testing.T) {
	{
		for _, tc := range gemmCases() {
			t.Run(tc.name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.k*1000+tc.n)))
				ldb, ldc := tc.n+r.IntN(3), tc.n+r.IntN(3)
				a := randSlice(r, tc.m*tc.k)
				b := randSlice(r, tc.k*ldb)
				var bias []float32
				if tc.bias {
					bias = randSlice(r, tc.m)
				}
				ep := &Epilogue{}
				if tc.clamp {
					ep.Clamp, ep.Lo, ep.Hi = true, -0.5, 6
				}
				if tc.res {
					ep.Residual = randSlice(r, tc.m*ldc)
				}
				want, scale := refGemm(a, tc.m, tc.k, b, ldb, tc.n, bias, ep, ldc)
				p := PackA(a, tc.k, tc.m, tc.k, bias)

				// In uneven blocks that do not line up with tiles, each block
				// in its own guarded buffer region (elements outside the
				// block must stay untouched), then the whole matrix in one
				// call (whole tiles, such as 36 columns on the 8x36 kernel).
				splits := [][4]int{{0, tc.m, 0, tc.n}}
				if tc.m > 3 && tc.n > 5 {
					mh, nh := tc.m/3+1, tc.n/2+1
					splits = [][4]int{{0, mh, 0, nh}, {mh, tc.m, 0, nh}, {0, mh, nh, tc.n}, {mh, tc.m, nh, tc.n}}
				}
				scr := newGuarded(GemmScratchLen)
				for _, splits := range [][][4]int{splits, {{0, tc.m, 0, tc.n}}} {
					dst := newGuarded(tc.m * ldc)
					for _, s := range splits {
						p.MulBlock(dst.data(), ldc, b, ldb, ep, s[0], s[1], s[2], s[3], scr.data())
					}
					dst.check(t, "dst")
					scr.check(t, "scratch")
					d := dst.data()
					for i := 0; i < tc.m; i++ {
						for j := 0; j < ldc; j++ {
							got := d[i*ldc+j]
							if j >= tc.n {
								if math.Float32bits(got) != 0x7fc0dead {
									t.Fatalf("padding column (%d,%d) written", i, j)
								}
								continue
							}
							if !closeEnough(got, want[i*tc.n+j], scale[i*tc.n+j]) {
								t.Fatalf("(%d,%d) = %g, want %g (blocks %v)", i, j, got, want[i*tc.n+j], splits)
							}
						}
					}
				}
			})
		}
	}
}

func TestImplsAgree(t *testing.T) {
	// The fast paths must agree with the portable one to rounding, on a
	// shape with full and partial tiles and several K blocks.
	r := rand.New(rand.NewPCG(7, 7))
	m, k, n := 37, 1030, 150
	a, b, bias := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m)
	p := PackA(a, k, m, k, bias)
	scr := make([]float32, GemmScratchLen)
	results := map[Impl][]float32{}
	forEachImpl(t, func(t *testing.T) {
		out := make([]float32, m*n)
		p.MulBlock(out, n, b, n, &Epilogue{Clamp: true, Lo: 0, Hi: 6}, 0, m, 0, n, scr)
		results[impl] = out
	})
	for i, out := range results {
		for j := range out {
			if d := math.Abs(float64(out[j] - results[ImplGo][j])); d > 1e-3 {
				t.Fatalf("%v differs from go at %d by %g", i, j, d)
			}
		}
	}
}

func TestMulBlockAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, k, n := 40, 70, 300
	p := PackA(randSlice(r, m*k), k, m, k, randSlice(r, m))
	b, out, res := randSlice(r, k*n), make([]float32, m*n), randSlice(r, m*n)
	scr := make([]float32, GemmScratchLen)
	ep := &Epilogue{Clamp: true, Lo: 0, Hi: 6, Residual: res}
	forEachImpl(t, func(t *testing.T) {
		if n := testing.AllocsPerRun(20, func() {
			p.MulBlock(out, n, b, n, ep, 0, m, 0, n, scr)
		}); n != 0 {
			t.Fatalf("MulBlock allocates %v times per call", n)
		}
	})
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct{ n, parts int }{{1, 2}, {36, 2}, {2304, 2}, {9216, 3}, {100, 7}} {
		prev := 0
		for i := 0; i < tc.parts; i++ {
			n0, n1 := SplitCols(tc.n, tc.parts, i)
			if n0 != prev || n1 < n0 || (n1 != tc.n && n1%TileN != 0) {
				t.Fatalf("SplitCols(%d,%d,%d) = %d,%d after %d", tc.n, tc.parts, i, n0, n1, prev)
			}
			prev = n1
		}
		if prev != tc.n {
			t.Fatalf("SplitCols(%d,%d) covers [0,%d)", tc.n, tc.parts, prev)
		}
	}
}

// TestKernelVariants checks every micro-kernel of every implementation
// against tileGo over its rows and columns, for each flag combination, and
// that it writes nothing outside them.
func TestKernelVariants(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const kl = 37
	a, b, bias := randSlice(r, kl*TileM), randSlice(r, kl*TileN), randSlice(r, TileM)
	forEachImpl(t, func(t *testing.T) {
		ks := tileKernels()
		for rows := 1; rows <= TileM; rows *= 2 {
			for cols := 16; cols <= TileN; cols += 16 {
				kern, kr, kw := ks.pick(rows, cols)
				for _, flags := range []int{0, flagFinal, flagAccumulate, flagAccumulate | flagFinal, flagFinal | flagResidual, flagAccumulate | flagFinal | flagResidual} {
					prev := randSlice(r, TileM*TileN)
					res := randSlice(r, TileM*TileN)
					want := append([]float32(nil), prev...)
					tileGo(kl, &a[0], &b[0], TileN, &want[0], TileN, &bias[0], &res[0], TileN, -1, 2, flags)
					got := append([]float32(nil), prev...)
					kern(kl, &a[0], &b[0], TileN, &got[0], TileN, &bias[0], &res[0], TileN, -1, 2, flags)
					for i := 0; i < TileM; i++ {
						for j := 0; j < TileN; j++ {
							w := want[i*TileN+j]
							if i >= kr || j >= kw {
								w = prev[i*TileN+j] // outside the kernel's corner
							}
							if g := got[i*TileN+j]; math.Abs(float64(g-w)) > 1e-4*math.Max(1, math.Abs(float64(w))) {
								t.Fatalf("%dx%d kernel, flags %b: (%d,%d) = %g, want %g", kr, kw, flags, i, j, g, w)
							}
						}
					}
				}
			}
		}
	})
}
