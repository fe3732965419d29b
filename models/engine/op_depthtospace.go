package engine

import "fmt"

func init() {
	register("DepthToSpace", compileDepthToSpace)
	register("SpaceToDepth", compileDepthToSpace)
}

// compileDepthToSpace moves blocks of channels into b×b spatial blocks
// (DepthToSpace, modes DCR and CRD) or back (SpaceToDepth). Each is a
// reshape, a transpose and a reshape. SpaceToDepth compiles to one strided
// copy (the output in the transposed order reads the input through the
// permuted strides of the intermediate shape); DepthToSpace, which the
// BlazePose detector runs on large tensors, interleaves whole input rows
// (the strided copy's innermost run would be b elements long).
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
	c.setOut(x.dtype, out)
	if c.op == "DepthToSpace" {
		mode, _ := c.attrString("mode", "DCR")
		c.k = &depthToSpaceKernel{n: n, c: ch / (b * b), h: h, w: w, b: b, crd: mode == "CRD"}
		return nil
	}
	ms := stridesOf(mid)
	dims := make([]int, len(perm))
	st := make([]int, len(perm))
	for i, p := range perm {
		dims[i], st[i] = mid[p], ms[p]
	}
	c.k = &stridedKernel{sc: newStridedCopy(dims, st, 0)}
	return nil
}

// depthToSpaceKernel writes each output row (batch item, channel, row y·b+i)
// from b input rows at row y: those of the channels holding block row i,
// column j = 0..b-1, interleaved.
type depthToSpaceKernel struct {
	n, c, h, w, b int // output channels c; input h x w
	crd           bool
}

type depthToSpaceStep struct {
	k    *depthToSpaceKernel
	x, y *Tensor
}

func (k *depthToSpaceKernel) bind(in, out []*Tensor) step {
	return &depthToSpaceStep{k: k, x: in[0], y: out[0]}
}

func (s *depthToSpaceStep) run(p *pool) error {
	k := s.k
	p.parallelFor(k.n*k.c*k.h*k.b, max(1, ewGrain/max(k.w*k.b, 1)), s)
	return nil
}

// Range writes output rows [lo, hi), numbered (batch, channel, y, i).
func (s *depthToSpaceStep) Range(lo, hi int) {
	k := s.k
	ow := k.w * k.b
	for r := lo; r < hi; r++ {
		i := r % k.b
		y := (r / k.b) % k.h
		c := (r / (k.b * k.h)) % k.c
		n := r / (k.b * k.h * k.c)
		for j := 0; j < k.b; j++ {
			src := (i*k.b+j)*k.c + c // DCR: block position, then channel
			if k.crd {
				src = c*k.b*k.b + i*k.b + j
			}
			so := ((n*k.c*k.b*k.b+src)*k.h + y) * k.w
			switch s.y.DType {
			case Float32:
				interleave(s.y.F32[r*ow+j:(r+1)*ow], s.x.F32[so:so+k.w], k.b)
			case Int32:
				interleave(s.y.I32[r*ow+j:(r+1)*ow], s.x.I32[so:so+k.w], k.b)
			case Int64:
				interleave(s.y.I64[r*ow+j:(r+1)*ow], s.x.I64[so:so+k.w], k.b)
			}
		}
	}
}

// interleave sets dst[x·step] = src[x].
func interleave[T float32 | int32 | int64](dst, src []T, step int) {
	for x, v := range src {
		dst[x*step] = v
	}
}
