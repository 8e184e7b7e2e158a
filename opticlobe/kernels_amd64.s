//go:build !noasm

#include "textflag.h"

// VPERMPS indices spreading lanes 0 and 1 over four lanes each.
DATA relaxIdx<>+0(SB)/4, $0
DATA relaxIdx<>+4(SB)/4, $0
DATA relaxIdx<>+8(SB)/4, $0
DATA relaxIdx<>+12(SB)/4, $0
DATA relaxIdx<>+16(SB)/4, $1
DATA relaxIdx<>+20(SB)/4, $1
DATA relaxIdx<>+24(SB)/4, $1
DATA relaxIdx<>+28(SB)/4, $1
GLOBL relaxIdx<>(SB), RODATA|NOPTR, $32

// func relax4AVX2(dydt, wv, y, vrest *float32, typ *int32, invTau *float32, pairs int)
//
// For neurons i < 2·pairs at batch 4, two neurons (eight values) at a time:
// dydt[i][s] = ((wv[i][s] − y[i][s]) + vrest[typ[i]])·invTau[i], the
// operations of relaxRowsGo in its order, so the same values. The two
// neurons' resting potentials and 1/tau are spread over their four lanes
// by VPERMPS.
TEXT ·relax4AVX2(SB), NOSPLIT, $0-56
	MOVQ    dydt+0(FP), DI
	MOVQ    wv+8(FP), SI
	MOVQ    y+16(FP), DX
	MOVQ    vrest+24(FP), R8
	MOVQ    typ+32(FP), R9
	MOVQ    invTau+40(FP), R10
	MOVQ    pairs+48(FP), CX
	VMOVUPS relaxIdx<>(SB), Y15
	XORQ    AX, AX                   // pair

relaxPair:
	MOVLQSX   (R9)(AX*8), R11
	MOVLQSX   4(R9)(AX*8), R12
	VMOVSS    (R8)(R11*4), X2
	VINSERTPS $0x10, (R8)(R12*4), X2, X2
	VMOVSD    (R10)(AX*8), X3
	VPERMPS   Y2, Y15, Y2
	VPERMPS   Y3, Y15, Y3
	MOVQ      AX, BX
	SHLQ      $5, BX                 // byte offset of the pair's eight values
	VMOVUPS   (SI)(BX*1), Y0
	VSUBPS    (DX)(BX*1), Y0, Y0
	VADDPS    Y2, Y0, Y0
	VMULPS    Y3, Y0, Y0
	VMOVUPS   Y0, (DI)(BX*1)
	INCQ      AX
	CMPQ      AX, CX
	JL        relaxPair
	VZEROUPPER
	RET

// FOLD4(op, v) folds the four lanes of v into X7 in order, from 0:
// X7 = (((0 op v0) op v1) op v2) op v3 (X6 scratch).
#define FOLD4(op, v) \
	VXORPS    X7, X7, X7 \
	op        v, X7, X7 \
	VMOVSHDUP v, X6 \
	op        X6, X7, X7 \
	VMOVHLPS  v, v, X6 \
	op        X6, X7, X7 \
	VMOVSHDUP X6, X6 \
	op        X6, X7, X7

// func dualScale4AVX2(u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN *float32, n int)
//
// For neurons i < n at batch 4 (VJPDual's first loop): u = kbar[i]·it and
// v = (c2·ybar2[i])·it (it = invTau[i]) stored as u2[i] = [u, v];
// biasN[i] += ((0 + u0) + u1 + u2) + u3, biasN2[i] likewise of v, and
// tauN[i] += (0 − p0 − p1 − p2 − p3)·it with p = kbar[i]·k[i]: the
// operations of dualScaleGo in its order, so the same values.
TEXT ·dualScale4AVX2(SB), NOSPLIT, $0-80
	MOVQ    u2+0(FP), DI
	MOVQ    kbar+8(FP), SI
	MOVQ    ybar2+16(FP), DX
	MOVQ    c2+24(FP), AX
	VMOVUPS (AX), X9               // c2
	MOVQ    k+32(FP), R8
	MOVQ    invTau+40(FP), R9
	MOVQ    biasN+48(FP), R10
	MOVQ    biasN2+56(FP), R11
	MOVQ    tauN+64(FP), R12
	MOVQ    n+72(FP), CX
	XORQ    AX, AX                 // neuron
	TESTQ   CX, CX
	JLE     dsdone

dsloop:
	MOVQ         AX, BX
	SHLQ         $4, BX            // byte offset of the neuron's four lanes
	VBROADCASTSS (R9)(AX*4), X3    // it
	VMOVUPS      (SI)(BX*1), X0    // kbar
	VMULPS       X3, X0, X4        // u
	VMULPS       (DX)(BX*1), X9, X5 // c2·ybar2
	VMULPS       X3, X5, X5        // v
	VMULPS       (R8)(BX*1), X0, X8 // p
	VMOVUPS      X4, (DI)(BX*2)
	VMOVUPS      X5, 16(DI)(BX*2)

	// biasN += ((0 + u0) + u1 + u2) + u3, biasN2 likewise of v
	FOLD4(VADDSS, X4)
	VADDSS (R10)(AX*4), X7, X7
	VMOVSS X7, (R10)(AX*4)
	FOLD4(VADDSS, X5)
	VADDSS (R11)(AX*4), X7, X7
	VMOVSS X7, (R11)(AX*4)

	// st = 0 − p0 − p1 − p2 − p3; tauN += st·it
	FOLD4(VSUBSS, X8)
	VMULSS X3, X7, X7
	VADDSS    (R12)(AX*4), X7, X7
	VMOVSS    X7, (R12)(AX*4)

	INCQ AX
	CMPQ AX, CX
	JL   dsloop

dsdone:
	RET
