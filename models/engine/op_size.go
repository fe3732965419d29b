package engine

func init() { register("Size", compileSize) }

// compileSize gives the input's element count as an int64 scalar, known at
// load time like Shape.
func compileSize(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	c.setOut(Int64, []int{})
	c.konst = []*Tensor{NewInt64([]int{}, []int64{int64(numElems(c.in[0].shape))})}
	return nil
}
