//go:build !noasm

#include "textflag.h"

// Registers of stencilRunAVX2: DI dst, SI src at the block, R8 off, R9
// w, R10 terms, AX the term j, BX &src[off[j]] of the block, Y15 w[j]
// broadcast, CX values left; Y0–Y7 the block's accumulators.

// TERM(w) points BX at term AX's values of the block and broadcasts its
// weight into w.
#define TERM(w) \
	MOVQ         (R8)(AX*8), BX \
	LEAQ         (SI)(BX*4), BX \
	VBROADCASTSS (R9)(AX*4), w

// The low and high halves of a 64-value block: zeroed, accumulated from
// the term at BX, stored at DI.
#define ZERO_LO \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3

#define ZERO_HI \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7

#define FMA_LO \
	VFMADD231PS (BX), Y15, Y0 \
	VFMADD231PS 32(BX), Y15, Y1 \
	VFMADD231PS 64(BX), Y15, Y2 \
	VFMADD231PS 96(BX), Y15, Y3

#define FMA_HI \
	VFMADD231PS 128(BX), Y15, Y4 \
	VFMADD231PS 160(BX), Y15, Y5 \
	VFMADD231PS 192(BX), Y15, Y6 \
	VFMADD231PS 224(BX), Y15, Y7

#define STORE_LO \
	VMOVUPS Y0, (DI) \
	VMOVUPS Y1, 32(DI) \
	VMOVUPS Y2, 64(DI) \
	VMOVUPS Y3, 96(DI)

#define STORE_HI \
	VMOVUPS Y4, 128(DI) \
	VMOVUPS Y5, 160(DI) \
	VMOVUPS Y6, 192(DI) \
	VMOVUPS Y7, 224(DI)

// NEXT(bytes, values) moves dst and src past a block.
#define NEXT(bytes, values) \
	ADDQ $bytes, DI \
	ADDQ $bytes, SI \
	SUBQ $values, CX

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
	CMPQ CX, $64
	JL   b32
	ZERO_LO
	ZERO_HI
	XORQ AX, AX

t64:
	CMPQ AX, R10
	JGE  s64
	TERM(Y15)
	FMA_LO
	FMA_HI
	INCQ AX
	JMP  t64

s64:
	STORE_LO
	STORE_HI
	NEXT(256, 64)
	JMP b64

b32:
	CMPQ CX, $32
	JL   b8
	ZERO_LO
	XORQ AX, AX

t32:
	CMPQ AX, R10
	JGE  s32
	TERM(Y15)
	FMA_LO
	INCQ AX
	JMP  t32

s32:
	STORE_LO
	NEXT(128, 32)
	JMP b32

b8:
	CMPQ   CX, $8
	JL     b4
	VXORPS Y0, Y0, Y0
	XORQ   AX, AX

t8:
	CMPQ        AX, R10
	JGE         s8
	TERM(Y15)
	VFMADD231PS (BX), Y15, Y0
	INCQ        AX
	JMP         t8

s8:
	VMOVUPS Y0, (DI)
	NEXT(32, 8)
	JMP     b8

b4:
	CMPQ   CX, $4
	JL     done
	VXORPS X0, X0, X0
	XORQ   AX, AX

t4:
	CMPQ        AX, R10
	JGE         s4
	TERM(X15)
	VFMADD231PS (BX), X15, X0
	INCQ        AX
	JMP         t4

s4:
	VMOVUPS X0, (DI)
	NEXT(16, 4)
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

// ADDR(o, r) sets r to a plus 4 times the offset at o(R9), R9 last.
#define ADDR(o, r) \
	MOVQ o(R9), r \
	LEAQ (DI)(r*4), r

// TAIL(p, acc) adds the one cell left, at p + DI in a, times X8 (upper
// lanes zero), to acc.
#define TAIL(p, acc) \
	VMOVUPS     (p)(DI*1), X9 \
	VFMADD231PS Y9, Y8, acc

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
	ADDR(0, AX)
	ADDR(8, BX)
	ADDR(16, R8)
	ADDR(24, R10)
	ADDR(32, R11)
	ADDR(40, R12)
	ADDR(48, R13)
	ADDR(56, R9)
	XORQ DI, DI                  // byte offset of the cell in a
	ZERO_LO
	ZERO_HI

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
	VMOVUPS (SI), X8             // the upper lanes zero
	TAIL(AX, Y0)
	TAIL(BX, Y1)
	TAIL(R8, Y2)
	TAIL(R10, Y3)
	TAIL(R11, Y4)
	TAIL(R12, Y5)
	TAIL(R13, Y6)
	TAIL(R9, Y7)

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
