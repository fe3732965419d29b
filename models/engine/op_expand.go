package engine

import "fmt"

func init() {
	register("Expand", compileExpand)
	register("Tile", compileTile)
}

// compileExpand broadcasts the input to the constant shape, numpy style.
// Broadcast dimensions are copies with stride 0.
func compileExpand(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	st, err := c.constInput(1, "shape")
	if err != nil {
		return err
	}
	x := c.in[0]
	want := make([]int, 0, st.Len())
	for _, d := range st.ints() {
		if d < 0 {
			return fmt.Errorf("bad shape %v", st.ints())
		}
		want = append(want, int(d))
	}
	out, err := broadcastShape(x.shape, want)
	if err != nil {
		return err
	}
	if err := checkShape(out); err != nil {
		return err
	}
	strides := make([]int, len(out))
	xs := stridesOf(x.shape)
	off := len(out) - len(x.shape)
	for i := range x.shape {
		if x.shape[i] != 1 {
			strides[off+i] = xs[i]
		}
	}
	c.setOut(x.dtype, out)
	c.k = &stridedKernel{sc: newStridedCopy(out, strides, 0)}
	return nil
}

// compileTile repeats the input along each axis. The output, seen as shape
// [r0, d0, r1, d1, ...], is a strided read of the input with stride 0 along
// every repeat dimension.
func compileTile(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	rt, err := c.constInput(1, "repeats")
	if err != nil {
		return err
	}
	x := c.in[0]
	reps := rt.ints()
	if len(reps) != len(x.shape) {
		return fmt.Errorf("repeats %v do not fit rank %d", reps, len(x.shape))
	}
	out := make([]int, len(x.shape))
	var dims, strides []int
	xs := stridesOf(x.shape)
	for i, r := range reps {
		if r < 0 || r > int64(maxElems) {
			return fmt.Errorf("bad repeats %v", reps)
		}
		out[i] = x.shape[i] * int(r)
		dims = append(dims, int(r), x.shape[i])
		strides = append(strides, 0, xs[i])
	}
	if err := checkShape(dims); err != nil {
		return err
	}
	c.setOut(x.dtype, out)
	c.k = &stridedKernel{sc: newStridedCopy(dims, strides, 0)}
	return nil
}
