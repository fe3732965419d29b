// Command asmgen generates the kernels package's amd64 assembly with avo.
//
//	go run ./asmgen -out kernels_amd64.s -stubs stubs_amd64.go -pkg kernels
//
// Keep TileM, TileN and the flag values in step with gemm.go.
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

const (
	tileM = 8
	tileN = 48

	flagAccumulate = 1
	flagFinal      = 2 // add bias, then residual, then clamp
	flagResidual   = 4
)

const tileSig = "func(kl int, a, b *float32, ldb int, c *float32, ldc int, bias, r *float32, ldr int, lo, hi float32, flags int)"

func main() {
	ConstraintExpr("!noasm")
	for _, rows := range []int{8, 4, 2, 1} {
		for nv := 1; nv <= 3; nv++ {
			gemmAVX512(rows, nv)
		}
	}
	gemmAVX512Tiles()
	gemm8x36AVX512()
	gemmAVX2()
	depthwiseAVX512()
	sigmoidAVX512()
	sqrtAVX512()
	evensAVX512()
	arithAVX512()
	argMaxColsAVX512()
	arithRowsAVX512()
	lerpAVX512()
	gather3AVX512()
	lerpTapsAVX512()
	Generate()
}

func zmm(i int) VecPhysical {
	return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
}
func ymm(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}

// loadTileArgs loads the micro-kernel arguments into fixed registers:
// AX a, BX b, CX c, DX ldc in bytes, SI bias, DI r, R8 ldr in bytes,
// R9 kl, R10 ldb in bytes. The flags are tested in memory.
func loadTileArgs() {
	Load(Param("kl"), R9)
	Load(Param("a"), RAX)
	Load(Param("b"), RBX)
	Load(Param("c"), RCX)
	Load(Param("ldc"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("bias"), RSI)
	Load(Param("r"), RDI)
	Load(Param("ldr"), R8)
	SHLQ(U8(2), R8)
	Load(Param("ldb"), R10)
	SHLQ(U8(2), R10)
}

// prefetchADist is how far ahead of the packed A panel being read the
// AVX-512 matrix-multiply kernels prefetch it: 64 steps of K (1 KiB and
// 4 KiB measured within the noise of it).
const prefetchADist = 2048

// gemmAVX512 generates the kernel for the top rows x 16*nv corner of a
// tile, held in Z0-Z23: per k it loads nv vectors of B and issues rows*nv
// FMAs with A broadcast from memory. The full 8x48 kernel does the bulk of
// the work; the narrower and shorter ones finish ragged edges (N = 64 is
// 48 + 16, M = 17 is 8 + 8 + 1) without computing padding.
func gemmAVX512(rows, nv int) {
	name := fmt.Sprintf("gemm%dx%dAVX512", rows, 16*nv)
	TEXT(name, NOSPLIT, tileSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is tileGo for AVX-512F, computing only the top %d rows and", name, rows),
		fmt.Sprintf("left %d columns of the tile.", 16*nv))
	loadTileArgs()
	gemmAVX512Body(name, rows, nv)
	VZEROUPPER()
	RET()
}

// gemmAVX512Tiles generates gemm8x48TilesAVX512: the 8x48 kernel over
// ntiles tiles side by side (b, c and r each TileN columns on per tile),
// one call for a row panel's run of full tiles instead of one per tile.
// On Lightning's 1x1 convolutions of depth 16 to 96 a tile is a few
// hundred cycles of FMAs, and MulBlock's Go loop and the call around each
// took a sizeable share beside them. Each tile is computed exactly as by
// gemm8x48AVX512.
func gemmAVX512Tiles() {
	const name = "gemm8x48TilesAVX512"
	TEXT(name, NOSPLIT, tileSig[:len(tileSig)-1]+", ntiles int)")
	Pragma("noescape")
	Doc(name+" is gemm8x48AVX512 for ntiles >= 1 tiles side by side: b, c and r",
		"move 48 columns on per tile.")
	loadTileArgs()
	Load(Param("ntiles"), R13)
	MOVQ(RBX, R12) // the tile's first row of B
	Label(name + "_tile")
	gemmAVX512Body(name, 8, 3)
	// The body advanced A, B and kl; C and r stay at the tile's corner.
	ADDQ(U32(4*48), R12)
	ADDQ(U32(4*48), RCX)
	ADDQ(U32(4*48), RDI)
	MOVQ(R12, RBX)
	Load(Param("a"), RAX)
	Load(Param("kl"), R9)
	DECQ(R13)
	JNZ(LabelRef(name + "_tile"))
	VZEROUPPER()
	RET()
}

// gemmAVX512Body emits gemmAVX512's tile computation with the arguments in
// loadTileArgs' registers, up to and including the store; it moves AX, BX
// and R9 on through K and clobbers R11.
func gemmAVX512Body(name string, rows, nv int) {
	tileM := rows
	lbl := func(l string) string { return name + "_" + l }
	acc := func(i, v int) VecPhysical { return zmm(i*nv + v) }
	for i := 0; i < tileM*nv; i++ {
		VPXORD(zmm(i), zmm(i), zmm(i))
	}
	TESTQ(R9, R9)
	JZ(LabelRef(lbl("epilogue")))
	Label(lbl("loop"))
	for v := 0; v < nv; v++ {
		VMOVUPS(Mem{Base: RBX, Disp: 64 * v}, zmm(24+v))
	}
	// A is broadcast into a register of its own (Z27-Z31 in turn) rather
	// than as an FMA's embedded broadcast operand: on Zen 4 and 5 the
	// embedded form runs at about 3/4 of the FMA rate (measured 175 vs
	// 225 GFLOP/s in a register-resident loop), the separate broadcast at
	// full rate.
	for i := 0; i < tileM; i++ {
		bc := zmm(27 + i%5)
		VBROADCASTSS(Mem{Base: RAX, Disp: 4 * i}, bc)
		for v := 0; v < nv; v++ {
			VFMADD231PS(zmm(24+v), bc, acc(i, v))
		}
	}
	// Packed A streams through once per column tile, from L3 on the
	// first: on Lightning prefetching it prefetchADist bytes ahead took
	// 2-5% off the 1x1 convolutions of 12x12 and larger and 10-15% off
	// the 6x6 ones (k36), whose weights (7 MB in all) are read once.
	PREFETCHT0(Mem{Base: RAX, Disp: prefetchADist})
	ADDQ(U32(4*8), RAX) // packed A panels always hold 8 rows
	ADDQ(R10, RBX)
	DECQ(R9)
	JNZ(LabelRef(lbl("loop")))

	Label(lbl("epilogue"))
	TESTQ(U32(flagAccumulate), paramAddr("flags"))
	JZ(LabelRef(lbl("noacc")))
	MOVQ(RCX, R11)
	addRows(acc, tileM, nv, disp512, RDX)
	Label(lbl("noacc"))
	TESTQ(U32(flagFinal), paramAddr("flags"))
	JZ(LabelRef(lbl("store")))
	for i := 0; i < tileM; i++ {
		VBROADCASTSS(Mem{Base: RSI, Disp: 4 * i}, Z24)
		for v := 0; v < nv; v++ {
			VADDPS(Z24, acc(i, v), acc(i, v))
		}
	}
	TESTQ(U32(flagResidual), paramAddr("flags"))
	JZ(LabelRef(lbl("clamp")))
	MOVQ(RDI, R11)
	addRows(acc, tileM, nv, disp512, R8)
	Label(lbl("clamp"))
	VBROADCASTSS(paramAddr("lo"), Z27)
	VBROADCASTSS(paramAddr("hi"), Z28)
	for i := 0; i < tileM; i++ {
		for v := 0; v < nv; v++ {
			VMAXPS(Z27, acc(i, v), acc(i, v))
			VMINPS(Z28, acc(i, v), acc(i, v))
		}
	}
	Label(lbl("store"))
	MOVQ(RCX, R11)
	for i := 0; i < tileM; i++ {
		for v := 0; v < nv; v++ {
			VMOVUPS(acc(i, v), Mem{Base: R11, Disp: disp512(v)})
		}
		ADDQ(RDX, R11)
	}
}

// gemmAVX2 computes the 8x48 tile as four 4x24 sub-tiles, each held in
// Y0-Y11, because AVX2 has only 16 vector registers.
func gemmAVX2() {
	TEXT("gemmTileAVX2", NOSPLIT, tileSig)
	Pragma("noescape")
	Doc("gemmTileAVX2 is tileGo for AVX2+FMA: one 8x48 output tile.")
	loadTileArgs()
	const rows, nv = 4, 3
	acc := func(i, v int) VecPhysical { return ymm(i*nv + v) }
	for rh := 0; rh < 2; rh++ {
		for ch := 0; ch < 2; ch++ {
			sub := fmt.Sprintf("avx2_%d%d_", rh, ch)
			disp := func(v int) int { return 96*ch + 32*v } // sub-tile column ch, vector v
			for i := 0; i < rows*nv; i++ {
				VXORPS(ymm(i), ymm(i), ymm(i))
			}
			MOVQ(RAX, R12)
			MOVQ(RBX, R13)
			MOVQ(R9, R14)
			TESTQ(R14, R14)
			JZ(LabelRef(sub + "epilogue"))
			Label(sub + "loop")
			for v := 0; v < nv; v++ {
				VMOVUPS(Mem{Base: R13, Disp: 96*ch + 32*v}, ymm(12+v))
			}
			for i := 0; i < rows; i++ {
				VBROADCASTSS(Mem{Base: R12, Disp: 16*rh + 4*i}, Y15)
				for v := 0; v < nv; v++ {
					VFMADD231PS(ymm(12+v), Y15, acc(i, v))
				}
			}
			ADDQ(U32(4*tileM), R12)
			ADDQ(R10, R13)
			DECQ(R14)
			JNZ(LabelRef(sub + "loop"))

			Label(sub + "epilogue")
			TESTQ(U32(flagAccumulate), paramAddr("flags"))
			JZ(LabelRef(sub + "noacc"))
			subTileRow(RCX, RDX, rh)
			addRows(acc, rows, nv, disp, RDX)
			Label(sub + "noacc")
			TESTQ(U32(flagFinal), paramAddr("flags"))
			JZ(LabelRef(sub + "store"))
			for i := 0; i < rows; i++ {
				VBROADCASTSS(Mem{Base: RSI, Disp: 16*rh + 4*i}, Y13)
				for v := 0; v < nv; v++ {
					VADDPS(Y13, acc(i, v), acc(i, v))
				}
			}
			TESTQ(U32(flagResidual), paramAddr("flags"))
			JZ(LabelRef(sub + "clamp"))
			subTileRow(RDI, R8, rh)
			addRows(acc, rows, nv, disp, R8)
			Label(sub + "clamp")
			VBROADCASTSS(paramAddr("lo"), Y14)
			VBROADCASTSS(paramAddr("hi"), Y15)
			for i := 0; i < rows; i++ {
				for v := 0; v < nv; v++ {
					VMAXPS(Y14, acc(i, v), acc(i, v))
					VMINPS(Y15, acc(i, v), acc(i, v))
				}
			}
			Label(sub + "store")
			subTileRow(RCX, RDX, rh)
			for i := 0; i < rows; i++ {
				for v := 0; v < nv; v++ {
					VMOVUPS(acc(i, v), Mem{Base: R11, Disp: disp(v)})
				}
				ADDQ(RDX, R11)
			}
		}
	}
	VZEROUPPER()
	RET()
}

// disp512 is the byte offset of vector v of a ZMM row.
func disp512(v int) int { return 64 * v }

// addRows adds rows x nv vectors from memory to the accumulators: row i
// starts at R11, which advances by stride bytes a row, and its vector v
// lies disp(v) bytes in.
func addRows(acc func(i, v int) VecPhysical, rows, nv int, disp func(v int) int, stride Register) {
	for i := 0; i < rows; i++ {
		for v := 0; v < nv; v++ {
			VADDPS(Mem{Base: R11, Disp: disp(v)}, acc(i, v), acc(i, v))
		}
		ADDQ(stride, R11)
	}
}

// subTileRow points R11 at the first row of AVX2 sub-tile row rh (rows
// 4*rh on) of the matrix at base, whose row stride is in stride, in bytes.
func subTileRow(base, stride Register, rh int) {
	if rh == 0 {
		MOVQ(base, R11)
	} else {
		LEAQ(Mem{Base: base, Index: stride, Scale: 4}, R11)
	}
}

const dwSig = "func(out *float32, oh, nfull, mask, ow int, pad *float32, pw int, w *float32, res *float32, hasres int, bias, lo, hi float32)"

func depthwiseAVX512() {
	evens := GLOBL("dwevens", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(2*i))
	}
	odds := GLOBL("dwodds", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(2*i+1))
	}
	evensIdx = evens
	dwKernel(1, evens, odds)
	dwKernel(2, evens, odds)
	dwDirectKernel(evens, odds)
	for pl := 0; pl < 3; pl++ {
		dwDirect1Kernel(pl)
	}
	dwFlatKernel()
	copyRowsAVX512()
	dwKernelAVX2(1)
	dwKernelAVX2(2)
	dw5Kernel(1, evens, odds)
	dw5Kernel(2, evens, odds)
	dw5KernelAVX2(1)
	dw5KernelAVX2(2)
}

// copyRowsAVX512 copies h rows of w floats between strided planes, 16 at a
// time with a masked tail: one call per plane instead of a memmove per row.
func copyRowsAVX512() {
	TEXT("copyRowsAVX512", NOSPLIT, "func(dst *float32, ldd int, src *float32, lds int, w, h int, mask int)")
	Pragma("noescape")
	Doc("copyRowsAVX512 copies h rows of w values from src (row stride lds) to dst",
		"(row stride ldd); mask has the low w%16 bits set.")
	Load(Param("dst"), RDI)
	Load(Param("ldd"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("src"), RSI)
	Load(Param("lds"), R8)
	SHLQ(U8(2), R8)
	Load(Param("w"), R10)
	SHRQ(U8(4), R10)
	Load(Param("h"), R9)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	TESTQ(R9, R9)
	JZ(LabelRef("copy_done"))
	Label("copy_row")
	MOVQ(RSI, R12)
	MOVQ(RDI, R13)
	MOVQ(R10, R11)
	TESTQ(R11, R11)
	JZ(LabelRef("copy_tail"))
	Label("copy_x")
	VMOVUPS(Mem{Base: R12}, Z0)
	VMOVUPS(Z0, Mem{Base: R13})
	ADDQ(U8(64), R12)
	ADDQ(U8(64), R13)
	DECQ(R11)
	JNZ(LabelRef("copy_x"))
	Label("copy_tail")
	KORTESTW(K1, K1)
	JZ(LabelRef("copy_next"))
	VMOVUPS_Z(Mem{Base: R12}, K1, Z0)
	VMOVUPS(Z0, K1, Mem{Base: R13})
	Label("copy_next")
	ADDQ(R8, RSI)
	ADDQ(RDX, RDI)
	DECQ(R9)
	JNZ(LabelRef("copy_row"))
	Label("copy_done")
	VZEROUPPER()
	RET()
}

// dwLabels makes the labels inside repeated loop bodies unique.
var dwLabels []string

// dwKernel sweeps the rows of one zero-bordered plane, 16 outputs per step,
// with the 9 weights in Z0-Z8, bias in Z9 and clamp bounds in Z10, Z11. Each
// input row feeds its own accumulator to keep the FMA chains short. Stride 2
// splits even and odd input columns with VPERMI2PS.
func dwKernel(s int, evens, odds Mem) {
	name := fmt.Sprintf("dw3x3s%dAVX512", s)
	TEXT(name, NOSPLIT, dwSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is dwPlaneGo for stride %d: oh rows of ow outputs, nfull whole", name, s),
		"16-wide blocks and a masked tail per row, over the plane pad with row stride pw.")
	Load(Param("out"), RDI)
	Load(Param("oh"), R9)
	Load(Param("nfull"), R10)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	Load(Param("ow"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("pad"), RSI)
	Load(Param("pw"), R8)
	SHLQ(U8(2), R8)
	Load(Param("w"), RCX)
	for i := 0; i < 9; i++ {
		VBROADCASTSS(Mem{Base: RCX, Disp: 4 * i}, zmm(i))
	}
	// CX = res - out, so the residual of the output at (BX) is at (BX)(CX*1).
	Load(Param("res"), RCX)
	SUBQ(RDI, RCX)
	VBROADCASTSS(paramAddr("bias"), Z9)
	VBROADCASTSS(paramAddr("lo"), Z10)
	VBROADCASTSS(paramAddr("hi"), Z11)
	if s == 2 {
		VMOVUPS(evens, Z13)
		VMOVUPS(odds, Z14)
	}
	accs := []VecPhysical{Z12, Z15, Z16}
	body := func(tail bool) {
		for r, p := range []GPPhysical{R12, R13, R14} {
			var taps [3]Op
			if s == 1 {
				// One pair of loads a row, the taps shifted out of it
				// (the zero-bordered row is wide enough for 32 values
				// from any block): fewer loads than one per tap.
				lo, hi := zmm(26+2*r), zmm(27+2*r)
				VMOVUPS(Mem{Base: p}, lo)
				VMOVUPS(Mem{Base: p, Disp: 64}, hi)
				VALIGND(U8(1), lo, hi, zmm(17+2*r))
				VALIGND(U8(2), lo, hi, zmm(18+2*r))
				taps = [3]Op{lo, zmm(17 + 2*r), zmm(18 + 2*r)}
			} else {
				VMOVUPS(Mem{Base: p}, Z17)
				VMOVUPS(Mem{Base: p, Disp: 64}, Z18)
				VMOVAPS(Z13, Z19)
				VPERMI2PS(Z18, Z17, Z19)
				VMOVAPS(Z14, Z20)
				VPERMI2PS(Z18, Z17, Z20)
				VMOVUPS(Mem{Base: p, Disp: 8}, Z17)
				VMOVAPS(Z13, Z21)
				VPERMI2PS(Mem{Base: p, Disp: 72}, Z17, Z21)
				taps = [3]Op{Z19, Z20, Z21}
			}
			dwRowTapsAVX512(r, taps, accs)
		}
		skip := fmt.Sprintf("dws%d_nores%d", s, len(dwLabels))
		dwLabels = append(dwLabels, skip)
		dwSum(skip, tail, K1)
	}
	dwRows(fmt.Sprintf("dws%d_", s), s, 64,
		func() {
			body(false)
			VMOVUPS(Z12, Mem{Base: RBX})
		},
		func(next string) {
			KORTESTW(K1, K1)
			JZ(LabelRef(next))
		},
		func() {
			body(true)
			VMOVUPS(Z12, K1, Mem{Base: RBX})
		})
}

// dwRows emits the loops both depthwise kernels share and returns: R9 output
// rows, each of R10 full blocks of vecBytes and a tail block. A row reads the
// three input rows at SI, SI+R8 and SI+2*R8 through R12-R14, writes from DI
// through BX, then moves DI on by DX and SI by s input rows. full and tail
// emit one block including its store; skipTail jumps to next when a row has
// no tail.
func dwRows(pre string, s, vecBytes int, full func(), skipTail func(next string), tail func()) {
	TESTQ(R9, R9)
	JZ(LabelRef(pre + "done"))
	Label(pre + "row")
	MOVQ(RSI, R12)
	LEAQ(Mem{Base: R12, Index: R8, Scale: 1}, R13)
	LEAQ(Mem{Base: R13, Index: R8, Scale: 1}, R14)
	MOVQ(RDI, RBX)
	MOVQ(R10, R11)
	TESTQ(R11, R11)
	JZ(LabelRef(pre + "tail"))
	Label(pre + "x")
	full()
	for _, p := range []GPPhysical{R12, R13, R14} {
		ADDQ(U32(vecBytes*s), p)
	}
	ADDQ(U32(vecBytes), RBX)
	DECQ(R11)
	JNZ(LabelRef(pre + "x"))
	Label(pre + "tail")
	skipTail(pre + "next")
	tail()
	Label(pre + "next")
	ADDQ(RDX, RDI)
	for i := 0; i < s; i++ {
		ADDQ(R8, RSI)
	}
	DECQ(R9)
	JNZ(LabelRef(pre + "row"))
	Label(pre + "done")
	VZEROUPPER()
	RET()
}

// paramAddr returns the frame address of a scalar parameter, for
// instructions that take it straight from memory.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

const dwSigAVX2 = "func(out *float32, oh, nfull int, mask *int32, tail int, pad *float32, pw int, w *float32, res *float32, hasres int, bias, lo, hi float32)"

// dwKernelAVX2 is dwKernel for AVX2+FMA, 8 outputs per step: weights in
// Y0-Y8, one accumulator per input row in Y9-Y11, temporaries Y12-Y15. The
// tail block is stored (and its residual loaded) under the lane mask at
// *mask. Stride 2 splits even and odd columns with VSHUFPS + VPERMPD.
func dwKernelAVX2(s int) {
	name := fmt.Sprintf("dw3x3s%dAVX2", s)
	TEXT(name, NOSPLIT, dwSigAVX2)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is dwPlaneGo for stride %d on AVX2: oh rows of nfull 8-wide", name, s),
		"blocks and, when tail > 0, a masked tail block per row.")
	Load(Param("out"), RDI)
	Load(Param("oh"), R9)
	Load(Param("nfull"), R10)
	Load(Param("mask"), RAX)
	Load(Param("pad"), RSI)
	Load(Param("pw"), R8)
	SHLQ(U8(2), R8)
	Load(Param("w"), RCX)
	for i := 0; i < 9; i++ {
		VBROADCASTSS(Mem{Base: RCX, Disp: 4 * i}, ymm(i))
	}
	// DX = ow in bytes = (nfull*8 + tail) * 4
	MOVQ(R10, RDX)
	SHLQ(U8(3), RDX)
	Load(Param("tail"), R11)
	ADDQ(R11, RDX)
	SHLQ(U8(2), RDX)
	// CX = res - out, so the residual of the output at (BX) is at (BX)(CX*1).
	Load(Param("res"), RCX)
	SUBQ(RDI, RCX)
	accs := []VecPhysical{Y9, Y10, Y11}
	pre := fmt.Sprintf("dw2s%d_", s)
	nlabel := 0
	body := func(tail bool) {
		for r, p := range []GPPhysical{R12, R13, R14} {
			var taps [3]Op
			if s == 1 {
				for j := 0; j < 3; j++ {
					taps[j] = Mem{Base: p, Disp: 4 * j}
				}
			} else {
				// evens, odds of p[0:16], then evens of p[2:18]
				VMOVUPS(Mem{Base: p}, Y12)
				VMOVUPS(Mem{Base: p, Disp: 32}, Y13)
				VSHUFPS(U8(0x88), Y13, Y12, Y14)
				VPERMPD(U8(0xD8), Y14, Y14)
				VSHUFPS(U8(0xDD), Y13, Y12, Y15)
				VPERMPD(U8(0xD8), Y15, Y15)
				VMOVUPS(Mem{Base: p, Disp: 8}, Y12)
				VMOVUPS(Mem{Base: p, Disp: 40}, Y13)
				VSHUFPS(U8(0x88), Y13, Y12, Y12)
				VPERMPD(U8(0xD8), Y12, Y12)
				taps = [3]Op{Y14, Y15, Y12}
			}
			for j := 0; j < 3; j++ {
				switch {
				case r == 0 && j == 0:
					VBROADCASTSS(paramAddr("bias"), Y9)
					VFMADD231PS(taps[j], ymm(0), Y9)
				case j == 0:
					VMULPS(taps[j], ymm(3*r), accs[r])
				default:
					VFMADD231PS(taps[j], ymm(3*r+j), accs[r])
				}
			}
		}
		VADDPS(Y10, Y9, Y9)
		VADDPS(Y11, Y9, Y9)
		skip := fmt.Sprintf("%snores%d", pre, nlabel)
		nlabel++
		CMPQ(paramAddr("hasres"), U8(0))
		JE(LabelRef(skip))
		if tail {
			VMOVDQU(Mem{Base: RAX}, Y13)
			VMASKMOVPS(Mem{Base: RBX, Index: RCX, Scale: 1}, Y13, Y12)
			VADDPS(Y12, Y9, Y9)
		} else {
			VADDPS(Mem{Base: RBX, Index: RCX, Scale: 1}, Y9, Y9)
		}
		Label(skip)
		VBROADCASTSS(paramAddr("lo"), Y12)
		VMAXPS(Y12, Y9, Y9)
		VBROADCASTSS(paramAddr("hi"), Y12)
		VMINPS(Y12, Y9, Y9)
	}
	dwRows(pre, s, 32,
		func() {
			body(false)
			VMOVUPS(Y9, Mem{Base: RBX})
		},
		func(next string) {
			CMPQ(paramAddr("tail"), U8(0))
			JE(LabelRef(next))
		},
		func() {
			body(true)
			VMOVDQU(Mem{Base: RAX}, Y13)
			VMASKMOVPS(Y9, Y13, Mem{Base: RBX})
		})
}

// dw5Row returns the address of input row r (0..4) of the current block,
// disp bytes in: rows 0 and 1 start at R12 and R13 = R12 + pw, the others
// are reached with R8 = pw bytes as a scaled index.
func dw5Row(r, disp int) Mem {
	switch r {
	case 0:
		return Mem{Base: R12, Disp: disp}
	case 1:
		return Mem{Base: R13, Disp: disp}
	case 2:
		return Mem{Base: R12, Index: R8, Scale: 2, Disp: disp}
	case 3:
		return Mem{Base: R13, Index: R8, Scale: 2, Disp: disp}
	}
	return Mem{Base: R12, Index: R8, Scale: 4, Disp: disp}
}

// dw5Rows emits the row and block loops of the 5x5 kernels: R9 output rows
// of R10 full blocks of vecBytes and a tail block; a row reads five input
// rows from SI (see dw5Row), writes from DI through BX, then moves DI on by
// DX and SI by s input rows.
func dw5Rows(pre string, s, vecBytes int, full func(), skipTail func(next string), tail func()) {
	TESTQ(R9, R9)
	JZ(LabelRef(pre + "done"))
	Label(pre + "row")
	MOVQ(RSI, R12)
	LEAQ(Mem{Base: R12, Index: R8, Scale: 1}, R13)
	MOVQ(RDI, RBX)
	MOVQ(R10, R11)
	TESTQ(R11, R11)
	JZ(LabelRef(pre + "tail"))
	Label(pre + "x")
	full()
	ADDQ(U32(vecBytes*s), R12)
	ADDQ(U32(vecBytes*s), R13)
	ADDQ(U32(vecBytes), RBX)
	DECQ(R11)
	JNZ(LabelRef(pre + "x"))
	Label(pre + "tail")
	skipTail(pre + "next")
	tail()
	Label(pre + "next")
	ADDQ(RDX, RDI)
	for i := 0; i < s; i++ {
		ADDQ(R8, RSI)
	}
	DECQ(R9)
	JNZ(LabelRef(pre + "row"))
	Label(pre + "done")
	VZEROUPPER()
	RET()
}

// dw5Kernel is dwKernel for 5x5: too many weights to keep in registers, so
// each FMA broadcasts its weight from memory (AX). One accumulator per
// input row (Z0-Z4); bias, clamp bounds in Z28-Z30; stride 2 gathers the
// five column phases with VPERMI2PS from three pairs of loads.
func dw5Kernel(s int, evens, odds Mem) {
	name := fmt.Sprintf("dw5x5s%dAVX512", s)
	TEXT(name, NOSPLIT, dwSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is dwPlaneGo for 5x5, stride %d: oh rows of ow outputs, nfull whole", name, s),
		"16-wide blocks and a masked tail per row, over the plane pad with row stride pw.")
	Load(Param("out"), RDI)
	Load(Param("oh"), R9)
	Load(Param("nfull"), R10)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	Load(Param("ow"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("pad"), RSI)
	Load(Param("pw"), R8)
	SHLQ(U8(2), R8)
	Load(Param("w"), RAX)
	// CX = res - out, so the residual of the output at (BX) is at (BX)(CX*1).
	Load(Param("res"), RCX)
	SUBQ(RDI, RCX)
	VBROADCASTSS(paramAddr("bias"), Z28)
	VBROADCASTSS(paramAddr("lo"), Z29)
	VBROADCASTSS(paramAddr("hi"), Z30)
	if s == 2 {
		VMOVUPS(evens, Z26)
		VMOVUPS(odds, Z27)
	}
	weight := func(i int) Mem { return Mem{Base: RAX, Disp: 4 * i} }
	body := func(tail bool) {
		for r := 0; r < 5; r++ {
			// Temporaries alternate between two banks by row so that one
			// row's loads can start while the previous row's FMAs run.
			base := 5 + 10*(r%2)
			t := func(j int) VecPhysical { return zmm(base + j) }
			if s == 1 {
				for j := 0; j < 5; j++ {
					VMOVUPS(dw5Row(r, 4*j), t(j))
				}
			} else {
				// Column 2x + j: j = 0, 1 from p[0:32]; 2, 3 from p[2:34];
				// 4 from p[4:36] (evens, then odds).
				for q, d := range []int{0, 8, 16} {
					VMOVUPS(dw5Row(r, d), t(5+q))
				}
				phase := []struct {
					j, q int
					idx  VecPhysical
				}{{0, 0, Z26}, {1, 0, Z27}, {2, 1, Z26}, {3, 1, Z27}, {4, 2, Z26}}
				for _, ph := range phase {
					VMOVAPS(ph.idx, t(ph.j))
					VPERMI2PS(dw5Row(r, 64+8*ph.q), t(5+ph.q), t(ph.j))
				}
			}
			for j := 0; j < 5; j++ {
				if j == 0 {
					VMULPS_BCST(weight(5*r), t(0), zmm(r))
				} else {
					VFMADD231PS_BCST(weight(5*r+j), t(j), zmm(r))
				}
			}
		}
		VADDPS(Z1, Z0, Z0)
		VADDPS(Z3, Z2, Z2)
		VADDPS(Z4, Z28, Z4)
		VADDPS(Z2, Z0, Z0)
		VADDPS(Z4, Z0, Z0)
		skip := fmt.Sprintf("dw5s%d_nores%d", s, len(dwLabels))
		dwLabels = append(dwLabels, skip)
		CMPQ(paramAddr("hasres"), U8(0))
		JE(LabelRef(skip))
		if tail {
			VMOVUPS_Z(Mem{Base: RBX, Index: RCX, Scale: 1}, K1, Z5)
			VADDPS(Z5, Z0, Z0)
		} else {
			VADDPS(Mem{Base: RBX, Index: RCX, Scale: 1}, Z0, Z0)
		}
		Label(skip)
		VMAXPS(Z29, Z0, Z0)
		VMINPS(Z30, Z0, Z0)
	}
	dw5Rows(fmt.Sprintf("dw5s%d_", s), s, 64,
		func() {
			body(false)
			VMOVUPS(Z0, Mem{Base: RBX})
		},
		func(next string) {
			KORTESTW(K1, K1)
			JZ(LabelRef(next))
		},
		func() {
			body(true)
			VMOVUPS(Z0, K1, Mem{Base: RBX})
		})
}

// dw5KernelAVX2 is dw5Kernel for AVX2+FMA, 8 outputs per step: each weight
// is broadcast into Y13 before its FMA, which reads the tap from memory
// (stride 1) or from the even/odd split of two loads (stride 2, as
// dwKernelAVX2). Accumulators Y0-Y1 alternate by input row.
func dw5KernelAVX2(s int) {
	name := fmt.Sprintf("dw5x5s%dAVX2", s)
	TEXT(name, NOSPLIT, dwSigAVX2)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is dwPlaneGo for 5x5, stride %d on AVX2: oh rows of nfull", name, s),
		"8-wide blocks and, when tail > 0, a masked tail block per row.")
	Load(Param("out"), RDI)
	Load(Param("oh"), R9)
	Load(Param("nfull"), R10)
	Load(Param("pad"), RSI)
	Load(Param("pw"), R8)
	SHLQ(U8(2), R8)
	// DX = ow in bytes = (nfull*8 + tail) * 4
	MOVQ(R10, RDX)
	SHLQ(U8(3), RDX)
	Load(Param("tail"), R11)
	ADDQ(R11, RDX)
	SHLQ(U8(2), RDX)
	Load(Param("w"), RAX)
	Load(Param("mask"), R14)
	// CX = res - out, so the residual of the output at (BX) is at (BX)(CX*1).
	Load(Param("res"), RCX)
	SUBQ(RDI, RCX)
	weight := func(i int) Mem { return Mem{Base: RAX, Disp: 4 * i} }
	pre := fmt.Sprintf("dw5avx2s%d_", s)
	nlabel := 0
	// evenOdd splits the 16 floats at m and m+32 into their even (into e)
	// and odd (into o, unless nil) lanes, in order.
	evenOdd := func(m Mem, e, o VecPhysical) {
		m2 := m
		m2.Disp += 32
		VMOVUPS(m, Y10)
		VMOVUPS(m2, Y11)
		if o != nil {
			VSHUFPS(U8(0xDD), Y11, Y10, o)
			VPERMPD(U8(0xD8), o, o)
		}
		VSHUFPS(U8(0x88), Y11, Y10, e)
		VPERMPD(U8(0xD8), e, e)
	}
	body := func(tail bool) {
		VBROADCASTSS(paramAddr("bias"), Y0)
		VXORPS(Y1, Y1, Y1)
		for r := 0; r < 5; r++ {
			acc := []VecPhysical{Y0, Y1}[r%2]
			var taps [5]Op
			if s == 1 {
				for j := 0; j < 5; j++ {
					taps[j] = dw5Row(r, 4*j)
				}
			} else {
				evenOdd(dw5Row(r, 0), Y2, Y3)
				evenOdd(dw5Row(r, 8), Y4, Y5)
				evenOdd(dw5Row(r, 16), Y6, nil)
				taps = [5]Op{Y2, Y3, Y4, Y5, Y6}
			}
			for j := 0; j < 5; j++ {
				VBROADCASTSS(weight(5*r+j), Y13)
				VFMADD231PS(taps[j], Y13, acc)
			}
		}
		VADDPS(Y1, Y0, Y0)
		skip := fmt.Sprintf("%snores%d", pre, nlabel)
		nlabel++
		CMPQ(paramAddr("hasres"), U8(0))
		JE(LabelRef(skip))
		if tail {
			VMOVDQU(Mem{Base: R14}, Y13)
			VMASKMOVPS(Mem{Base: RBX, Index: RCX, Scale: 1}, Y13, Y12)
			VADDPS(Y12, Y0, Y0)
		} else {
			VADDPS(Mem{Base: RBX, Index: RCX, Scale: 1}, Y0, Y0)
		}
		Label(skip)
		VBROADCASTSS(paramAddr("lo"), Y12)
		VMAXPS(Y12, Y0, Y0)
		VBROADCASTSS(paramAddr("hi"), Y12)
		VMINPS(Y12, Y0, Y0)
	}
	dw5Rows(pre, s, 32,
		func() {
			body(false)
			VMOVUPS(Y0, Mem{Base: RBX})
		},
		func(next string) {
			CMPQ(paramAddr("tail"), U8(0))
			JE(LabelRef(next))
		},
		func() {
			body(true)
			VMOVDQU(Mem{Base: R14}, Y13)
			VMASKMOVPS(Y0, Y13, Mem{Base: RBX})
		})
}

// sigmoidAVX512 computes 1/(1+e^-x), 16 values a step, with exactly the
// float32 operations of SigmoidScalar and Expf in the same order (no fused
// multiply-adds), so that it gives the same bits: n = int32(t ± 0.5)
// truncated, r = z - n·ln2hi - n·ln2lo, Cephes' polynomial, then 2^n with
// VSCALEFPS (one rounding, as Expf's product) and Expf's edges (+Inf above
// 88.72, 0 below -87.33) blended in. z = -x is clamped to ±100 for the
// arithmetic only, so that infinities never meet in r; NaN passes through.
func sigmoidAVX512() {
	consts := GLOBL("sigmoidconsts", RODATA|NOPTR)
	vals := []float32{-100, 100, 1.44269504088896341, 0.693359375, -2.12194440e-4,
		1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
		1, 0.5, 88.72, -87.33, float32(math.Inf(1))}
	for i, v := range vals {
		// As bits: avo prints F32(100) as $(100), which the assembler
		// reads as the integer 100.
		DATA(4*i, U32(math.Float32bits(v)))
	}
	TEXT("sigmoidAVX512", NOSPLIT, "func(dst, src *float32, nfull, mask int)")
	Pragma("noescape")
	Doc("sigmoidAVX512 sets dst[i] = 1/(1+e^-src[i]) for nfull blocks of 16 values",
		"and a tail block of the lanes set in mask.")
	Load(Param("dst"), RDI)
	Load(Param("src"), RSI)
	Load(Param("nfull"), RCX)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	for i := range vals {
		VBROADCASTSS(consts.Offset(4*i), zmm(16+i))
	}
	lo, hi, log2e, ln2hi, ln2lo := Z16, Z17, Z18, Z19, Z20
	one, half, over, under, inf := Z27, Z28, Z29, Z30, Z31
	// body computes the sigmoid of Z0 into Z1.
	body := func() {
		VXORPS(Z6, Z6, Z6)
		VSUBPS(Z0, Z6, Z2) // z = -x
		VMAXPS(lo, Z2, Z7)
		VMINPS(hi, Z7, Z7)
		VMULPS(log2e, Z7, Z3) // t
		VADDPS(half, Z3, Z4)
		VSUBPS(half, Z3, Z5)
		VCMPPS(U8(0x1d), Z6, Z3, K3) // t >= 0
		VRNDSCALEPS(U8(3), Z4, Z4)   // truncate
		VRNDSCALEPS(U8(3), Z5, Z5)
		VMOVAPS(Z4, K3, Z5) // n
		VMULPS(ln2hi, Z5, Z4)
		VSUBPS(Z4, Z7, Z6) // r = z - n·ln2hi
		VMULPS(ln2lo, Z5, Z4)
		VSUBPS(Z4, Z6, Z6) //     - n·ln2lo
		VMOVAPS(Z21, Z4)
		for i := 22; i <= 26; i++ {
			VMULPS(Z6, Z4, Z4) // p = p·r + c
			VADDPS(zmm(i), Z4, Z4)
		}
		VMULPS(Z6, Z4, Z4) // p·r·r + r + 1
		VMULPS(Z6, Z4, Z4)
		VADDPS(Z6, Z4, Z4)
		VADDPS(one, Z4, Z4)
		VSCALEFPS(Z5, Z4, Z4)          // · 2^n
		VCMPPS(U8(0x1e), over, Z2, K4) // z > 88.72: +Inf
		VMOVAPS(inf, K4, Z4)
		VCMPPS(U8(0x11), under, Z2, K5) // z < -87.33: 0
		VXORPS(Z6, Z6, Z6)
		VMOVAPS(Z6, K5, Z4)
		VADDPS(one, Z4, Z4)
		VDIVPS(Z4, one, Z1)
		VCMPPS(U8(3), Z0, Z0, K2) // unordered: NaN
		VMOVAPS(Z0, K2, Z1)
	}
	blocks16("sigmoid", func(tail bool) {
		if tail {
			VMOVUPS_Z(Mem{Base: RSI}, K1, Z0)
			body()
			VMOVUPS(Z1, K1, Mem{Base: RDI})
			return
		}
		VMOVUPS(Mem{Base: RSI}, Z0)
		body()
		VMOVUPS(Z1, Mem{Base: RDI})
	}, RSI, RDI)
}

// blocks16 emits the loop of the element-wise kernels: step(false) for each
// of the RCX full blocks of 16 values, each pointer of ptrs advanced by 64
// bytes after it, then step(true) once for the tail lanes set in K1 (not at
// all when K1 is empty), VZEROUPPER and RET. Its labels are prefix_loop,
// prefix_tail and prefix_done.
func blocks16(prefix string, step func(tail bool), ptrs ...Op) {
	lbl := func(l string) string { return prefix + "_" + l }
	TESTQ(RCX, RCX)
	JZ(LabelRef(lbl("tail")))
	Label(lbl("loop"))
	step(false)
	for _, p := range ptrs {
		ADDQ(U8(64), p)
	}
	DECQ(RCX)
	JNZ(LabelRef(lbl("loop")))
	Label(lbl("tail"))
	KORTESTW(K1, K1)
	JZ(LabelRef(lbl("done")))
	step(true)
	Label(lbl("done"))
	VZEROUPPER()
	RET()
}

// evensIdx is the VPERMI2PS index of the even lanes of two vectors.
var evensIdx Mem

// evensAVX512 gathers every other value, 16 at a time from 32, as the
// stride-2 depthwise kernels split their input: the stride-2 rows of
// Im2col. A last partial block loads only the values it keeps (and the odd
// ones between) under masks, so nothing past them is read.
func evensAVX512() {
	TEXT("evensAVX512", NOSPLIT, "func(dst, src *float32, nblocks, lomask, himask, outmask int)")
	Pragma("noescape")
	Doc("evensAVX512 sets dst[i] = src[2*i] for nblocks blocks of 16 and a tail",
		"block that loads src under lomask and himask (its two halves) and stores",
		"dst under outmask.")
	Load(Param("dst"), RDI)
	Load(Param("src"), RSI)
	Load(Param("nblocks"), RCX)
	Load(Param("lomask"), RAX)
	KMOVW(EAX, K1)
	Load(Param("himask"), RAX)
	KMOVW(EAX, K2)
	Load(Param("outmask"), RAX)
	KMOVW(EAX, K3)
	VMOVUPS(evensIdx, Z2)
	TESTQ(RCX, RCX)
	JZ(LabelRef("evens_tail"))
	Label("evens_loop")
	VMOVUPS(Mem{Base: RSI}, Z0)
	VMOVAPS(Z2, Z1)
	VPERMI2PS(Mem{Base: RSI, Disp: 64}, Z0, Z1)
	VMOVUPS(Z1, Mem{Base: RDI})
	ADDQ(U8(128), RSI)
	ADDQ(U8(64), RDI)
	DECQ(RCX)
	JNZ(LabelRef("evens_loop"))
	Label("evens_tail")
	KORTESTW(K3, K3)
	JZ(LabelRef("evens_done"))
	VMOVUPS_Z(Mem{Base: RSI}, K1, Z0)
	VMOVUPS_Z(Mem{Base: RSI, Disp: 64}, K2, Z3)
	VMOVAPS(Z2, Z1)
	VPERMI2PS(Z3, Z0, Z1)
	VMOVUPS(Z1, K3, Mem{Base: RDI})
	Label("evens_done")
	VZEROUPPER()
	RET()
}

const dwDirectSig = "func(out *float32, oh, nblocks, ow int, src *float32, w, h, iy, pl int, zero *float32, masks *uint16, wt *float32, res *float32, hasres int, bias, lo, hi float32)"

const dwFlatSig = "func(out *float32, op int, src *float32, ldp, w, shift, nch, nblocks int, masks *uint16, wt *float32, bias *float32, bstep int, res *float32, hasres int, lo, hi float32)"

// dwFlatKernel is dwKernel for stride 1 over whole small planes whose
// output rows are as wide as the input's (ow = w), for several channels a
// call. Output i = oy*w + ox of such a plane reads input i + ky*w + kx -
// shift for tap (ky, kx), shift = pt*w + pl: a fixed offset per tap. So
// the plane is swept as one run of oh*w outputs, 16 a step across row
// ends, each tap loaded under its mask from a table (16 entries per block:
// the nine taps' then the store's) that zeroes the lanes whose tap lies in
// the padding, as the zero border of dwKernel's copy does, entry 10
// nonzero when the taps of one column differ by row, and entries 11 and 12
// the union of a row's taps' masks over its 32 values from kx = 0 (bits
// m0 | m1<<1 | m2<<2). Masked-off lanes are never read, so loads may start
// before the plane.
//
// On 12x12 and 6x6 planes dwKernel's rows use 12 and 6 of 16 lanes, and
// each channel pays a call, a copy into the zero-bordered scratch and
// dwKernel's set-up; here every lane of every block but the last works and
// a call covers all channels. The arithmetic is dwKernel's, in the same
// order.
func dwFlatKernel() {
	name := "dw3x3s1FlatAVX512"
	TEXT(name, NOSPLIT, dwFlatSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes nch channels of a 3x3 stride-1 depthwise convolution", name),
		"whose output planes (op values apart at out) have the input planes' width w",
		"(planes ldp values apart at src): nblocks blocks of 16 outputs each, tap",
		"(ky, kx) of output i at input i + ky*w + kx - shift, under the block's",
		"masks. Channel c has weights wt[9c:9c+9] and bias bias[c*bstep].")
	Load(Param("out"), RDI)
	Load(Param("op"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("w"), R8)
	SHLQ(U8(2), R8)
	// SI = src - shift: block 0's row-0 taps, read only where masked in.
	Load(Param("shift"), RAX)
	SHLQ(U8(2), RAX)
	Load(Param("src"), RSI)
	SUBQ(RAX, RSI)
	// CX = res - out, so the residual of the output at (BX) is at (BX)(CX*1).
	Load(Param("res"), RCX)
	SUBQ(RDI, RCX)
	VBROADCASTSS(paramAddr("lo"), Z10)
	VBROADCASTSS(paramAddr("hi"), Z11)
	pre := "dwf_"
	accs := []VecPhysical{Z12, Z15, Z16}
	XORQ(R9, R9) // channel index
	Label(pre + "ch")
	CMPQ(R9, paramAddr("nch"))
	JGE(LabelRef(pre + "done"))
	Load(Param("wt"), R13)
	IMUL3Q(U32(36), R9, R11)
	for i := 0; i < 9; i++ {
		VBROADCASTSS(Mem{Base: R13, Index: R11, Scale: 1, Disp: 4 * i}, zmm(i))
	}
	MOVQ(paramAddr("bstep"), R11)
	IMULQ(R9, R11)
	Load(Param("bias"), R13)
	VBROADCASTSS(Mem{Base: R13, Index: R11, Scale: 4}, Z9)
	MOVQ(RSI, R12)
	MOVQ(RDI, RBX)
	Load(Param("masks"), RAX)
	MOVQ(paramAddr("nblocks"), R11)
	Label(pre + "x")
	// taps emits the taps' loads and the FMAs. A block whose taps of every
	// row share their column's mask (entry 10 is zero: it touches neither
	// the plane's first nor its last row) shares them; the others load
	// each tap under its own mask into its own temporary, so that loads
	// run ahead of the FMA chains.
	taps := func(edge bool) {
		kregs := []OpmaskPhysical{K1, K2, K3, K4, K5, K6}
		if !edge {
			// Two loads a row instead of three: 32 values under the
			// union of the row's three tap masks (entries 11, 12), each
			// tap then taken from them shifted by kx under its own mask
			// (entries 0-2, the same for every row), which zeroes the
			// lanes whose tap lies in the padding as the masked loads do.
			// About a tenth faster on 24x24 and 12x12 planes.
			for i, k := range []OpmaskPhysical{K1, K2, K3, K4, K5} {
				KMOVW(Mem{Base: RAX, Disp: []int{22, 24, 0, 2, 4}[i]}, k)
			}
			for ky := 0; ky < 3; ky++ {
				lo, hi := zmm(26+2*ky), zmm(27+2*ky)
				m := Mem{Base: R12}
				if ky > 0 {
					m = Mem{Base: R12, Index: R8, Scale: uint8(ky)}
				}
				VMOVUPS_Z(m, K1, lo)
				m.Disp = 64
				VMOVUPS_Z(m, K2, hi)
				t := [3]Op{zmm(17 + 3*ky), zmm(18 + 3*ky), zmm(19 + 3*ky)}
				VMOVAPS_Z(lo, K3, t[0])
				VALIGND_Z(U8(1), lo, hi, K4, t[1])
				VALIGND_Z(U8(2), lo, hi, K5, t[2])
				dwRowTapsAVX512(ky, t, accs)
			}
			return
		}
		for ky := 0; ky < 3; ky++ {
			var taps [3]Op
			for kx := 0; kx < 3; kx++ {
				t := 3*ky + kx
				k := kregs[kx]
				if edge {
					k = kregs[t%len(kregs)]
					KMOVW(Mem{Base: RAX, Disp: 2 * t}, k)
				} else if ky == 0 {
					KMOVW(Mem{Base: RAX, Disp: 2 * kx}, k)
				}
				z := zmm(17 + t)
				m := Mem{Base: R12, Disp: 4 * kx}
				if ky > 0 {
					m = Mem{Base: R12, Index: R8, Scale: uint8(ky), Disp: 4 * kx}
				}
				VMOVUPS_Z(m, k, z)
				taps[kx] = z
			}
			dwRowTapsAVX512(ky, taps, accs)
		}
	}
	CMPW(Mem{Base: RAX, Disp: 20}, U8(0))
	JNE(LabelRef(pre + "edge"))
	taps(false)
	JMP(LabelRef(pre + "sum"))
	Label(pre + "edge")
	taps(true)
	Label(pre + "sum")
	VADDPS(Z15, Z12, Z12)
	VADDPS(Z16, Z12, Z12)
	KMOVW(Mem{Base: RAX, Disp: 18}, K7)
	CMPQ(paramAddr("hasres"), U8(0))
	JE(LabelRef(pre + "nores"))
	VMOVUPS_Z(Mem{Base: RBX, Index: RCX, Scale: 1}, K7, Z26)
	VADDPS(Z26, Z12, Z12)
	Label(pre + "nores")
	VMAXPS(Z10, Z12, Z12)
	VMINPS(Z11, Z12, Z12)
	// Full blocks store unmasked, as dwKernel's do: a masked store is
	// never faster and on some cores slower; only the plane's last block,
	// when partial, needs its mask.
	KORTESTW(K7, K7)
	JCS(LabelRef(pre + "full"))
	VMOVUPS(Z12, K7, Mem{Base: RBX})
	JMP(LabelRef(pre + "stored"))
	Label(pre + "full")
	VMOVUPS(Z12, Mem{Base: RBX})
	Label(pre + "stored")
	ADDQ(U8(64), R12)
	ADDQ(U8(64), RBX)
	ADDQ(U8(32), RAX)
	DECQ(R11)
	JNZ(LabelRef(pre + "x"))
	ADDQ(RDX, RDI)
	MOVQ(paramAddr("ldp"), RAX)
	LEAQ(Mem{Base: RSI, Index: RAX, Scale: 4}, RSI)
	INCQ(R9)
	JMP(LabelRef(pre + "ch"))
	Label(pre + "done")
	VZEROUPPER()
	RET()
}

// dwDirectKernel is dwKernel for stride 2 reading the input plane in place
// instead of a zero-bordered copy: each output row takes its three input
// rows from the plane, or from the zero row where they fall in the padding,
// and a 16-wide block at the plane's edge loads its taps under masks (from a
// table with one entry of 8 masks per block) that zero the columns in the
// padding. Masked-off lanes are never read, so loads may start before a row
// or run past the plane. The arithmetic is dwKernel's, in the same order.
//
// At stride 2 this is about 1.5x the speed of copy and sweep on MoveNet's
// layers. Stride 1 has its own kernel, dwDirect1Kernel.
func dwDirectKernel(evens, odds Mem) {
	const s = 2
	name := "dw3x3s2DirectAVX512"
	TEXT(name, NOSPLIT, dwDirectSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes oh output rows of ow values (nblocks blocks of 16, the", name),
		"store masked by each block's mask table entry) of a 3x3 stride-2 depthwise",
		"convolution of the h x w plane src with left pad pl, whose first output row",
		"reads input rows iy, iy+1, iy+2; rows outside the plane read the zero row",
		"instead.")
	// SI = src + iy*w - pl: row iy's block 0 loads.
	dwDirectParams(true)
	VMOVUPS(evens, Z13)
	VMOVUPS(odds, Z14)
	pre := "dwd2_"
	rows := []GPPhysical{R12, R13, R14}
	accs := []VecPhysical{Z12, Z15, Z16}
	TESTQ(R9, R9)
	JZ(LabelRef(pre + "done"))
	Label(pre + "row")
	// Row pointers: row iy+ky, or the zero row (less pl) outside [0, h).
	MOVQ(paramAddr("pl"), RAX)
	SHLQ(U8(2), RAX)
	NEGQ(RAX)
	ADDQ(paramAddr("zero"), RAX)
	dwDirectRowPtrs(rows)
	MOVQ(paramAddr("masks"), RAX)
	MOVQ(RDI, RBX)
	MOVQ(paramAddr("nblocks"), R11)
	Label(pre + "x")
	// body emits one block; masked, with the loads at offsets 0, 16 and
	// 32 from column 2x-pl under the block's masks K1-K3 (see planDirect)
	// and the store under K5.
	body := func(masked bool, sfx string) {
		if masked {
			for _, m := range []struct {
				entry int
				k     OpmaskPhysical
			}{{0, K1}, {1, K2}, {2, K3}, {4, K5}} {
				KMOVW(Mem{Base: RAX, Disp: 2 * m.entry}, m.k)
			}
		}
		load := func(m Mem, k OpmaskPhysical, z VecPhysical) {
			if masked {
				VMOVUPS_Z(m, k, z)
			} else {
				VMOVUPS(m, z)
			}
		}
		for r, p := range rows {
			load(Mem{Base: p}, K1, Z17)
			load(Mem{Base: p, Disp: 64}, K2, Z18)
			VMOVAPS(Z13, Z19)
			VPERMI2PS(Z18, Z17, Z19)
			VMOVAPS(Z14, Z20)
			VPERMI2PS(Z18, Z17, Z20)
			// Tap 2 is tap 0 one lane on, the block's last lane taking
			// column 32 (under K3, a one-lane mask): one narrow load and
			// a VALIGND instead of two loads and a permute.
			if masked {
				VMOVUPS_Z(Mem{Base: p, Disp: 128}, K3, Z17)
			} else {
				VBROADCASTSS(Mem{Base: p, Disp: 128}, Z17)
			}
			VALIGND(U8(1), Z19, Z17, Z21)
			taps := [3]Op{Z19, Z20, Z21}
			dwRowTapsAVX512(r, taps, accs)
		}
		dwSum(pre+"nores"+sfx, masked, K5)
		if masked {
			VMOVUPS(Z12, K5, Mem{Base: RBX})
		} else {
			VMOVUPS(Z12, Mem{Base: RBX})
		}
	}
	// Entry 5 of a block's masks is nonzero when it needs them: a block
	// inside the plane runs as dwKernel's, with the taps straight from
	// memory.
	CMPW(Mem{Base: RAX, Disp: 10}, U8(0))
	JNE(LabelRef(pre + "masked"))
	body(false, "u")
	JMP(LabelRef(pre + "next"))
	Label(pre + "masked")
	body(true, "m")
	Label(pre + "next")
	for _, p := range rows {
		ADDQ(U32(64*s), p)
	}
	ADDQ(U8(64), RBX)
	ADDQ(U8(16), RAX)
	DECQ(R11)
	JNZ(LabelRef(pre + "x"))
	ADDQ(RDX, RDI)
	for i := 0; i < s; i++ {
		ADDQ(R8, RSI)
	}
	ADDQ(U8(s), R10)
	DECQ(R9)
	JNZ(LabelRef(pre + "row"))
	Label(pre + "done")
	VZEROUPPER()
	RET()
}

// dwDirectParams loads the arguments of the in-place kernels: DI out, R9
// oh, DX and R8 the output and input rows in bytes, R10 iy, SI src + iy*w
// (less pl when subPl), kept as the rows advance though it may lie outside
// the plane (it is then not read); the weights in Z0-Z8, bias Z9, clamp
// bounds Z10, Z11, and CX = res - out, so that the residual of the output
// at (BX) is at (BX)(CX*1).
func dwDirectParams(subPl bool) {
	Load(Param("out"), RDI)
	Load(Param("oh"), R9)
	Load(Param("ow"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("w"), R8)
	SHLQ(U8(2), R8)
	Load(Param("iy"), R10)
	MOVQ(R10, RSI)
	IMULQ(R8, RSI)
	if subPl {
		Load(Param("pl"), RAX)
		SHLQ(U8(2), RAX)
		SUBQ(RAX, RSI)
	}
	ADDQ(paramAddr("src"), RSI)
	Load(Param("wt"), RCX)
	for i := 0; i < 9; i++ {
		VBROADCASTSS(Mem{Base: RCX, Disp: 4 * i}, zmm(i))
	}
	Load(Param("res"), RCX)
	SUBQ(RDI, RCX)
	VBROADCASTSS(paramAddr("bias"), Z9)
	VBROADCASTSS(paramAddr("lo"), Z10)
	VBROADCASTSS(paramAddr("hi"), Z11)
}

// dwSum ends a block of the 3x3 AVX-512 kernels: the three row
// accumulators summed into Z12, the residual at (BX)(CX*1) added (loaded
// under k when masked) and the clamp; nores labels the clamp.
func dwSum(nores string, masked bool, k OpmaskPhysical) {
	VADDPS(Z15, Z12, Z12)
	VADDPS(Z16, Z12, Z12)
	CMPQ(paramAddr("hasres"), U8(0))
	JE(LabelRef(nores))
	if masked {
		VMOVUPS_Z(Mem{Base: RBX, Index: RCX, Scale: 1}, k, Z17)
		VADDPS(Z17, Z12, Z12)
	} else {
		VADDPS(Mem{Base: RBX, Index: RCX, Scale: 1}, Z12, Z12)
	}
	Label(nores)
	VMAXPS(Z10, Z12, Z12)
	VMINPS(Z11, Z12, Z12)
}

// dwDirectRowPtrs points rows[ky] at input row iy+ky (R10 + ky; row iy is at
// SI, rows R8 bytes apart) where that lies in [0, h), else at AX (the zero
// row).
func dwDirectRowPtrs(rows []GPPhysical) {
	for ky, p := range rows {
		MOVQ(RAX, p)
		LEAQ(Mem{Base: R10, Disp: ky}, R11)
		CMPQ(R11, paramAddr("h"))
		switch ky {
		case 0:
			CMOVQCS(RSI, p)
		case 1:
			LEAQ(Mem{Base: RSI, Index: R8, Scale: 1}, R11)
			CMOVQCS(R11, p)
		case 2:
			LEAQ(Mem{Base: RSI, Index: R8, Scale: 2}, R11)
			CMOVQCS(R11, p)
		}
	}
}

// dwDirect1Kernel is dwKernel for stride 1 and left pad pl, reading the
// input plane in place as dwDirectKernel does. Block b of a row covers
// outputs [16b, 16b+16), whose tap kx reads columns 16b+kx-pl on; it loads
// three aligned vectors of each input row, columns 16b-16, 16b and 16b+16
// on, and takes each tap from two of them with VALIGND (or as the middle
// one, for kx = pl). dwKernel instead loads 32 values from column 16b-pl of
// the zero-bordered copy; on a row that starts on a cache line (Lightning's
// 96 and 48 wide planes) those loads all straddle two lines, which on the
// cores measured cost nearly as much as the arithmetic. Vectors outside the
// plane load under masks from a table (see planDirect), as the stride-2
// kernel's, except where a vector lies wholly outside it (the first and
// last block of a row whose width is a multiple of 16): that one is zero.
// Of an outer vector only the pl or 2-pl lanes next to the middle one reach
// a tap, so inner blocks broadcast those instead of loading 16 values.
// The arithmetic is dwKernel's, in the same order.
//
// On Lightning's planes this is about 1.4x (48x48) to 1.6x (96x96) the
// speed of copy and sweep; with all three vectors loaded whole, and the
// edge blocks under masks, it was barely faster than the copy.
func dwDirect1Kernel(pl int) {
	name := fmt.Sprintf("dw3x3s1p%dDirectAVX512", pl)
	TEXT(name, NOSPLIT, dwDirectSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes oh output rows of ow values (nblocks blocks of 16, the", name),
		"store masked by each block's mask table entry) of a 3x3 stride-1 depthwise",
		fmt.Sprintf("convolution with left pad %d of the h x w plane src, whose first output", pl),
		"row reads input rows iy, iy+1, iy+2; rows outside the plane read the zero",
		"row instead. Argument pl is unused.")
	// SI = src + iy*w: row iy.
	dwDirectParams(false)
	pre := fmt.Sprintf("dwd1p%d_", pl)
	VPXORD(Z13, Z13, Z13) // AVX512F (VXORPS on a ZMM is AVX512DQ)
	rows := []GPPhysical{R12, R13, R14}
	accs := []VecPhysical{Z12, Z15, Z16}
	TESTQ(R9, R9)
	JZ(LabelRef(pre + "done"))
	Label(pre + "row")
	MOVQ(paramAddr("zero"), RAX)
	dwDirectRowPtrs(rows)
	MOVQ(paramAddr("masks"), RAX)
	MOVQ(RDI, RBX)
	MOVQ(paramAddr("nblocks"), R11)
	Label(pre + "x")
	// Vector v of the three (columns 16b-16, 16b, 16b+16 on) is needed
	// when a tap reads it: the first for pl > 0, the last for pl < 2.
	need := [3]bool{pl > 0, true, pl < 2}
	// body emits one block: edge 1 with vector v loaded under the block's
	// mask K1+v (entry v) and the store under K5 (entry 4); edge 2 and 3
	// with the first or the last vector zero (Z13), the rest unmasked: the
	// first and last block of a row inside a plane of 16k columns; edge 0
	// all unmasked.
	body := func(edge int, sfx string) {
		masked := edge == 1
		kregs := [3]OpmaskPhysical{K1, K2, K3}
		if masked {
			for v, k := range kregs {
				if need[v] {
					KMOVW(Mem{Base: RAX, Disp: 2 * v}, k)
				}
			}
			KMOVW(Mem{Base: RAX, Disp: 8}, K5)
		}
		for r, p := range rows {
			var vec [3]VecPhysical
			for v := range vec {
				vec[v] = zmm(17 + 5*r + v)
				if !need[v] {
					continue
				}
				m := Mem{Base: p, Disp: 64 * (v - 1)}
				switch {
				case masked:
					VMOVUPS_Z(m, kregs[v], vec[v])
				case v == 1:
					VMOVUPS(m, vec[v])
				case (edge == 2 && v == 0) || (edge == 3 && v == 2):
					vec[v] = Z13
				case pl == 1 && v == 0:
					// Only the last lane (column 16b-1) or the first
					// two (16b+16, 16b+17) of an outer vector reach a
					// tap: a broadcast of them is one narrow load.
					VBROADCASTSS(Mem{Base: p, Disp: -4}, vec[v])
				case v == 0:
					VBROADCASTSD(Mem{Base: p, Disp: -8}, vec[v])
				case pl == 1:
					VBROADCASTSS(m, vec[v])
				default:
					VBROADCASTSD(m, vec[v])
				}
			}
			var taps [3]Op
			tmp := 20 + 5*r // two temporaries: the taps other than kx = pl
			for kx := range taps {
				o := kx - pl
				if o == 0 {
					taps[kx] = vec[1]
					continue
				}
				t := zmm(tmp)
				tmp++
				if o < 0 {
					VALIGND(U8(16+o), vec[0], vec[1], t)
				} else {
					VALIGND(U8(o), vec[1], vec[2], t)
				}
				taps[kx] = t
			}
			dwRowTapsAVX512(r, taps, accs)
		}
		dwSum(pre+"nores"+sfx, masked, K5)
		if !masked {
			VMOVUPS(Z12, Mem{Base: RBX})
			JMP(LabelRef(pre + "next"))
			return
		}
		// A row's first block is masked for its loads only: it stores
		// whole, as dwKernel's blocks do (see dwFlatKernel).
		KORTESTW(K5, K5)
		JCS(LabelRef(pre + "full"))
		VMOVUPS(Z12, K5, Mem{Base: RBX})
		JMP(LabelRef(pre + "next"))
		Label(pre + "full")
		VMOVUPS(Z12, Mem{Base: RBX})
	}
	// Entry 5 of a block's masks says which body it takes: inner blocks
	// (0) test it once.
	CMPW(Mem{Base: RAX, Disp: 10}, U8(0))
	JNE(LabelRef(pre + "edge"))
	body(0, "u")
	// Then 3, 2 and last 1, which falls through to the next block.
	Label(pre + "edge")
	for _, e := range []int{1, 2} {
		CMPW(Mem{Base: RAX, Disp: 10}, U8(e))
		JE(LabelRef(fmt.Sprintf("%sedge%d", pre, e)))
	}
	for _, e := range []int{3, 2, 1} {
		if e < 3 {
			Label(fmt.Sprintf("%sedge%d", pre, e))
		}
		body(e, fmt.Sprintf("e%d", e))
	}
	Label(pre + "next")
	for _, p := range rows {
		ADDQ(U8(64), p)
	}
	ADDQ(U8(64), RBX)
	ADDQ(U8(16), RAX)
	DECQ(R11)
	JNZ(LabelRef(pre + "x"))
	ADDQ(RDX, RDI)
	ADDQ(R8, RSI)
	INCQ(R10)
	DECQ(R9)
	JNZ(LabelRef(pre + "row"))
	Label(pre + "done")
	VZEROUPPER()
	RET()
}

// arithAVX512 generates the element-wise kernels of Arith and ArithScalar:
// y = y op x (or x op y) in place, x a vector or a broadcast scalar, 16
// values a step and a masked tail. Each is one IEEE operation per element,
// the same bits as Go's.
func arithAVX512() {
	type opInst func(mxyz, xyz, xyz1 Op) // avo order: xyz1 = xyz op mxyz
	ops := []struct {
		name string
		f    opInst
		comm bool
	}{
		{"Add", func(a, b, c Op) { VADDPS(a, b, c) }, true},
		{"Sub", func(a, b, c Op) { VSUBPS(a, b, c) }, false},
		{"Mul", func(a, b, c Op) { VMULPS(a, b, c) }, true},
		{"Div", func(a, b, c Op) { VDIVPS(a, b, c) }, false},
	}
	for _, o := range ops {
		for _, form := range []string{"VS", "SV", "VV", "rVV"} {
			if o.comm && (form == "SV" || form == "rVV") {
				continue // the same as VS and VV
			}
			arithKernel(form, o.name, o.f)
		}
	}
}

// arithKernel emits arith<form><op>AVX512: VS y = y op c, SV y = c op y,
// VV y = y op x, rVV y = x op y.
func arithKernel(form, op string, f func(mxyz, xyz, xyz1 Op)) {
	name := "arith" + form + op + "AVX512"
	vector := form == "VV" || form == "rVV"
	sig := "func(y *float32, nfull, mask int, c float32)"
	what := map[string]string{"VS": "y[i] op c", "SV": "c op y[i]", "VV": "y[i] op x[i]", "rVV": "x[i] op y[i]"}[form]
	if vector {
		sig = "func(y, x *float32, nfull, mask int)"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets y[i] = %s with op %s for nfull blocks of 16 values", name, what, op),
		"and a tail block of the lanes set in mask.")
	Load(Param("y"), RDI)
	if vector {
		Load(Param("x"), RSI)
	} else {
		VBROADCASTSS(paramAddr("c"), Z1)
	}
	Load(Param("nfull"), RCX)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	body := func(tail bool) {
		if tail {
			VMOVUPS_Z(Mem{Base: RDI}, K1, Z0)
			if vector {
				VMOVUPS_Z(Mem{Base: RSI}, K1, Z1)
			}
		} else {
			VMOVUPS(Mem{Base: RDI}, Z0)
			if vector {
				VMOVUPS(Mem{Base: RSI}, Z1)
			}
		}
		if form == "VS" || form == "VV" {
			f(Z1, Z0, Z0) // y op x
		} else {
			f(Z0, Z1, Z0) // x op y
		}
		if tail {
			VMOVUPS(Z0, K1, Mem{Base: RDI})
		} else {
			VMOVUPS(Z0, Mem{Base: RDI})
		}
	}
	ptrs := []Op{RDI}
	if vector {
		ptrs = append(ptrs, RSI)
	}
	blocks16(name, body, ptrs...)
}

// sqrtAVX512 emits dst = sqrt(src), 16 values a step and a masked tail.
// VSQRTPS rounds the exact root once, to float32; Go's
// float32(math.Sqrt(float64(x))) rounds it to float64 first, which for a
// float32 argument never changes the float32 result (53 >= 2*24+2 bits),
// and both give the same default NaN for negative arguments and keep a NaN
// argument's payload: the same bits.
func sqrtAVX512() {
	const name = "sqrtAVX512"
	TEXT(name, NOSPLIT, "func(dst, src *float32, nfull, mask int)")
	Pragma("noescape")
	Doc(name+" sets dst[i] = sqrt(src[i]) for nfull blocks of 16 values and a",
		"tail block of the lanes set in mask.")
	Load(Param("dst"), RDI)
	Load(Param("src"), RSI)
	Load(Param("nfull"), RCX)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	blocks16(name, func(tail bool) {
		if tail {
			VMOVUPS_Z(Mem{Base: RSI}, K1, Z0)
			VSQRTPS(Z0, Z0)
			VMOVUPS(Z0, K1, Mem{Base: RDI})
			return
		}
		VSQRTPS(Mem{Base: RSI}, Z0)
		VMOVUPS(Z0, Mem{Base: RDI})
	}, RDI, RSI)
}

func xmmN(i int) VecPhysical {
	return []VecPhysical{X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30, X31}[i-16]
}

// gemm8x36AVX512 is the 8x32 kernel plus 4 more columns, for products 36
// columns wide (MoveNet Lightning's 6x6 layers), where a 48-wide tile
// wastes a quarter of its multiply-adds. The 8x4 corner of columns 32-35
// is held in two ZMMs, lane 2i+c of the first being row i of column 32+c
// and of the second row i of column 34+c: per k the packed A panel's 8
// values are loaded and spread to pairs ([a0 a0 a1 a1 ... a7 a7], one
// VPERMPS) and each pair of B values is broadcast as one 64-bit value
// ([b32 b33 b32 b33 ...]), so the 36 columns cost 18 ZMM multiply-adds a
// k, every lane used. (Four YMMs of a column each, rows in the lanes, took
// 20.) At the end the pairs are interleaved into rows of 4. Every output
// is the same sum in the same order as in gemm8x48AVX512 (one multiply-add
// per k from zero, then C, bias, residual, clamp), so the results are the
// same bits.
func gemm8x36AVX512() {
	const name = "gemm8x36AVX512"
	TEXT(name, NOSPLIT, tileSig)
	Pragma("noescape")
	Doc(name+" is tileGo for AVX-512F, computing only the top 8 rows and",
		"left 36 columns of the tile.")
	loadTileArgs()
	lbl := func(l string) string { return name + "_" + l }
	const nv = 2
	acc := func(i, v int) VecPhysical { return zmm(i*nv + v) }
	// Z30 = VPERMPS indices 0 0 1 1 ... 7 7, from bytes put together in
	// X0 (VEX forms: in X16-X31 VPINSRQ would need AVX512DQ).
	MOVQ(U64(0x0303020201010000), R11)
	MOVQ(U64(0x0707060605050404), R12)
	VMOVQ(R11, X0)
	VPINSRQ(U8(1), R12, X0, X0)
	VPMOVZXBD(X0, Z30)
	for i := 0; i < 18; i++ { // Z16, Z17: columns 32-33 and 34-35
		VPXORD(zmm(i), zmm(i), zmm(i))
	}
	TESTQ(R9, R9)
	JZ(LabelRef(lbl("epilogue")))
	Label(lbl("loop"))
	VMOVUPS(Mem{Base: RBX}, Z20)
	VMOVUPS(Mem{Base: RBX, Disp: 64}, Z21)
	VMOVUPS(Mem{Base: RAX}, Y27) // the panel's 8 rows at this k
	VPERMPS(Z27, Z30, Z27)       // ... in pairs
	for i := 0; i < 8; i++ {
		bc := zmm(22 + i%5)
		VBROADCASTSS(Mem{Base: RAX, Disp: 4 * i}, bc)
		for v := 0; v < nv; v++ {
			VFMADD231PS(zmm(20+v), bc, acc(i, v))
		}
		if i == 3 || i == 7 {
			j := i / 4 // columns 32+2j, 33+2j
			VBROADCASTSD(Mem{Base: RBX, Disp: 128 + 8*j}, zmm(28+j))
			VFMADD231PS(zmm(28+j), Z27, zmm(16+j))
		}
	}
	PREFETCHT0(Mem{Base: RAX, Disp: prefetchADist}) // as gemmAVX512 does
	ADDQ(U32(4*8), RAX)
	ADDQ(R10, RBX)
	DECQ(R9)
	JNZ(LabelRef(lbl("loop")))

	Label(lbl("epilogue"))
	// The four columns become eight rows of 4 in X16-X23 (row i in
	// xmmN(16+i); Z0-Z15 hold the other 32 columns): interleaving the
	// pairs' 64-bit halves puts rows 0, 2, 4, 6 in the 128-bit lanes of
	// Z24 and rows 1, 3, 5, 7 in those of Z25.
	VUNPCKLPD(Z17, Z16, Z24)
	VUNPCKHPD(Z17, Z16, Z25)
	for h := 0; h < 2; h++ {
		src := zmm(24 + h)
		VMOVAPS(xmmN(24+h), xmmN(16+h))
		for l := 1; l < 4; l++ {
			VEXTRACTF32X4(U8(l), src, xmmN(16+2*l+h))
		}
	}
	tail := func(i int) VecPhysical { return xmmN(16 + i) }
	TESTQ(U32(flagAccumulate), paramAddr("flags"))
	JZ(LabelRef(lbl("noacc")))
	MOVQ(RCX, R11)
	for i := 0; i < 8; i++ {
		for v := 0; v < nv; v++ {
			VADDPS(Mem{Base: R11, Disp: disp512(v)}, acc(i, v), acc(i, v))
		}
		VADDPS(Mem{Base: R11, Disp: 128}, tail(i), tail(i))
		ADDQ(RDX, R11)
	}
	Label(lbl("noacc"))
	TESTQ(U32(flagFinal), paramAddr("flags"))
	JZ(LabelRef(lbl("store")))
	for i := 0; i < 8; i++ {
		VBROADCASTSS(Mem{Base: RSI, Disp: 4 * i}, Z24)
		for v := 0; v < nv; v++ {
			VADDPS(Z24, acc(i, v), acc(i, v))
		}
		VADDPS(X24, tail(i), tail(i))
	}
	TESTQ(U32(flagResidual), paramAddr("flags"))
	JZ(LabelRef(lbl("clamp")))
	MOVQ(RDI, R11)
	for i := 0; i < 8; i++ {
		for v := 0; v < nv; v++ {
			VADDPS(Mem{Base: R11, Disp: disp512(v)}, acc(i, v), acc(i, v))
		}
		VADDPS(Mem{Base: R11, Disp: 128}, tail(i), tail(i))
		ADDQ(R8, R11)
	}
	Label(lbl("clamp"))
	VBROADCASTSS(paramAddr("lo"), Z27)
	VBROADCASTSS(paramAddr("hi"), Z28)
	for i := 0; i < 8; i++ {
		for v := 0; v < nv; v++ {
			VMAXPS(Z27, acc(i, v), acc(i, v))
			VMINPS(Z28, acc(i, v), acc(i, v))
		}
		VMAXPS(X27, tail(i), tail(i))
		VMINPS(X28, tail(i), tail(i))
	}
	Label(lbl("store"))
	MOVQ(RCX, R11)
	for i := 0; i < 8; i++ {
		for v := 0; v < nv; v++ {
			VMOVUPS(acc(i, v), Mem{Base: R11, Disp: disp512(v)})
		}
		VMOVUPS(tail(i), Mem{Base: R11, Disp: 128})
		ADDQ(RDX, R11)
	}
	VZEROUPPER()
	RET()
}

// dwRowTapsAVX512 emits the three taps of row r of a 3x3 depthwise
// convolution on the AVX-512 registers: weights in Z0-Z8, bias in Z9, one
// accumulator per row (accs, Z12 the first, seeded with the bias). Both
// the padded-copy and the in-place stride-2 kernels use it, so they round
// alike: row 0 starts from the bias, the other rows from their first
// product, each tap fused into its row's sum in order.
func dwRowTapsAVX512(r int, taps [3]Op, accs []VecPhysical) {
	for j := 0; j < 3; j++ {
		switch {
		case r == 0 && j == 0:
			VMOVAPS(Z9, Z12)
			VFMADD231PS(taps[j], zmm(0), Z12)
		case j == 0:
			VMULPS(taps[j], zmm(3*r), accs[r])
		default:
			VFMADD231PS(taps[j], zmm(3*r+j), accs[r])
		}
	}
}

// argMaxColsAVX512 emits the column argmax of ArgMaxCols: two blocks of 16
// columns walked down the rows together (two independent dependency
// chains). Per lane it is the scalar loop's test, v > best (false on NaN)
// or best is NaN, with the row index taken on the same condition: the
// same index, ties to the first row.
func argMaxColsAVX512() {
	const name = "argMaxColsAVX512"
	TEXT(name, NOSPLIT, "func(x *float32, rows, stride, mask0, mask1 int, idx *int32)")
	Pragma("noescape")
	Doc(name+" sets idx[c] to the row of the largest x[r*stride+c] over rows",
		"[0, rows), ties to the first and a NaN best replaced by the next row,",
		"for the columns c < 16 set in mask0 and 16 + c set in mask1.")
	Load(Param("x"), RDI)
	Load(Param("rows"), RCX)
	Load(Param("stride"), RDX)
	SHLQ(U8(2), RDX)
	Load(Param("mask0"), RAX)
	KMOVW(EAX, K1)
	Load(Param("mask1"), RAX)
	KMOVW(EAX, K2)
	Load(Param("idx"), RSI)
	lbl := func(l string) string { return name + "_" + l }
	// Z0, Z1: best values; Z2, Z3: their rows; Z4: this row; Z5: ones.
	VMOVUPS_Z(Mem{Base: RDI}, K1, Z0)
	VMOVUPS_Z(Mem{Base: RDI, Disp: 64}, K2, Z1)
	VPXORD(Z2, Z2, Z2)
	VPXORD(Z3, Z3, Z3)
	VPXORD(Z4, Z4, Z4)
	MOVL(U32(1), EAX)
	VPBROADCASTD(EAX, Z5)
	DECQ(RCX)
	JZ(LabelRef(lbl("done")))
	Label(lbl("loop"))
	ADDQ(RDX, RDI)
	VPADDD(Z5, Z4, Z4)
	VMOVUPS_Z(Mem{Base: RDI}, K1, Z6)
	VMOVUPS_Z(Mem{Base: RDI, Disp: 64}, K2, Z7)
	VCMPPS(U8(0x1e), Z0, Z6, K3) // v > best, false on NaN
	VCMPPS(U8(3), Z0, Z0, K4)    // best is NaN
	VCMPPS(U8(0x1e), Z1, Z7, K5)
	VCMPPS(U8(3), Z1, Z1, K6)
	KORW(K4, K3, K3)
	KORW(K6, K5, K5)
	VMOVAPS(Z6, K3, Z0)
	VMOVDQA32(Z4, K3, Z2)
	VMOVAPS(Z7, K5, Z1)
	VMOVDQA32(Z4, K5, Z3)
	DECQ(RCX)
	JNZ(LabelRef(lbl("loop")))
	Label(lbl("done"))
	VMOVDQU32(Z2, K1, Mem{Base: RSI})
	VMOVDQU32(Z3, K2, Mem{Base: RSI, Disp: 64})
	VZEROUPPER()
	RET()
}

// arithRowsAVX512 generates the kernels of ArithRows: rows of c, each one
// vector v against one scalar of s (broadcast), 16 values a step and a
// masked tail. Each is one IEEE operation per element with the operands
// in the Go expression's order, the same bits.
func arithRowsAVX512() {
	ops := []struct {
		name string
		f    func(mxyz, xyz, xyz1 Op) // avo order: xyz1 = xyz op mxyz
	}{
		{"Add", func(a, b, c Op) { VADDPS(a, b, c) }},
		{"Sub", func(a, b, c Op) { VSUBPS(a, b, c) }},
		{"Mul", func(a, b, c Op) { VMULPS(a, b, c) }},
		{"Div", func(a, b, c Op) { VDIVPS(a, b, c) }},
	}
	for _, o := range ops {
		for _, rev := range []bool{false, true} {
			arithRowsKernel(o.name, rev, o.f)
		}
	}
}

// arithRowsKernel emits arithRows<op>AVX512 (c = v op s) or
// arithRowsR<op>AVX512 (c = s op v).
func arithRowsKernel(op string, rev bool, f func(mxyz, xyz, xyz1 Op)) {
	name, what := "arithRows"+op+"AVX512", "v[j] op s[i*ss]"
	if rev {
		name, what = "arithRowsR"+op+"AVX512", "s[i*ss] op v[j]"
	}
	TEXT(name, NOSPLIT, "func(c *float32, rows, nfull, mask int, s *float32, ssBytes int, v *float32, rowBytes int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets c[i*n+j] = %s with op %s for rows i, nfull", name, what, op),
		"blocks of 16 values j and a tail block of the lanes set in mask (n",
		"values, rowBytes = 4n).")
	Load(Param("c"), RDI)
	Load(Param("rows"), RCX)
	Load(Param("nfull"), R8)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	Load(Param("s"), RSI)
	Load(Param("ssBytes"), RDX)
	Load(Param("v"), R9)
	Load(Param("rowBytes"), R10)
	lbl := func(l string) string { return name + "_" + l }
	apply := func() {
		if rev {
			f(Z0, Z1, Z2) // s op v
		} else {
			f(Z1, Z0, Z2) // v op s
		}
	}
	TESTQ(RCX, RCX)
	JZ(LabelRef(lbl("done")))
	Label(lbl("row"))
	VBROADCASTSS(Mem{Base: RSI}, Z1)
	XORQ(RAX, RAX)
	MOVQ(R8, R11)
	TESTQ(R11, R11)
	JZ(LabelRef(lbl("tail")))
	Label(lbl("block"))
	VMOVUPS(Mem{Base: R9, Index: RAX, Scale: 1}, Z0)
	apply()
	VMOVUPS(Z2, Mem{Base: RDI, Index: RAX, Scale: 1})
	ADDQ(U8(64), RAX)
	DECQ(R11)
	JNZ(LabelRef(lbl("block")))
	Label(lbl("tail"))
	KORTESTW(K1, K1)
	JZ(LabelRef(lbl("next")))
	VMOVUPS_Z(Mem{Base: R9, Index: RAX, Scale: 1}, K1, Z0)
	apply()
	VMOVUPS(Z2, K1, Mem{Base: RDI, Index: RAX, Scale: 1})
	Label(lbl("next"))
	ADDQ(R10, RDI)
	ADDQ(RDX, RSI)
	DECQ(RCX)
	JNZ(LabelRef(lbl("row")))
	Label(lbl("done"))
	VZEROUPPER()
	RET()
}

// lerpAVX512 emits dst = a + (b-a)*w as three separately rounded
// operations (no FMA), the Go expression's, 16 values a step and a masked
// tail.
func lerpAVX512() {
	const name = "lerpAVX512"
	TEXT(name, NOSPLIT, "func(dst, a, b *float32, nfull, mask int, w float32)")
	Pragma("noescape")
	Doc(name+" sets dst[i] = a[i] + (b[i]-a[i])*w for nfull blocks of 16 values",
		"and a tail block of the lanes set in mask.")
	Load(Param("dst"), RDI)
	Load(Param("a"), RSI)
	Load(Param("b"), RDX)
	Load(Param("nfull"), RCX)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	VBROADCASTSS(paramAddr("w"), Z3)
	body := func() {
		VSUBPS(Z0, Z1, Z2) // b - a
		VMULPS(Z3, Z2, Z2) // (b-a)*w
		VADDPS(Z2, Z0, Z2) // a + (b-a)*w
	}
	blocks16(name, func(tail bool) {
		if tail {
			VMOVUPS_Z(Mem{Base: RSI}, K1, Z0)
			VMOVUPS_Z(Mem{Base: RDX}, K1, Z1)
			body()
			VMOVUPS(Z2, K1, Mem{Base: RDI})
			return
		}
		VMOVUPS(Mem{Base: RSI}, Z0)
		VMOVUPS(Mem{Base: RDX}, Z1)
		body()
		VMOVUPS(Z2, Mem{Base: RDI})
	}, RDI, RSI, RDX)
}

// gather3AVX512 emits the stride-3 int32 gather of GatherInt32: each
// block of 16 outputs is 48 consecutive source values in three vectors,
// whose every third lane two two-table permutes pick, then VCVTDQ2PS
// converts with the default rounding, as Go's float32(int32).
func gather3AVX512() {
	const name = "gather3AVX512"
	TEXT(name, NOSPLIT, "func(dst *float32, src *int32, nblocks int, perm *int32)")
	Pragma("noescape")
	Doc(name+" sets dst[j] = float32(src[3*j]) for nblocks blocks of 16 values j;",
		"perm holds the two permutes' indices (32 int32s).")
	Load(Param("dst"), RDI)
	Load(Param("src"), RSI)
	Load(Param("nblocks"), RCX)
	Load(Param("perm"), RAX)
	VMOVDQU32(Mem{Base: RAX}, Z4)
	VMOVDQU32(Mem{Base: RAX, Disp: 64}, Z5)
	lbl := func(l string) string { return name + "_" + l }
	TESTQ(RCX, RCX)
	JZ(LabelRef(lbl("done")))
	Label(lbl("loop"))
	VMOVDQU32(Mem{Base: RSI}, Z0)
	VMOVDQU32(Mem{Base: RSI, Disp: 64}, Z1)
	VMOVDQU32(Mem{Base: RSI, Disp: 128}, Z2)
	VPERMT2D(Z1, Z4, Z0) // lanes 0-10: source 0, 3, ..., 30 of Z0:Z1
	VPERMT2D(Z2, Z5, Z0) // lanes 11-15: source 33, ..., 45 from Z2
	VCVTDQ2PS(Z0, Z0)
	VMOVUPS(Z0, Mem{Base: RDI})
	ADDQ(U8(64), RDI)
	ADDQ(Imm(192), RSI)
	DECQ(RCX)
	JNZ(LabelRef(lbl("loop")))
	Label(lbl("done"))
	VZEROUPPER()
	RET()
}

// lerpTapsAVX512 emits LerpTaps for rows of at most 32 values: the row
// sits in two registers, and two-table permutes look up each block's taps
// (no gathers); then b - a, times w, plus a, each rounded, as Go's
// expression.
func lerpTapsAVX512() {
	const name = "lerpTapsAVX512"
	TEXT(name, NOSPLIT, "func(dst, r *float32, rmask0, rmask1 int, i0, i1 *int32, w *float32, nfull, mask int)")
	Pragma("noescape")
	Doc(name+" sets dst[j] = r[i0[j]] + (r[i1[j]]-r[i0[j]])*w[j] for nfull blocks",
		"of 16 values j and a tail block of the lanes set in mask; r's 32 lanes",
		"are those set in rmask0 and rmask1 (the rest read as 0).")
	Load(Param("r"), RSI)
	Load(Param("rmask0"), RAX)
	KMOVW(EAX, K2)
	Load(Param("rmask1"), RAX)
	KMOVW(EAX, K3)
	VMOVUPS_Z(Mem{Base: RSI}, K2, Z0)
	VMOVUPS_Z(Mem{Base: RSI, Disp: 64}, K3, Z1)
	Load(Param("dst"), RDI)
	Load(Param("i0"), R8)
	Load(Param("i1"), R9)
	Load(Param("w"), R10)
	Load(Param("nfull"), RCX)
	Load(Param("mask"), RAX)
	KMOVW(EAX, K1)
	lbl := func(l string) string { return name + "_" + l }
	body := func(tail bool) {
		if tail {
			VMOVDQU32_Z(Mem{Base: R8}, K1, Z2)
			VMOVDQU32_Z(Mem{Base: R9}, K1, Z3)
			VMOVUPS_Z(Mem{Base: R10}, K1, Z4)
		} else {
			VMOVDQU32(Mem{Base: R8}, Z2)
			VMOVDQU32(Mem{Base: R9}, Z3)
			VMOVUPS(Mem{Base: R10}, Z4)
		}
		VPERMI2PS(Z1, Z0, Z2) // a = r[i0]
		VPERMI2PS(Z1, Z0, Z3) // b = r[i1]
		VSUBPS(Z2, Z3, Z3)    // b - a
		VMULPS(Z4, Z3, Z3)    // (b-a)*w
		VADDPS(Z3, Z2, Z3)    // a + (b-a)*w
		if tail {
			VMOVUPS(Z3, K1, Mem{Base: RDI})
		} else {
			VMOVUPS(Z3, Mem{Base: RDI})
		}
	}
	TESTQ(RCX, RCX)
	JZ(LabelRef(lbl("tail")))
	Label(lbl("loop"))
	body(false)
	ADDQ(U8(64), RDI)
	ADDQ(U8(64), R8)
	ADDQ(U8(64), R9)
	ADDQ(U8(64), R10)
	DECQ(RCX)
	JNZ(LabelRef(lbl("loop")))
	Label(lbl("tail"))
	KORTESTW(K1, K1)
	JZ(LabelRef(lbl("done")))
	body(true)
	Label(lbl("done"))
	VZEROUPPER()
	RET()
}
