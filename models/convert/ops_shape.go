package convert

import (
	"fmt"
	"slices"

	"github.com/kneescreen/kneescreen/models/tfjs"
)

// Shape arithmetic. The converted graphs have fixed shapes, so Shape and
// the StridedSlice and Pack ops that build a Reshape's target from it (as
// Keras emits for a batch dimension of -1) become constants here: they are
// computed from shapes, never from weights.

// opShape is the (TF, NHWC) shape of its input as a constant.
func opShape(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 1); err != nil {
		return err
	}
	to := dInt32
	if a, ok := n.Attr["out_type"]; ok {
		var err error
		if to, err = tfDType(a.Type); err != nil {
			return err
		}
	}
	if to != dInt32 {
		return fmt.Errorf("out_type %v: %w (only int32)", to, ErrUnsupported)
	}
	x := ins[0]
	t := &tfjs.Tensor{Name: n.Name, DType: tfjs.Int32, Shape: []int{len(x.shape)}, I: make([]int32, len(x.shape))}
	for i, d := range x.shape {
		t.I[i] = int32(d)
	}
	c.set(n, 0, &value{dtype: dInt32, shape: t.Shape, konst: t, nonneg: true})
	return nil
}

// opStridedSlice slices a constant (a shape, mostly) at conversion time.
// Begin, end and strides must be constants; the ellipsis and new-axis
// masks are not supported.
func opStridedSlice(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 4); err != nil {
		return err
	}
	x := ins[0]
	if x.konst == nil {
		return fmt.Errorf("StridedSlice of a computed tensor: %w (only of constants)", ErrUnsupported)
	}
	begin, err := constInts(ins[1], "begin")
	if err != nil {
		return err
	}
	end, err := constInts(ins[2], "end")
	if err != nil {
		return err
	}
	strides, err := constInts(ins[3], "strides")
	if err != nil {
		return err
	}
	if attrInt(n, "ellipsis_mask", 0) != 0 || attrInt(n, "new_axis_mask", 0) != 0 {
		return fmt.Errorf("ellipsis or new-axis masks: %w", ErrUnsupported)
	}
	r := len(x.shape)
	if len(begin) != len(end) || len(begin) != len(strides) || len(begin) > r {
		return fmt.Errorf("%w: begin %v, end %v, strides %v for rank %d", tfjs.ErrMalformed, begin, end, strides, r)
	}
	bm, em, sm := attrInt(n, "begin_mask", 0), attrInt(n, "end_mask", 0), attrInt(n, "shrink_axis_mask", 0)
	// Per axis: the first index, the step and the count.
	first, step, count := make([]int, r), make([]int, r), make([]int, r)
	var shape []int
	for a := 0; a < r; a++ {
		d := x.shape[a]
		if a >= len(begin) {
			first[a], step[a], count[a] = 0, 1, d
			shape = append(shape, d)
			continue
		}
		s := strides[a]
		if s == 0 {
			return fmt.Errorf("%w: stride 0", tfjs.ErrMalformed)
		}
		if sm&(1<<a) != 0 {
			i := begin[a]
			if i < 0 {
				i += d
			}
			if i < 0 || i >= d {
				return fmt.Errorf("%w: index %d out of range for axis %d of size %d", tfjs.ErrMalformed, begin[a], a, d)
			}
			first[a], step[a], count[a] = i, 1, 1
			continue
		}
		lo, hi := sliceBound(begin[a], d, s, bm&(1<<a) != 0, true), sliceBound(end[a], d, s, em&(1<<a) != 0, false)
		cnt := 0
		if s > 0 && hi > lo {
			cnt = (hi - lo + s - 1) / s
		} else if s < 0 && lo > hi {
			cnt = (lo - hi - s - 1) / -s
		}
		first[a], step[a], count[a] = lo, s, cnt
		shape = append(shape, cnt)
	}
	if shape == nil {
		shape = []int{}
	}
	t := &tfjs.Tensor{Name: n.Name, DType: x.konst.DType, Shape: shape}
	src := x.konst
	st := strides64(x.shape)
	total := numElements(count)
	idx := make([]int, r)
	for k := 0; k < total; k++ {
		rem, off := k, 0
		for a := r - 1; a >= 0; a-- {
			idx[a] = rem % count[a]
			rem /= count[a]
		}
		for a := 0; a < r; a++ {
			off += (first[a] + idx[a]*step[a]) * st[a]
		}
		if src.DType == tfjs.Int32 {
			t.I = append(t.I, src.I[off])
		} else {
			t.F = append(t.F, src.F[off])
		}
	}
	c.set(n, 0, &value{dtype: x.dtype, shape: shape, konst: t, nonneg: nonnegInts(t)})
	return nil
}

// sliceBound clamps a StridedSlice begin (or end) index as TF does.
func sliceBound(i, d, s int, masked, isBegin bool) int {
	if masked {
		switch {
		case s > 0 && isBegin:
			return 0
		case s > 0:
			return d
		case isBegin:
			return d - 1
		default:
			return -1
		}
	}
	if i < 0 {
		i += d
	}
	if s > 0 {
		return min(max(i, 0), d)
	}
	return min(max(i, -1), d-1)
}

func strides64(s []int) []int {
	st := make([]int, len(s))
	k := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = k
		k *= s[i]
	}
	return st
}

// packConsts stacks constant inputs into a constant (a Reshape's target
// shape); ok is false when an input is computed.
func packConsts(n *tfjs.Node, ins []*value) (*value, bool, error) {
	for _, v := range ins {
		if v.konst == nil {
			return nil, false, nil
		}
	}
	first := ins[0]
	axis, err := normAxis(int(attrInt(n, "axis", 0)), len(first.shape)+1)
	if err != nil {
		return nil, false, err
	}
	for k, v := range ins {
		if !slices.Equal(v.shape, first.shape) || v.konst.DType != first.konst.DType {
			return nil, false, fmt.Errorf("%w: input %d is %v %v, input 0 is %v %v", tfjs.ErrMalformed, k, v.dtype, v.shape, first.dtype, first.shape)
		}
	}
	shape := insertAxis(first.shape, axis, len(ins))
	outer, inner := numElements(first.shape[:axis]), numElements(first.shape[axis:])
	t := &tfjs.Tensor{Name: n.Name, DType: first.konst.DType, Shape: shape}
	for o := 0; o < outer; o++ {
		for _, v := range ins {
			if t.DType == tfjs.Int32 {
				t.I = append(t.I, v.konst.I[o*inner:(o+1)*inner]...)
			} else {
				t.F = append(t.F, v.konst.F[o*inner:(o+1)*inner]...)
			}
		}
	}
	return &value{dtype: first.dtype, shape: shape, konst: t, nonneg: nonnegInts(t)}, true, nil
}
