package engine

import (
	"errors"
	"fmt"
	"sort"
)

// value is one tensor of the graph being compiled.
type value struct {
	name  string
	dtype DType
	shape []int
	// konst holds the data of a value known at load time: an initialiser, a
	// Constant, or the result of folding.
	konst *Tensor
	// input is the graph input index, or -1.
	input int
	// producer is the operation computing the value (nil for constants and
	// graph inputs); outIdx is its output position.
	producer *opNode
	outIdx   int
	// output marks graph outputs.
	output bool

	// Planning results.
	root *value // the value whose buffer this one views (itself if none)
	slot int    // buffer slot of a root, -1 for none
	id   int    // index in plan.values
}

// computed reports whether the value is produced at run time.
func (v *value) computed() bool { return v.konst == nil && v.input < 0 }

// opNode is one operation of the plan.
type opNode struct {
	name    string
	op      string
	attrs   map[string]any
	inputs  []*value
	outputs []*value
	k       kernel
	view    bool
	dead    bool
	// conv is set for Conv nodes, whose kernel can absorb a following
	// activation and residual addition.
	conv *convKernel
	pos  int
}

// plan is a compiled model: operations in execution order and the buffer
// slots their values live in.
type plan struct {
	values  []*value
	ops     []*opNode
	inputs  []*value
	outputs []*value
	// slots are the sizes (in elements) and types of the run-time buffers.
	slots []slotInfo
}

type slotInfo struct {
	dtype DType
	size  int
}

// compiler turns the decoded Backend graph into a plan.
type compiler struct {
	b        *Backend
	info     protoInfo
	opts     *options
	values   map[*Node]*value
	inputIDs map[int64]int
	recName  map[*opRecord]string
	recFake  map[*opRecord]bool
	// inputByName maps graph input names to their nodes.
	inputByName map[string]*Node
	// folded counts the elements of constants folded so far.
	folded int
	// fixed holds, by graph input index, the values of inputs that are
	// compiled as constants (see Model's deferred compilation).
	fixed map[int]*Tensor
	// graphInputs are the values of the graph inputs, known as soon as
	// compile has read them, even if it fails later.
	graphInputs []*value
}

func (c *compiler) nodeError(rec *opRecord, err error) error {
	return &NodeError{Node: c.recName[rec], Op: rec.op.Name, Err: err}
}

// valueOf returns the value of a graph node, creating it on first use. Its
// errors have no package prefix: callers wrap them.
func (c *compiler) valueOf(n *Node) (*value, error) {
	if v, ok := c.values[n]; ok {
		return v, nil
	}
	v := &value{name: n.name, input: -1, slot: -1}
	switch idx, isInput := c.inputIDs[n.id]; {
	case n.op != nil:
		// Filled in when the producer compiles.
	case isInput:
		v.input = idx
		if n.t == nil {
			return nil, fmt.Errorf("graph input %q has no type", n.name)
		}
		dt, err := dtypeOfGorgonia(n.t)
		if err != nil {
			return nil, fmt.Errorf("graph input %q: %w", n.name, err)
		}
		v.dtype = dt
		v.shape = append([]int(nil), n.t.Shape()...)
		if s, ok := c.info.inputShapes[n.name]; ok {
			v.shape = s // keeps the symbolic dimensions onnx-go drops
		}
		if s, ok := c.opts.inputShapes[n.name]; ok {
			v.shape = append([]int(nil), s...)
		}
		if err := checkShape(v.shape); err != nil {
			return nil, fmt.Errorf("graph input %q: %w", n.name, err)
		}
		for _, d := range v.shape {
			if d <= 0 {
				return nil, fmt.Errorf("graph input %q has shape %v (-1 is symbolic); the engine needs static positive dimensions (use engine.WithInputShape)", n.name, v.shape)
			}
		}
		if t, ok := c.fixed[idx]; ok {
			v.konst = t
		}
	case c.inputByName[n.name] != nil && c.inputByName[n.name] != n:
		// onnx-go made a second node for a declared output or value info
		// that repeats a graph input's name; it is the input.
		return c.valueOf(c.inputByName[n.name])
	case n.tset && c.info.initializers[n.name]:
		t, err := fromGorgonia(n.t)
		if err != nil {
			return nil, fmt.Errorf("initialiser %q: %w", n.name, err)
		}
		v.konst, v.dtype, v.shape = t, t.DType, t.Shape
	default:
		return nil, fmt.Errorf("tensor %q is used but is neither a graph input, an initialiser nor a node output", n.name)
	}
	c.values[n] = v
	return v, nil
}

// compile builds the plan.
func (c *compiler) compile(inputs, outputs []int64) (*plan, error) {
	c.values = map[*Node]*value{}
	c.inputIDs = map[int64]int{}
	c.recName = map[*opRecord]string{}
	c.recFake = map[*opRecord]bool{}
	p := &plan{}
	for i, id := range inputs {
		c.inputIDs[id] = i
	}
	for i, rec := range c.b.ops {
		name := ""
		if i < len(c.info.nodeNames) && len(c.info.nodeNames) == len(c.b.ops) {
			name = c.info.nodeNames[i]
			// onnx-go fakes an input named "<node>/input" for nodes without inputs.
			ins := rec.operationInputs()
			if len(ins) == 1 && ins[0].name == name+"/input" && ins[0].op == nil && !ins[0].tset {
				c.recFake[rec] = true
			}
		}
		if name == "" && len(rec.outputs) > 0 {
			name = rec.outputs[0].name
		}
		c.recName[rec] = name
	}
	c.inputByName = map[string]*Node{}
	for _, id := range inputs {
		if n, ok := c.b.byID[id]; ok {
			c.inputByName[n.name] = n
		}
	}
	for i, id := range inputs {
		n, ok := c.b.byID[id]
		if !ok {
			return nil, fmt.Errorf("engine: graph input %d has no node", i)
		}
		if n.op != nil {
			return nil, fmt.Errorf("engine: graph input %q is also the output of a %s node", n.name, n.op.op.Name)
		}
		v, err := c.valueOf(n)
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		p.inputs = append(p.inputs, v)
	}
	c.graphInputs = p.inputs
	if err := c.checkOps(); err != nil {
		return nil, err
	}
	order, err := c.topoOrder()
	if err != nil {
		return nil, err
	}
	for _, rec := range order {
		on, err := c.compileOp(rec)
		if err != nil {
			return nil, err
		}
		p.ops = append(p.ops, on)
	}
	for i, id := range outputs {
		n, ok := c.b.byID[id]
		if !ok {
			return nil, fmt.Errorf("engine: graph output %d has no node", i)
		}
		v, err := c.valueOf(n)
		if err != nil {
			return nil, fmt.Errorf("engine: graph output: %w", err)
		}
		if !v.computed() {
			// Outputs always get a buffer of their own: copy constants and
			// inputs into one.
			cp := &value{name: v.name, dtype: v.dtype, shape: v.shape, input: -1, slot: -1}
			on := &opNode{name: v.name, op: "Identity", inputs: []*value{v}, outputs: []*value{cp}, k: copyKernel}
			cp.producer = on
			p.ops = append(p.ops, on)
			v = cp
		}
		v.output = true
		p.outputs = append(p.outputs, v)
	}
	p.ops = liveOps(p.ops, p.outputs)
	fusePads(p)
	p.ops = liveOps(p.ops, p.outputs)
	fuse(p)
	p.ops = liveOps(p.ops, p.outputs)
	fuseExpandDepthwise(p)
	p.ops = liveOps(p.ops, p.outputs)
	fuseChains(p)
	p.ops = liveOps(p.ops, p.outputs)
	foldTransposeIntoGather(p)
	p.ops = liveOps(p.ops, p.outputs)
	planBuffers(p)
	total := 0
	for _, si := range p.slots {
		total += si.size
	}
	if total > maxTotalElems {
		return nil, fmt.Errorf("engine: the model needs buffers of %d elements, more than the limit of %d", total, maxTotalElems)
	}
	return p, nil
}

// checkOps reports the first operator the engine lacks before anything is
// compiled, so that a model whose compilation is deferred to its first run
// (see Model) still fails at Load for a missing operator.
func (c *compiler) checkOps() error {
	for _, rec := range c.b.ops {
		if _, ok := registry[rec.op.Name]; !ok {
			return c.nodeError(rec, ErrUnsupportedOp)
		}
	}
	return nil
}

// topoOrder orders the operations so that each comes after the producers of
// its inputs, keeping the file's order where it already is one.
func (c *compiler) topoOrder() ([]*opRecord, error) {
	const (
		unseen = iota
		active
		done
	)
	state := map[*opRecord]int{}
	var order []*opRecord
	var visit func(rec *opRecord) error
	visit = func(rec *opRecord) error {
		switch state[rec] {
		case done:
			return nil
		case active:
			return c.nodeError(rec, errors.New("the graph has a cycle through this node"))
		}
		state[rec] = active
		if !c.recFake[rec] {
			for _, in := range rec.operationInputs() {
				if in.op != nil && in.op != rec {
					if err := visit(in.op); err != nil {
						return err
					}
				} else if in.op == rec {
					return c.nodeError(rec, errors.New("the node reads its own output"))
				}
			}
		}
		state[rec] = done
		order = append(order, rec)
		return nil
	}
	for _, rec := range c.b.ops {
		if err := visit(rec); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// compileOp checks one operation, infers its output shapes, and folds it
// when all its inputs are constants.
func (c *compiler) compileOp(rec *opRecord) (*opNode, error) {
	f, ok := registry[rec.op.Name]
	if !ok {
		return nil, c.nodeError(rec, ErrUnsupportedOp)
	}
	on := &opNode{name: c.recName[rec], op: rec.op.Name, attrs: rec.op.Attributes}
	if !c.recFake[rec] {
		for _, n := range rec.operationInputs() {
			if n.name == "" && n.op == nil && !n.tset {
				on.inputs = append(on.inputs, nil) // omitted optional input
				continue
			}
			v, err := c.valueOf(n)
			if err != nil {
				return nil, c.nodeError(rec, err)
			}
			on.inputs = append(on.inputs, v)
		}
	}
	// Trailing omitted inputs are the same as absent ones.
	for len(on.inputs) > 0 && on.inputs[len(on.inputs)-1] == nil {
		on.inputs = on.inputs[:len(on.inputs)-1]
	}
	ctx := &opCtx{name: on.name, op: on.op, attrs: on.attrs, in: on.inputs, nout: len(rec.outputs), opset: c.info.opset}
	if ctx.attrs == nil {
		ctx.attrs = map[string]any{}
	}
	if err := safeCompile(f, ctx); err != nil {
		return nil, c.nodeError(rec, err)
	}
	if len(ctx.outs) < len(rec.outputs) {
		return nil, c.nodeError(rec, fmt.Errorf("has %d outputs, the operator gives %d", len(rec.outputs), len(ctx.outs)))
	}
	on.k, on.view = ctx.k, ctx.view
	if ck, ok := ctx.k.(*convKernel); ok {
		on.conv = ck
	}
	for i, n := range rec.outputs {
		v, err := c.valueOf(n)
		if err != nil {
			return nil, c.nodeError(rec, err)
		}
		if err := checkShape(ctx.outs[i].shape); err != nil {
			return nil, c.nodeError(rec, fmt.Errorf("output %d: %w", i, err))
		}
		v.dtype, v.shape = ctx.outs[i].dtype, ctx.outs[i].shape
		v.producer, v.outIdx = on, i
		on.outputs = append(on.outputs, v)
	}
	if ctx.konst != nil {
		for i, v := range on.outputs {
			v.konst, v.producer = ctx.konst[i], nil
		}
		on.dead = true
		return on, nil
	}
	if on.k == nil {
		return nil, c.nodeError(rec, errors.New("internal error: operator compiled without a kernel"))
	}
	foldable := true
	for _, v := range on.inputs {
		if v != nil && v.konst == nil {
			foldable = false
		}
	}
	if foldable {
		for _, v := range on.outputs {
			c.folded += numElems(v.shape)
		}
		if c.folded > maxTotalElems {
			return nil, c.nodeError(rec, fmt.Errorf("constants folded at load time exceed %d elements", maxTotalElems))
		}
		if err := fold(on); err != nil {
			return nil, c.nodeError(rec, err)
		}
	}
	return on, nil
}

// fold runs an operation whose inputs are all constants once, at load time,
// and turns its outputs into constants.
func fold(on *opNode) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("folding constants: %w: %v", errInternal, r)
		}
	}()
	in := make([]*Tensor, len(on.inputs))
	for i, v := range on.inputs {
		if v != nil {
			in[i] = v.konst
		}
	}
	out := make([]*Tensor, len(on.outputs))
	for i, v := range on.outputs {
		out[i] = newTensor(v.dtype, v.shape)
	}
	if err := on.k.bind(in, out).run(nil); err != nil {
		return fmt.Errorf("folding constants: %w", err)
	}
	for i, v := range on.outputs {
		v.konst, v.producer = out[i], nil
	}
	on.dead = true
	return nil
}

// liveOps drops folded operations and those no graph output depends on.
func liveOps(ops []*opNode, outputs []*value) []*opNode {
	need := map[*opNode]bool{}
	var mark func(v *value)
	mark = func(v *value) {
		if v == nil || v.producer == nil || v.producer.dead || need[v.producer] {
			return
		}
		need[v.producer] = true
		for _, in := range v.producer.inputs {
			mark(in)
		}
	}
	for _, v := range outputs {
		mark(v)
	}
	live := ops[:0]
	for _, on := range ops {
		if need[on] {
			on.pos = len(live)
			live = append(live, on)
		}
	}
	return live
}

// planBuffers assigns every computed value a buffer slot. Values whose
// lifetimes do not overlap share a slot; view operations share their
// input's slot; graph outputs keep theirs to themselves.
func planBuffers(p *plan) {
	// Value ids and view roots.
	seen := map[*value]bool{}
	add := func(v *value) {
		if v != nil && !seen[v] {
			seen[v] = true
			v.id = len(p.values)
			p.values = append(p.values, v)
		}
	}
	for _, v := range p.inputs {
		add(v)
	}
	for _, on := range p.ops {
		for _, v := range on.inputs {
			add(v)
		}
		for _, v := range on.outputs {
			add(v)
			v.root = v
		}
		if on.view && on.inputs[0].computed() {
			on.outputs[0].root = on.inputs[0].root
		}
	}
	lastUse := map[*value]int{}
	pinned := map[*value]bool{}
	for i, on := range p.ops {
		for _, v := range on.inputs {
			if v != nil && v.computed() {
				lastUse[v.root] = i
			}
		}
		for _, v := range on.outputs {
			if v.output {
				pinned[v.root] = true
			}
			if _, ok := lastUse[v.root]; !ok {
				lastUse[v.root] = i
			}
		}
	}
	var freeSlots []int
	for i, on := range p.ops {
		for _, v := range on.outputs {
			if v.root != v {
				continue
			}
			need := numElems(v.shape)
			best := -1
			for j, s := range freeSlots {
				si := p.slots[s]
				if si.dtype != v.dtype {
					continue
				}
				if best < 0 {
					best = j
					continue
				}
				bs := p.slots[freeSlots[best]].size
				// Prefer the smallest slot that fits, else the largest one.
				if (si.size >= need && (bs < need || si.size < bs)) || (bs < need && si.size > bs) {
					best = j
				}
			}
			if best >= 0 && !pinned[v] {
				v.slot = freeSlots[best]
				freeSlots = append(freeSlots[:best], freeSlots[best+1:]...)
				if p.slots[v.slot].size < need {
					p.slots[v.slot].size = need
				}
			} else {
				v.slot = len(p.slots)
				p.slots = append(p.slots, slotInfo{dtype: v.dtype, size: need})
			}
		}
		// Release the buffers whose last reader is this operation.
		release := func(v *value) {
			if v == nil || !v.computed() {
				return
			}
			r := v.root
			if lastUse[r] == i && !pinned[r] && r.slot >= 0 {
				freeSlots = append(freeSlots, r.slot)
				lastUse[r] = -1 // released once
			}
		}
		for _, v := range on.inputs {
			release(v)
		}
		for _, v := range on.outputs {
			release(v)
		}
	}
	for _, v := range p.values {
		if v.root != nil && v.root != v {
			v.slot = v.root.slot
		}
	}
}

func sortStrings(s []string) { sort.Strings(s) }

// maxElems bounds the size of any one tensor (256 MiB of float32) and
// maxTotalElems the sum of the planned buffers and of the constants folded
// at load time, so that a corrupt or hostile file gets an error instead of
// exhausting memory. MoveNet Thunder needs a few tens of MiB.
// They are variables only so that the fuzz test can lower them.
var (
	maxElems      = 1 << 26
	maxTotalElems = 1 << 28
)

// checkShape rejects shapes whose element count is negative or too large,
// without overflowing on the way.
func checkShape(shape []int) error {
	n := 1
	for _, d := range shape {
		if d < -1 {
			return fmt.Errorf("bad dimension %d in shape %v", d, shape)
		}
		if d <= 0 {
			continue
		}
		if n > maxElems/d {
			return fmt.Errorf("shape %v has more than %d elements", shape, maxElems)
		}
		n *= d
	}
	return nil
}

// errInternal marks errors that come from a recovered panic: a bug in the
// engine rather than in the model. The fuzz test fails on them.
var errInternal = errors.New("internal error (please report)")

// safeCompile runs an operator's compile function, turning a panic into an
// error so that no model file can crash the program.
func safeCompile(f compileFunc, c *opCtx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errInternal, r)
		}
	}()
	return f(c)
}
