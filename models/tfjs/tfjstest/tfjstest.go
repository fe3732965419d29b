// Package tfjstest builds small TensorFlow.js graph models (model.json and
// a weight shard) for tests of the reader and the converter.
package tfjstest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Builder accumulates nodes and weights of a graph model.
type Builder struct {
	nodes   []map[string]any
	weights []map[string]any
	shard   []byte
	outputs []string
}

// Attr is a TF AttrValue in TF.js's JSON form.
type Attr map[string]any

// I is an int attribute.
func I(v int) Attr { return Attr{"i": strconv.Itoa(v)} }

// S is a string attribute.
func S(s string) Attr { return Attr{"s": base64.StdEncoding.EncodeToString([]byte(s))} }

// B is a bool attribute.
func B(v bool) Attr { return Attr{"b": v} }

// F is a float attribute.
func F(v float64) Attr { return Attr{"f": v} }

// Type is a data type attribute ("DT_FLOAT", "DT_INT32").
func Type(t string) Attr { return Attr{"type": t} }

// Ints is a list-of-ints attribute.
func Ints(v ...int) Attr {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return Attr{"list": map[string]any{"i": s}}
}

// Strings is a list-of-strings attribute (like fused_ops).
func Strings(v ...string) Attr {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = base64.StdEncoding.EncodeToString([]byte(x))
	}
	return Attr{"list": map[string]any{"s": s}}
}

// Shape is a shape attribute.
func Shape(dims ...int) Attr {
	d := make([]map[string]string, len(dims))
	for i, x := range dims {
		d[i] = map[string]string{"size": strconv.Itoa(x)}
	}
	return Attr{"shape": map[string]any{"dim": d}}
}

// Node adds a node.
func (b *Builder) Node(name, op string, inputs []string, attrs map[string]Attr) {
	n := map[string]any{"name": name, "op": op}
	if len(inputs) > 0 {
		n["input"] = inputs
	}
	if len(attrs) > 0 {
		n["attr"] = attrs
	}
	b.nodes = append(b.nodes, n)
}

// Placeholder adds a graph input of type dtype ("DT_FLOAT", "DT_INT32").
func (b *Builder) Placeholder(name, dtype string, shape ...int) {
	b.Node(name, "Placeholder", nil, map[string]Attr{"dtype": Type(dtype), "shape": Shape(shape...)})
}

func (b *Builder) constNode(name, dtype string) {
	b.Node(name, "Const", nil, map[string]Attr{"dtype": Type(dtype), "value": {"tensor": map[string]any{}}})
}

// ConstF adds a float32 constant, stored as float16 when fp16 is set (as
// TF.js's quantisation does: the values are rounded to nearest float16).
func (b *Builder) ConstF(name string, shape []int, v []float32, fp16 bool) {
	b.constNode(name, "DT_FLOAT")
	w := map[string]any{"name": name, "shape": shape, "dtype": "float32"}
	if fp16 {
		w["quantization"] = map[string]any{"dtype": "float16", "original_dtype": "float32"}
		for _, x := range v {
			b.shard = binary.LittleEndian.AppendUint16(b.shard, Float32ToFloat16(x))
		}
	} else {
		for _, x := range v {
			b.shard = binary.LittleEndian.AppendUint32(b.shard, math.Float32bits(x))
		}
	}
	b.weights = append(b.weights, w)
}

// ConstI adds an int32 constant.
func (b *Builder) ConstI(name string, shape []int, v ...int32) {
	b.constNode(name, "DT_INT32")
	for _, x := range v {
		b.shard = binary.LittleEndian.AppendUint32(b.shard, uint32(x))
	}
	b.weights = append(b.weights, map[string]any{"name": name, "shape": shape, "dtype": "int32"})
}

// Output declares a signature output (a tensor name such as "y:0").
func (b *Builder) Output(name string) { b.outputs = append(b.outputs, name) }

// JSON returns model.json for a single shard named shard.
func (b *Builder) JSON(shard string) []byte {
	outs := map[string]any{}
	for _, o := range b.outputs {
		outs[o] = map[string]any{"name": o}
	}
	doc := map[string]any{
		"format":        "graph-model",
		"generatedBy":   "tfjstest",
		"modelTopology": map[string]any{"node": b.nodes},
		"weightsManifest": []any{map[string]any{
			"paths":   []string{shard},
			"weights": b.weights,
		}},
	}
	if len(outs) > 0 {
		doc["signature"] = map[string]any{"outputs": outs}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err) // only plain maps and slices: cannot fail
	}
	return out
}

// Shard returns the weight bytes.
func (b *Builder) Shard() []byte { return b.shard }

// Write writes model.json and model.bin into dir and returns model.json's
// path.
func (b *Builder) Write(dir string) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "model.bin"), b.shard, 0o644); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "model.json")
	return p, os.WriteFile(p, b.JSON("model.bin"), 0o644)
}

// Float32ToFloat16 rounds f to the nearest binary16 value (ties to even),
// as TF.js's float16 quantisation does.
func Float32ToFloat16(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int(bits>>23&0xff) - 127 + 15
	mant := bits & 0x7fffff
	switch {
	case bits&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 0x1f: // overflow or inf
		return sign | 0x7c00
	case exp <= 0: // subnormal or zero in half precision
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, which is the right rounding
	}
	return sign | uint16(h)
}
