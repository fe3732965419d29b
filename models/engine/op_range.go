package engine

import (
	"fmt"
	"math"
)

func init() {
	register("Range", compileRange)
	register("ConstantOfShape", compileConstantOfShape)
}

// compileRange needs constant start, limit and delta: the output length
// depends on them.
func compileRange(c *opCtx) error {
	if err := c.need(3, 3); err != nil {
		return err
	}
	var v [3]float64
	for i, what := range []string{"start", "limit", "delta"} {
		t, err := c.constInput(i, what)
		if err != nil {
			return err
		}
		if t.Len() != 1 || t.DType != c.in[0].dtype {
			return fmt.Errorf("%s is %v, want a scalar %v", what, t, c.in[0].dtype)
		}
		if t.DType == Float32 {
			v[i] = float64(t.F32[0])
		} else {
			v[i] = float64(t.ints()[0])
		}
	}
	start, limit, delta := v[0], v[1], v[2]
	if delta == 0 {
		return fmt.Errorf("delta is 0")
	}
	count := math.Ceil((limit - start) / delta)
	if count != count || count > float64(maxElems) {
		return fmt.Errorf("start %v, limit %v, delta %v give no sensible length", start, limit, delta)
	}
	n := int(max(count, 0))
	t := newTensor(c.in[0].dtype, []int{n})
	for i := 0; i < n; i++ {
		switch t.DType {
		case Float32:
			t.F32[i] = float32(start) + float32(i)*float32(delta)
		case Int32:
			t.I32[i] = int32(start) + int32(i)*int32(delta)
		case Int64:
			t.I64[i] = int64(start) + int64(i)*int64(delta)
		}
	}
	c.setOut(t.DType, t.Shape)
	c.konst = []*Tensor{t}
	return nil
}

// compileConstantOfShape fills the constant shape with the value attribute
// (float 0 by default).
func compileConstantOfShape(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	st, err := c.constInput(0, "shape")
	if err != nil {
		return err
	}
	var shape []int
	for _, d := range st.ints() {
		if d < 0 {
			return fmt.Errorf("bad shape %v", st.ints())
		}
		shape = append(shape, int(d))
	}
	if err := checkShape(shape); err != nil {
		return err
	}
	fill := NewFloat32(nil, []float32{0})
	if c.has("value") {
		if fill, err = constFromAttr(c.attrs["value"]); err != nil {
			return err
		}
		if fill.Len() != 1 {
			return fmt.Errorf("value has %d elements, want 1", fill.Len())
		}
	}
	t := newTensor(fill.DType, shape)
	for i := 0; i < t.Len(); i++ {
		copyBlock(t, i, fill, 0, 1)
	}
	c.setOut(t.DType, t.Shape)
	c.konst = []*Tensor{t}
	return nil
}
