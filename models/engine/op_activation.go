package engine

import (
	"errors"
	"math"
)

// Activations with attributes: element-wise functions of x and one or two
// constants (ONNX's defaults in parentheses).
//
//	LeakyRelu(alpha 0.01)        x < 0 ? alpha·x : x
//	Elu(alpha 1)                 x < 0 ? alpha·(e^x - 1) : x
//	Celu(alpha 1)                max(0, x) + min(0, alpha·(e^(x/alpha) - 1))
//	Selu(alpha 1.6733, gamma 1.0507)  gamma·(x <= 0 ? alpha·(e^x - 1) : x)
//	HardSigmoid(alpha 0.2, beta 0.5)  max(0, min(1, alpha·x + beta))
//	HardSwish                    x · HardSigmoid(x) with alpha 1/6, beta 0.5
//	ThresholdedRelu(alpha 1)     x > alpha ? x : 0
//	Shrink(bias 0, lambd 0.5)    x < -lambd ? x + bias : x > lambd ? x - bias : 0
type actOp uint8

const (
	actLeakyRelu actOp = iota
	actElu
	actCelu
	actSelu
	actHardSigmoid
	actHardSwish
	actThresholdedRelu
	actShrink
)

// actAttrs names each activation's attributes and defaults, a then b.
var actAttrs = map[string]struct {
	op         actOp
	aName      string
	a          float32
	bName      string
	b          float32
	fixedAttrs bool // the constants are not attributes (HardSwish)
}{
	"LeakyRelu":       {op: actLeakyRelu, aName: "alpha", a: 0.01},
	"Elu":             {op: actElu, aName: "alpha", a: 1},
	"Celu":            {op: actCelu, aName: "alpha", a: 1},
	"Selu":            {op: actSelu, aName: "alpha", a: 1.67326319217681884765625, bName: "gamma", b: 1.05070102214813232421875},
	"HardSigmoid":     {op: actHardSigmoid, aName: "alpha", a: 0.2, bName: "beta", b: 0.5},
	"HardSwish":       {op: actHardSwish, a: 1.0 / 6, b: 0.5, fixedAttrs: true},
	"ThresholdedRelu": {op: actThresholdedRelu, aName: "alpha", a: 1},
	"Shrink":          {op: actShrink, aName: "bias", a: 0, bName: "lambd", b: 0.5},
}

func init() {
	for name := range actAttrs {
		register(name, compileActivation)
	}
}

func compileActivation(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	d := actAttrs[c.op]
	k := &actKernel{op: d.op, a: d.a, b: d.b}
	if !d.fixedAttrs {
		var err error
		if k.a, err = c.attrFloat(d.aName, d.a); err != nil {
			return err
		}
		if d.bName != "" {
			if k.b, err = c.attrFloat(d.bName, d.b); err != nil {
				return err
			}
		}
	}
	if d.op == actCelu && k.a == 0 {
		return errors.New("alpha must not be 0")
	}
	c.setOut(Float32, c.in[0].shape)
	c.k = k
	return nil
}

// actKernel applies an activation with constants a and b.
type actKernel struct {
	op   actOp
	a, b float32
}

type actStep struct {
	k    *actKernel
	x, y *Tensor
}

func (k *actKernel) bind(in, out []*Tensor) step { return &actStep{k: k, x: in[0], y: out[0]} }

func (s *actStep) run(p *pool) error {
	p.parallelFor(len(s.y.F32), ewGrain, s)
	return nil
}

// Range maps elements [lo, hi).
func (s *actStep) Range(lo, hi int) { applyAct(s.k, s.y.F32[lo:hi], s.x.F32[lo:hi]) }

// applyAct sets y[i] = act(x[i]); y and x may be the same slice.
func applyAct(k *actKernel, y, x []float32) {
	y = y[:len(x)]
	a, b := k.a, k.b
	switch k.op {
	case actLeakyRelu:
		for i, v := range x {
			if v < 0 {
				v *= a
			}
			y[i] = v
		}
	case actElu:
		for i, v := range x {
			if v < 0 {
				v = a * float32(math.Expm1(float64(v)))
			}
			y[i] = v
		}
	case actCelu:
		for i, v := range x {
			y[i] = max(0, v) + min(0, a*float32(math.Expm1(float64(v/a))))
		}
	case actSelu:
		for i, v := range x {
			if v <= 0 {
				v = a * float32(math.Expm1(float64(v)))
			}
			y[i] = b * v
		}
	case actHardSigmoid:
		for i, v := range x {
			y[i] = max(0, min(1, a*v+b))
		}
	case actHardSwish:
		for i, v := range x {
			y[i] = v * max(0, min(1, a*v+b))
		}
	case actThresholdedRelu:
		for i, v := range x {
			if !(v > a) {
				v = 0
			}
			y[i] = v
		}
	case actShrink:
		for i, v := range x {
			switch {
			case v < -b:
				y[i] = v + a
			case v > b:
				y[i] = v - a
			default:
				y[i] = 0
			}
		}
	}
}
