package engine

import (
	"slices"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

// Element-wise chains. A run of element-wise operations, each reading only
// the previous one's output (reshapes in between pass through), such as MoveNet's input normalisation
// Cast → Sub(mean) → Mul(scale) → Sub(1), is fused at load time into one
// operation that makes a single pass over memory. Each element goes through
// the same float32 operations in the same order as before, so results are
// bit for bit unchanged.

// chainStage is one operation of a chain.
type chainStage struct {
	kind  chainKind
	op    binOp     // chainBinary
	rev   bool      // chainBinary: the constant is the left operand
	tile  []float32 // chainBinary: the constant repeated to the chain's period
	unary unaryOp   // chainUnary
	lo    float32   // chainClamp
	hi    float32
}

type chainKind uint8

const (
	chainBinary chainKind = iota + 1
	chainUnary
	chainClamp
)

// chainKernel runs a fused chain over chunks of period elements; every
// constant repeats with a period that divides it, so each chunk starts at
// phase 0 of every constant.
type chainKernel struct {
	stages []chainStage
	period int
	// base is the least common period of the constants (period is a
	// multiple of it).
	base int
	// sc, when set, is a Transpose folded into the chain: the chain writes
	// its result in the transposed order, reading the source through sc.
	sc *stridedCopy
}

// transposedSegment is the unit of work of a transposed chain: a piece of
// one destination row.
const transposedSegment = 2048

// maxChainPeriod bounds the tiles of the constants.
const maxChainPeriod = 4096

type chainStep struct {
	k    *chainKernel
	x, y *Tensor
	n    int
}

func (k *chainKernel) bind(in, out []*Tensor) step {
	return &chainStep{k: k, x: in[0], y: out[0], n: numElems(out[0].Shape)}
}

func (s *chainStep) run(p *pool) error {
	if sc := s.k.sc; sc != nil {
		segs := (sc.dims[len(sc.dims)-1] + transposedSegment - 1) / transposedSegment
		p.parallelFor(sc.outer*segs, max(1, ewGrain/transposedSegment), s)
		return nil
	}
	chunks := (s.n + s.k.period - 1) / s.k.period
	p.parallelFor(chunks, max(1, ewGrain/s.k.period), s)
	return nil
}

// Range does chunks [lo, hi).
func (s *chainStep) Range(lo, hi int) {
	if s.k.sc != nil {
		s.transposedRange(lo, hi)
		return
	}
	L := s.k.period
	for q := lo; q < hi; q++ {
		off := q * L
		n := min(L, s.n-off)
		y := s.y.F32[off : off+n]
		castInto(&Tensor{DType: Float32, F32: y}, s.x.sub(off, off+n))
		for i := range s.k.stages {
			st := &s.k.stages[i]
			switch st.kind {
			case chainBinary:
				chainBinaryStage(st, y, st.tile[:n])
			case chainUnary:
				applyUnary(st.unary, y, y)
			case chainClamp:
				clampSlice(y, st.lo, st.hi)
			}
		}
	}
}

// transposedRange does segments [lo, hi) of destination rows: each is
// gathered from the source with the transpose's stride, then goes through
// the stages with the constants indexed by source position.
func (s *chainStep) transposedRange(lo, hi int) {
	sc, k := s.k.sc, s.k
	n := sc.dims[len(sc.dims)-1]
	st := sc.strides[len(sc.strides)-1]
	segs := (n + transposedSegment - 1) / transposedSegment
	for u := lo; u < hi; u++ {
		r, seg := u/segs, u%segs
		j0 := seg * transposedSegment
		j1 := min(n, j0+transposedSegment)
		off := sc.srcOffset(r) + j0*st
		y := s.y.F32[r*n+j0 : r*n+j1]
		switch s.x.DType {
		case Float32:
			gatherInto(y, s.x.F32, off, st)
		case Int32:
			// MoveNet's RGB pixels, 16 a step on AVX-512; the same
			// conversion as gatherInto's.
			kernels.GatherInt32(y, s.x.I32, off, st)
		case Int64:
			gatherInto(y, s.x.I64, off, st)
		}
		// Source position off + j·st has phase (off + j·st) mod base in
		// every constant.
		phase, step := off%k.base, st%k.base
		for i := range k.stages {
			stg := &k.stages[i]
			switch stg.kind {
			case chainBinary:
				if step == 0 {
					chainScalarStage(stg, y, stg.tile[phase])
				} else {
					chainPhasedStage(stg, y, stg.tile[:k.base], phase, step)
				}
			case chainUnary:
				applyUnary(stg.unary, y, y)
			case chainClamp:
				clampSlice(y, stg.lo, stg.hi)
			}
		}
	}
}

// gatherInto sets y[j] = float32(x[off + j·st]).
func gatherInto[S float32 | int32 | int64](y []float32, x []S, off, st int) {
	for j := range y {
		y[j] = float32(x[off])
		off += st
	}
}

// chainScalarStage computes y = y op c (or c op y) in place.
func chainScalarStage(st *chainStage, y []float32, c float32) {
	kernels.ArithScalar(arithOf(st.op), y, c, st.rev)
}

// arithOf maps a chain's binary operation (Add, Sub, Mul or Div) to the
// kernels package's, whose vector loops give the same bits.
func arithOf(op binOp) kernels.ArithOp {
	switch op {
	case opSub:
		return kernels.ArithSub
	case opMul:
		return kernels.ArithMul
	case opDiv:
		return kernels.ArithDiv
	}
	return kernels.ArithAdd
}

// chainPhasedStage applies a constant whose phase advances by step per
// element, modulo len(t).
func chainPhasedStage(st *chainStage, y, t []float32, phase, step int) {
	p := len(t)
	for j := range y {
		c := t[phase]
		y[j] = binF32(st.op, cond(st.rev, c, y[j]), cond(st.rev, y[j], c))
		if phase += step; phase >= p {
			phase -= p
		}
	}
}

func cond(b bool, x, y float32) float32 {
	if b {
		return x
	}
	return y
}

// chainBinaryStage computes y = y op t (or t op y) in place.
func chainBinaryStage(st *chainStage, y, t []float32) {
	kernels.Arith(arithOf(st.op), y, t, st.rev)
}

// fuseChains finds element-wise chains in the plan and replaces each with
// one operation.
func fuseChains(p *plan) {
	readers := map[*value]int{}
	for _, on := range p.ops {
		if on.dead {
			continue
		}
		for _, v := range on.inputs {
			if v != nil {
				readers[v]++
			}
		}
	}
	for _, first := range p.ops {
		if first.dead {
			continue
		}
		_, st, ok := chainStageOf(first, nil)
		if !ok {
			continue
		}
		k := &chainKernel{period: 1}
		var stages []*opNode
		var tiles []*Tensor // constants of binary stages, tiled once the period is known
		add := func(on *opNode, st chainStage, c *Tensor) bool {
			if c != nil {
				per := lcm(k.period, numElems(c.Shape))
				if per > maxChainPeriod {
					return false
				}
				k.period = per
			}
			k.stages = append(k.stages, st)
			tiles = append(tiles, c)
			stages = append(stages, on)
			return true
		}
		cur := first
		if first.op == "Cast" {
			stages = append(stages, first) // the cast is the chain's load
		} else {
			c := binConst(first)
			if !add(first, st, c) {
				continue
			}
		}
		for {
			out := cur.outputs[0]
			if out.output || readers[out] != 1 {
				break
			}
			next := readerOf(p, out)
			if next == nil || next.dead || next.pos <= cur.pos {
				break
			}
			if next.view && next.inputs[0] == out {
				// Reshapes keep the flattened order: pass through.
				stages = append(stages, next)
				cur = next
				continue
			}
			_, nst, ok := chainStageOf(next, out)
			if !ok || next.op == "Cast" || !add(next, nst, binConst(next)) {
				break
			}
			cur = next
		}
		// Trailing reshapes stay outside (they cost nothing), and a chain
		// needs two real operations to save a pass.
		for len(stages) > 0 && stages[len(stages)-1].view {
			stages = stages[:len(stages)-1]
		}
		real := len(k.stages)
		if first.op == "Cast" {
			real++
		}
		if real < 2 {
			continue
		}
		// Tile the constants to the period (a multiple of every constant's
		// period), at least a few hundred elements long.
		k.base = k.period
		k.period *= max(1, 512/k.period)
		for i, c := range tiles {
			if c == nil {
				continue
			}
			t := make([]float32, k.period)
			for j := range t {
				t[j] = c.F32[j%len(c.F32)]
			}
			k.stages[i].tile = t
		}
		last := stages[len(stages)-1]
		src := chainInput(first)
		out := last.outputs[0]
		// A Transpose that alone reads the result is folded in: the chain
		// writes the transposed layout directly.
		if tr := readerOf(p, out); tr != nil && tr.op == "Transpose" && !tr.view && !out.output && readers[out] == 1 {
			if sk, ok := tr.k.(*stridedKernel); ok && sk.sc.base == 0 {
				k.sc = sk.sc
				stages = append(stages, tr)
				out = tr.outputs[0]
			}
		}
		fused := first
		fused.op, fused.k, fused.inputs, fused.view = "Chain", k, []*value{src}, false
		fused.outputs = []*value{out}
		out.producer, out.outIdx = fused, 0
		for _, on := range stages[1:] {
			on.dead = true
		}
	}
}

// chainStageOf reports whether on can be a chain stage whose running input
// is run (nil for the first stage: any non-constant input), and returns the
// running input and the stage.
func chainStageOf(on *opNode, run *value) (*value, chainStage, bool) {
	out := on.outputs
	if len(out) != 1 || out[0].dtype != Float32 || on.dead {
		return nil, chainStage{}, false
	}
	switch on.op {
	case "Cast":
		x := on.inputs[0]
		return x, chainStage{}, run == nil && x.konst == nil
	case "Add", "Sub", "Mul", "Div":
		if len(on.inputs) != 2 || on.inputs[0] == nil || on.inputs[1] == nil {
			return nil, chainStage{}, false
		}
		for i := 0; i < 2; i++ {
			x, c := on.inputs[i], on.inputs[1-i]
			if c.konst == nil || x.konst != nil || (run != nil && x != run) || !slices.Equal(x.shape, out[0].shape) || !periodic(c.shape, out[0].shape) {
				continue
			}
			op := map[string]binOp{"Add": opAdd, "Sub": opSub, "Mul": opMul, "Div": opDiv}[on.op]
			return x, chainStage{kind: chainBinary, op: op, rev: i == 1}, true
		}
	case "Relu", "Clip":
		lo, hi, ok := constClampBounds(on)
		if x := on.inputs[0]; ok && (run == nil || x == run) {
			return x, chainStage{kind: chainClamp, lo: lo, hi: hi}, true
		}
	default:
		if k, ok := on.k.(*unaryKernel); ok {
			if x := on.inputs[0]; run == nil || x == run {
				return x, chainStage{kind: chainUnary, unary: k.op}, true
			}
		}
	}
	return nil, chainStage{}, false
}

// chainInput is the running input of a chain's first operation.
func chainInput(on *opNode) *value {
	x, _, _ := chainStageOf(on, nil)
	return x
}

// binConst returns the constant operand of a binary stage, nil otherwise.
func binConst(on *opNode) *Tensor {
	switch on.op {
	case "Add", "Sub", "Mul", "Div":
		for _, v := range on.inputs {
			if v != nil && v.konst != nil {
				return v.konst
			}
		}
	}
	return nil
}

// periodic reports whether a constant of shape c, broadcast to out, repeats
// with period numElems(c) along the flattened output: c is out's trailing
// dimensions, possibly with leading ones.
func periodic(c, out []int) bool {
	i := 0
	for i < len(c) && c[i] == 1 {
		i++
	}
	c = c[i:]
	if len(c) > len(out) {
		return false
	}
	return slices.Equal(c, out[len(out)-len(c):])
}

// readerOf returns the live operation reading v.
func readerOf(p *plan, v *value) *opNode {
	for _, on := range p.ops {
		if on.dead {
			continue
		}
		for _, x := range on.inputs {
			if x == v {
				return on
			}
		}
	}
	return nil
}

func lcm(a, b int) int {
	if a == 0 || b == 0 {
		return max(a, b)
	}
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}
