//go:build !noasm

package yuv

import "golang.org/x/sys/cpu"

// The AVX2 kernel (yuv_amd64.s). x/sys/cpu honours GODEBUG=cpu.avx2=off,
// which runs the Go version instead.
func init() {
	if cpu.X86.HasAVX2 {
		rowsKernel = rowsAsm
	}
}

// rowsAVX2 is rowsGo for n pixels, n a multiple of 16: the same
// coefficients, sums, biases and shifts, sixteen pixels of each row a
// step.
//
//go:noescape
func rowsAVX2(y0, y1, u, v, r0, r1 *byte, n int, k *coeffs)

func rowsAsm(y0, y1, u, v, r0, r1 []byte, k *coeffs) {
	w := len(y0)
	n := w &^ 15
	if n > 0 {
		_, _, _, _, _ = y1[n-1], u[n/2-1], v[n/2-1], r0[4*n-1], r1[4*n-1] // bounds, once
		rowsAVX2(&y0[0], &y1[0], &u[0], &v[0], &r0[0], &r1[0], n, k)
	}
	if n < w {
		rowsGo(y0[n:], y1[n:], u[n/2:], v[n/2:], r0[4*n:], r1[4*n:], k)
	}
}

// usesAsm reports whether FromRGBA runs the AVX2 kernel.
func usesAsm() bool { return cpu.X86.HasAVX2 }
