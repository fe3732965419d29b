package kernels

import "fmt"

// GatherInt32 sets dst[j] = float32(src[off+j*stride]) for every element
// of dst, Go's conversion (rounding to nearest even) on every
// implementation. MoveNet's input, interleaved RGB int32 pixels, is
// gathered one colour plane at a time with stride 3, which AVX-512 does
// 16 values a step.
func GatherInt32(dst []float32, src []int32, off, stride int) {
	if len(dst) == 0 {
		return
	}
	if off < 0 || stride < 0 || off+(len(dst)-1)*stride >= len(src) {
		panic(fmt.Sprintf("kernels: GatherInt32 of %d values from %d at offset %d, stride %d", len(dst), len(src), off, stride))
	}
	gatherInt32(dst, src, off, stride)
}

func gatherInt32Go(dst []float32, src []int32, off, stride int) {
	for j := range dst {
		dst[j] = float32(src[off])
		off += stride
	}
}
