package engine

import (
	"fmt"
	"sort"
)

func init() {
	register("Squeeze", compileSqueeze)
	register("Unsqueeze", compileUnsqueeze)
}

// axesOf returns the axes of Squeeze/Unsqueeze: the attribute (opset < 13)
// or the constant second input (opset 13), nil when neither is given.
func axesOf(c *opCtx) ([]int64, error) {
	if err := c.need(1, 2); err != nil {
		return nil, err
	}
	if c.input(1) != nil {
		t, err := c.constInput(1, "axes")
		if err != nil {
			return nil, err
		}
		return t.ints(), nil
	}
	return c.attrInts("axes", nil)
}

func compileSqueeze(c *opCtx) error {
	axes, err := axesOf(c)
	if err != nil {
		return err
	}
	x := c.in[0]
	drop := make([]bool, len(x.shape))
	if axes == nil {
		for i, d := range x.shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		i, err := normAxis(a, len(x.shape))
		if err != nil {
			return err
		}
		if x.shape[i] != 1 {
			return fmt.Errorf("cannot squeeze axis %d of shape %v", a, x.shape)
		}
		drop[i] = true
	}
	out := []int{}
	for i, d := range x.shape {
		if !drop[i] {
			out = append(out, d)
		}
	}
	setView(c, out)
	return nil
}

func compileUnsqueeze(c *opCtx) error {
	axes, err := axesOf(c)
	if err != nil {
		return err
	}
	if len(axes) == 0 {
		return fmt.Errorf("no axes")
	}
	x := c.in[0]
	rank := len(x.shape) + len(axes)
	ins := make([]bool, rank)
	norm := make([]int, len(axes))
	for i, a := range axes {
		j, err := normAxis(a, rank)
		if err != nil {
			return err
		}
		if ins[j] {
			return fmt.Errorf("axis %d repeated", a)
		}
		ins[j] = true
		norm[i] = j
	}
	sort.Ints(norm)
	out := make([]int, 0, rank)
	k := 0
	for i := 0; i < rank; i++ {
		if ins[i] {
			out = append(out, 1)
		} else {
			out = append(out, x.shape[k])
			k++
		}
	}
	setView(c, out)
	return nil
}
