package engine

import (
	"fmt"
)

func init() { register("Constant", compileConstant) }

// compileConstant accepts the value, value_float(s) and value_int(s) forms.
func compileConstant(c *opCtx) error {
	var t *Tensor
	switch {
	case c.has("value"):
		gt, ok := c.attrs["value"]
		if !ok {
			return fmt.Errorf("no value")
		}
		var err error
		t, err = constFromAttr(gt)
		if err != nil {
			return err
		}
	case c.has("value_float"):
		f, err := c.attrFloat("value_float", 0)
		if err != nil {
			return err
		}
		t = NewFloat32(nil, []float32{f})
	case c.has("value_floats"):
		a, ok := c.attrs["value_floats"].([]float32)
		if !ok {
			return fmt.Errorf("value_floats is %T", c.attrs["value_floats"])
		}
		t = NewFloat32([]int{len(a)}, append([]float32{}, a...))
	case c.has("value_int"):
		i, err := c.attrInt("value_int", 0)
		if err != nil {
			return err
		}
		t = NewInt64(nil, []int64{i})
	case c.has("value_ints"):
		a, err := c.attrInts("value_ints", nil)
		if err != nil {
			return err
		}
		t = NewInt64([]int{len(a)}, append([]int64{}, a...))
	default:
		return fmt.Errorf("no supported value attribute")
	}
	c.setOut(t.DType, t.Shape)
	c.konst = []*Tensor{t}
	return nil
}
