//go:build !noasm

#include "textflag.h"

// func hrowAVX(t, row, w *float32, start, off, cnt *int32, n int)
TEXT ·hrowAVX(SB), NOSPLIT, $0-56
	MOVQ t+0(FP), DI
	MOVQ row+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ start+24(FP), R8
	MOVQ off+32(FP), R9
	MOVQ cnt+40(FP), R10
	MOVQ n+48(FP), CX

hout:
	VXORPS   X0, X0, X0
	MOVLQSX  (R8), AX
	SHLQ     $4, AX
	LEAQ     (SI)(AX*1), R11
	MOVLQSX  (R9), AX
	LEAQ     (DX)(AX*4), R12
	MOVLQSX  (R10), BX
	TESTQ    BX, BX
	JLE      hstore

htap:
	// One multiply, then one add, per tap: the Go version's rounding.
	VBROADCASTSS (R12), X1
	VMULPS       (R11), X1, X1
	VADDPS       X1, X0, X0
	ADDQ         $16, R11
	ADDQ         $4, R12
	DECQ         BX
	JNZ          htap

hstore:
	VMOVUPS X0, (DI)
	ADDQ    $16, DI
	ADDQ    $4, R8
	ADDQ    $4, R9
	ADDQ    $4, R10
	DECQ    CX
	JNZ     hout
	RET

// func vaccAVX(acc, row *float32, f float32, n int)
TEXT ·vaccAVX(SB), NOSPLIT, $0-32
	MOVQ         acc+0(FP), DI
	MOVQ         row+8(FP), SI
	VBROADCASTSS f+16(FP), Y1
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX

vloop:
	VMULPS  (SI), Y1, Y2
	VADDPS  (DI), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     vloop
	VZEROUPPER
	RET

// func pixelsAVX(dst *float32, src *uint8, n, step int, ahead uintptr)
// Two pixels an iteration: 8 bytes widened to 8 floats. Read mirrored
// (step -4), the two pixels of a load are the wrong way round and swap
// halves. ahead, when not 0, is the same pixel of the next row, fetched
// into the cache as this row is read: the row starts are a stride apart,
// which the hardware's stream prefetcher only catches a few lines in.
TEXT ·pixelsAVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ step+24(FP), DX
	MOVQ ahead+32(FP), R8
	TESTQ R8, R8
	JNZ  prefetching

	// No next row: prefetch this one's lines, which are read anyway.
	MOVQ SI, R8

prefetching:
	CMPQ DX, $0
	JL   mirrored

forward:
	CMPQ      CX, $2
	JL        tail
	PREFETCHT0 (R8)
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $8, R8
	ADDQ      $32, DI
	SUBQ      $2, CX
	JMP       forward

mirrored:
	CMPQ      CX, $2
	JL        tail
	PREFETCHT0 -4(R8)
	VPMOVZXBD -4(SI), Y0
	VCVTDQ2PS Y0, Y0
	VPERMQ    $0x4e, Y0, Y0
	VMOVUPS   Y0, (DI)
	SUBQ      $8, SI
	SUBQ      $8, R8
	ADDQ      $32, DI
	SUBQ      $2, CX
	JMP       mirrored

tail:
	TESTQ     CX, CX
	JZ        done
	VPMOVZXBD (SI), X0
	VCVTDQ2PS X0, X0
	VMOVUPS   X0, (DI)

done:
	VZEROUPPER
	RET

DATA clamp_half<>+0(SB)/4, $0x3f000000
GLOBL clamp_half<>(SB), RODATA|NOPTR, $4
DATA clamp_max<>+0(SB)/4, $255
GLOBL clamp_max<>(SB), RODATA|NOPTR, $4

// func clampAVX(dst *int32, acc *float32, n int)
// Per pixel: int32(v+0.5) truncated, then clamped to 0..255 (clampByte:
// v+0.5 truncates to 0 for v in (-0.5, 0), and below that the clamp
// gives 0 as clampByte's v < 0 test does).
TEXT ·clampAVX(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         acc+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS clamp_half<>(SB), X1
	VPBROADCASTD clamp_max<>(SB), X2
	VPXOR        X3, X3, X3

kloop:
	VADDPS     (SI), X1, X0
	VCVTTPS2DQ X0, X0
	VPMAXSD    X3, X0, X0
	VPMINSD    X2, X0, X0
	VMOVDQU    X0, (DI)
	ADDQ       $16, SI
	ADDQ       $12, DI
	DECQ       CX
	JNZ        kloop
	RET
