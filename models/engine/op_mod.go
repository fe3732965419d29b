package engine

func init() { register("Mod", compileMod) }

// compileMod is the element-wise remainder with broadcasting: with fmod = 0
// (the default, integers only in ONNX) it takes the divisor's sign, with
// fmod = 1 the dividend's. An integer remainder by zero is 0 rather than a
// crash.
func compileMod(c *opCtx) error {
	fmod, err := c.attrInt("fmod", 0)
	if err != nil {
		return err
	}
	op := opMod
	if fmod != 0 {
		op = opFmod
	}
	return binaryCompiler(op)(c)
}
