//go:build !noasm

#include "textflag.h"

// lumaOrder puts each lane's sixteen luma bytes in pixel order: after the
// packs and VPERMQ a lane holds pixels 0 1 4 5 8 9 12 13 2 3 6 7 10 11 14 15.
DATA lumaOrder<>+0(SB)/8, $0x0b0a030209080100
DATA lumaOrder<>+8(SB)/8, $0x0f0e07060d0c0504
DATA lumaOrder<>+16(SB)/8, $0x0b0a030209080100
DATA lumaOrder<>+24(SB)/8, $0x0f0e07060d0c0504
GLOBL lumaOrder<>(SB), RODATA|NOPTR, $32

// chromaOrder turns cb0 cr0 cb2 cr2 cb4 cr4 cb6 cr6 cb1 cr1 cb3 cr3 cb5 cr5
// cb7 cr7 into cb0-cb7 then cr0-cr7.
DATA chromaOrder<>+0(SB)/8, $0x0e060c040a020800
DATA chromaOrder<>+8(SB)/8, $0x0f070d050b030901
GLOBL chromaOrder<>(SB), RODATA|NOPTR, $16

// func rowsAVX2(y0, y1, u, v, r0, r1 *byte, n int, k *coeffs)
//
// Sixteen pixels of each row a step. Each four pixels are widened to 16
// bits (a 128-bit lane holds two pixels, R G B A each); VPMADDWD with R G B
// 0 coefficients gives two dwords a pixel, VPHADDD adds them. The two rows'
// widened pixels are then added (column sums), each lane's two pixels
// added (VPSHUFD swaps the 64-bit halves), and one VPMADDWD with Cb's and
// Cr's coefficients gives both chroma of a 2x2 block.
TEXT ·rowsAVX2(SB), NOSPLIT, $0-64
	MOVQ y0+0(FP), DI
	MOVQ y1+8(FP), R8
	MOVQ u+16(FP), R9
	MOVQ v+24(FP), R10
	MOVQ r0+32(FP), SI
	MOVQ r1+40(FP), DX
	MOVQ n+48(FP), CX
	MOVQ k+56(FP), BX
	SHRQ $4, CX
	JZ   done
	VMOVDQU      (BX), Y12        // luma coefficients R G B 0
	VMOVDQU      32(BX), Y13      // Cb R G B 0, Cr R G B 0
	VPBROADCASTD 64(BX), Y14      // yBias
	VPBROADCASTD 68(BX), Y15      // uvBias
	VMOVDQU      lumaOrder<>(SB), Y11
	VMOVDQU      chromaOrder<>(SB), X10

loop:
	// Row 0: pixels 0-3, 4-7, 8-11, 12-15 in Y0-Y3; luma into Y8.
	VPMOVZXBW (SI), Y0
	VPMOVZXBW 16(SI), Y1
	VPMOVZXBW 32(SI), Y2
	VPMOVZXBW 48(SI), Y3
	VPMADDWD  Y12, Y0, Y8
	VPMADDWD  Y12, Y1, Y9
	VPHADDD   Y9, Y8, Y8          // [p0 p1 p4 p5 | p2 p3 p6 p7]
	VPMADDWD  Y12, Y2, Y9
	VPMADDWD  Y12, Y3, Y4
	VPHADDD   Y4, Y9, Y9          // [p8 p9 p12 p13 | p10 p11 p14 p15]
	VPADDD    Y14, Y8, Y8
	VPADDD    Y14, Y9, Y9
	VPSRLD    $15, Y8, Y8
	VPSRLD    $15, Y9, Y9
	VPACKUSDW Y9, Y8, Y8          // [p0 p1 p4 p5 p8 p9 p12 p13 | p2 p3 ...]

	// Row 1: luma into Y9, each pixel added to row 0's in Y0-Y3.
	VPMOVZXBW (DX), Y4
	VPMOVZXBW 16(DX), Y5
	VPMADDWD  Y12, Y4, Y9
	VPMADDWD  Y12, Y5, Y6
	VPHADDD   Y6, Y9, Y9
	VPADDW    Y4, Y0, Y0
	VPADDW    Y5, Y1, Y1
	VPMOVZXBW 32(DX), Y6
	VPMOVZXBW 48(DX), Y7
	VPMADDWD  Y12, Y6, Y4
	VPMADDWD  Y12, Y7, Y5
	VPHADDD   Y5, Y4, Y4
	VPADDW    Y6, Y2, Y2
	VPADDW    Y7, Y3, Y3
	VPADDD    Y14, Y9, Y9
	VPADDD    Y14, Y4, Y4
	VPSRLD    $15, Y9, Y9
	VPSRLD    $15, Y4, Y4
	VPACKUSDW Y4, Y9, Y9

	// Both rows' luma to bytes, in order: lane 0 row 0, lane 1 row 1.
	VPACKUSWB    Y9, Y8, Y8       // [r0 p0 p1 p4 .., r1 p0 p1 p4 .. | r0 p2 p3 p6 .., r1 ..]
	VPERMQ       $0xD8, Y8, Y8    // [r0 L0, r0 L1 | r1 L0, r1 L1]
	VPSHUFB      Y11, Y8, Y8
	VMOVDQU      X8, (DI)
	VEXTRACTI128 $1, Y8, (R8)

	// Chroma: each lane's two column sums added gives a 2x2 block's sum
	// in both halves (lane 0 block 2i, lane 1 block 2i+1 of Yi).
	VPSHUFD   $0x4E, Y0, Y4
	VPSHUFD   $0x4E, Y1, Y5
	VPSHUFD   $0x4E, Y2, Y6
	VPSHUFD   $0x4E, Y3, Y7
	VPADDW    Y4, Y0, Y0
	VPADDW    Y5, Y1, Y1
	VPADDW    Y6, Y2, Y2
	VPADDW    Y7, Y3, Y3
	VPMADDWD  Y13, Y0, Y0         // [cb cb cr cr] per block
	VPMADDWD  Y13, Y1, Y1
	VPMADDWD  Y13, Y2, Y2
	VPMADDWD  Y13, Y3, Y3
	VPHADDD   Y1, Y0, Y0          // [cb0 cr0 cb2 cr2 | cb1 cr1 cb3 cr3]
	VPHADDD   Y3, Y2, Y2          // [cb4 cr4 cb6 cr6 | cb5 cr5 cb7 cr7]
	VPADDD    Y15, Y0, Y0
	VPADDD    Y15, Y2, Y2
	VPSRLD    $17, Y0, Y0
	VPSRLD    $17, Y2, Y2
	VPACKUSDW Y2, Y0, Y0
	VPACKUSWB Y0, Y0, Y0          // [cb0 cr0 cb2 .. cr6 (twice) | cb1 cr1 cb3 .. cr7 (twice)]
	VPERMQ    $0x08, Y0, Y0       // lane 0: the even blocks' eight bytes, then the odd's
	VPSHUFB   X10, X0, X0
	VMOVQ     X0, (R9)
	VPEXTRQ   $1, X0, (R10)

	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $8, R9
	ADDQ $8, R10
	DECQ CX
	JNZ  loop
	VZEROUPPER

done:
	RET
