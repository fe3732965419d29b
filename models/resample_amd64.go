//go:build !noasm

package models

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The AVX2 kernels (resample_amd64.s). x/sys/cpu honours GODEBUG=cpu.avx2=off.
func init() {
	if cpu.X86.HasAVX2 {
		hrowKernel, vaccKernel, pixelsKernel, clampKernel = hrowAsm, vaccAsm, pixelsAsm, clampAsm
	}
}

//go:noescape
func hrowAVX(t, row, w *float32, start, off, cnt *int32, n int)

//go:noescape
func vaccAVX(acc, row *float32, f float32, n int)

//go:noescape
func clampAVX(dst *int32, acc *float32, n int)

//go:noescape
func pixelsAVX(dst *float32, src *uint8, n, step int, ahead uintptr)

// hrowAsm relies on p.check having held (the caller's duty, as for the
// Go version, which would panic instead).
func hrowAsm(t, row, w []float32, p *hplan) {
	if n := len(p.cnt); n > 0 {
		hrowAVX(unsafe.SliceData(t), unsafe.SliceData(row), unsafe.SliceData(w), unsafe.SliceData(p.start), unsafe.SliceData(p.off), unsafe.SliceData(p.cnt), n)
	}
}

func clampAsm(dst []int32, acc []float32, n int) {
	if n <= 1 {
		clampGo(dst, acc, n)
		return
	}
	_, _ = dst[3*n-1], acc[4*n-1]
	// The assembly stores four int32 a pixel, the fourth overwritten by
	// the next pixel's first: it does all but the last pixel.
	clampAVX(unsafe.SliceData(dst), unsafe.SliceData(acc), n-1)
	clampGo(dst[3*(n-1):], acc[4*(n-1):], 1)
}

func vaccAsm(acc, row []float32, f float32) {
	n := len(acc)
	if n%8 != 0 {
		vaccGo(acc, row, f)
		return
	}
	if n == 0 {
		return
	}
	_ = row[n-1]
	vaccAVX(unsafe.SliceData(acc), unsafe.SliceData(row), f, n)
}

func pixelsAsm(dst []float32, src []uint8, first, step, n int, next []uint8) {
	if n == 0 {
		return
	}
	_ = dst[4*n-1]
	last := first + (n-1)*step
	_, _ = src[min(first, last)], src[max(first, last)+3]
	var ahead uintptr
	if len(next) > max(first, last)+3 {
		// An address the assembly only prefetches, never reads.
		ahead = uintptr(unsafe.Pointer(&next[first]))
	}
	pixelsAVX(unsafe.SliceData(dst), &src[first], n, step, ahead)
}
