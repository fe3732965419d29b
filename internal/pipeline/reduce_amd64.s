//go:build !noasm

#include "textflag.h"

// reduce2Perm gathers the dwords holding the four reduced pixels after
// VPACKUSWB (lane 0: p01 p01 p45 p45, lane 1: p23 p23 p67 p67).
DATA reduce2Perm<>+0(SB)/4, $0
DATA reduce2Perm<>+4(SB)/4, $4
DATA reduce2Perm<>+8(SB)/4, $2
DATA reduce2Perm<>+12(SB)/4, $6
DATA reduce2Perm<>+16(SB)/4, $1
DATA reduce2Perm<>+20(SB)/4, $5
DATA reduce2Perm<>+24(SB)/4, $3
DATA reduce2Perm<>+28(SB)/4, $7
GLOBL reduce2Perm<>(SB), RODATA|NOPTR, $32

// func reduce2AVX2(dst, r0, r1 *byte, n int)
// Four output pixels a step: eight RGBA pixels of each row widened to
// 16 bits, the rows added, then each pixel pair (the two 64-bit halves
// of a 128-bit lane) added, +2, >>2, packed back to bytes, alpha set.
TEXT ·reduce2AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $2, CX
	JZ   done
	MOVL $0x00020002, AX
	VMOVD AX, X8
	VPBROADCASTD X8, Y8          // words of 2
	MOVL $0xFF000000, AX
	VMOVD AX, X9
	VPBROADCASTD X9, X9          // alpha
	VMOVDQU reduce2Perm<>(SB), Y10

loop:
	VPMOVZXBW (SI), Y0           // row 0, pixels 0-3
	VPMOVZXBW 16(SI), Y1         // row 0, pixels 4-7
	VPMOVZXBW (DX), Y2
	VPMOVZXBW 16(DX), Y3
	VPADDW    Y2, Y0, Y0         // a+c: [p0 p1 | p2 p3]
	VPADDW    Y3, Y1, Y1         // [p4 p5 | p6 p7]
	VPSHUFD   $0x4E, Y0, Y4      // [p1 p0 | p3 p2]
	VPSHUFD   $0x4E, Y1, Y5
	VPADDW    Y4, Y0, Y0         // (a+c)+(b+d) in both halves
	VPADDW    Y5, Y1, Y1
	VPADDW    Y8, Y0, Y0
	VPADDW    Y8, Y1, Y1
	VPSRLW    $2, Y0, Y0
	VPSRLW    $2, Y1, Y1
	VPACKUSWB Y1, Y0, Y0         // [p01 p01 p45 p45 | p23 p23 p67 p67]
	VPERMD    Y0, Y10, Y0        // [p01 p23 p45 p67 | ...]
	VPOR      X9, X0, X0
	VMOVDQU   X0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $16, DI
	DECQ CX
	JNZ  loop
	VZEROUPPER

done:
	RET
