//go:build !noasm

#include "textflag.h"

// func grad8AVX2(dst1, dst2 *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1, mode int)
//
// Rows [r0, r1) of the fused kernel MulGradRowsTo (grad.go) for batch 8:
// for each row j of Aᵀ (a presynaptic neuron) and each entry kt (synapse
// j → i = col[kt]):
//
//	d[0:8]  = Σ_kt val[kt] * gz[i][0:8]
//	gw[kt] += Σ_b gz[i][b] * y[j][b]
//
// mode 0 (MulGradRowsTo): y's rows have eight lanes, dst1[j] = d. mode 1
// (MulGradDualReluRowsTo): y's rows have four lanes, standing for eight
// whose upper four are zero (the gradient reads gz's first four lanes),
// and relu's adjoint minus the identity is applied as the row is stored:
// dst1[j] = [y[j] > 0]·d[0:4] − gz[j][0:4], dst2[j] = [y[j] > 0]·d[4:8] −
// gz[j][4:8], the Go reference's operations.
//
// Entries go eight at a time: the eight products gz[i]⊙y[j] are reduced
// together by a transpose-and-add tree (six VHADDPS, two VPERM2F128) into
// one vector of eight sums added to gw[kt:kt+8], instead of a horizontal
// sum and a scalar read-modify-write per entry; the rest of a row goes one
// entry at a time. The streams (col, val, gw) are prefetched 512 entries
// ahead, as in the product's kernels (kernel_amd64.s).
//
// Registers: DI dst1, R13 gw, SI rowPtr, R8 col, R9 val, R10 gz, CX y,
// R11 row, R12 r1, R14 mode, AX entry, BX end of row, R15 last start of a
// block of eight, DX byte offset of a row. Y0 and Y12 accumulate d, Y1
// holds y's row, Y2 the gathered gz row, Y3 the broadcast weight, Y4–Y11
// the eight products.

// One entry of a block: gather gz's row, accumulate into acc, product into p.
#define ENTRY(off, acc, p) \
	MOVLQSX      off(R8)(AX*4), DX \
	SHLQ         $5, DX \
	VMOVUPS      (R10)(DX*1), Y2 \
	VBROADCASTSS off(R9)(AX*4), Y3 \
	VFMADD231PS  Y2, Y3, acc \
	VMULPS       Y2, Y1, p

TEXT ·grad8AVX2(SB), NOSPLIT, $0-88
	MOVQ dst1+0(FP), DI
	MOVQ gw+16(FP), R13
	MOVQ rowPtr+24(FP), SI
	MOVQ col+32(FP), R8
	MOVQ val+40(FP), R9
	MOVQ gz+48(FP), R10
	MOVQ y+56(FP), CX
	MOVQ r0+64(FP), R11
	MOVQ r1+72(FP), R12
	MOVQ mode+80(FP), R14
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	MOVQ    R11, DX
	TESTQ   R14, R14
	JNZ     yhalf
	SHLQ    $5, DX
	VMOVUPS (CX)(DX*1), Y1
	JMP     yread

yhalf:
	SHLQ    $4, DX
	VMOVUPS (CX)(DX*1), X1           // four lanes, the upper four zeroed

yread:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y12, Y12, Y12
	LEAQ    -8(BX), R15
	CMPQ    AX, R15
	JG      entry1

block8:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	PREFETCHT0 2048(R13)(AX*4)
	ENTRY(0, Y0, Y4)
	ENTRY(4, Y12, Y5)
	ENTRY(8, Y0, Y6)
	ENTRY(12, Y12, Y7)
	ENTRY(16, Y0, Y8)
	ENTRY(20, Y12, Y9)
	ENTRY(24, Y0, Y10)
	ENTRY(28, Y12, Y11)
	VHADDPS    Y5, Y4, Y4
	VHADDPS    Y7, Y6, Y6
	VHADDPS    Y9, Y8, Y8
	VHADDPS    Y11, Y10, Y10
	VHADDPS    Y6, Y4, Y4
	VHADDPS    Y10, Y8, Y8
	VPERM2F128 $0x20, Y8, Y4, Y5
	VPERM2F128 $0x31, Y8, Y4, Y6
	VADDPS     Y6, Y5, Y5
	VADDPS     (R13)(AX*4), Y5, Y5
	VMOVUPS    Y5, (R13)(AX*4)
	ADDQ       $8, AX
	CMPQ       AX, R15
	JLE        block8

entry1:
	CMPQ         AX, BX
	JGE          store
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
	JMP          entry1

store:
	VADDPS  Y12, Y0, Y0
	MOVQ    R11, DX
	SHLQ    $5, DX
	TESTQ   R14, R14
	JNZ     storeRelu
	VMOVUPS Y0, (DI)(DX*1)
	JMP     next

storeRelu:
	VXORPS       X2, X2, X2
	VCMPPS       $14, X2, X1, X3     // y > 0 (false for NaN)
	VINSERTF128  $1, X3, Y3, Y3      // for both halves
	VANDPS       Y3, Y0, Y0
	VSUBPS       (R10)(DX*1), Y0, Y0 // − gz's own row j
	SHRQ         $1, DX
	VMOVUPS      X0, (DI)(DX*1)
	MOVQ         dst2+8(FP), BX
	VEXTRACTF128 $1, Y0, (BX)(DX*1)

next:
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// func grad4AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)
//
// grad8AVX2 for batch 4, in 128-bit registers: a row of gz or y is one
// register. Entries go four at a time: the four products gz[i]⊙y[j] are
// reduced together by three VHADDPS into one vector of four sums added to
// gw[kt:kt+4]; the rest of a row goes one entry at a time.
//
// Registers as grad8AVX2's: X0 and X12 accumulate dst's row, X1 holds y's
// row, X2 the gathered gz row, X3 the broadcast weight, X4–X7 the four
// products.

// One entry of a block of four.
#define ENTRY4(off, acc, p) \
	MOVLQSX      off(R8)(AX*4), DX \
	SHLQ         $4, DX \
	VMOVUPS      (R10)(DX*1), X2 \
	VBROADCASTSS off(R9)(AX*4), X3 \
	VFMADD231PS  X2, X3, acc \
	VMULPS       X2, X1, p

TEXT ·grad4AVX2(SB), NOSPLIT, $0-72
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
	JGE  done4

row4:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	MOVQ    R11, DX
	SHLQ    $4, DX
	VMOVUPS (CX)(DX*1), X1
	VXORPS  X0, X0, X0
	VXORPS  X12, X12, X12
	LEAQ    -4(BX), R15
	CMPQ    AX, R15
	JG      entry4

block4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	PREFETCHT0 2048(R13)(AX*4)
	ENTRY4(0, X0, X4)
	ENTRY4(4, X12, X5)
	ENTRY4(8, X0, X6)
	ENTRY4(12, X12, X7)
	VHADDPS X5, X4, X4
	VHADDPS X7, X6, X6
	VHADDPS X6, X4, X4
	VADDPS  (R13)(AX*4), X4, X4
	VMOVUPS X4, (R13)(AX*4)
	ADDQ    $4, AX
	CMPQ    AX, R15
	JLE     block4

entry4:
	CMPQ         AX, BX
	JGE          store4
	MOVLQSX      (R8)(AX*4), DX
	SHLQ         $4, DX
	VMOVUPS      (R10)(DX*1), X2
	VBROADCASTSS (R9)(AX*4), X3
	VFMADD231PS  X2, X3, X0
	VMULPS       X2, X1, X4
	VHADDPS      X4, X4, X4
	VHADDPS      X4, X4, X4
	VADDSS       (R13)(AX*4), X4, X4
	VMOVSS       X4, (R13)(AX*4)
	INCQ         AX
	JMP          entry4

store4:
	VADDPS  X12, X0, X0
	MOVQ    R11, DX
	SHLQ    $4, DX
	VMOVUPS X0, (DI)(DX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row4

done4:
	VZEROUPPER
	RET
