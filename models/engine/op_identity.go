package engine

func init() { register("Identity", compileIdentity) }

func compileIdentity(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	setView(c, c.in[0].shape)
	return nil
}
