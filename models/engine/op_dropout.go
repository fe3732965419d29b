package engine

import "errors"

func init() { register("Dropout", compileDropout) }

// compileDropout is the identity, as Dropout is at inference. Training mode
// and the mask output (a bool tensor) are not supported.
func compileDropout(c *opCtx) error {
	if err := c.need(1, 3); err != nil {
		return err
	}
	if c.nout > 1 {
		return errors.New("the mask output is not supported (the engine has no bool tensors)")
	}
	if c.input(2) != nil {
		t, err := c.constInput(2, "training mode")
		if err != nil {
			return err
		}
		if t.Len() != 1 || t.ints()[0] != 0 {
			return errors.New("training mode is not supported")
		}
	}
	setView(c, c.in[0].shape)
	return nil
}
