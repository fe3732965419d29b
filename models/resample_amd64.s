//go:build !noasm

#include "textflag.h"

// WINDOW sets reg to the address in the row (SI) of the first pixel of
// the window of the output whose first[] entry is at off(R8). Clobbers AX.
#define WINDOW(off, reg) \
	MOVLQSX off(R8), AX \
	SHLQ    $4, AX \
	LEAQ    (SI)(AX*1), reg

// func hrow2AVX(t, row, wide *float32, first *int32, groups, taps int)
// Two outputs a ymm, one in each 128-bit half, from the padded plan
// (hplan.pad): each tap loads the two outputs' pixels (each half from its
// own window) and their weights (the plan lays them out as the register
// is), then multiplies and adds, so each half sums its output's taps in
// order as hrowGo does.
TEXT ·hrow2AVX(SB), NOSPLIT, $0-48
	MOVQ t+0(FP), DI
	MOVQ row+8(FP), SI
	MOVQ wide+16(FP), DX
	MOVQ first+24(FP), R8
	MOVQ groups+32(FP), CX
	MOVQ taps+40(FP), R9
	SHLQ $4, R9 // bytes of pixels a window

h2group:
	WINDOW(0, R11)
	WINDOW(4, R12)
	VXORPS  Y0, Y0, Y0
	XORQ    BX, BX

h2tap:
	VMOVUPS     (R11)(BX*1), X1
	VINSERTF128 $1, (R12)(BX*1), Y1, Y1
	VMULPS      (DX), Y1, Y1
	VADDPS      Y1, Y0, Y0
	ADDQ        $32, DX
	ADDQ        $16, BX
	CMPQ        BX, R9
	JLT         h2tap

	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $8, R8
	DECQ    CX
	JNZ     h2group
	VZEROUPPER
	RET

// func hrow4AVX512(t, row, wide *float32, first *int32, groups, taps int)
// hrow2AVX with four outputs a zmm, one in each 128-bit quarter: the
// first output's pixel is loaded and the others' are broadcast into their
// quarters under masks K1-K3 (measured as fast as VINSERTF32X4).
TEXT ·hrow4AVX512(SB), NOSPLIT, $0-48
	MOVQ t+0(FP), DI
	MOVQ row+8(FP), SI
	MOVQ wide+16(FP), DX
	MOVQ first+24(FP), R8
	MOVQ groups+32(FP), CX
	MOVQ taps+40(FP), R9
	SHLQ $4, R9 // bytes of pixels a window
	MOVL $0x00f0, AX
	KMOVW AX, K1
	MOVL $0x0f00, AX
	KMOVW AX, K2
	MOVL $0xf000, AX
	KMOVW AX, K3

h4group:
	WINDOW(0, R11)
	WINDOW(4, R12)
	WINDOW(8, R13)
	WINDOW(12, R14)
	VXORPS  Z0, Z0, Z0
	XORQ    BX, BX

h4tap:
	VMOVUPS         (R11)(BX*1), X1
	VBROADCASTF32X4 (R12)(BX*1), K1, Z1
	VBROADCASTF32X4 (R13)(BX*1), K2, Z1
	VBROADCASTF32X4 (R14)(BX*1), K3, Z1
	VMULPS          (DX), Z1, Z1
	VADDPS          Z1, Z0, Z0
	ADDQ            $64, DX
	ADDQ            $16, BX
	CMPQ            BX, R9
	JLT             h4tap

	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    $16, R8
	DECQ    CX
	JNZ     h4group
	VZEROUPPER
	RET

// func hrowPackAVX512(t *float32, dst *int32, rows int, src *uint8, stride int, w *float32, win *int32, idx *uint8, groups, outs, last, ahead int)
// Groups of outs outputs, three lanes of a zmm each (red, green, blue),
// from the source rows' bytes by the packed window plan
// (hplan.packWindows), a group at a time for all rows rows, so that its
// indices and weights are read from memory once for them all: for each
// row, the group loads its 128-byte window (row r's starts at src +
// r*stride) into Z5:Z6, and each of its taps picks its lanes' bytes out
// of it with VPERMI2B, zeroing the three upper bytes of every int32 (mask
// K1), converts them to floats, multiplies them by the tap's weights and
// adds them to the group's sums, so each lane sums its output's taps in
// order as hrowGo does; two rows at a time, with the tap's indices and
// weights loaded once for both, then the last row if their count is odd. The 3*outs lanes that are outputs are stored
// (mask K2), packed, at t + 4*dst[r] floats on; the last group stores
// the lanes of its last outputs only (mask K3), those of the plan's last
// group, which may not be full. Each window load prefetches the same
// window ahead bytes further on (the next rows' when there are more,
// else the row itself): row starts are a stride apart, which the
// hardware's stream prefetcher only catches a few lines in.
TEXT ·hrowPackAVX512(SB), NOSPLIT, $0-96
	MOVQ t+0(FP), DI
	MOVQ src+24(FP), SI
	MOVQ w+40(FP), DX
	MOVQ win+48(FP), R8
	MOVQ idx+56(FP), R10
	MOVQ groups+64(FP), CX
	MOVQ $0x1111111111111111, AX
	KMOVQ AX, K1
	MOVQ outs+72(FP), BX
	LEAQ (BX)(BX*2), BX // lanes a group stores
	MOVL $1, AX
	SHLXL BX, AX, AX
	DECL AX
	KMOVW AX, K2
	MOVQ last+80(FP), BX
	LEAQ (BX)(BX*2), BX // lanes the last group stores
	MOVL $1, AX
	SHLXL BX, AX, AX
	DECL AX
	KMOVW AX, K3
	XORQ R13, R13 // the group's first byte in a row of t

hpgroup:
	MOVLQSX (R8), R9 // row 0's window
	ADDQ    SI, R9
	MOVLQSX 4(R8), R12
	SHLQ    $6, R12 // bytes of indices (and of weights) of the group
	MOVQ    dst+8(FP), R11
	MOVQ    rows+16(FP), R14

hprow:
	CMPQ R14, $2
	JLT  hpsingle
	// Two rows at a time: each tap's indices and weights are loaded once
	// for both (the loads, not the arithmetic, bound a row at a time).
	MOVQ       ahead+88(FP), AX
	// One line a group: the groups' windows overlap, and step through
	// the row by less than a line.
	PREFETCHT0 64(R9)(AX*1)
	ADDQ       stride+32(FP), AX
	PREFETCHT0 64(R9)(AX*1)
	MOVQ       stride+32(FP), AX
	VMOVDQU8   (R9), Z5
	VMOVDQU8   64(R9), Z6
	VMOVDQU8   (R9)(AX*1), Z15
	VMOVDQU8   64(R9)(AX*1), Z16
	VXORPS     Z0, Z0, Z0
	VXORPS     Z10, Z10, Z10
	XORQ       BX, BX
	CMPQ       BX, R12
	JEQ        hpstore2

hptap2:
	VMOVDQU8    (R10)(BX*1), Z1
	VMOVDQA64   Z1, Z11
	VMOVUPS     (DX)(BX*1), Z7
	VPERMI2B.Z  Z6, Z5, K1, Z1
	VPERMI2B.Z  Z16, Z15, K1, Z11
	VCVTDQ2PS   Z1, Z1
	VCVTDQ2PS   Z11, Z11
	VMULPS      Z7, Z1, Z1
	VMULPS      Z7, Z11, Z11
	VADDPS      Z1, Z0, Z0
	VADDPS      Z11, Z10, Z10
	ADDQ        $64, BX
	CMPQ        BX, R12
	JLT         hptap2

hpstore2:
	MOVLQSX (R11), AX
	LEAQ    (DI)(AX*4), AX
	MOVLQSX 4(R11), BX
	LEAQ    (DI)(BX*4), BX
	CMPQ    CX, $1
	JEQ     hplast2
	VMOVUPS Z0, K2, (AX)(R13*1)
	VMOVUPS Z10, K2, (BX)(R13*1)
	JMP     hpnext2

hplast2:
	VMOVUPS Z0, K3, (AX)(R13*1)
	VMOVUPS Z10, K3, (BX)(R13*1)

hpnext2:
	MOVQ stride+32(FP), AX
	LEAQ (R9)(AX*2), R9
	ADDQ $8, R11
	SUBQ $2, R14
	JMP  hprow

hpsingle:
	// The last row, if the count is odd.
	TESTQ      R14, R14
	JZ         hpgroupdone
	MOVQ       ahead+88(FP), AX
	PREFETCHT0 64(R9)(AX*1)
	VMOVDQU8   (R9), Z5
	VMOVDQU8   64(R9), Z6
	VXORPS     Z0, Z0, Z0
	XORQ       BX, BX
	CMPQ       BX, R12
	JEQ        hpstore

hptap:
	VMOVDQU8    (R10)(BX*1), Z1
	VPERMI2B.Z  Z6, Z5, K1, Z1
	VCVTDQ2PS   Z1, Z1
	VMULPS      (DX)(BX*1), Z1, Z1
	VADDPS      Z1, Z0, Z0
	ADDQ        $64, BX
	CMPQ        BX, R12
	JLT         hptap

hpstore:
	MOVLQSX (R11), AX
	LEAQ    (DI)(AX*4), AX
	CMPQ    CX, $1
	JEQ     hplast
	VMOVUPS Z0, K2, (AX)(R13*1)
	JMP     hpgroupdone

hplast:
	VMOVUPS Z0, K3, (AX)(R13*1)

hpgroupdone:
	ADDQ R12, R10
	ADDQ R12, DX
	ADDQ $8, R8
	MOVQ outs+72(FP), AX
	LEAQ (AX)(AX*2), AX
	LEAQ (R13)(AX*4), R13
	DECQ CX
	JNZ  hpgroup
	VZEROUPPER
	RET

DATA vsum_pack<>+0(SB)/4, $0
DATA vsum_pack<>+4(SB)/4, $1
DATA vsum_pack<>+8(SB)/4, $2
DATA vsum_pack<>+12(SB)/4, $4
DATA vsum_pack<>+16(SB)/4, $5
DATA vsum_pack<>+20(SB)/4, $6
DATA vsum_pack<>+24(SB)/4, $8
DATA vsum_pack<>+28(SB)/4, $9
DATA vsum_pack<>+32(SB)/4, $10
DATA vsum_pack<>+36(SB)/4, $12
DATA vsum_pack<>+40(SB)/4, $13
DATA vsum_pack<>+44(SB)/4, $14
DATA vsum_pack<>+48(SB)/4, $15
DATA vsum_pack<>+52(SB)/4, $15
DATA vsum_pack<>+56(SB)/4, $15
DATA vsum_pack<>+60(SB)/4, $15
GLOBL vsum_pack<>(SB), RODATA|NOPTR, $64

// func vsumAVX512(dst *int32, tmp *float32, rows *int32, w *float32, k, n int)
// The vertical pass and the clamp in one, eight pixels (two zmm) at a
// time: each accumulator starts at zero and adds w[j] times row j, a
// multiply and then an add, for j in order (as vaccAVX into a cleared
// row does), stays in a register across the rows, and is then clamped as
// clampAVX does; VPERMD packs the three colours of each of its four
// pixels into twelve int32, which a masked store writes. n is a multiple
// of 8.
TEXT ·vsumAVX512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         tmp+8(FP), SI
	MOVQ         rows+16(FP), R8
	MOVQ         w+24(FP), R9
	MOVQ         k+32(FP), R10
	MOVQ         n+40(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS clamp_half<>(SB), Z4
	VPBROADCASTD clamp_max<>(SB), Z5
	VPXORD       Z6, Z6, Z6
	VMOVDQU32    vsum_pack<>(SB), Z7
	MOVL         $0x0fff, AX
	KMOVW        AX, K1

vchunk:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	XORQ   BX, BX
	TESTQ  R10, R10
	JZ     vclamp

vrow:
	MOVLQSX      (R8)(BX*4), AX
	LEAQ         (SI)(AX*4), R11
	VBROADCASTSS (R9)(BX*4), Z3
	VMULPS       (R11), Z3, Z2
	VADDPS       Z2, Z0, Z0
	VMULPS       64(R11), Z3, Z2
	VADDPS       Z2, Z1, Z1
	INCQ         BX
	CMPQ         BX, R10
	JLT          vrow

vclamp:
	VADDPS     Z4, Z0, Z0
	VCVTTPS2DQ Z0, Z0
	VPMAXSD    Z6, Z0, Z0
	VPMINSD    Z5, Z0, Z0
	VPERMD     Z0, Z7, Z0
	VMOVDQU32  Z0, K1, (DI)
	VADDPS     Z4, Z1, Z1
	VCVTTPS2DQ Z1, Z1
	VPMAXSD    Z6, Z1, Z1
	VPMINSD    Z5, Z1, Z1
	VPERMD     Z1, Z7, Z1
	VMOVDQU32  Z1, K1, 48(DI)
	ADDQ       $96, DI
	ADDQ       $128, SI
	DECQ       CX
	JNZ        vchunk
	VZEROUPPER
	RET

// CLAMP16 rounds and clamps the sixteen floats of z as clampAVX does and
// stores them as int32 at off(DI), with Z4 0.5, Z5 255 and Z6 0.
#define CLAMP16(z, off) \
	VADDPS     Z4, z, z \
	VCVTTPS2DQ z, z \
	VPMAXSD    Z6, z, z \
	VPMINSD    Z5, z, z \
	VMOVDQU32  z, off(DI)

// func vsumPackAVX512(dst *int32, tmp *float32, rows *int32, w *float32, k, m int)
// vsumAVX512 for packed rows (three floats a pixel, as hrowPackAVX512
// writes them), which need no packing on the way out: sixty-four floats
// (four zmm) at a time, then sixteen, each accumulator starting at zero
// and adding w[j] times row j, a multiply and then an add, for j in
// order, then clamped into int32. m is a multiple of 16.
TEXT ·vsumPackAVX512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         tmp+8(FP), SI
	MOVQ         rows+16(FP), R8
	MOVQ         w+24(FP), R9
	MOVQ         k+32(FP), R10
	MOVQ         m+40(FP), CX
	VBROADCASTSS clamp_half<>(SB), Z4
	VPBROADCASTD clamp_max<>(SB), Z5
	VPXORD       Z6, Z6, Z6

vp4chunk:
	CMPQ   CX, $64
	JLT    vp1chunk
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	XORQ   BX, BX
	TESTQ  R10, R10
	JZ     vp4clamp

vp4row:
	MOVLQSX      (R8)(BX*4), AX
	LEAQ         (SI)(AX*4), R11
	VBROADCASTSS (R9)(BX*4), Z7
	VMULPS       (R11), Z7, Z8
	VADDPS       Z8, Z0, Z0
	VMULPS       64(R11), Z7, Z9
	VADDPS       Z9, Z1, Z1
	VMULPS       128(R11), Z7, Z10
	VADDPS       Z10, Z2, Z2
	VMULPS       192(R11), Z7, Z11
	VADDPS       Z11, Z3, Z3
	INCQ         BX
	CMPQ         BX, R10
	JLT          vp4row

vp4clamp:
	CLAMP16(Z0, 0)
	CLAMP16(Z1, 64)
	CLAMP16(Z2, 128)
	CLAMP16(Z3, 192)
	ADDQ $256, DI
	ADDQ $256, SI
	SUBQ $64, CX
	JMP  vp4chunk

vp1chunk:
	CMPQ   CX, $16
	JLT    vpdone
	VXORPS Z0, Z0, Z0
	XORQ   BX, BX
	TESTQ  R10, R10
	JZ     vp1clamp

vp1row:
	MOVLQSX      (R8)(BX*4), AX
	VBROADCASTSS (R9)(BX*4), Z7
	VMULPS       (SI)(AX*4), Z7, Z8
	VADDPS       Z8, Z0, Z0
	INCQ         BX
	CMPQ         BX, R10
	JLT          vp1row

vp1clamp:
	CLAMP16(Z0, 0)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, CX
	JMP  vp1chunk

vpdone:
	VZEROUPPER
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

// func pixelsAVX(dst *float32, src *uint8, n, step int, ahead uintptr, quads bool)
// Two pixels an iteration: 8 bytes widened to 8 floats; with quads (which
// needs AVX-512), four pixels an iteration first, 16 bytes widened to 16
// floats, and the rest two at a time. Read mirrored (step -4), the pixels
// of a load are the wrong way round: two swap halves after widening,
// four are reversed (VPSHUFD $0x1b) before. ahead, when not 0, is the
// same pixel of the next row, fetched into the cache as this row is read:
// the row starts are a stride apart, which the hardware's stream
// prefetcher only catches a few lines in.
TEXT ·pixelsAVX(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ step+24(FP), DX
	MOVQ ahead+32(FP), R8
	MOVB quads+40(FP), R9
	TESTQ R8, R8
	JNZ  prefetching

	// No next row: prefetch this one's lines, which are read anyway.
	MOVQ SI, R8

prefetching:
	CMPQ DX, $0
	JL   mirroring
	TESTB R9, R9
	JZ   forward

forward4:
	CMPQ       CX, $4
	JL         forward
	PREFETCHT0 (R8)
	VPMOVZXBD  (SI), Z0
	VCVTDQ2PS  Z0, Z0
	VMOVUPS    Z0, (DI)
	ADDQ       $16, SI
	ADDQ       $16, R8
	ADDQ       $64, DI
	SUBQ       $4, CX
	JMP        forward4

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

mirroring:
	TESTB R9, R9
	JZ    mirrored

mirrored4:
	CMPQ       CX, $4
	JL         mirrored
	PREFETCHT0 -12(R8)
	VPSHUFD    $0x1b, -12(SI), X0
	VPMOVZXBD  X0, Z0
	VCVTDQ2PS  Z0, Z0
	VMOVUPS    Z0, (DI)
	SUBQ       $16, SI
	SUBQ       $16, R8
	ADDQ       $64, DI
	SUBQ       $4, CX
	JMP        mirrored4

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

// The VPSHUFB masks of pixelsBGRAVX: four BGR pixels (12 of 16 bytes
// loaded) to four R, G, B, 0 quads, in the order read (forward: the
// pixels at bytes 0, 3, 6, 9; mirrored: at 13, 10, 7, 4, the load ending
// with the first pixel's last byte). 0x80 gives a zero byte.
DATA bgr_fwd<>+0(SB)/8, $0x8003040580000102
DATA bgr_fwd<>+8(SB)/8, $0x80090a0b80060708
GLOBL bgr_fwd<>(SB), RODATA|NOPTR, $16
DATA bgr_rev<>+0(SB)/8, $0x800a0b0c800d0e0f
DATA bgr_rev<>+8(SB)/8, $0x8004050680070809
GLOBL bgr_rev<>(SB), RODATA|NOPTR, $16

// func pixelsBGRAVX(dst *float32, src *uint8, quads int, mirrored bool, ahead uintptr, wide bool)
// Four BGR pixels an iteration, quads times: 16 bytes loaded from src
// (forward; mirrored, the 16 bytes ending 3 bytes past src, the pixels
// then read from src backwards), shuffled to R, G, B, 0 bytes a pixel,
// widened to int32 and converted to floats (one zmm with wide, AVX-512;
// else two ymm). ahead, when not 0, is prefetched along as pixelsAVX
// does.
TEXT ·pixelsBGRAVX(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ quads+16(FP), CX
	MOVB mirrored+24(FP), DX
	MOVQ ahead+32(FP), R8
	MOVB wide+40(FP), R9
	TESTQ R8, R8
	JNZ  bgrahead
	MOVQ SI, R8

bgrahead:
	MOVQ $12, R10
	VMOVDQU bgr_fwd<>(SB), X7
	TESTB DX, DX
	JZ    bgrloop
	VMOVDQU bgr_rev<>(SB), X7
	SUBQ  $13, SI
	SUBQ  $13, R8
	NEGQ  R10

bgrloop:
	TESTQ CX, CX
	JZ    bgrdone
	PREFETCHT0 (R8)
	VMOVDQU    (SI), X0
	VPSHUFB    X7, X0, X0
	TESTB      R9, R9
	JZ         bgrnarrow
	VPMOVZXBD  X0, Z1
	VCVTDQ2PS  Z1, Z1
	VMOVUPS    Z1, (DI)
	JMP        bgrnext

bgrnarrow:
	VPMOVZXBD  X0, Y1
	VPSRLDQ    $8, X0, X0
	VPMOVZXBD  X0, Y2
	VCVTDQ2PS  Y1, Y1
	VCVTDQ2PS  Y2, Y2
	VMOVUPS    Y1, (DI)
	VMOVUPS    Y2, 32(DI)

bgrnext:
	ADDQ R10, SI
	ADDQ R10, R8
	ADDQ $64, DI
	DECQ CX
	JMP  bgrloop

bgrdone:
	VZEROUPPER
	RET
