// Package tfjs reads TensorFlow.js graph models: the model.json topology
// (TensorFlow GraphDef nodes in JSON) and its binary weight shards. Weights
// stored quantised (float16, or affine uint8/uint16) are dequantised to
// float32 exactly as TensorFlow.js does on load, so that a converted model
// computes with the very values the original did.
//
// Everything read here comes from outside the program, so every shape,
// length and offset is checked: a malformed file gives an error, never a
// panic.
package tfjs

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped by every error about a model file that cannot be
// understood (bad JSON, inconsistent shapes, short weight shards).
var ErrMalformed = errors.New("malformed TF.js model")

// maxElements bounds the element count of one tensor, so a hostile shape
// cannot make the reader allocate without limit (MoveNet's largest weight
// has under a million elements).
const maxElements = 1 << 28

// DType is a tensor element type.
type DType int

// The element types a TF.js graph model can hold that this package reads.
const (
	Float32 DType = iota + 1
	Int32
)

// String returns the type's name as the model JSON spells it.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int32:
		return "int32"
	}
	return "dtype(" + strconv.Itoa(int(d)) + ")"
}

// Tensor is a constant: a weight from the shards.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	// F holds the values of a Float32 tensor, I those of an Int32 tensor,
	// in row-major order.
	F []float32
	I []int32
}

// Len returns the number of elements the shape describes.
func (t *Tensor) Len() int { return numElements(t.Shape) }

// Node is one node of the graph, as in a TensorFlow NodeDef.
type Node struct {
	Name string
	Op   string
	// Inputs are tensor references: "node" (output 0), "node:k" (output k)
	// or "^node" (a control dependency, which carries no data).
	Inputs []string
	Attr   map[string]AttrValue
}

// AttrValue is a TensorFlow AttrValue. Only the field the attribute carries
// is set; Kind says which.
type AttrValue struct {
	Kind  AttrKind
	S     string  // decoded from base64
	I     int64   // from a decimal string
	F     float64 // as written
	B     bool
	Type  string // e.g. "DT_FLOAT"
	Shape []int  // -1 for an unknown dimension
	// Lists.
	Ss []string
	Is []int64
	Fs []float64
}

// AttrKind says which field of an AttrValue is set.
type AttrKind int

// Attribute kinds.
const (
	AttrNone AttrKind = iota
	AttrString
	AttrInt
	AttrFloat
	AttrBool
	AttrType
	AttrShape
	AttrList
	AttrTensor
)

// TensorInfo is an entry of the model's signature.
type TensorInfo struct {
	Name  string // e.g. "input:0"
	DType string // e.g. "DT_INT32"
	Shape []int
}

// Model is a TF.js graph model with its weights loaded.
type Model struct {
	Format      string
	GeneratedBy string
	ConvertedBy string
	// Inputs and Outputs come from the signature, in name order; they may
	// be empty when the file has no signature.
	Inputs  []TensorInfo
	Outputs []TensorInfo
	Nodes   []Node
	// Weights holds every weight by name.
	Weights map[string]*Tensor
}

// Load reads model.json at path and the weight shards it names, which are
// looked up beside it.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tfjs: %w", err)
	}
	dir := filepath.Dir(path)
	return Parse(data, func(shard string) ([]byte, error) {
		// Shard paths are relative names; refuse anything that would
		// leave the model's directory.
		clean := filepath.Clean(filepath.FromSlash(shard))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("weight shard path %q leaves the model directory", shard)
		}
		return os.ReadFile(filepath.Join(dir, clean))
	})
}

// Parse decodes a model.json document; readShard returns the bytes of a
// weight shard named in its weightsManifest.
func Parse(modelJSON []byte, readShard func(path string) ([]byte, error)) (*Model, error) {
	var doc jsonModel
	if err := json.Unmarshal(modelJSON, &doc); err != nil {
		return nil, fmt.Errorf("tfjs: %w: model.json: %v", ErrMalformed, err)
	}
	if doc.Format != "" && doc.Format != "graph-model" {
		return nil, fmt.Errorf("tfjs: %w: format %q is not a graph model (only graph models are supported)", ErrMalformed, doc.Format)
	}
	if doc.ModelTopology == nil || len(doc.ModelTopology.Node) == 0 {
		return nil, fmt.Errorf("tfjs: %w: model.json has no modelTopology nodes", ErrMalformed)
	}
	m := &Model{
		Format:      doc.Format,
		GeneratedBy: doc.GeneratedBy,
		ConvertedBy: doc.ConvertedBy,
		Weights:     map[string]*Tensor{},
	}
	var err error
	if doc.Signature != nil {
		if m.Inputs, err = signature(doc.Signature.Inputs); err != nil {
			return nil, err
		}
		if m.Outputs, err = signature(doc.Signature.Outputs); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for i, jn := range doc.ModelTopology.Node {
		if jn.Name == "" || jn.Op == "" {
			return nil, fmt.Errorf("tfjs: %w: node %d has no name or op", ErrMalformed, i)
		}
		if seen[jn.Name] {
			return nil, fmt.Errorf("tfjs: %w: node name %q repeats", ErrMalformed, jn.Name)
		}
		seen[jn.Name] = true
		n := Node{Name: jn.Name, Op: jn.Op, Inputs: jn.Input, Attr: make(map[string]AttrValue, len(jn.Attr))}
		for k, raw := range jn.Attr {
			v, err := parseAttr(raw)
			if err != nil {
				return nil, fmt.Errorf("tfjs: %w: node %q attribute %q: %v", ErrMalformed, jn.Name, k, err)
			}
			n.Attr[k] = v
		}
		m.Nodes = append(m.Nodes, n)
	}
	for gi, g := range doc.WeightsManifest {
		var buf []byte
		for _, p := range g.Paths {
			b, err := readShard(p)
			if err != nil {
				return nil, fmt.Errorf("tfjs: weight shard %q: %w", p, err)
			}
			buf = append(buf, b...)
		}
		off := 0
		for _, w := range g.Weights {
			t, n, err := decodeWeight(w, buf[off:])
			if err != nil {
				return nil, fmt.Errorf("tfjs: %w: weight %q (group %d, byte %d): %v", ErrMalformed, w.Name, gi, off, err)
			}
			if _, dup := m.Weights[w.Name]; dup {
				return nil, fmt.Errorf("tfjs: %w: weight %q repeats", ErrMalformed, w.Name)
			}
			m.Weights[w.Name] = t
			off += n
		}
		if off != len(buf) {
			return nil, fmt.Errorf("tfjs: %w: weight group %d: shards hold %d bytes but the manifest describes %d", ErrMalformed, gi, len(buf), off)
		}
	}
	return m, nil
}

// Node returns the node with the given name.
func (m *Model) Node(name string) (*Node, bool) {
	for i := range m.Nodes {
		if m.Nodes[i].Name == name {
			return &m.Nodes[i], true
		}
	}
	return nil, false
}

type jsonModel struct {
	Format        string `json:"format"`
	GeneratedBy   string `json:"generatedBy"`
	ConvertedBy   string `json:"convertedBy"`
	ModelTopology *struct {
		Node []jsonNode `json:"node"`
	} `json:"modelTopology"`
	Signature *struct {
		Inputs  map[string]jsonTensorInfo `json:"inputs"`
		Outputs map[string]jsonTensorInfo `json:"outputs"`
	} `json:"signature"`
	WeightsManifest []struct {
		Paths   []string     `json:"paths"`
		Weights []jsonWeight `json:"weights"`
	} `json:"weightsManifest"`
}

type jsonNode struct {
	Name  string                     `json:"name"`
	Op    string                     `json:"op"`
	Input []string                   `json:"input"`
	Attr  map[string]json.RawMessage `json:"attr"`
}

type jsonTensorInfo struct {
	Name        string     `json:"name"`
	DType       string     `json:"dtype"`
	TensorShape *jsonShape `json:"tensorShape"`
}

type jsonShape struct {
	Dim []struct {
		Size json.Number `json:"size"`
	} `json:"dim"`
	UnknownRank bool `json:"unknownRank"`
}

type jsonWeight struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	DType        string `json:"dtype"`
	Quantization *struct {
		DType string   `json:"dtype"`
		Scale *float64 `json:"scale"`
		Min   *float64 `json:"min"`
	} `json:"quantization"`
}

func signature(in map[string]jsonTensorInfo) ([]TensorInfo, error) {
	var out []TensorInfo
	for key, ti := range in {
		name := ti.Name
		if name == "" {
			name = key
		}
		info := TensorInfo{Name: name, DType: ti.DType}
		if ti.TensorShape != nil {
			s, err := ti.TensorShape.dims()
			if err != nil {
				return nil, fmt.Errorf("tfjs: %w: signature %q: %v", ErrMalformed, name, err)
			}
			info.Shape = s
		}
		out = append(out, info)
	}
	// Map order is random; the caller wants a stable order.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

func (s *jsonShape) dims() ([]int, error) {
	if s.UnknownRank {
		return nil, errors.New("shape of unknown rank")
	}
	d := make([]int, len(s.Dim))
	for i, dim := range s.Dim {
		if dim.Size == "" {
			d[i] = 0
			continue
		}
		v, err := strconv.ParseInt(string(dim.Size), 10, 64)
		if err != nil || v < -1 || v > math.MaxInt32 {
			return nil, fmt.Errorf("bad dimension %q", dim.Size)
		}
		d[i] = int(v)
	}
	return d, nil
}

func parseAttr(raw json.RawMessage) (AttrValue, error) {
	var a struct {
		S      *string          `json:"s"`
		I      *json.RawMessage `json:"i"`
		F      *json.RawMessage `json:"f"`
		B      *bool            `json:"b"`
		Type   *string          `json:"type"`
		Shape  *jsonShape       `json:"shape"`
		Tensor json.RawMessage  `json:"tensor"`
		List   *struct {
			S []string          `json:"s"`
			I []json.RawMessage `json:"i"`
			F []json.RawMessage `json:"f"`
		} `json:"list"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return AttrValue{}, err
	}
	switch {
	case a.S != nil:
		b, err := base64.StdEncoding.DecodeString(*a.S)
		if err != nil {
			return AttrValue{}, fmt.Errorf("string is not base64: %v", err)
		}
		return AttrValue{Kind: AttrString, S: string(b)}, nil
	case a.I != nil:
		v, err := jsonInt(*a.I)
		return AttrValue{Kind: AttrInt, I: v}, err
	case a.F != nil:
		v, err := jsonFloat(*a.F)
		return AttrValue{Kind: AttrFloat, F: v}, err
	case a.B != nil:
		return AttrValue{Kind: AttrBool, B: *a.B}, nil
	case a.Type != nil:
		return AttrValue{Kind: AttrType, Type: *a.Type}, nil
	case a.Shape != nil:
		s, err := a.Shape.dims()
		return AttrValue{Kind: AttrShape, Shape: s}, err
	case a.Tensor != nil:
		// Constant values live in the weight shards; the tensor attribute
		// only repeats dtype and shape.
		return AttrValue{Kind: AttrTensor}, nil
	case a.List != nil:
		v := AttrValue{Kind: AttrList}
		for _, s := range a.List.S {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return AttrValue{}, fmt.Errorf("list string is not base64: %v", err)
			}
			v.Ss = append(v.Ss, string(b))
		}
		for _, r := range a.List.I {
			x, err := jsonInt(r)
			if err != nil {
				return AttrValue{}, err
			}
			v.Is = append(v.Is, x)
		}
		for _, r := range a.List.F {
			x, err := jsonFloat(r)
			if err != nil {
				return AttrValue{}, err
			}
			v.Fs = append(v.Fs, x)
		}
		return v, nil
	}
	return AttrValue{Kind: AttrNone}, nil
}

// jsonInt reads an int64 that TF.js writes as a decimal string (protobuf
// JSON) or, in hand-made files, as a number.
func jsonInt(r json.RawMessage) (int64, error) {
	s := strings.Trim(string(r), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad integer %s", r)
	}
	return v, nil
}

func jsonFloat(r json.RawMessage) (float64, error) {
	s := strings.Trim(string(r), `"`)
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %s", r)
	}
	return v, nil
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// decodeWeight decodes one weight from the start of buf and returns it with
// the number of bytes it occupied.
func decodeWeight(w jsonWeight, buf []byte) (*Tensor, int, error) {
	n := 1
	for _, d := range w.Shape {
		if d < 0 {
			return nil, 0, fmt.Errorf("negative dimension in shape %v", w.Shape)
		}
		if d > 0 && n > maxElements/d {
			return nil, 0, fmt.Errorf("shape %v is too large", w.Shape)
		}
		n *= d
	}
	t := &Tensor{Name: w.Name, Shape: append([]int{}, w.Shape...)}
	switch w.DType {
	case "float32":
		t.DType = Float32
	case "int32":
		t.DType = Int32
	default:
		return nil, 0, fmt.Errorf("dtype %q is not supported (float32 and int32 are)", w.DType)
	}
	short := func(size int) error {
		return fmt.Errorf("weight shards end early: need %d bytes, %d left", size, len(buf))
	}
	if q := w.Quantization; q != nil {
		var width int
		switch q.DType {
		case "float16":
			width = 2
		case "uint8":
			width = 1
		case "uint16":
			width = 2
		default:
			return nil, 0, fmt.Errorf("quantization dtype %q is not supported", q.DType)
		}
		size := n * width
		if len(buf) < size {
			return nil, 0, short(size)
		}
		if q.DType == "float16" {
			if t.DType != Float32 {
				return nil, 0, errors.New("float16 quantization of a non-float weight")
			}
			t.F = make([]float32, n)
			for i := range t.F {
				t.F[i] = Float16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
			}
			return t, size, nil
		}
		if q.Scale == nil || q.Min == nil {
			return nil, 0, errors.New("affine quantization without scale and min")
		}
		// TF.js dequantises affine weights in float32: v * scale + min.
		scale, minv := float32(*q.Scale), float32(*q.Min)
		get := func(i int) float32 {
			if width == 1 {
				return float32(buf[i])
			}
			return float32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
		switch t.DType {
		case Float32:
			t.F = make([]float32, n)
			for i := range t.F {
				t.F[i] = get(i)*scale + minv
			}
		case Int32:
			t.I = make([]int32, n)
			for i := range t.I {
				t.I[i] = int32(math.Round(float64(get(i)*scale + minv)))
			}
		}
		return t, size, nil
	}
	size := 4 * n
	if len(buf) < size {
		return nil, 0, short(size)
	}
	switch t.DType {
	case Float32:
		t.F = make([]float32, n)
		for i := range t.F {
			t.F[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	case Int32:
		t.I = make([]int32, n)
		for i := range t.I {
			t.I[i] = int32(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	}
	return t, size, nil
}

// Float16ToFloat32 converts IEEE 754 binary16 bits to the float32 of the
// same value. Every binary16 value, subnormals included, is exactly
// representable in float32, so the conversion is exact.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN; keep the payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: value = frac * 2^-24; normalise the fraction.
	e := uint32(113) // float32 exponent of 2^-14 is 113
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	frac &= 0x3ff
	return math.Float32frombits(sign | e<<23 | frac<<13)
}
