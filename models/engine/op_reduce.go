package engine

import (
	"fmt"
	"math"
)

// reduceOp is a reduction over axes.
type reduceOp uint8

const (
	reduceMax reduceOp = iota
	reduceMin
	reduceSum
	reduceMean
	reduceProd
	reduceL1        // Σ|x|
	reduceL2        // sqrt(Σx²)
	reduceSumSquare // Σx²
	reduceLogSum    // log(Σx)
	reduceLogSumExp // log(Σe^x)
)

func init() {
	for name, op := range map[string]reduceOp{"ReduceMax": reduceMax, "ReduceMin": reduceMin, "ReduceSum": reduceSum, "ReduceMean": reduceMean,
		"ReduceProd": reduceProd, "ReduceL1": reduceL1, "ReduceL2": reduceL2, "ReduceSumSquare": reduceSumSquare,
		"ReduceLogSum": reduceLogSum, "ReduceLogSumExp": reduceLogSumExp} {
		register(name, reduceCompiler(op))
	}
}

// reduceCompiler takes the axes from the attribute (older opsets) or the
// constant second input (ReduceSum from opset 13, the others from 18).
func reduceCompiler(op reduceOp) compileFunc {
	return func(c *opCtx) error {
		if err := c.need(1, 2); err != nil {
			return err
		}
		if err := c.wantFloat(0); err != nil {
			return err
		}
		x := c.in[0]
		axes, err := c.attrInts("axes", nil)
		if err != nil {
			return err
		}
		if c.input(1) != nil {
			t, err := c.constInput(1, "axes")
			if err != nil {
				return err
			}
			axes = t.ints()
		}
		keep, err := c.attrInt("keepdims", 1)
		if err != nil {
			return err
		}
		noop, err := c.attrInt("noop_with_empty_axes", 0)
		if err != nil {
			return err
		}
		red := make([]bool, len(x.shape))
		for _, a := range axes {
			i, err := normAxis(a, len(x.shape))
			if err != nil {
				return err
			}
			red[i] = true
		}
		if len(axes) == 0 {
			if noop != 0 {
				setView(c, x.shape)
				return nil
			}
			for i := range red {
				red[i] = true
			}
		}
		out := []int{}
		k := &reduceKernel{op: op, inShape: x.shape, red: red}
		for i, d := range x.shape {
			switch {
			case !red[i]:
				out = append(out, d)
			case keep != 0:
				out = append(out, 1)
			}
			if red[i] && d == 0 && (op == reduceMax || op == reduceMin) {
				return fmt.Errorf("%v over an empty axis", c.op)
			}
		}
		c.setOut(Float32, out)
		c.k = k
		return nil
	}
}

// reduceKernel reduces a float tensor over the marked axes. It walks the
// input once in order, accumulating into the output element each input
// element maps to.
type reduceKernel struct {
	op      reduceOp
	inShape []int
	red     []bool
}

func (k *reduceKernel) bind(in, out []*Tensor) step {
	x, y := in[0], out[0]
	// outStride[i] is the output stride of input axis i (0 when reduced).
	outStride := make([]int, len(k.inShape))
	acc := 1
	for i := len(k.inShape) - 1; i >= 0; i-- {
		if !k.red[i] {
			outStride[i] = acc
			acc *= k.inShape[i]
		}
	}
	count := 1
	for i, d := range k.inShape {
		if k.red[i] {
			count *= d
		}
	}
	idx := make([]int, len(k.inShape))
	return stepFunc(func(*pool) error {
		init := float32(0)
		switch k.op {
		case reduceMax:
			init = float32(math.Inf(-1))
		case reduceMin:
			init = float32(math.Inf(1))
		case reduceProd:
			init = 1
		}
		for i := range y.F32 {
			y.F32[i] = init
		}
		for i := range idx {
			idx[i] = 0
		}
		o := 0
		for _, v := range x.F32 {
			switch k.op {
			case reduceMax:
				if v > y.F32[o] || v != v {
					y.F32[o] = v
				}
			case reduceMin:
				if v < y.F32[o] || v != v {
					y.F32[o] = v
				}
			case reduceProd:
				y.F32[o] *= v
			case reduceL1:
				y.F32[o] += float32(math.Abs(float64(v)))
			case reduceL2, reduceSumSquare:
				y.F32[o] += v * v
			case reduceLogSumExp:
				y.F32[o] += expf(v)
			default:
				y.F32[o] += v
			}
			// Advance the input index and the output offset with it.
			for d := len(idx) - 1; d >= 0; d-- {
				idx[d]++
				o += outStride[d]
				if idx[d] < k.inShape[d] {
					break
				}
				o -= outStride[d] * idx[d]
				idx[d] = 0
			}
		}
		switch {
		case k.op == reduceMean && count > 0:
			for i := range y.F32 {
				y.F32[i] /= float32(count)
			}
		case k.op == reduceL2:
			for i, v := range y.F32 {
				y.F32[i] = float32(math.Sqrt(float64(v)))
			}
		case k.op == reduceLogSum || k.op == reduceLogSumExp:
			for i, v := range y.F32 {
				y.F32[i] = float32(math.Log(float64(v)))
			}
		}
		return nil
	})
}
