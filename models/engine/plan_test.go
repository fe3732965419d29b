package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// checkPlan verifies the buffer plan: every computed value has a slot big
// enough for it, and two values whose lifetimes overlap (inclusive: an
// operation's outputs are written while its inputs are read) never share a
// slot unless one views the other.
func checkPlan(t *testing.T, p *plan) (values, slots int) {
	t.Helper()
	type life struct{ def, last int }
	lives := map[*value]*life{}
	for i, on := range p.ops {
		for _, v := range on.outputs {
			r := v.root
			if lives[r] == nil {
				lives[r] = &life{def: i, last: i}
			}
			if v.output {
				lives[r].last = len(p.ops)
			}
			if r.slot < 0 || p.slots[r.slot].size < numElems(v.shape) || p.slots[r.slot].dtype != v.dtype {
				t.Fatalf("value %q (%v) has slot %d", v.name, typeString(v.dtype, v.shape), r.slot)
			}
		}
		for _, v := range on.inputs {
			if v != nil && v.computed() {
				if l := lives[v.root]; l != nil && l.last < i {
					l.last = i
				}
			}
		}
	}
	var roots []*value
	for r := range lives {
		roots = append(roots, r)
	}
	for i, a := range roots {
		for _, b := range roots[i+1:] {
			la, lb := lives[a], lives[b]
			if a.slot == b.slot && la.def <= lb.last && lb.def <= la.last {
				t.Errorf("values %q [%d,%d] and %q [%d,%d] share slot %d while both live", a.name, la.def, la.last, b.name, lb.def, lb.last, a.slot)
			}
		}
	}
	return len(roots), len(p.slots)
}

func TestBufferPlan(t *testing.T) {
	m, err := Load(validModel().marshal())
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, m.plan)
	path := filepath.Join("..", "lightning.onnx")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	lm, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	values, slots := checkPlan(t, lm.plan)
	t.Logf("lightning: %d buffers for %d values", slots, values)
	if slots*4 > values {
		t.Errorf("%d buffers for %d values: the plan hardly reuses memory", slots, values)
	}
}
