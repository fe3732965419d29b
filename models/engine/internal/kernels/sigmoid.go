package kernels

import (
	"fmt"
	"math"
)

// Sigmoid sets dst[i] = SigmoidScalar(src[i]) for every element of src,
// bit for bit on every implementation (within 3e-7 relative of the exact
// value); NaN stays NaN. dst and src may be the same slice. MoveNet's heatmaps take tens of
// thousands of sigmoids per inference, so AVX-512 does 16 at a time.
func Sigmoid(dst, src []float32) {
	if len(dst) < len(src) {
		panic(fmt.Sprintf("kernels: Sigmoid of %d values into %d", len(src), len(dst)))
	}
	sigmoid(dst[:len(src)], src)
}

func sigmoidGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = SigmoidScalar(v)
	}
}

// Sqrt sets dst[i] = float32(math.Sqrt(float64(src[i]))) for every element
// of src, bit for bit on every implementation (see sqrtAVX512 in asmgen).
// dst and src may be the same slice.
func Sqrt(dst, src []float32) {
	if len(dst) < len(src) {
		panic(fmt.Sprintf("kernels: Sqrt of %d values into %d", len(src), len(dst)))
	}
	sqrt(dst[:len(src)], src)
}

func sqrtGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(math.Sqrt(float64(v)))
	}
}

// SigmoidScalar is 1/(1+e^-x) by Expf.
func SigmoidScalar(x float32) float32 { return 1 / (1 + Expf(-x)) }

// Expf is e^x in float32 to about one unit in the last place (1.4e-7
// relative), twice as fast as math.Exp in float64. It is the classic
// scheme: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact
// reduction), e^r by a degree-7 polynomial (Cephes' expf coefficients),
// times 2^n. The AVX-512 sigmoid does the same float32 operations.
func Expf(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > 88.72: // e^x overflows float32
		return float32(math.Inf(1))
	case x < -87.33: // e^x is subnormal or zero; flush
		return 0
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	t := x * log2e
	var n int32
	if t >= 0 {
		n = int32(t + 0.5)
	} else {
		n = int32(t - 0.5)
	}
	// The conversions keep the compiler from fusing a multiply and an add
	// (as it may on GOAMD64=v3), so that every build rounds alike and the
	// AVX-512 sigmoid, which does these very operations, matches bit for
	// bit.
	fn := float32(n)
	r := x - float32(fn*ln2hi) - float32(fn*ln2lo)
	p := float32(1.9875691500e-4)
	p = float32(p*r) + 1.3981999507e-3
	p = float32(p*r) + 8.3334519073e-3
	p = float32(p*r) + 4.1665795894e-2
	p = float32(p*r) + 1.6666665459e-1
	p = float32(p*r) + 5.0000001201e-1
	y := float32(float32(p*r)*r) + r + 1
	if n > 127 { // 2^n itself would overflow; the product does not
		return y * 2 * math.Float32frombits(uint32(n+126)<<23)
	}
	return y * math.Float32frombits(uint32(n+127)<<23)
}
