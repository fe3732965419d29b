// Package onnxpb writes ONNX model files. It holds the few ONNX protobuf
// messages the project produces (a model, its graph, nodes, attributes,
// tensors and value infos) and encodes them with protowire, so that model
// files are written deterministically, byte for byte, without generated code.
// Reading ONNX is onnx-go's job; this package only writes.
package onnxpb

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// DataType is an ONNX TensorProto.DataType.
type DataType int32

// The ONNX element types the project uses.
const (
	Float DataType = 1
	Uint8 DataType = 2
	Int8  DataType = 3
	Int32 DataType = 6
	Int64 DataType = 7
	Bool  DataType = 9
)

// AttrType is an ONNX AttributeProto.AttributeType.
type AttrType int32

// The ONNX attribute types the project uses.
const (
	AttrFloat  AttrType = 1
	AttrInt    AttrType = 2
	AttrString AttrType = 3
	AttrTensor AttrType = 4
	AttrFloats AttrType = 6
	AttrInts   AttrType = 7
)

// Model is an ONNX ModelProto.
type Model struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	DocString       string
	// Opset is the version of the default ("ai.onnx") operator set.
	Opset int64
	Graph Graph
}

// Graph is an ONNX GraphProto.
type Graph struct {
	Name         string
	Nodes        []Node
	Initializers []Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	// ValueInfos optionally declare the types of intermediate tensors.
	ValueInfos []ValueInfo
}

// Node is an ONNX NodeProto. An empty string in Inputs marks an omitted
// optional input.
type Node struct {
	Name       string
	OpType     string
	Inputs     []string
	Outputs    []string
	Attributes []Attribute
}

// Attribute is an ONNX AttributeProto; only the field matching Type is
// written.
type Attribute struct {
	Name   string
	Type   AttrType
	F      float32
	I      int64
	S      string
	T      *Tensor
	Floats []float32
	Ints   []int64
}

// Tensor is an ONNX TensorProto with its data in RawData (little endian);
// Marshal writes a float tensor's data as float_data, the others' as
// raw_data.
type Tensor struct {
	Name     string
	DataType DataType
	Dims     []int64
	RawData  []byte
}

// ValueInfo is an ONNX ValueInfoProto for a tensor type. A negative entry in
// Shape is written as a symbolic dimension named "N".
type ValueInfo struct {
	Name     string
	ElemType DataType
	Shape    []int64
}

// IntAttr returns an INT attribute.
func IntAttr(name string, v int64) Attribute { return Attribute{Name: name, Type: AttrInt, I: v} }

// IntsAttr returns an INTS attribute.
func IntsAttr(name string, v ...int64) Attribute {
	return Attribute{Name: name, Type: AttrInts, Ints: v}
}

// FloatAttr returns a FLOAT attribute.
func FloatAttr(name string, v float32) Attribute {
	return Attribute{Name: name, Type: AttrFloat, F: v}
}

// StringAttr returns a STRING attribute.
func StringAttr(name, v string) Attribute { return Attribute{Name: name, Type: AttrString, S: v} }

// FloatTensor returns a float32 tensor with the given shape and values.
func FloatTensor(name string, dims []int64, v []float32) Tensor {
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	return Tensor{Name: name, DataType: Float, Dims: dims, RawData: raw}
}

// Int64Tensor returns an int64 tensor with the given shape and values.
func Int64Tensor(name string, dims []int64, v []int64) Tensor {
	raw := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
	}
	return Tensor{Name: name, DataType: Int64, Dims: dims, RawData: raw}
}

// Int32Tensor returns an int32 tensor with the given shape and values.
func Int32Tensor(name string, dims []int64, v []int32) Tensor {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(x))
	}
	return Tensor{Name: name, DataType: Int32, Dims: dims, RawData: raw}
}

// Marshal encodes the model as an ONNX protobuf file.
func (m *Model) Marshal() []byte {
	var b []byte
	b = appendInt(b, 1, m.IRVersion)
	b = appendString(b, 2, m.ProducerName)
	b = appendString(b, 3, m.ProducerVersion)
	b = appendString(b, 6, m.DocString)
	b = appendMessage(b, 7, m.Graph.marshal())
	var op []byte
	op = appendInt(op, 2, m.Opset)
	b = appendMessage(b, 8, op)
	return b
}

func (g *Graph) marshal() []byte {
	var b []byte
	for i := range g.Nodes {
		b = appendMessage(b, 1, g.Nodes[i].marshal())
	}
	b = appendString(b, 2, g.Name)
	for i := range g.Initializers {
		b = appendMessage(b, 5, g.Initializers[i].marshal())
	}
	for i := range g.Inputs {
		b = appendMessage(b, 11, g.Inputs[i].marshal())
	}
	for i := range g.Outputs {
		b = appendMessage(b, 12, g.Outputs[i].marshal())
	}
	for i := range g.ValueInfos {
		b = appendMessage(b, 13, g.ValueInfos[i].marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendString(b, 3, n.Name)
	b = appendString(b, 4, n.OpType)
	for i := range n.Attributes {
		b = appendMessage(b, 5, n.Attributes[i].marshal())
	}
	return b
}

func (a *Attribute) marshal() []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.I))
	case AttrString:
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendString(b, a.S)
	case AttrTensor:
		if a.T != nil {
			b = appendMessage(b, 5, a.T.marshal())
		}
	case AttrFloats:
		var p []byte
		for _, f := range a.Floats {
			p = protowire.AppendFixed32(p, math.Float32bits(f))
		}
		b = protowire.AppendTag(b, 7, protowire.BytesType)
		b = protowire.AppendBytes(b, p)
	case AttrInts:
		var p []byte
		for _, v := range a.Ints {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = protowire.AppendTag(b, 8, protowire.BytesType)
		b = protowire.AppendBytes(b, p)
	}
	b = protowire.AppendTag(b, 20, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(a.Type))
	return b
}

func (t *Tensor) marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		var p []byte
		for _, d := range t.Dims {
			p = protowire.AppendVarint(p, uint64(d))
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, p)
	}
	b = appendInt(b, 2, int64(t.DataType))
	b = appendString(b, 8, t.Name)
	// A float tensor's values go in float_data (field 4). Packed, its
	// bytes on the wire are exactly raw_data's, but decoders take it in
	// one allocation: onnx-go turns raw_data into floats one append at a
	// time (growing the slice, copying it over and over), which made
	// loading Lightning cost about 75 MB of allocation and 0.15 s of a
	// short analysis's start. raw_data is kept for the other types and for
	// empty tensors, where an empty packed field would decode as no data
	// at all; it is written even when empty so that a zero-element tensor
	// still carries its (empty) payload explicitly.
	field := protowire.Number(9)
	if t.DataType == Float && len(t.RawData) > 0 {
		field = 4
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	b = protowire.AppendBytes(b, t.RawData)
	return b
}

func (v *ValueInfo) marshal() []byte {
	var shape []byte
	for _, d := range v.Shape {
		var dim []byte
		if d < 0 {
			dim = appendString(dim, 2, "N")
		} else {
			dim = protowire.AppendTag(dim, 1, protowire.VarintType)
			dim = protowire.AppendVarint(dim, uint64(d))
		}
		shape = appendMessage(shape, 1, dim)
	}
	var tt []byte
	tt = appendInt(tt, 1, int64(v.ElemType))
	tt = protowire.AppendTag(tt, 2, protowire.BytesType)
	tt = protowire.AppendBytes(tt, shape)
	var typ []byte
	typ = appendMessage(typ, 1, tt)
	var b []byte
	b = appendString(b, 1, v.Name)
	b = appendMessage(b, 2, typ)
	return b
}

func appendInt(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}
