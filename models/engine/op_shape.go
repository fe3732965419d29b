package engine

func init() { register("Shape", compileShape) }

// compileShape answers at load time: shapes are static.
func compileShape(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	s := c.in[0].shape
	start, err := c.attrInt("start", 0)
	if err != nil {
		return err
	}
	end, err := c.attrInt("end", int64(len(s)))
	if err != nil {
		return err
	}
	r := int64(len(s))
	clampIdx := func(i int64) int64 {
		if i < 0 {
			i += r
		}
		return min(max(i, 0), r)
	}
	start, end = clampIdx(start), clampIdx(end)
	var v []int64
	for i := start; i < end; i++ {
		v = append(v, int64(s[i]))
	}
	t := NewInt64([]int{len(v)}, v)
	if v == nil {
		t.I64 = []int64{}
	}
	c.setOut(Int64, t.Shape)
	c.konst = []*Tensor{t}
	return nil
}
