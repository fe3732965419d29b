package engine

import (
	"errors"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

// Expansion + depthwise fusion. MobileNetV2's inverted residual blocks
// (MoveNet's backbone) widen the channels with a 1x1 convolution and a
// clamp, then run a 3x3 depthwise convolution over the wide tensor: on
// Lightning's first blocks 96 channels of 96x96, 3.5 MB, written by the
// first convolution and read back by the second from beyond the core's
// L2 cache. Fused, the pair walks the image in bands of output rows: the
// 1x1 convolution computes only the input rows a band of the depthwise
// convolution reads (its pixel columns, every output channel) into a
// buffer that stays in cache, and the depthwise convolution runs on it at
// once. Rows shared by consecutive bands (the 3x3 window's overlap) move to
// the top of the buffer instead of being computed again.
//
// Every element goes through the same operations in the same order as
// unfused: the matrix multiply's K order and epilogue do not depend on
// which columns a call covers, and the depthwise kernels read a band as
// they read the whole plane (kernels.Depthwise.RunBand).

// fuseExpandEnabled lets tests compare the fused plan with the unfused one.
var fuseExpandEnabled = true

// fuseExpandMinBytes is the smallest expanded tensor (per batch item) worth
// fusing: smaller ones stay in L2 between the two convolutions anyway.
// Fusing Lightning's 24x24, 12x12 and 6x6 blocks too measured the same
// time as not, within noise, so they keep the plain, parallel-by-columns
// path.
var fuseExpandMinBytes = 512 << 10

// expandBandBytes is the size the band buffer aims at, half a core's L2
// cache. Smaller bands cost more calls and recompute or move more of the
// rows that consecutive bands share; on Lightning's 96x96 and 48x48
// blocks, 64 to 256 KiB measured slower than 512 KiB, and 768 KiB or more
// no faster.
var expandBandBytes = 512 << 10

// fuseExpandDepthwise merges each pointwise convolution on the fast path
// (with its clamp, without a residual) into the depthwise convolution that
// is its only reader.
func fuseExpandDepthwise(p *plan) {
	if !fuseExpandEnabled {
		return
	}
	readers := readerCounts(p)
	for _, on := range p.ops {
		dk := on.conv
		if on.dead || dk == nil || dk.fast == nil || dk.fast.kind != fastDepthwise || on.k != kernel(dk) {
			continue
		}
		v := on.inputs[0]
		e := v.producer
		if e == nil || e.dead || e.conv == nil || e.k != kernel(e.conv) || v.output || readers[v] != 1 {
			continue
		}
		ek := e.conv
		if ek.fast == nil || ek.fast.kind != fastPointwise || ek.residual || ek.g.N != dk.g.N ||
			4*ek.g.M*ek.g.OH*ek.g.OW < fuseExpandMinBytes {
			continue
		}
		on.k = newExpandDW(ek, dk)
		on.conv = nil // no further fusion into the pair
		ins := []*value{e.inputs[0], nil, nil}
		if dk.residual {
			ins = append(ins, on.inputs[3])
		}
		on.inputs = ins
		e.dead = true
	}
}

// expandDWKernel is a pointwise convolution e fused with the depthwise
// convolution d that reads its output.
type expandDWKernel struct {
	e, d *convKernel
	// maxBand is the number of output rows of d per band that fits
	// expandBandBytes.
	maxBand int
}

func newExpandDW(e, d *convKernel) *expandDWKernel {
	g := &d.g
	rowBytes := 4 * g.C * g.W // one input row of d, every channel
	// A band of r output rows reads (r-1)*stride + KH input rows.
	return &expandDWKernel{e: e, d: d, maxBand: max(1, min(g.OH, (expandBandBytes/rowBytes-g.KH)/g.SH+1))}
}

func (k *expandDWKernel) bind(in, out []*Tensor) step {
	s := &expandDWStep{k: k, x: in[0], y: out[0]}
	if k.d.residual {
		s.r = in[3]
	}
	return s
}

// expandDWStep is an expandDWKernel bound to a Session's tensors. Its units
// of work are bands of output rows, counted across the batch.
type expandDWStep struct {
	k       *expandDWKernel
	x, r, y *Tensor
	// bandRows is the number of output rows of d per band for threads
	// threads, bands the number of bands per batch item and maxIn the
	// number of input rows a band reads at most.
	threads, bandRows, bands, maxIn int
}

func (s *expandDWStep) run(p *pool) error {
	g := &s.k.e.g
	if s.x == nil || len(s.x.F32) != g.N*g.C*g.H*g.W {
		return errors.New("conv: input buffer does not match the planned shape")
	}
	threads := 1
	if p != nil {
		threads = p.threads
	}
	if threads != s.threads {
		// With several threads, at least two bands each (the pool hands
		// out a few chunks per thread), so that they share the work
		// evenly; bands of a thread that follow one another share rows.
		dg := &s.k.d.g
		s.threads = threads
		s.bandRows = s.k.maxBand
		if threads > 1 {
			s.bandRows = max(1, min(s.bandRows, dg.OH*g.N/(2*threads)))
		}
		s.bands = (dg.OH + s.bandRows - 1) / s.bandRows
		s.maxIn = min(dg.H, (s.bandRows-1)*dg.SH+dg.KH)
	}
	p.parallelFor(g.N*s.bands, 1, s)
	return nil
}

// Range computes bands [lo, hi).
func (s *expandDWStep) Range(lo, hi int) {
	k := s.k
	eg, dg := &k.e.g, &k.d.g
	a, dw := k.e.fast.a, k.d.fast.dw
	w, hw, ohw := eg.W, eg.H*eg.W, dg.OH*dg.OW
	m := eg.M
	ldp := s.maxIn * w // the band buffer's plane stride
	dwLen := dw.ScratchLen()
	scr := getScratch(kernels.GemmScratchLen + m*ldp + dwLen)
	gemmScr := scr[:kernels.GemmScratchLen]
	band := scr[kernels.GemmScratchLen : kernels.GemmScratchLen+m*ldp]
	dwScr := scr[kernels.GemmScratchLen+m*ldp:]
	eep := kernels.Epilogue{Clamp: hasClamp(k.e), Lo: k.e.lo, Hi: k.e.hi}
	dep := kernels.Epilogue{Clamp: hasClamp(k.d), Lo: k.d.lo, Hi: k.d.hi}
	// The buffer holds input rows [have0, have1) of batch item haveN.
	have0, have1, haveN := 0, 0, -1
	for u := lo; u < hi; u++ {
		n, b := u/s.bands, u%s.bands
		oy0 := b * s.bandRows
		oy1 := min(dg.OH, oy0+s.bandRows)
		y0, y1 := dw.BandRows(oy0, oy1)
		keep := 0
		if n == haveN && have0 <= y0 && y0 < have1 && have1 <= y1 {
			keep = have1 - y0
			if y0 > have0 {
				for c := range m {
					p := band[c*ldp:]
					copy(p[:keep*w], p[(y0-have0)*w:(have1-have0)*w])
				}
			}
		}
		x := s.x.F32[n*eg.C*hw : (n+1)*eg.C*hw]
		if y1 > y0+keep {
			a.MulBlock(band[keep*w:], ldp, x[(y0+keep)*w:], hw, &eep, 0, m, 0, (y1-y0-keep)*w, gemmScr)
		}
		have0, have1, haveN = y0, y1, n
		dep.Residual = nil
		if s.r != nil {
			dep.Residual = s.r.F32[n*m*ohw : (n+1)*m*ohw]
		}
		dw.RunBand(s.y.F32[n*m*ohw:(n+1)*m*ohw], band, y0, y1-y0, ldp, k.d.w, k.d.bias, &dep, m, oy0, oy1, dwScr)
	}
	putScratch(scr)
}
