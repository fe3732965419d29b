package engine

// The fast convolution paths: 1x1 convolutions and dense convolutions (via
// im2col) as matrix multiplies with pre-packed weights, and depthwise 3x3 and
// 5x5 as direct vector kernels, all from internal/kernels with the bias,
// residual and clamp fused in. Convolutions they do not cover (grouped but
// not depthwise, depthwise with other kernel sizes or dilations) keep the
// pure-Go loops of conv_kernels.go.

import (
	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

// fastConvEnabled lets tests compare the fast paths with the pure-Go loops.
var fastConvEnabled = true

type fastKind int

const (
	fastPointwise fastKind = iota + 1 // out = W · x
	fastIm2col                        // out = W · im2col(x)
	fastDepthwise                     // direct 3x3 or 5x5, one filter per channel
)

// fastConv is the load-time plan of one Conv on the kernels package. It holds
// only weights and geometry, so fused copies of a convKernel may share it.
type fastConv struct {
	kind fastKind
	a    *kernels.PackedA   // pointwise, im2col
	geom kernels.ConvGeom   // im2col
	dw   *kernels.Depthwise // depthwise
}

// planFastConv packs the weights for the fast path that fits g, or returns
// nil when none does.
func planFastConv(g *convGeom, w, bias []float32) *fastConv {
	if !fastConvEnabled {
		return nil
	}
	pointwise := g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT+g.PL+g.PB+g.PR == 0
	switch {
	case g.Group == 1 && pointwise:
		return &fastConv{kind: fastPointwise, a: kernels.PackA(w, g.C, g.M, g.C, bias)}
	case g.Group == g.C && g.M == g.C && g.KH == g.KW && (g.KH == 3 || g.KH == 5) && g.DH == 1 && g.DW == 1 && g.SH == g.SW:
		dw, err := kernels.NewDepthwise(g.KH, g.H, g.W, g.SH, g.PT, g.PL, g.PB, g.PR)
		if err != nil {
			return nil // a geometry the kernel does not take: the generic loops do
		}
		if oh, ow := dw.OutSize(); oh != g.OH || ow != g.OW {
			return nil
		}
		return &fastConv{kind: fastDepthwise, dw: dw}
	case g.Group == 1:
		cg := kernels.ConvGeom{C: g.C, H: g.H, W: g.W, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW,
			DH: g.DH, DW: g.DW, PT: g.PT, PL: g.PL, OH: g.OH, OW: g.OW}
		k := cg.Im2colRows()
		return &fastConv{kind: fastIm2col, a: kernels.PackA(w, k, g.M, k, bias), geom: cg}
	}
	return nil
}

// fastTask is the rangeTask of a convolution on a fast path. It lives inside
// its convStep so that dispatching it allocates nothing.
type fastTask struct {
	s *convStep
	// The output of each batch item is split into rowParts x colParts
	// blocks (matrix multiplies), or for depthwise into output rows (large
	// planes, dwRows) or channels.
	rowParts, colParts int
	dwRows             bool
}

// dwRowsMinPlane is the smallest output plane that depthwise convolutions
// split into bands of rows (matching the column split of the 1x1
// convolutions around them) rather than into channels, whose per-call cost
// is lower on small planes.
const dwRowsMinPlane = 1024

// runFast runs s on its fast path across the pool.
func (s *convStep) runFast(p *pool) {
	g := &s.k.g
	t := &s.fastTask
	t.s = s
	threads := 1
	if p != nil {
		threads = p.threads
	}
	if s.k.fast.kind == fastDepthwise {
		t.dwRows = g.OH*g.OW >= dwRowsMinPlane
		if t.dwRows {
			p.parallelFor(g.N*g.OH, 1, t)
		} else {
			p.parallelFor(g.N*g.M, 1, t)
		}
		return
	}
	// A couple of blocks per thread balance the load; columns first, since
	// workers splitting by rows would each pack the same input.
	hw := g.OH * g.OW
	want := 2 * threads
	if threads == 1 {
		want = 1
	}
	t.colParts = min(want, (hw+kernels.TileN-1)/kernels.TileN)
	t.rowParts = min((want+t.colParts-1)/t.colParts, (g.M+kernels.TileM-1)/kernels.TileM)
	p.parallelFor(g.N*t.rowParts*t.colParts, 1, t)
}

// Range computes units [lo, hi): output blocks of the matrix multiply, or
// depthwise output channels (counted across the batch).
func (t *fastTask) Range(lo, hi int) {
	s := t.s
	k := s.k
	g := &k.g
	f := k.fast
	ep := kernels.Epilogue{Clamp: hasClamp(k), Lo: k.lo, Hi: k.hi}
	inSize, outSize := g.C*g.H*g.W, g.M*g.OH*g.OW
	item := func(n int) (x, y, r []float32) {
		x = s.x.F32[n*inSize : (n+1)*inSize]
		y = s.y.F32[n*outSize : (n+1)*outSize]
		if s.r != nil {
			r = s.r.F32[n*outSize : (n+1)*outSize]
		}
		return x, y, r
	}
	if f.kind == fastDepthwise && t.dwRows {
		scr := getScratch(f.dw.ScratchLen())
		for u := lo; u < hi; {
			n, oy0 := u/g.OH, u%g.OH
			oy1 := min(g.OH, oy0+hi-u)
			x, y, r := item(n)
			ep.Residual = r
			f.dw.RunRows(y, x, k.w, k.bias, &ep, g.M, oy0, oy1, scr)
			u += oy1 - oy0
		}
		putScratch(scr)
		return
	}
	if f.kind == fastDepthwise {
		scr := getScratch(f.dw.ScratchLen())
		for u := lo; u < hi; {
			n, c0 := u/g.M, u%g.M
			c1 := min(g.M, c0+hi-u)
			x, y, r := item(n)
			ep.Residual = r
			f.dw.Run(y, x, k.w, k.bias, &ep, c0, c1, scr)
			u += c1 - c0
		}
		putScratch(scr)
		return
	}
	hw := g.OH * g.OW
	per := t.rowParts * t.colParts
	kdim := f.a.Depth()
	var scr []float32
	for u := lo; u < hi; u++ {
		n, b := u/per, u%per
		m0, m1 := kernels.SplitRows(g.M, t.rowParts, b/t.colParts)
		n0, n1 := kernels.SplitCols(hw, t.colParts, b%t.colParts)
		if m0 == m1 || n0 == n1 {
			continue
		}
		x, y, r := item(n)
		ep.Residual = r
		if f.kind == fastPointwise {
			scr = getScratchOnce(scr, kernels.GemmScratchLen)
			f.a.MulBlock(y, hw, x, hw, &ep, m0, m1, n0, n1, scr)
			continue
		}
		// The unfolded input is made and consumed in chunks of columns that
		// stay in cache (a 256x256 output would otherwise unfold into
		// megabytes per block).
		chunk := im2colChunk(kdim)
		scr = getScratchOnce(scr, kernels.GemmScratchLen+kdim*min(chunk, n1-n0))
		colBuf := scr[kernels.GemmScratchLen:]
		for c0 := n0; c0 < n1; c0 += chunk {
			c1 := min(n1, c0+chunk)
			cols := c1 - c0
			kernels.Im2col(colBuf, cols, x, &f.geom, c0, c1)
			if r != nil {
				ep.Residual, ep.LdR = r[c0:], hw
			}
			f.a.MulBlock(y[c0:], hw, colBuf, cols, &ep, m0, m1, 0, cols, scr)
		}
	}
	if scr != nil {
		putScratch(scr)
	}
}

// im2colBytes bounds the unfolded input of one chunk of an im2col
// convolution: well inside a core's L2 cache.
const im2colBytes = 256 << 10

// im2colChunk is the number of output columns unfolded at a time for a
// depth of kdim rows: a whole number of GEMM tiles.
func im2colChunk(kdim int) int {
	return max(1, im2colBytes/4/max(kdim, 1)/kernels.TileN) * kernels.TileN
}

// scratchFree recycles scratch buffers between kernel calls of every session,
// so that the few buffers in use at a time stay warm in cache and steady-state
// inference allocates nothing.
var scratchFree = make(chan []float32, 64)

// minScratch is the smallest buffer worth keeping: enough for any matrix
// multiply block plus a generous im2col or depthwise plane.
const minScratch = 2 * kernels.GemmScratchLen

func getScratch(n int) []float32 {
	// Take the first pooled buffer that is large enough; smaller ones go
	// back for smaller requests, so that no buffer is dropped and steady
	// state allocates nothing even when sizes differ.
	var small [4][]float32
	var got []float32
	k := 0
	for got == nil && k < len(small) {
		var s []float32
		select {
		case s = <-scratchFree:
		default:
		}
		if s == nil {
			break
		}
		if cap(s) >= n {
			got = s[:n]
		} else {
			small[k] = s
			k++
		}
	}
	for _, s := range small[:k] {
		putScratch(s)
	}
	if got == nil {
		got = make([]float32, max(n, minScratch))
	}
	return got
}

// getScratchOnce returns s if it is already long enough, else a recycled or
// new buffer (handing s back).
func getScratchOnce(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	if s != nil {
		putScratch(s)
	}
	return getScratch(n)
}

func putScratch(s []float32) {
	select {
	case scratchFree <- s[:cap(s)]:
	default:
	}
}
