package engine

import "fmt"

func init() {
	register("DepthToSpace", compileDepthToSpace)
	register("SpaceToDepth", compileDepthToSpace)
}

// compileDepthToSpace moves blocks of channels into b×b spatial blocks
// (DepthToSpace, modes DCR and CRD) or back (SpaceToDepth). Each is a
// reshape, a transpose and a reshape, compiled as one strided copy: the
// output in the transposed order reads the input through the permuted
// strides of the intermediate shape.
func compileDepthToSpace(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	if len(x.shape) != 4 {
		return fmt.Errorf("input is %v, want NCHW", typeString(x.dtype, x.shape))
	}
	bs, err := c.attrInt("blocksize", 0)
	if err != nil {
		return err
	}
	n, ch, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	b := int(bs)
	if b < 1 || b > 1<<12 {
		return fmt.Errorf("bad blocksize %d", bs)
	}
	var mid, perm, out []int
	if c.op == "SpaceToDepth" {
		if h%b != 0 || w%b != 0 {
			return fmt.Errorf("blocksize %d does not divide %dx%d", b, h, w)
		}
		mid = []int{n, ch, h / b, b, w / b, b}
		perm = []int{0, 3, 5, 1, 2, 4}
		out = []int{n, ch * b * b, h / b, w / b}
	} else {
		if ch%(b*b) != 0 {
			return fmt.Errorf("blocksize %d: %d channels are not a multiple of %d", b, ch, b*b)
		}
		mode, err := c.attrString("mode", "DCR")
		if err != nil {
			return err
		}
		switch mode {
		case "DCR":
			mid = []int{n, b, b, ch / (b * b), h, w}
			perm = []int{0, 3, 4, 1, 5, 2}
		case "CRD":
			mid = []int{n, ch / (b * b), b, b, h, w}
			perm = []int{0, 1, 4, 2, 5, 3}
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
		out = []int{n, ch / (b * b), h * b, w * b}
	}
	ms := stridesOf(mid)
	dims := make([]int, len(perm))
	st := make([]int, len(perm))
	for i, p := range perm {
		dims[i], st[i] = mid[p], ms[p]
	}
	c.setOut(x.dtype, out)
	c.k = &stridedKernel{sc: newStridedCopy(dims, st, 0)}
	return nil
}
