package engine

import (
	"fmt"
	"math"
)

func init() { register("Slice", compileSlice) }

// compileSlice takes starts, ends, axes and steps as constant inputs
// (opset 10 and later) or as attributes (opset 1).
func compileSlice(c *opCtx) error {
	if err := c.need(1, 5); err != nil {
		return err
	}
	x := c.in[0]
	r := len(x.shape)
	var starts, ends, axes, steps []int64
	if len(c.in) >= 3 {
		for i, dst := range []*[]int64{&starts, &ends, &axes, &steps} {
			if c.input(1+i) == nil {
				continue
			}
			t, err := c.constInput(1+i, []string{"starts", "ends", "axes", "steps"}[i])
			if err != nil {
				return err
			}
			*dst = t.ints()
		}
	} else {
		var err error
		if starts, err = c.attrInts("starts", nil); err != nil {
			return err
		}
		if ends, err = c.attrInts("ends", nil); err != nil {
			return err
		}
		if axes, err = c.attrInts("axes", nil); err != nil {
			return err
		}
	}
	if len(starts) != len(ends) || len(starts) == 0 {
		return fmt.Errorf("starts %v and ends %v must have the same non-zero length", starts, ends)
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		for range starts {
			steps = append(steps, 1)
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return fmt.Errorf("axes %v and steps %v must match starts %v", axes, steps, starts)
	}
	out := append([]int(nil), x.shape...)
	xs := stridesOf(x.shape)
	st := append([]int(nil), xs...)
	base := 0
	seen := make([]bool, r)
	for i := range starts {
		a, err := normAxis(axes[i], r)
		if err != nil {
			return err
		}
		if seen[a] {
			return fmt.Errorf("axis %d repeated", axes[i])
		}
		seen[a] = true
		first, n, err := sliceRange(starts[i], ends[i], steps[i], x.shape[a])
		if err != nil {
			return err
		}
		out[a] = n
		base += first * xs[a]
		st[a] = xs[a] * int(steps[i])
	}
	c.setOut(x.dtype, out)
	c.k = &stridedKernel{sc: newStridedCopy(out, st, base)}
	return nil
}

// sliceRange resolves one axis of a Slice as ONNX defines it: negative
// indices count from the end and out-of-range ones clamp.
func sliceRange(start, end, step int64, dim int) (first, n int, err error) {
	if step == 0 {
		return 0, 0, fmt.Errorf("step 0")
	}
	d := int64(dim)
	norm := func(i int64, lo, hi int64) int64 {
		if i < 0 && i > math.MinInt64/2 {
			i += d
		} else if i <= math.MinInt64/2 {
			i = lo
		}
		return min(max(i, lo), hi)
	}
	var s, e int64
	if step > 0 {
		s, e = norm(start, 0, d), norm(end, 0, d)
		if e <= s {
			return 0, 0, nil
		}
		return int(s), int((e - s + step - 1) / step), nil
	}
	s, e = norm(start, 0, d-1), norm(end, -1, d-1)
	if s <= e {
		return 0, 0, nil
	}
	return int(s), int((s - e + (-step) - 1) / (-step)), nil
}
