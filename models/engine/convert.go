package engine

import (
	"fmt"

	"gorgonia.org/tensor"
)

// fromGorgonia converts a tensor decoded by onnx-go into the engine's own
// tensor type, taking its float32 data and copying the rest. Gorgonia hands
// one-element tensors back as a bare value rather than a slice.
func fromGorgonia(t tensor.Tensor) (*Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("no tensor")
	}
	// Shape keeps [] and [1] apart, which IsScalar does not.
	shape := append([]int(nil), t.Shape()...)
	var out *Tensor
	switch d := t.Data().(type) {
	case []float32:
		// Taken, not copied: the weights are most of a model's bytes, and
		// copying them was half the CPU time of loading Lightning (the
		// copy faults in fresh pages). onnx-go decodes each initialiser
		// into a slice of its own that nothing else keeps once the model
		// is compiled, and the engine never writes to a constant.
		out = &Tensor{DType: Float32, Shape: shape, F32: d}
	case float32:
		out = &Tensor{DType: Float32, Shape: shape, F32: []float32{d}}
	case []float64:
		v := make([]float32, len(d))
		for i, x := range d {
			v[i] = float32(x)
		}
		out = &Tensor{DType: Float32, Shape: shape, F32: v}
	case float64:
		out = &Tensor{DType: Float32, Shape: shape, F32: []float32{float32(d)}}
	case []int32:
		out = &Tensor{DType: Int32, Shape: shape, I32: append([]int32(nil), d...)}
	case int32:
		out = &Tensor{DType: Int32, Shape: shape, I32: []int32{d}}
	case []int64:
		out = &Tensor{DType: Int64, Shape: shape, I64: append([]int64(nil), d...)}
	case int64:
		out = &Tensor{DType: Int64, Shape: shape, I64: []int64{d}}
	case []bool:
		// Booleans are kept as int64 0/1; no supported op computes on them.
		v := make([]int64, len(d))
		for i, x := range d {
			if x {
				v[i] = 1
			}
		}
		out = &Tensor{DType: Int64, Shape: shape, I64: v}
	default:
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedType, t.Dtype())
	}
	if err := out.check(); err != nil {
		return nil, err
	}
	return out, nil
}

// dtypeOfGorgonia maps the element type of a placeholder tensor (a graph
// input declared by a ValueInfo) to a DType.
func dtypeOfGorgonia(t tensor.Tensor) (DType, error) {
	switch t.Dtype() {
	case tensor.Float32, tensor.Float64:
		return Float32, nil
	case tensor.Int32:
		return Int32, nil
	case tensor.Int64:
		return Int64, nil
	}
	return 0, fmt.Errorf("%w: %v", ErrUnsupportedType, t.Dtype())
}

// constFromAttr converts a TENSOR attribute as onnx-go decodes it.
func constFromAttr(a any) (*Tensor, error) {
	gt, ok := a.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("value is %T, want a tensor", a)
	}
	return fromGorgonia(gt)
}
