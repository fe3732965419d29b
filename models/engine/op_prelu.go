package engine

import (
	"fmt"
	"slices"
)

func init() { register("PRelu", compilePRelu) }

// compilePRelu is x < 0 ? x·slope : x, with the slope broadcast to x's
// shape (unidirectionally: the output has x's shape), on the broadcasting
// binary kernel.
func compilePRelu(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	if err := c.wantFloat(1); err != nil {
		return err
	}
	x, slope := c.in[0], c.in[1]
	out, err := broadcastShape(x.shape, slope.shape)
	if err != nil {
		return err
	}
	if !slices.Equal(out, x.shape) {
		return fmt.Errorf("slope %v does not broadcast to the input's shape %v", slope.shape, x.shape)
	}
	c.setOut(Float32, out)
	c.k = &binKernel{op: opPRelu, it: newBcastIter(out, x.shape, slope.shape)}
	return nil
}
