//go:build !noasm

package models

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The assembly kernels (resample_amd64.s), in three sets: AVX2 (two
// outputs a ymm), AVX-512 (four a zmm, and the vertical pass fused with
// the clamp) and, where the CPU has AVX-512 VBMI's byte permutes, AVX-512
// reading the frame's bytes through the packed window plan (five outputs
// a zmm, and BMI2's SHLX for its store masks). x/sys/cpu honours
// GODEBUG=cpu.avx2=off, cpu.avx512f=off and cpu.avx512vbmi=off (the
// runtime warns that it does not know the last; x/sys/cpu does).
func init() {
	if cpu.X86.HasAVX2 {
		resampleKernelSets = append(resampleKernelSets, resampleKernels{name: "avx2",
			hrow: hrowPaddedAsm(2, hrow2AVX), lanes: 2, vsum: vsumWith(vaccAsm, clampAsm), pixels: pixelsAsm(false), pixelsBGR: pixelsBGRAsm(false)})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasAVX512F {
		resampleKernelSets = append(resampleKernelSets, resampleKernels{name: "avx512",
			hrow: hrowPaddedAsm(4, hrow4AVX512), lanes: 4, vsum: vsumAsm, pixels: pixelsAsm(true), pixelsBGR: pixelsBGRAsm(true)})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI && cpu.X86.HasBMI2 {
		k := resampleKernelSets[len(resampleKernelSets)-1]
		k.name, k.hrowPacked, k.vsumPacked = "avx512vbmi", hrowPackAsm, vsumPackAsm
		resampleKernelSets = append(resampleKernelSets, k)
	}
	useKernels(resampleKernelSets[len(resampleKernelSets)-1])
}

//go:noescape
func hrow2AVX(t, row, wide *float32, first *int32, groups, taps int)

//go:noescape
func hrow4AVX512(t, row, wide *float32, first *int32, groups, taps int)

//go:noescape
func hrowPackAVX512(t *float32, dst *int32, rows int, src *uint8, stride int, w *float32, win *int32, idx *uint8, groups, outs, last, ahead int)

//go:noescape
func vsumPackAVX512(dst *int32, tmp *float32, rows *int32, w *float32, k, m int)

//go:noescape
func vsumAVX512(dst *int32, tmp *float32, rows *int32, w *float32, k, n int)

//go:noescape
func vaccAVX(acc, row *float32, f float32, n int)

//go:noescape
func clampAVX(dst *int32, acc *float32, n int)

//go:noescape
func pixelsBGRAVX(dst *float32, src *uint8, quads int, mirrored bool, ahead uintptr, wide bool)

//go:noescape
func pixelsAVX(dst *float32, src *uint8, n, step int, ahead uintptr, quads bool)

// hrowPaddedAsm returns an hrowKernel that runs kernel, which filters
// groups of lanes outputs from the padded plan, on the full groups and
// hrowPaddedGo on the outputs left over. It relies on p.check having
// held, as hrowAsm does.
func hrowPaddedAsm(lanes int, kernel func(t, row, wide *float32, first *int32, groups, taps int)) func(t, row, w []float32, p *hplan) {
	return func(t, row, _ []float32, p *hplan) {
		n := len(p.cnt)
		if p.taps == 0 {
			// No output has a tap in the image: all are black.
			clear(t[:4*n])
			return
		}
		if groups := n / lanes; groups > 0 {
			kernel(unsafe.SliceData(t), unsafe.SliceData(row), unsafe.SliceData(p.wide), unsafe.SliceData(p.first), groups, p.taps)
		}
		hrowPaddedGo(t, row, p, n-n%lanes)
	}
}

// vsumAsm runs vsumAVX512 on the multiple of 8 pixels and the Go version
// on the rest, having checked that every row it reads lies within tmp.
func vsumAsm(dst []int32, acc, tmp []float32, rows []int32, w []float32, n int) {
	if n == 0 {
		return
	}
	_ = dst[3*n-1]
	_ = w[:len(rows)]
	for _, r := range rows {
		_ = tmp[r : int(r)+4*n]
	}
	n8 := n &^ 7
	if n8 > 0 {
		vsumAVX512(unsafe.SliceData(dst), unsafe.SliceData(tmp), unsafe.SliceData(rows), unsafe.SliceData(w), len(rows), n8)
	}
	if n8 < n {
		vsumGo(dst[3*n8:], acc, tmp[4*n8:], rows, w, n-n8)
	}
}

// hrowPackAsm runs hrowPackAVX512 on every group of the packed plan, the
// last one perhaps not full (the plan's lanes of the outputs it lacks
// have weight 0 and index 0, and are not stored), having checked that the
// rows lie within src and t; it relies on p.checkPacked having held.
func hrowPackAsm(t []float32, dst []int32, src []uint8, stride int, p *hplan, more bool) {
	n, rows := len(p.cnt), len(dst)
	if n == 0 || rows == 0 {
		return
	}
	_ = src[(rows-1)*stride : (rows-1)*stride+p.rowBytes]
	for _, d := range dst {
		_ = t[d : int(d)+3*n]
	}
	var ahead int
	if more {
		ahead = rows * stride
	}
	groups := len(p.win) / 2
	hrowPackAVX512(unsafe.SliceData(t), unsafe.SliceData(dst), rows, unsafe.SliceData(src), stride, unsafe.SliceData(p.winW), unsafe.SliceData(p.win), unsafe.SliceData(p.winIdx), groups, p.outs, n-p.outs*(groups-1), ahead)
}

// vsumPackAsm runs vsumPackAVX512 on the multiple of 16 floats and the Go
// version on the rest, having checked that every row it reads lies
// within tmp.
func vsumPackAsm(dst []int32, acc, tmp []float32, rows []int32, w []float32, m int) {
	if m == 0 {
		return
	}
	_ = dst[m-1]
	_ = w[:len(rows)]
	for _, r := range rows {
		_ = tmp[r : int(r)+m]
	}
	m16 := m &^ 15
	if m16 > 0 {
		vsumPackAVX512(unsafe.SliceData(dst), unsafe.SliceData(tmp), unsafe.SliceData(rows), unsafe.SliceData(w), len(rows), m16)
	}
	if m16 < m {
		vsumPackedGo(dst[m16:], acc, tmp[m16:], rows, w, m-m16)
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

// pixelsAsm returns a pixelsKernel: pixelsAVX, four pixels a step when
// quads (AVX-512).
func pixelsAsm(quads bool) func(dst []float32, src []uint8, first, step, n int, next []uint8) {
	return func(dst []float32, src []uint8, first, step, n int, next []uint8) {
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
		pixelsAVX(unsafe.SliceData(dst), &src[first], n, step, ahead, quads)
	}
}

// pixelsBGRAsm returns a pixelsBGRKernel: pixelsBGRAVX (one zmm a quad of
// pixels when wide, AVX-512) on the quads of pixels whose 16-byte loads
// stay within src, pixelsBGRGo on the rest.
func pixelsBGRAsm(wide bool) func(dst []float32, src []uint8, first, step, n int, next []uint8) {
	return func(dst []float32, src []uint8, first, step, n int, next []uint8) {
		if n == 0 {
			return
		}
		_ = dst[4*n-1]
		last := first + (n-1)*step
		_, _ = src[min(first, last)], src[max(first, last)+2]
		// Quads q read bytes first+12q .. +16 forward, first+2-12q-16 ..
		// first+2-12q mirrored.
		room := len(src) - first - 16 // bytes past the first load's end
		if step < 0 {
			room = first - 13 // bytes before the first load's start
		}
		quads := 0
		if room >= 0 {
			quads = min(n/4, room/12+1)
		}
		if quads > 0 {
			var ahead uintptr
			if len(next) > max(first, last)+2 {
				// An address the assembly only prefetches, never reads.
				ahead = uintptr(unsafe.Pointer(&next[first]))
			}
			pixelsBGRAVX(unsafe.SliceData(dst), &src[first], quads, step < 0, ahead, wide)
		}
		if done := 4 * quads; done < n {
			pixelsBGRGo(dst[4*done:], src, first+done*step, step, n-done, nil)
		}
	}
}
