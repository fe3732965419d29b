package kernels

import (
	"fmt"
	"math"
	"unsafe"
)

// Blocking parameters. A micro-tile is TileM rows by TileN columns of the
// output; the AVX-512 kernel holds it in 24 ZMM accumulators (8 rows x 3
// vectors), the AVX2 kernel in four passes of 4 rows x 3 YMM. blockK bounds
// the depth of one pass so a packed A micro-panel (TileM x blockK floats,
// 16 KiB) stays in L1 while B streams from L2; bBudget bounds the block of B
// (blockK rows x NC columns, 512 KiB) that every row panel sweeps, so that it
// stays in L2.
//
// B is read in place, never packed as a whole. A kernel reads each row of a
// B panel as TileN contiguous floats, which costs no more from the matrix
// than from a packed copy, while packing costs a pass over B per call: on
// MoveNet's 1x1 convolutions (BenchmarkGemm's shapes, M up to 960 in one
// call) packing measured from 0.99x to 1.7x the time of reading in place.
// Only a last panel narrower than its kernel is copied into the scratch, so
// kernels never read past the end of a row of B.
const (
	// TileM is the number of output rows of a micro-tile. Splitting work
	// at multiples of TileM rows avoids partial tiles.
	TileM = 8
	// TileN is the number of output columns of a micro-tile. Splitting
	// work at multiples of TileN columns avoids partial tiles.
	TileN = 48

	blockK  = 512
	bBudget = 128 * 1024
)

// GemmScratchLen is the number of float32s of scratch one MulBlock call needs:
// a partial panel of B and two tiles for partial output tiles. Each
// concurrent caller needs its own scratch.
const GemmScratchLen = blockK*TileN + 2*TileM*TileN

// Flags for the micro-kernels.
const (
	flagAccumulate = 1 << iota // add the tile already in C (a later K block)
	flagFinal                  // add bias, residual (if flagResidual), clamp: the last K block
	flagResidual               // add the residual tile before the clamp
)

// PackedA is a constant M x K left-hand matrix (convolution weights with Cout
// rows and Cin*kh*kw columns) and its per-row bias, packed once into the
// layout the micro-kernels read: for each block of blockK columns, for each
// panel of TileM rows, TileM consecutive values per column. Rows past M are
// zero, so kernels never branch on the row count.
type PackedA struct {
	m, k   int
	panels int
	data   []float32
	bias   []float32
}

// PackA packs the m x k row-major matrix a (row stride lda) and the optional
// bias (length m, or nil for zero) into a new PackedA.
func PackA(a []float32, lda, m, k int, bias []float32) *PackedA {
	p := &PackedA{}
	p.Repack(a, lda, m, k, bias)
	return p
}

// Repack packs a into p, reusing p's storage when it is large enough, so a
// MatMul with a variable left operand can pack per call without allocating.
func (p *PackedA) Repack(a []float32, lda, m, k int, bias []float32) {
	if m <= 0 || k <= 0 || lda < k || len(a) < (m-1)*lda+k {
		panic(fmt.Sprintf("kernels: PackA of %dx%d matrix with lda %d from %d values", m, k, lda, len(a)))
	}
	if bias != nil && len(bias) < m {
		panic(fmt.Sprintf("kernels: PackA bias has %d values for %d rows", len(bias), m))
	}
	p.m, p.k = m, k
	p.panels = (m + TileM - 1) / TileM
	mp := p.panels * TileM
	p.data = grow(p.data, mp*k)
	p.bias = grow(p.bias, mp)
	clear(p.bias)
	copy(p.bias, bias[:min(len(bias), m)])
	for k0 := 0; k0 < k; k0 += blockK {
		kl := min(blockK, k-k0)
		for pn := 0; pn < p.panels; pn++ {
			dst := p.data[k0*mp+pn*kl*TileM:][:kl*TileM]
			for r := 0; r < TileM; r++ {
				row := pn*TileM + r
				if row >= m {
					for kk := 0; kk < kl; kk++ {
						dst[kk*TileM+r] = 0
					}
					continue
				}
				src := a[row*lda+k0:][:kl]
				for kk, v := range src {
					dst[kk*TileM+r] = v
				}
			}
		}
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Rows returns M, the number of output rows.
func (p *PackedA) Rows() int { return p.m }

// Depth returns K, the inner dimension.
func (p *PackedA) Depth() int { return p.k }

// Epilogue is applied to every output element after the product:
// out = clamp(A·B + bias + Residual), the order of a convolution followed by
// a residual Add and then a Relu or Clip. The zero value adds bias only.
type Epilogue struct {
	Clamp    bool      // clamp to [Lo, Hi] (Relu: 0, +Inf; Relu6: 0, 6)
	Lo, Hi   float32   // clamp bounds, used when Clamp is set
	Residual []float32 // added element-wise when non-nil, laid out like dst
	// LdR is the row stride of Residual; 0 means the same as dst's.
	LdR int
}

// MulBlock computes rows [m0, m1) and columns [n0, n1) of
// dst = clamp(A·B + bias + residual), where B is K x N row-major with row
// stride ldb (for a 1x1 convolution in NCHW: the input, K = Cin, N = H*W,
// ldb = H*W) and dst has row stride ldc. Blocks may be computed concurrently
// as long as each caller passes its own scratch of GemmScratchLen floats.
// Shape errors are programming errors and panic.
func (p *PackedA) MulBlock(dst []float32, ldc int, b []float32, ldb int, ep *Epilogue, m0, m1, n0, n1 int, scratch []float32) {
	if m0 < 0 || m1 > p.m || m0 > m1 || n0 < 0 || n0 > n1 || n1 > ldb || n1 > ldc {
		panic(fmt.Sprintf("kernels: MulBlock rows [%d,%d) of %d, columns [%d,%d) with ldb %d ldc %d", m0, m1, p.m, n0, n1, ldb, ldc))
	}
	if m0 == m1 || n0 == n1 {
		return
	}
	if len(b) < (p.k-1)*ldb+n1 || len(dst) < (m1-1)*ldc+n1 || len(scratch) < GemmScratchLen {
		panic(fmt.Sprintf("kernels: MulBlock buffers too short: b %d, dst %d, scratch %d", len(b), len(dst), len(scratch)))
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	var res []float32
	ldr := ldc
	if ep != nil {
		if ep.Clamp {
			lo, hi = ep.Lo, ep.Hi
		}
		if ep.Residual != nil {
			res = ep.Residual
			if ep.LdR != 0 {
				ldr = ep.LdR
			}
			if len(res) < (m1-1)*ldr+n1 {
				panic(fmt.Sprintf("kernels: MulBlock residual has %d values", len(res)))
			}
		}
	}
	kerns := tileKernels()
	const bLen = blockK * TileN
	bpart := scratch[:bLen]
	ctmp := scratch[bLen : bLen+TileM*TileN]
	rtmp := scratch[bLen+TileM*TileN : bLen+2*TileM*TileN]
	mp := p.panels * TileM
	nc := max(TileN, bBudget/min(blockK, p.k)/TileN*TileN)
	pFirst, pLast := m0/TileM, (m1-1)/TileM
	for nb := n0; nb < n1; nb += nc {
		nl := min(nc, n1-nb)
		npan := (nl + TileN - 1) / TileN
		for k0 := 0; k0 < p.k; k0 += blockK {
			kl := min(blockK, p.k-k0)
			// A last panel narrower than TileN is copied into bpart when a
			// kernel first needs it: the 8x36 kernel reads B in place, so
			// on 6x6 images (every panel on it) the copy is never made.
			packed := false
			flags := 0
			if k0 > 0 {
				flags |= flagAccumulate
			}
			if k0+kl == p.k {
				flags |= flagFinal
				if res != nil {
					flags |= flagResidual
				}
			}
			for pn := pFirst; pn <= pLast; pn++ {
				a := &p.data[k0*mp+pn*kl*TileM]
				bias := &p.bias[pn*TileM]
				r0 := max(m0, pn*TileM)
				r1 := min(m1, pn*TileM+TileM)
				for q := 0; q < npan; q++ {
					col := nb + q*TileN
					cw := min(TileN, n1-col)
					if cw == TileN && r0 == pn*TileM && r1-r0 == TileM && kerns.tiles != nil && gemmTilesEnabled {
						// This and the following full tiles of the block.
						nt := min(npan-q, (n1-col)/TileN)
						rp := &rtmp[0]
						if res != nil {
							rp = &res[r0*ldr+col]
						}
						kerns.tiles(kl, a, &b[k0*ldb+col], ldb, &dst[r0*ldc+col], ldc, bias, rp, ldr, lo, hi, flags, nt)
						q += nt - 1
						continue
					}
					if cw == 36 && kerns.k36 != nil && r0 == pn*TileM && r1-r0 == TileM {
						rp := &rtmp[0]
						if res != nil {
							rp = &res[r0*ldr+col]
						}
						kerns.k36(kl, a, &b[k0*ldb+col], ldb, &dst[r0*ldc+col], ldc, bias, rp, ldr, lo, hi, flags)
						continue
					}
					kern, kr, kw := kerns.pick(r1-pn*TileM, cw)
					bp, bld := &b[k0*ldb+col], ldb
					if cw != TileN && cw != kw {
						if !packed {
							packPartialB(bpart[:kl*TileN], b[k0*ldb+col:], ldb, kl, cw)
							packed = true
						}
						bp, bld = &bpart[0], TileN
					}
					if r0 == pn*TileM && r1-r0 == kr && cw == kw {
						rp := &rtmp[0]
						if res != nil {
							rp = &res[r0*ldr+col]
						}
						kern(kl, a, bp, bld, &dst[r0*ldc+col], ldc, bias, rp, ldr, lo, hi, flags)
						continue
					}
					// Partial tile: run the kernel on a full-size copy and keep
					// the valid part, so kernels never read or write past it.
					off := r0 - pn*TileM
					clear(ctmp)
					if flags&flagAccumulate != 0 {
						copyTile(ctmp[off*TileN:], TileN, dst[r0*ldc+col:], ldc, r1-r0, cw)
					}
					if flags&flagResidual != 0 {
						clear(rtmp)
						copyTile(rtmp[off*TileN:], TileN, res[r0*ldr+col:], ldr, r1-r0, cw)
					}
					kern(kl, a, bp, bld, &ctmp[0], TileN, bias, &rtmp[0], TileN, lo, hi, flags)
					copyTile(dst[r0*ldc+col:], ldc, ctmp[off*TileN:], TileN, r1-r0, cw)
				}
			}
		}
	}
}

// kernelSet holds the micro-kernels of one implementation, k[r][v]
// computing the top 1<<r rows and left 16*(v+1) columns of a tile. Without
// narrow kernels every entry is the full-tile kernel.
type kernelSet struct {
	narrow bool
	k      [4][3]tileFunc
	// k36, when set, computes the top 8 rows and left 36 columns of a
	// tile, reading only those columns of B: a whole 6x6 image.
	k36 tileFunc
	// tiles, when set, is the full-tile kernel over ntiles tiles side by
	// side, so that a row panel's run of full tiles costs one call.
	tiles tilesFunc
}

// tilesFunc is a tileFunc over ntiles >= 1 tiles side by side: b, c and r
// move TileN columns on per tile.
type tilesFunc func(kl int, a, b *float32, ldb int, c *float32, ldc int, bias, r *float32, ldr int, lo, hi float32, flags, ntiles int)

// gemmTilesEnabled lets tests compare MulBlock's runs of full tiles on
// kernelSet.tiles with one call per tile.
var gemmTilesEnabled = true

func fullOnly(f tileFunc) kernelSet {
	s := kernelSet{}
	for r := range s.k {
		for v := range s.k[r] {
			s.k[r][v] = f
		}
	}
	return s
}

var goKernels = fullOnly(tileGo)

// pick returns the smallest kernel covering rows x cols of a tile and the
// rows and columns it computes.
func (s *kernelSet) pick(rows, cols int) (f tileFunc, kr, kw int) {
	if !s.narrow {
		return s.k[3][2], TileM, TileN
	}
	r := 0
	for 1<<r < rows {
		r++
	}
	v := (cols+15)/16 - 1
	return s.k[r][v], 1 << r, 16 * (v + 1)
}

// copyTile copies a rows x cols block between row-major buffers.
func copyTile(dst []float32, ldd int, src []float32, lds int, rows, cols int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*ldd:r*ldd+cols], src[r*lds:r*lds+cols])
	}
}

// packPartialB copies the kl x cw block of b (row stride ldb, cw < TileN)
// into a panel of kl rows of TileN values, zero-padding each row.
func packPartialB(dst []float32, b []float32, ldb, kl, cw int) {
	for k := 0; k < kl; k++ {
		row := dst[k*TileN : k*TileN+TileN]
		copy(row, b[k*ldb:k*ldb+cw])
		clear(row[cw:])
	}
}

// tileFunc computes one TileM x TileN tile: acc = A·B over kl columns of the
// packed panel a and the panel b (TileN values per row, row stride ldb: the
// matrix's own, or TileN for a partial panel copied to the scratch); with
// flagAccumulate acc += C; with flagFinal
// acc = clamp(acc + bias (+ R with flagResidual), lo, hi); then C = acc.
// c and r have row strides ldc and ldr in elements.
type tileFunc func(kl int, a, b *float32, ldb int, c *float32, ldc int, bias, r *float32, ldr int, lo, hi float32, flags int)

// tileGo is the portable micro-kernel.
func tileGo(kl int, a, b *float32, ldb int, c *float32, ldc int, bias, r *float32, ldr int, lo, hi float32, flags int) {
	as := unsafe.Slice(a, kl*TileM)
	bs := unsafe.Slice(b, (kl-1)*ldb+TileN)
	var acc [TileM * TileN]float32
	// 4x4 blocks of the tile, each summed over all of K in 16 local
	// variables that the compiler keeps in registers.
	for i0 := 0; i0 < TileM; i0 += 4 {
		for j0 := 0; j0 < TileN; j0 += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			var c20, c21, c22, c23, c30, c31, c32, c33 float32
			for k := 0; k < kl; k++ {
				ak := as[k*TileM+i0 : k*TileM+i0+4 : k*TileM+i0+4]
				bk := bs[k*ldb+j0 : k*ldb+j0+4 : k*ldb+j0+4]
				a0, a1, a2, a3 := ak[0], ak[1], ak[2], ak[3]
				b0, b1, b2, b3 := bk[0], bk[1], bk[2], bk[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				c20 += a2 * b0
				c21 += a2 * b1
				c22 += a2 * b2
				c23 += a2 * b3
				c30 += a3 * b0
				c31 += a3 * b1
				c32 += a3 * b2
				c33 += a3 * b3
			}
			r0 := acc[i0*TileN+j0 : i0*TileN+j0+4 : i0*TileN+j0+4]
			r1 := acc[(i0+1)*TileN+j0 : (i0+1)*TileN+j0+4 : (i0+1)*TileN+j0+4]
			r2 := acc[(i0+2)*TileN+j0 : (i0+2)*TileN+j0+4 : (i0+2)*TileN+j0+4]
			r3 := acc[(i0+3)*TileN+j0 : (i0+3)*TileN+j0+4 : (i0+3)*TileN+j0+4]
			r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
			r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
			r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
			r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
		}
	}
	cs := unsafe.Slice(c, (TileM-1)*ldc+TileN)
	biases := unsafe.Slice(bias, TileM)
	var rs []float32
	if flags&flagResidual != 0 {
		rs = unsafe.Slice(r, (TileM-1)*ldr+TileN)
	}
	for i := 0; i < TileM; i++ {
		row := acc[i*TileN : i*TileN+TileN]
		crow := cs[i*ldc : i*ldc+TileN]
		if flags&flagAccumulate != 0 {
			for j := range row {
				row[j] += crow[j]
			}
		}
		if flags&flagFinal != 0 {
			bv := biases[i]
			for j := range row {
				row[j] += bv
			}
			if rs != nil {
				for j, v := range rs[i*ldr : i*ldr+TileN] {
					row[j] += v
				}
			}
			for j, v := range row {
				row[j] = min(max(v, lo), hi)
			}
		}
		copy(crow, row)
	}
}

// SplitCols returns the i-th of parts column ranges covering [0, n), cut at
// multiples of TileN so that no tile is split between workers.
func SplitCols(n, parts, i int) (n0, n1 int) {
	return splitAligned(n, parts, i, TileN)
}

// SplitRows returns the i-th of parts row ranges covering [0, m), cut at
// multiples of TileM.
func SplitRows(m, parts, i int) (m0, m1 int) {
	return splitAligned(m, parts, i, TileM)
}

func splitAligned(n, parts, i, align int) (int, int) {
	tiles := (n + align - 1) / align
	t0 := tiles * i / parts
	t1 := tiles * (i + 1) / parts
	return min(n, t0*align), min(n, t1*align)
}
