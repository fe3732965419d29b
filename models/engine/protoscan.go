package engine

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// protoInfo is what the engine reads from the ONNX file besides what
// onnx-go's decoder passes to the backend: node names (the decoder hands
// over only operator types) and the default-domain opset version.
type protoInfo struct {
	nodeNames []string
	opset     int64
	// inputShapes holds the declared shape of each graph input, with -1
	// for a symbolic or unknown dimension; onnx-go drops such dimensions.
	inputShapes map[string][]int
	// initializers names the graph's initialisers. onnx-go also gives
	// declared inputs, outputs and value infos a placeholder tensor, so a
	// tensor on a node does not by itself make it a constant.
	initializers map[string]bool
}

// scanProto walks the ModelProto with protowire. It never fails: on
// malformed input it returns what it found, and the decoder reports the
// error.
func scanProto(b []byte) protoInfo {
	info := protoInfo{inputShapes: map[string][]int{}, initializers: map[string]bool{}}
	eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) {
		switch {
		case num == 7 && typ == protowire.BytesType: // graph
			eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
				if num == 5 && typ == protowire.BytesType { // initializer
					eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
						if num == 8 && typ == protowire.BytesType {
							info.initializers[string(v)] = true
						}
					})
				}
				if num == 11 && typ == protowire.BytesType { // input
					name, shape, ok := scanValueInfo(v)
					if ok {
						info.inputShapes[name] = shape
					}
				}
				if num == 1 && typ == protowire.BytesType { // node
					name := ""
					eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
						if num == 3 && typ == protowire.BytesType {
							name = string(v)
						}
					})
					info.nodeNames = append(info.nodeNames, name)
				}
			})
		case num == 8 && typ == protowire.BytesType: // opset_import
			domain, version := "", int64(0)
			eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
				if num == 1 && typ == protowire.BytesType {
					domain = string(v)
				}
				if num == 2 && typ == protowire.VarintType {
					x, _ := protowire.ConsumeVarint(v)
					version = int64(x)
				}
			})
			if domain == "" || domain == "ai.onnx" {
				info.opset = version
			}
		}
	})
	return info
}

// scanValueInfo reads a ValueInfoProto's name and tensor shape.
func scanValueInfo(b []byte) (name string, shape []int, ok bool) {
	eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) {
		switch {
		case num == 1 && typ == protowire.BytesType:
			name = string(v)
		case num == 2 && typ == protowire.BytesType: // TypeProto
			eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
				if num != 1 || typ != protowire.BytesType { // tensor_type
					return
				}
				eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
					if num != 2 || typ != protowire.BytesType { // shape
						return
					}
					ok = true
					shape = []int{}
					eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
						if num != 1 || typ != protowire.BytesType { // dim
							return
						}
						d := -1
						eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) {
							if num == 1 && typ == protowire.VarintType {
								x, _ := protowire.ConsumeVarint(v)
								d = int(int64(x))
							}
						})
						shape = append(shape, d)
					})
				})
			})
		}
	})
	return name, shape, ok
}

// eachField calls f for each top-level field of a protobuf message; for
// varints v holds the encoded varint, for bytes fields the payload.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte)) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return
			}
			f(num, typ, v)
			b = b[m:]
		case protowire.VarintType:
			_, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return
			}
			f(num, typ, b[:m])
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return
			}
			b = b[m:]
		}
	}
}
