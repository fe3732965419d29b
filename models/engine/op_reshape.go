package engine

import "fmt"

func init() {
	register("Reshape", compileReshape)
	register("Flatten", compileFlatten)
}

// compileReshape resolves the target shape at load time: 0 copies the input
// dimension (unless allowzero=1), -1 takes what is left.
func compileReshape(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	st, err := c.constInput(1, "shape")
	if err != nil {
		return err
	}
	allowZero, err := c.attrInt("allowzero", 0)
	if err != nil {
		return err
	}
	x := c.in[0]
	want := st.ints()
	out := make([]int, len(want))
	infer := -1
	known := 1
	for i, d := range want {
		switch {
		case d == -1:
			if infer >= 0 {
				return fmt.Errorf("shape %v has more than one -1", want)
			}
			infer = i
			continue
		case d == 0 && allowZero == 0:
			if i >= len(x.shape) {
				return fmt.Errorf("shape %v copies dimension %d of a rank-%d input", want, i, len(x.shape))
			}
			out[i] = x.shape[i]
		case d < 0:
			return fmt.Errorf("bad dimension %d in shape %v", d, want)
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	n := numElems(x.shape)
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return fmt.Errorf("cannot reshape %v to %v", x.shape, want)
		}
		out[infer] = n / known
	} else if known != n {
		return fmt.Errorf("cannot reshape %v (%d elements) to %v", x.shape, n, out)
	}
	setView(c, out)
	return nil
}

// setView makes the node an output of input 0's data with a new shape.
func setView(c *opCtx, shape []int) {
	c.setOut(c.in[0].dtype, shape)
	c.k = copyKernel
	c.view = true
}

func compileFlatten(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return err
	}
	a := int(axis)
	if a < 0 {
		a += len(x.shape)
	}
	if a < 0 || a > len(x.shape) {
		return fmt.Errorf("axis %d out of range for rank %d", axis, len(x.shape))
	}
	setView(c, []int{numElems(x.shape[:a]), numElems(x.shape[a:])})
	return nil
}
