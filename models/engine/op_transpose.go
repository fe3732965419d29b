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
	// A transpose that moves only dimensions of size 1 keeps the memory
	// order: it is a reshape.
	last, moves := -1, false
	for _, p := range perm {
		if x.shape[p] != 1 {
			if int(p) < last {
				moves = true
			}
			last = int(p)
		}
	}
	if !moves {
		setView(c, out)
		return nil
	}
	c.setOut(x.dtype, out)
	c.k = &stridedKernel{sc: newStridedCopy(out, st, 0)}
	return nil
}

// transposePerm returns the permutation of a compiled Transpose node.
func transposePerm(on *opNode, rank int) []int {
	perm := make([]int, rank)
	if a, ok := on.attrs["perm"].([]int64); ok && len(a) == rank {
		for i, p := range a {
			perm[i] = int(p)
		}
		return perm
	}
	for i := range perm {
		perm[i] = rank - 1 - i
	}
	return perm
}
