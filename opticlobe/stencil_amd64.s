//go:build !noasm

#include "textflag.h"

// Registers of stencilRunAVX2: DI dst, SI src at the block, R8 off, R9
// w, R10 terms, AX the term j, BX &src[off[j]] of the block, Y15 w[j]
// broadcast, CX values left.

// func stencilRunAVX2(dst *float32, n int, src *float32, off *int, w *float32, k int)
//
// dst[i] = Σ_{j<k} w[j]·src[off[j]+i] for i < n, n a multiple of 4, the
// terms in order from j = 0 by fused multiply-adds into zero: blocks of 64
// values in eight accumulators, then 32, 8 and 4.
TEXT ·stencilRunAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ src+16(FP), SI
	MOVQ off+24(FP), R8
	MOVQ w+32(FP), R9
	MOVQ k+40(FP), R10

b64:
	CMPQ   CX, $64
	JL     b32
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   AX, AX

t64:
	CMPQ         AX, R10
	JGE          s64
	MOVQ         (R8)(AX*8), BX
	LEAQ         (SI)(BX*4), BX
	VBROADCASTSS (R9)(AX*4), Y15
	VFMADD231PS  (BX), Y15, Y0
	VFMADD231PS  32(BX), Y15, Y1
	VFMADD231PS  64(BX), Y15, Y2
	VFMADD231PS  96(BX), Y15, Y3
	VFMADD231PS  128(BX), Y15, Y4
	VFMADD231PS  160(BX), Y15, Y5
	VFMADD231PS  192(BX), Y15, Y6
	VFMADD231PS  224(BX), Y15, Y7
	INCQ         AX
	JMP          t64

s64:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ    $256, DI
	ADDQ    $256, SI
	SUBQ    $64, CX
	JMP     b64

b32:
	CMPQ   CX, $32
	JL     b8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX

t32:
	CMPQ         AX, R10
	JGE          s32
	MOVQ         (R8)(AX*8), BX
	LEAQ         (SI)(BX*4), BX
	VBROADCASTSS (R9)(AX*4), Y15
	VFMADD231PS  (BX), Y15, Y0
	VFMADD231PS  32(BX), Y15, Y1
	VFMADD231PS  64(BX), Y15, Y2
	VFMADD231PS  96(BX), Y15, Y3
	INCQ         AX
	JMP          t32

s32:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	ADDQ    $128, SI
	SUBQ    $32, CX
	JMP     b32

b8:
	CMPQ   CX, $8
	JL     b4
	VXORPS Y0, Y0, Y0
	XORQ   AX, AX

t8:
	CMPQ         AX, R10
	JGE          s8
	MOVQ         (R8)(AX*8), BX
	LEAQ         (SI)(BX*4), BX
	VBROADCASTSS (R9)(AX*4), Y15
	VFMADD231PS  (BX), Y15, Y0
	INCQ         AX
	JMP          t8

s8:
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     b8

b4:
	CMPQ   CX, $4
	JL     done
	VXORPS X0, X0, X0
	XORQ   AX, AX

t4:
	CMPQ         AX, R10
	JGE          s4
	MOVQ         (R8)(AX*8), BX
	LEAQ         (SI)(BX*4), BX
	VBROADCASTSS (R9)(AX*4), X15
	VFMADD231PS  (BX), X15, X0
	INCQ         AX
	JMP          t4

s4:
	VMOVUPS X0, (DI)
	ADDQ    $16, DI
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     b4

done:
	VZEROUPPER
	RET

// TDSUM(y, x, o) adds the eight lanes of y (x its lower half) as
// (lower + upper), then (0 + 1) + (2 + 3), to the float at o(DI).
#define TDSUM(y, x, o) \
	VEXTRACTF128 $1, y, X10 \
	VADDPS       X10, x, x \
	VHADDPS      x, x, x \
	VHADDPS      x, x, x \
	VADDSS       o(DI), x, x \
	VMOVSS       x, o(DI)

// func termDots8AVX2(u *float32, us int, a *float32, off *int, n int, out *float32)
//
// out[j] += Σ_{i<n} Σ_{l<4} u[i·us+l]·a[off[j]+4i+l] for j < 8: two cells
// at a time (u's two cells in one register, us values apart) into one
// accumulator a term, by fused multiply-adds, then an odd last cell; each
// accumulator's eight lanes added as its halves, then (0 + 1) + (2 + 3).
TEXT ·termDots8AVX2(SB), NOSPLIT, $0-48
	MOVQ u+0(FP), SI
	MOVQ us+8(FP), DX
	SHLQ $2, DX                  // bytes a cell of u
	MOVQ a+16(FP), DI
	MOVQ off+24(FP), R9
	MOVQ n+32(FP), CX

	// the eight terms' addresses in a
	MOVQ 0(R9), AX
	LEAQ (DI)(AX*4), AX
	MOVQ 8(R9), BX
	LEAQ (DI)(BX*4), BX
	MOVQ 16(R9), R8
	LEAQ (DI)(R8*4), R8
	MOVQ 24(R9), R10
	LEAQ (DI)(R10*4), R10
	MOVQ 32(R9), R11
	LEAQ (DI)(R11*4), R11
	MOVQ 40(R9), R12
	LEAQ (DI)(R12*4), R12
	MOVQ 48(R9), R13
	LEAQ (DI)(R13*4), R13
	MOVQ 56(R9), R9
	LEAQ (DI)(R9*4), R9
	XORQ DI, DI                  // byte offset of the cell in a

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

td2:
	CMPQ        CX, $2
	JL          td1
	VMOVUPS     (SI), X8
	VINSERTF128 $1, (SI)(DX*1), Y8, Y8
	VFMADD231PS (AX)(DI*1), Y8, Y0
	VFMADD231PS (BX)(DI*1), Y8, Y1
	VFMADD231PS (R8)(DI*1), Y8, Y2
	VFMADD231PS (R10)(DI*1), Y8, Y3
	VFMADD231PS (R11)(DI*1), Y8, Y4
	VFMADD231PS (R12)(DI*1), Y8, Y5
	VFMADD231PS (R13)(DI*1), Y8, Y6
	VFMADD231PS (R9)(DI*1), Y8, Y7
	ADDQ        $32, DI
	LEAQ        (SI)(DX*2), SI
	SUBQ        $2, CX
	JMP         td2

td1:
	TESTQ       CX, CX
	JLE         tdsum
	VMOVUPS     (SI), X8         // the upper lanes zero
	VMOVUPS     (AX)(DI*1), X9
	VFMADD231PS Y9, Y8, Y0
	VMOVUPS     (BX)(DI*1), X9
	VFMADD231PS Y9, Y8, Y1
	VMOVUPS     (R8)(DI*1), X9
	VFMADD231PS Y9, Y8, Y2
	VMOVUPS     (R10)(DI*1), X9
	VFMADD231PS Y9, Y8, Y3
	VMOVUPS     (R11)(DI*1), X9
	VFMADD231PS Y9, Y8, Y4
	VMOVUPS     (R12)(DI*1), X9
	VFMADD231PS Y9, Y8, Y5
	VMOVUPS     (R13)(DI*1), X9
	VFMADD231PS Y9, Y8, Y6
	VMOVUPS     (R9)(DI*1), X9
	VFMADD231PS Y9, Y8, Y7

tdsum:
	MOVQ out+40(FP), DI
	TDSUM(Y0, X0, 0)
	TDSUM(Y1, X1, 4)
	TDSUM(Y2, X2, 8)
	TDSUM(Y3, X3, 12)
	TDSUM(Y4, X4, 16)
	TDSUM(Y5, X5, 20)
	TDSUM(Y6, X6, 24)
	TDSUM(Y7, X7, 28)
	VZEROUPPER
	RET

// func dualRelu4AVX2(dst1, ybar2, d, own, a *float32, n int)
//
// dualRelu at 4 lanes for n neurons: with m = [a > 0] (false for NaN),
// dst1 = (m and d[:4]) − own[:4], ybar2 += (m and d[4:]) − own[4:], the
// values of dualRelu.
TEXT ·dualRelu4AVX2(SB), NOSPLIT, $0-48
	MOVQ   dst1+0(FP), DI
	MOVQ   ybar2+8(FP), R8
	MOVQ   d+16(FP), SI
	MOVQ   own+24(FP), DX
	MOVQ   a+32(FP), R9
	MOVQ   n+40(FP), CX
	VXORPS X15, X15, X15

dr:
	TESTQ   CX, CX
	JLE     drdone
	VMOVUPS (R9), X0
	VCMPPS  $0x1e, X15, X0, X1   // a > 0, ordered
	VANDPS  (SI), X1, X2
	VSUBPS  (DX), X2, X2
	VMOVUPS X2, (DI)
	VANDPS  16(SI), X1, X3
	VSUBPS  16(DX), X3, X3
	VADDPS  (R8), X3, X3
	VMOVUPS X3, (R8)
	ADDQ    $16, R9
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $16, DI
	ADDQ    $16, R8
	DECQ    CX
	JMP     dr

drdone:
	RET
