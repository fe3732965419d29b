package engine

// Pure-Go convolution kernels. They are written for clarity with a fair
// memory access pattern; the fast, assembly-backed kernels of
// internal/kernels replace them on the hot paths.

import (
	"math"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

// gemmTile computes rows [i0, i1) and columns [j0, j1) of
//
//	C = clamp(A·B + bias[i] (+ R), lo, hi)
//
// where A is m×k (row stride k), B is k×n and C and R are m×n (row stride
// n), all row-major. R may be nil. It is the pointwise (1x1) convolution:
// A holds the weights, B the input channels, C the output channels.
func gemmTile(c, a, b, r, bias []float32, k, n, i0, i1, j0, j1 int, lo, hi float32) {
	w := j1 - j0
	// Start every row from bias (+ residual).
	for i := i0; i < i1; i++ {
		ci := c[i*n+j0 : i*n+j1]
		bv := bias[i]
		if r != nil {
			ri := r[i*n+j0 : i*n+j1]
			for j := range ci {
				ci[j] = ri[j] + bv
			}
		} else {
			for j := range ci {
				ci[j] = bv
			}
		}
	}
	i := i0
	// Four rows at a time: each element of B is loaded once per four
	// multiply-adds.
	for ; i+4 <= i1; i += 4 {
		c0 := c[i*n+j0 : i*n+j0+w]
		c1 := c[(i+1)*n+j0 : (i+1)*n+j0+w]
		c2 := c[(i+2)*n+j0 : (i+2)*n+j0+w]
		c3 := c[(i+3)*n+j0 : (i+3)*n+j0+w]
		a0, a1, a2, a3 := a[i*k:i*k+k], a[(i+1)*k:(i+1)*k+k], a[(i+2)*k:(i+2)*k+k], a[(i+3)*k:(i+3)*k+k]
		for p := 0; p < k; p++ {
			bp := b[p*n+j0 : p*n+j0+w]
			x0, x1, x2, x3 := a0[p], a1[p], a2[p], a3[p]
			c0, c1, c2, c3 := c0[:len(bp)], c1[:len(bp)], c2[:len(bp)], c3[:len(bp)]
			for j, bv := range bp {
				c0[j] += x0 * bv
				c1[j] += x1 * bv
				c2[j] += x2 * bv
				c3[j] += x3 * bv
			}
		}
	}
	for ; i < i1; i++ {
		ci := c[i*n+j0 : i*n+j0+w]
		ai := a[i*k : i*k+k]
		for p := 0; p < k; p++ {
			bp := b[p*n+j0 : p*n+j0+w]
			x := ai[p]
			ci := ci[:len(bp)]
			for j, bv := range bp {
				ci[j] += x * bv
			}
		}
	}
	if !math.IsInf(float64(lo), -1) || !math.IsInf(float64(hi), 1) {
		for i := i0; i < i1; i++ {
			clampSlice(c[i*n+j0:i*n+j1], lo, hi)
		}
	}
}

// convDirectPlane computes output channel m of batch item n directly: the
// plane starts from bias (+ residual) and each kernel tap adds a scaled,
// shifted input row. It serves depthwise and general grouped convolutions.
func convDirectPlane(s *convStep, n, m int, res []float32) {
	k := s.k
	g := &k.g
	hw := g.OH * g.OW
	y := s.y.F32[(n*g.M+m)*hw : (n*g.M+m+1)*hw]
	bv := k.bias[m]
	if res != nil {
		r := res[(n*g.M+m)*hw : (n*g.M+m+1)*hw]
		for j := range y {
			y[j] = r[j] + bv
		}
	} else {
		for j := range y {
			y[j] = bv
		}
	}
	cpg := g.C / g.Group
	grp := m / (g.M / g.Group)
	ksz := g.KH * g.KW
	for ci := 0; ci < cpg; ci++ {
		ch := grp*cpg + ci
		x := s.x.F32[(n*g.C+ch)*g.H*g.W : (n*g.C+ch+1)*g.H*g.W]
		wk := k.w[(m*cpg+ci)*ksz : (m*cpg+ci+1)*ksz]
		for kx := 0; kx < g.KW; kx++ {
			off := kx*g.DW - g.PL
			ox0, ox1 := kernels.InsideCols(off, g.SW, g.W, g.OW)
			if ox0 >= ox1 {
				continue
			}
			cnt := ox1 - ox0
			ix0 := ox0*g.SW + off
			for ky := 0; ky < g.KH; ky++ {
				wv := wk[ky*g.KW+kx]
				for oy := 0; oy < g.OH; oy++ {
					iy := oy*g.SH - g.PT + ky*g.DH
					if iy < 0 || iy >= g.H {
						continue
					}
					yr := y[oy*g.OW+ox0 : oy*g.OW+ox1]
					if g.SW == 1 {
						xr := x[iy*g.W+ix0 : iy*g.W+ix0+cnt]
						for j := range yr {
							yr[j] += wv * xr[j]
						}
					} else {
						xr := x[iy*g.W:]
						ix := ix0
						for j := range yr {
							yr[j] += wv * xr[ix]
							ix += g.SW
						}
					}
				}
			}
		}
	}
	if !math.IsInf(float64(k.lo), -1) || !math.IsInf(float64(k.hi), 1) {
		clampSlice(y, k.lo, k.hi)
	}
}

// clampSlice clamps every element of x to [lo, hi]; NaN stays NaN.
func clampSlice(x []float32, lo, hi float32) {
	for i, v := range x {
		if v < lo {
			x[i] = lo
		} else if v > hi {
			x[i] = hi
		}
	}
}
