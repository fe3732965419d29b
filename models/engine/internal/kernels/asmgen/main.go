// Command asmgen generates the kernels package's amd64 assembly with avo.
//
//	go run ./asmgen -out kernels_amd64.s -stubs stubs_amd64.go -pkg kernels
//
// Keep TileM, TileN and the flag values in step with gemm.go.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

const (
	tileM = 8
	tileN = 48

	flagAccumulate = 1
	flagFinal      = 2
	flagResidual   = 4
)

const tileSig = "func(kl int, a, b, c *float32, ldc int, bias, r *float32, ldr int, lo, hi float32, flags int)"

func main() {
	ConstraintExpr("!noasm")
	gemmAVX512()
	gemmAVX2()
	depthwiseAVX512()
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
// R9 kl, R10 flags.
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
	Load(Param("flags"), R10)
}

// gemmAVX512 holds the whole 8x48 tile in Z0-Z23: per k it loads three
// vectors of B and issues 24 FMAs with A broadcast from memory.
func gemmAVX512() {
	TEXT("gemmTileAVX512", NOSPLIT, tileSig)
	Pragma("noescape")
	Doc("gemmTileAVX512 is tileGo for AVX-512F: one 8x48 output tile.")
	loadTileArgs()
	const nv = tileN / 16
	acc := func(i, v int) VecPhysical { return zmm(i*nv + v) }
	for i := 0; i < tileM*nv; i++ {
		VPXORD(zmm(i), zmm(i), zmm(i))
	}
	TESTQ(R9, R9)
	JZ(LabelRef("avx512_epilogue"))
	Label("avx512_loop")
	for v := 0; v < nv; v++ {
		VMOVUPS(Mem{Base: RBX, Disp: 64 * v}, zmm(24+v))
	}
	for i := 0; i < tileM; i++ {
		for v := 0; v < nv; v++ {
			VFMADD231PS_BCST(Mem{Base: RAX, Disp: 4 * i}, zmm(24+v), acc(i, v))
		}
	}
	ADDQ(U32(4*tileM), RAX)
	ADDQ(U32(4*tileN), RBX)
	DECQ(R9)
	JNZ(LabelRef("avx512_loop"))

	Label("avx512_epilogue")
	TESTQ(U32(flagAccumulate), R10)
	JZ(LabelRef("avx512_noacc"))
	MOVQ(RCX, R11)
	for i := 0; i < tileM; i++ {
		for v := 0; v < nv; v++ {
			VADDPS(Mem{Base: R11, Disp: 64 * v}, acc(i, v), acc(i, v))
		}
		ADDQ(RDX, R11)
	}
	Label("avx512_noacc")
	TESTQ(U32(flagFinal), R10)
	JZ(LabelRef("avx512_nofinal"))
	VBROADCASTSS(paramAddr("lo"), Z27)
	VBROADCASTSS(paramAddr("hi"), Z28)
	for i := 0; i < tileM; i++ {
		VBROADCASTSS(Mem{Base: RSI, Disp: 4 * i}, Z24)
		for v := 0; v < nv; v++ {
			VADDPS(Z24, acc(i, v), acc(i, v))
			VMAXPS(Z27, acc(i, v), acc(i, v))
			VMINPS(Z28, acc(i, v), acc(i, v))
		}
	}
	Label("avx512_nofinal")
	TESTQ(U32(flagResidual), R10)
	JZ(LabelRef("avx512_store"))
	MOVQ(RDI, R11)
	for i := 0; i < tileM; i++ {
		for v := 0; v < nv; v++ {
			VADDPS(Mem{Base: R11, Disp: 64 * v}, acc(i, v), acc(i, v))
		}
		ADDQ(R8, R11)
	}
	Label("avx512_store")
	MOVQ(RCX, R11)
	for i := 0; i < tileM; i++ {
		for v := 0; v < nv; v++ {
			VMOVUPS(acc(i, v), Mem{Base: R11, Disp: 64 * v})
		}
		ADDQ(RDX, R11)
	}
	VZEROUPPER()
	RET()
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
			ADDQ(U32(4*tileN), R13)
			DECQ(R14)
			JNZ(LabelRef(sub + "loop"))

			Label(sub + "epilogue")
			TESTQ(U32(flagAccumulate), R10)
			JZ(LabelRef(sub + "noacc"))
			if rh == 0 {
				MOVQ(RCX, R11)
			} else {
				LEAQ(Mem{Base: RCX, Index: RDX, Scale: 4}, R11)
			}
			for i := 0; i < rows; i++ {
				for v := 0; v < nv; v++ {
					VADDPS(Mem{Base: R11, Disp: 96*ch + 32*v}, acc(i, v), acc(i, v))
				}
				ADDQ(RDX, R11)
			}
			Label(sub + "noacc")
			TESTQ(U32(flagFinal), R10)
			JZ(LabelRef(sub + "nofinal"))
			VBROADCASTSS(paramAddr("lo"), Y14)
			VBROADCASTSS(paramAddr("hi"), Y15)
			for i := 0; i < rows; i++ {
				VBROADCASTSS(Mem{Base: RSI, Disp: 16*rh + 4*i}, Y13)
				for v := 0; v < nv; v++ {
					VADDPS(Y13, acc(i, v), acc(i, v))
					VMAXPS(Y14, acc(i, v), acc(i, v))
					VMINPS(Y15, acc(i, v), acc(i, v))
				}
			}
			Label(sub + "nofinal")
			TESTQ(U32(flagResidual), R10)
			JZ(LabelRef(sub + "store"))
			if rh == 0 {
				MOVQ(RDI, R11)
			} else {
				LEAQ(Mem{Base: RDI, Index: R8, Scale: 4}, R11)
			}
			for i := 0; i < rows; i++ {
				for v := 0; v < nv; v++ {
					VADDPS(Mem{Base: R11, Disp: 96*ch + 32*v}, acc(i, v), acc(i, v))
				}
				ADDQ(R8, R11)
			}
			Label(sub + "store")
			if rh == 0 {
				MOVQ(RCX, R11)
			} else {
				LEAQ(Mem{Base: RCX, Index: RDX, Scale: 4}, R11)
			}
			for i := 0; i < rows; i++ {
				for v := 0; v < nv; v++ {
					VMOVUPS(acc(i, v), Mem{Base: R11, Disp: 96*ch + 32*v})
				}
				ADDQ(RDX, R11)
			}
		}
	}
	VZEROUPPER()
	RET()
}

func depthwiseAVX512() {}

// paramAddr returns the frame address of a scalar parameter, for
// instructions that take it straight from memory.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
