package engine

import (
	"fmt"
	"strings"
)

// DType is the element type of a tensor. The engine computes in float32 and
// keeps integer tensors for indices, shapes and integer arithmetic.
type DType uint8

// The element types the engine supports.
const (
	Float32 DType = iota + 1
	Int32
	Int64
)

// String returns the ONNX-style name of the type.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// ONNX TensorProto.DataType codes for the supported types.
const (
	onnxFloat = 1
	onnxInt32 = 6
	onnxInt64 = 7
)

// dtypeFromONNX maps an ONNX TensorProto.DataType code to a DType.
func dtypeFromONNX(code int64) (DType, error) {
	switch code {
	case onnxFloat:
		return Float32, nil
	case onnxInt32:
		return Int32, nil
	case onnxInt64:
		return Int64, nil
	}
	return 0, fmt.Errorf("%w: ONNX type %d (the engine supports float32, int32, int64)", ErrUnsupportedType, code)
}

// Tensor is a dense row-major tensor. Exactly one of F32, I32 and I64 holds
// the data, according to DType; its length equals the product of Shape (1
// for a scalar, whose Shape is empty).
//
// Tensors returned by a Session are owned by it and are overwritten by its
// next Run.
type Tensor struct {
	DType DType
	Shape []int
	F32   []float32
	I32   []int32
	I64   []int64
}

// NewFloat32 returns a float32 tensor of the given shape backed by data.
// A nil data allocates zeros.
func NewFloat32(shape []int, data []float32) *Tensor {
	if data == nil {
		data = make([]float32, numElems(shape))
	}
	return &Tensor{DType: Float32, Shape: append([]int(nil), shape...), F32: data}
}

// NewInt32 returns an int32 tensor of the given shape backed by data.
// A nil data allocates zeros.
func NewInt32(shape []int, data []int32) *Tensor {
	if data == nil {
		data = make([]int32, numElems(shape))
	}
	return &Tensor{DType: Int32, Shape: append([]int(nil), shape...), I32: data}
}

// NewInt64 returns an int64 tensor of the given shape backed by data.
// A nil data allocates zeros.
func NewInt64(shape []int, data []int64) *Tensor {
	if data == nil {
		data = make([]int64, numElems(shape))
	}
	return &Tensor{DType: Int64, Shape: append([]int(nil), shape...), I64: data}
}

// newTensor allocates a zero tensor of the given type and shape.
func newTensor(dt DType, shape []int) *Tensor {
	switch dt {
	case Int32:
		return NewInt32(shape, nil)
	case Int64:
		return NewInt64(shape, nil)
	}
	return NewFloat32(shape, nil)
}

// Len returns the number of elements the shape describes.
func (t *Tensor) Len() int { return numElems(t.Shape) }

// dataLen returns the length of the slice that holds the data.
func (t *Tensor) dataLen() int {
	switch t.DType {
	case Float32:
		return len(t.F32)
	case Int32:
		return len(t.I32)
	case Int64:
		return len(t.I64)
	}
	return -1
}

// check reports whether the data slice matches the type and shape.
func (t *Tensor) check() error {
	if t.DType != Float32 && t.DType != Int32 && t.DType != Int64 {
		return fmt.Errorf("unsupported element type %v", t.DType)
	}
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", t.Shape)
		}
	}
	if n := t.dataLen(); n != t.Len() {
		return fmt.Errorf("%v data has %d elements, shape %v needs %d", t.DType, n, t.Shape, t.Len())
	}
	return nil
}

// clone returns a deep copy.
func (t *Tensor) clone() *Tensor {
	c := &Tensor{DType: t.DType, Shape: append([]int(nil), t.Shape...)}
	switch t.DType {
	case Float32:
		c.F32 = append([]float32(nil), t.F32...)
	case Int32:
		c.I32 = append([]int32(nil), t.I32...)
	case Int64:
		c.I64 = append([]int64(nil), t.I64...)
	}
	return c
}

// copyFrom copies src's data into t; both must have the same type and length.
func (t *Tensor) copyFrom(src *Tensor) {
	switch t.DType {
	case Float32:
		copy(t.F32, src.F32)
	case Int32:
		copy(t.I32, src.I32)
	case Int64:
		copy(t.I64, src.I64)
	}
}

// ints returns the tensor's integer values as int64s; it is used at load time
// for shape-like constants (Reshape shapes, Slice starts, axes).
func (t *Tensor) ints() []int64 {
	switch t.DType {
	case Int64:
		return append([]int64(nil), t.I64...)
	case Int32, Float32:
		v := make([]int64, t.dataLen())
		castInto(&Tensor{DType: Int64, I64: v}, t)
		return v
	}
	return nil
}

// floats returns the tensor's values as float32s (load time only).
func (t *Tensor) floats() []float32 {
	switch t.DType {
	case Float32:
		return append([]float32(nil), t.F32...)
	case Int32, Int64:
		v := make([]float32, t.dataLen())
		castInto(&Tensor{DType: Float32, F32: v}, t)
		return v
	}
	return nil
}

// String formats the type and shape, e.g. "float32[1,3,192,192]".
func (t *Tensor) String() string { return typeString(t.DType, t.Shape) }

func typeString(dt DType, shape []int) string {
	var b strings.Builder
	b.WriteString(dt.String())
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

// numElems returns the product of the dimensions (1 for a scalar).
func numElems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// stridesOf returns row-major strides for shape.
func stridesOf(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// normAxis turns a possibly negative axis into [0, rank) or reports an error.
func normAxis(axis int64, rank int) (int, error) {
	a := int(axis)
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return a, nil
}

// sub returns a flat view of elements [lo, hi) (its shape is not set).
// Kernels use it to split element-wise work.
func (t *Tensor) sub(lo, hi int) *Tensor {
	v := Tensor{DType: t.DType}
	switch t.DType {
	case Float32:
		v.F32 = t.F32[lo:hi]
	case Int32:
		v.I32 = t.I32[lo:hi]
	case Int64:
		v.I64 = t.I64[lo:hi]
	}
	return &v
}
