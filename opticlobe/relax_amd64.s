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
