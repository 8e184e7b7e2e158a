//go:build !noasm

#include "textflag.h"

// func back8AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)
//
// Rows [r0, r1) of the fused backward kernel backRows (kernels.go) for
// batch 8: for each row j of Aᵀ (a presynaptic neuron) and each entry kt
// (synapse j → i = col[kt]):
//
//	dst[j][0:8] = Σ_kt val[kt] * gz[i][0:8]
//	gw[kt]     += Σ_b gz[i][b] * y[j][b]
//
// Registers: DI dst, R13 gw, SI rowPtr, R8 col, R9 val, R10 gz, CX y,
// R11 row, R12 r1, AX entry, BX end of row, DX byte offset of a row.
// Y0 accumulates dst's row, Y1 holds y's row, Y2 the gathered gz row.
TEXT ·back8AVX2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ gw+8(FP), R13
	MOVQ rowPtr+16(FP), SI
	MOVQ col+24(FP), R8
	MOVQ val+32(FP), R9
	MOVQ gz+40(FP), R10
	MOVQ y+48(FP), CX
	MOVQ r0+56(FP), R11
	MOVQ r1+64(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	MOVQ    R11, DX
	SHLQ    $5, DX
	VMOVUPS (CX)(DX*1), Y1
	VXORPS  Y0, Y0, Y0
	CMPQ    AX, BX
	JGE     store

entry:
	MOVLQSX      (R8)(AX*4), DX
	SHLQ         $5, DX
	VMOVUPS      (R10)(DX*1), Y2
	VBROADCASTSS (R9)(AX*4), Y3
	VFMADD231PS  Y2, Y3, Y0
	VMULPS       Y2, Y1, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPS       X5, X4, X4
	VHADDPS      X4, X4, X4
	VHADDPS      X4, X4, X4
	VADDSS       (R13)(AX*4), X4, X4
	VMOVSS       X4, (R13)(AX*4)
	INCQ         AX
	CMPQ         AX, BX
	JL           entry

store:
	MOVQ    R11, DX
	SHLQ    $5, DX
	VMOVUPS Y0, (DI)(DX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET
