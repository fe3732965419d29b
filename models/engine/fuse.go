package engine

import (
	"math"
	"slices"
)

// fuse merges element-wise operations into the convolutions before them,
// so that the data makes one trip through memory: Conv → Add (a residual of
// the same shape) → Relu or Clip with constant bounds. The merged
// operations drop out of the plan.
func fuse(p *plan) {
	readers := readerCounts(p)
	// fusable returns the convolution producing v when v is read only by the
	// operation being fused and is not a graph output.
	fusable := func(v *value) *opNode {
		if v == nil || v.producer == nil || v.producer.conv == nil || v.output || readers[v] != 1 {
			return nil
		}
		return v.producer
	}
	// absorb replaces conv's output with the output of the fused operation.
	absorb := func(conv, on *opNode) {
		out := on.outputs[0]
		out.producer, out.outIdx = conv, 0
		conv.outputs[0] = out
		on.dead = true
	}
	moved := map[*opNode]*opNode{} // convolution -> the Add whose place it takes
	for _, on := range p.ops {
		switch on.op {
		case "Relu", "Clip":
			lo, hi, ok := constClampBounds(on)
			if !ok {
				continue
			}
			conv := fusable(on.inputs[0])
			if conv == nil {
				continue
			}
			ck := *conv.conv // a copy: the compiled kernel stays as the operator made it
			ck.fuseClamp(lo, hi)
			conv.conv, conv.k = &ck, &ck
			absorb(conv, on)
		case "Add":
			if len(on.inputs) != 2 || on.outputs[0].dtype != Float32 {
				continue
			}
			for i := 0; i < 2; i++ {
				conv := fusable(on.inputs[i])
				other := on.inputs[1-i]
				if conv == nil || other == nil || conv.conv.residual || hasClamp(conv.conv) ||
					!slices.Equal(other.shape, on.outputs[0].shape) || !slices.Equal(on.inputs[i].shape, on.outputs[0].shape) {
					continue
				}
				// The residual must be ready before the convolution runs:
				// if it is computed later, the convolution moves to the
				// Add's place, which is safe because the Add is its only
				// reader and its own inputs are ready by then.
				if other.producer != nil && other.producer.pos >= conv.pos {
					moved[conv] = on
					conv.pos = on.pos
				}
				ck := *conv.conv
				ck.residual = true
				conv.conv, conv.k = &ck, &ck
				for len(conv.inputs) < 3 {
					conv.inputs = append(conv.inputs, nil)
				}
				conv.inputs = append(conv.inputs[:3], other)
				absorb(conv, on)
				break
			}
		}
	}
	if len(moved) > 0 {
		at := map[*opNode]*opNode{}
		for conv, add := range moved {
			at[add] = conv
		}
		ops := make([]*opNode, 0, len(p.ops))
		for _, on := range p.ops {
			if _, ok := moved[on]; ok {
				continue
			}
			if conv, ok := at[on]; ok {
				ops = append(ops, conv)
				continue
			}
			ops = append(ops, on)
		}
		p.ops = ops
	}
}

// fusePads folds a zero Pad of the spatial axes into the convolutions that
// read it (TF exports explicit padding before stride-2 convolutions as Pad
// then VALID): each convolution's own padding grows and the padded copy
// disappears. Every reader must be a convolution taking it as its input.
func fusePads(p *plan) {
	readers := map[*value][]*opNode{}
	for _, on := range p.ops {
		for _, v := range on.inputs {
			if v != nil {
				readers[v] = append(readers[v], on)
			}
		}
	}
	for _, pad := range p.ops {
		if pad.op != "Pad" || pad.dead {
			continue
		}
		v := pad.outputs[0]
		rs := readers[v]
		pk, ok := pad.k.(*padKernel)
		if !ok || v.output || len(rs) == 0 || pk.mode != padConstant || pk.value != 0 || len(pk.in) != 4 {
			continue
		}
		b, in := pk.begin, pk.in
		pt, pl := b[2], b[3]
		pbot, pr := pk.out[2]-in[2]-pt, pk.out[3]-in[3]-pl
		if b[0] != 0 || b[1] != 0 || pk.out[0] != in[0] || pk.out[1] != in[1] || pt < 0 || pl < 0 || pbot < 0 || pr < 0 {
			continue
		}
		all := true
		for _, r := range rs {
			if r.conv == nil || r.inputs[0] != v || slices.Contains(r.inputs[1:], v) {
				all = false
			}
		}
		if !all {
			continue
		}
		for _, conv := range rs {
			ck := *conv.conv
			g := &ck.g
			g.H, g.W = in[2], in[3]
			g.PT, g.PL, g.PB, g.PR = g.PT+pt, g.PL+pl, g.PB+pbot, g.PR+pr
			ck.pointwise = g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT+g.PL+g.PB+g.PR == 0 && g.Group == 1
			ck.fast = planFastConv(g, ck.w, ck.bias)
			conv.conv, conv.k = &ck, &ck
			conv.inputs[0] = pad.inputs[0]
		}
		pad.dead = true
	}
}

// readerCounts counts, for each value, the inputs of the plan's operations
// that read it.
func readerCounts(p *plan) map[*value]int {
	readers := map[*value]int{}
	for _, on := range p.ops {
		for _, v := range on.inputs {
			if v != nil {
				readers[v]++
			}
		}
	}
	return readers
}

func hasClamp(k *convKernel) bool {
	return !math.IsInf(float64(k.lo), -1) || !math.IsInf(float64(k.hi), 1)
}

// constClampBounds returns the bounds of a Relu, or of a Clip whose bounds
// are attributes or constants.
func constClampBounds(on *opNode) (lo, hi float32, ok bool) {
	if on.op == "Relu" {
		return 0, float32(math.Inf(1)), true
	}
	k, isClip := on.k.(*clipKernel)
	if !isClip {
		return 0, 0, false
	}
	return k.staticBounds()
}

// foldTransposeIntoGather lets a GatherND read through the Transpose that
// feeds it, when nothing else reads the transposed tensor: the gather
// touches a few elements, the transpose all of them.
func foldTransposeIntoGather(p *plan) {
	readers := readerCounts(p)
	for _, on := range p.ops {
		gk, ok := on.k.(*gatherNDKernel)
		if !ok || on.dead {
			continue
		}
		v := on.inputs[0]
		tr := v.producer
		if tr == nil || tr.op != "Transpose" || tr.view || tr.dead || v.output || readers[v] != 1 {
			continue
		}
		src := tr.inputs[0]
		perm := transposePerm(tr, len(src.shape))
		ss := stridesOf(src.shape)
		st := make([]int, len(perm))
		for i, p := range perm {
			st[i] = ss[p]
		}
		on.k = gk.withStrides(st)
		on.inputs = append([]*value{src}, on.inputs[1:]...)
		tr.dead = true
	}
}
