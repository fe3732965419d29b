//go:build linux

package models

import (
	"math/rand/v2"
	"syscall"
	"testing"
)

// TestPixelsBGRKernelsStayInRow: the BGR pixels kernels read no byte
// outside the row, whose SIMD loads are wider than the pixels they use: a
// row that ends where an unreadable page begins, or begins where one
// ends, is converted (forward and mirrored, every count of pixels) with
// no fault and pixelsGo's result. The kernels' Go wrappers count the
// loads that fit; a miscount faults here.
func TestPixelsBGRKernelsStayInRow(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[2*page:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	rng := rand.New(rand.NewPCG(73, 79))
	for _, length := range append(rangeInts(41)[1:], 700) {
		// Against the page after, then against the page before.
		end := mem[2*page-3*length : 2*page]
		rgba, src := noiseBGRRow(rng, length, end)
		checkPixelsBGR(t, rgba, src, length)
		start := mem[page : page+3*length]
		rgba, src = noiseBGRRow(rng, length, start)
		checkPixelsBGR(t, rgba, src, length)
	}
}
