//go:build !noasm

package pipeline

import "golang.org/x/sys/cpu"

// The AVX2 kernel of boxReduce's factor 2 (reduce_amd64.s). x/sys/cpu
// honours GODEBUG=cpu.avx2=off, which the tests use to run the Go version.
func init() {
	if cpu.X86.HasAVX2 {
		reduce2Kernel = reduce2Asm
	}
}

// reduce2AVX2 writes n (a multiple of 4) pixels of a factor-2 reduction
// into dst from the 2n pixels of rows r0 and r1: per channel
// (a+b+c+d+2)>>2, alpha 255, exactly reduce2Go's arithmetic.
//
//go:noescape
func reduce2AVX2(dst, r0, r1 *byte, n int)

func reduce2Asm(d, r0, r1 []byte, w int) {
	n := w &^ 3
	if n > 0 {
		_, _, _ = d[4*n-1], r0[8*n-1], r1[8*n-1] // bounds, once
		reduce2AVX2(&d[0], &r0[0], &r1[0], n)
	}
	if n < w {
		reduce2Go(d[4*n:], r0[8*n:], r1[8*n:], w-n)
	}
}
