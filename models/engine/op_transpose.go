package engine

import "fmt"

func init() { register("Transpose", compileTranspose) }

func compileTranspose(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	r := len(x.shape)
	perm, err := c.attrInts("perm", nil)
	if err != nil {
		return err
	}
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != r {
		return fmt.Errorf("perm %v does not fit rank %d", perm, r)
	}
	seen := make([]bool, r)
	out := make([]int, r)
	st := make([]int, r)
	xs := stridesOf(x.shape)
	for i, p := range perm {
		if p < 0 || int(p) >= r || seen[p] {
			return fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
		out[i] = x.shape[p]
		st[i] = xs[p]
	}
	c.setOut(x.dtype, out)
	c.k = &stridedKernel{sc: newStridedCopy(out, st, 0)}
	return nil
}
