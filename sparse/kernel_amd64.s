//go:build !noasm

#include "textflag.h"

// Batched CSR product kernels for amd64. Every kernel computes rows
// [r0, r1) of dst = A·x with dst [rows][batch] and x [cols][batch]; the
// plain Go loop each one follows is mulRowsGeneric in mul.go. Registers
// shared by all kernels:
//
//	DI dst   SI rowPtr   R8 colIdx   R9 val   R10 x   R11 row   R12 r1
//	AX k (entry)   BX end of row   CX loop bound   DX column offset
//
// Each row sums its entries into several independent accumulators (to hide
// the FMA latency) that are added at the end of the row, so results differ
// from the reference only by float32 rounding.
//
// Every main loop prefetches the index and value streams 512 entries
// ahead. The hardware prefetcher alone does not keep these two streams
// ahead of the loop, whose random reads of x hold most of the core's
// outstanding misses: on the default connectome at batch 8 (AMD EPYC,
// 2 threads) the product took 2.1 ms without and 1.4 ms with. The
// distance matters little between 256 and 2048 entries, nor the hint
// (T0, T1 and NTA measured within noise of each other).

// ---------------------------------------------------------------- batch 1

// One entry into scalar accumulator acc.
#define NNZ1(off, acc) \
	MOVL         off(R8)(AX*4), DX \
	VMOVSS       off(R9)(AX*4), X8 \
	VFMADD231SS  (R10)(DX*4), X8, acc

// func rows1FMA(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
TEXT ·rows1FMA(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  X0, X0, X0
	VXORPS  X1, X1, X1
	VXORPS  X2, X2, X2
	VXORPS  X3, X3, X3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ1(0, X0)
	NNZ1(4, X1)
	NNZ1(8, X2)
	NNZ1(12, X3)
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	NNZ1(0, X0)
	INCQ AX
	JMP  tail

store:
	VADDSS X1, X0, X0
	VADDSS X3, X2, X2
	VADDSS X2, X0, X0
	VMOVSS X0, (DI)(R11*4)
	INCQ   R11
	CMPQ   R11, R12
	JL     row

done:
	RET

// ---------------------------------------------------------------- batch 8

// One entry: acc += val[k] * x[col][0:8] (one ymm).
#define NNZ8(off, acc) \
	MOVL         off(R8)(AX*4), DX \
	SHLQ         $5, DX \
	VBROADCASTSS off(R9)(AX*4), Y8 \
	VFMADD231PS  (R10)(DX*1), Y8, acc

// func rows8AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
TEXT ·rows8AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ8(0, Y0)
	NNZ8(4, Y1)
	NNZ8(8, Y2)
	NNZ8(12, Y3)
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	NNZ8(0, Y0)
	INCQ AX
	JMP  tail

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, CX
	SHLQ    $5, CX
	VMOVUPS Y0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// --------------------------------------------------------------- batch 4

// One entry, one xmm: acc += val[k] * x[col][0:4].
#define NNZ4(off, acc) \
	MOVL         off(R8)(AX*4), DX \
	SHLQ         $4, DX \
	VBROADCASTSS off(R9)(AX*4), X8 \
	VFMADD231PS  (R10)(DX*1), X8, acc

// func rows4AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
//
// rows8AVX2 at batch 4 (the optic lobe's training batch): a row of x is
// one 128-bit register; four accumulators over entries four at a time.
TEXT ·rows4AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done4

row4:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  X0, X0, X0
	VXORPS  X1, X1, X1
	VXORPS  X2, X2, X2
	VXORPS  X3, X3, X3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail4

loop4x4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ4(0, X0)
	NNZ4(4, X1)
	NNZ4(8, X2)
	NNZ4(12, X3)
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4x4

tail4:
	CMPQ AX, BX
	JGE  store4
	NNZ4(0, X0)
	INCQ AX
	JMP  tail4

store4:
	VADDPS  X1, X0, X0
	VADDPS  X3, X2, X2
	VADDPS  X2, X0, X0
	MOVQ    R11, CX
	SHLQ    $4, CX
	VMOVUPS X0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row4

done4:
	VZEROUPPER
	RET

// --------------------------------------------------------------- batch 16

// One entry, two ymm: (a, b) += val[k] * x[col][0:16].
#define NNZ16Y(off, a, b) \
	MOVL         off(R8)(AX*4), DX \
	SHLQ         $6, DX \
	VBROADCASTSS off(R9)(AX*4), Y8 \
	VFMADD231PS  (R10)(DX*1), Y8, a \
	VFMADD231PS  32(R10)(DX*1), Y8, b

// func rows16AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
TEXT ·rows16AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	LEAQ    -2(BX), CX
	CMPQ    AX, CX
	JG      tail

loop2:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ16Y(0, Y0, Y1)
	NNZ16Y(4, Y2, Y3)
	ADDQ $2, AX
	CMPQ AX, CX
	JLE  loop2

tail:
	CMPQ AX, BX
	JGE  store
	NNZ16Y(0, Y0, Y1)
	INCQ AX
	JMP  tail

store:
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	MOVQ    R11, CX
	SHLQ    $6, CX
	VMOVUPS Y0, (DI)(CX*1)
	VMOVUPS Y1, 32(DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// One entry, one zmm: acc += val[k] * x[col][0:16].
#define NNZ16Z(off, acc) \
	MOVL         off(R8)(AX*4), DX \
	SHLQ         $6, DX \
	VBROADCASTSS off(R9)(AX*4), Z8 \
	VFMADD231PS  (R10)(DX*1), Z8, acc

// func rows16AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
TEXT ·rows16AVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ16Z(0, Z0)
	NNZ16Z(4, Z1)
	NNZ16Z(8, Z2)
	NNZ16Z(12, Z3)
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	NNZ16Z(0, Z0)
	INCQ AX
	JMP  tail

store:
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z2, Z0, Z0
	MOVQ    R11, CX
	SHLQ    $6, CX
	VMOVUPS Z0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// --------------------------------------------------------------- batch 32

// One entry, four ymm: (a, b, c, d) += val[k] * x[col][0:32].
#define NNZ32Y(off, a, b, c, d) \
	MOVL         off(R8)(AX*4), DX \
	SHLQ         $7, DX \
	VBROADCASTSS off(R9)(AX*4), Y8 \
	VFMADD231PS  (R10)(DX*1), Y8, a \
	VFMADD231PS  32(R10)(DX*1), Y8, b \
	VFMADD231PS  64(R10)(DX*1), Y8, c \
	VFMADD231PS  96(R10)(DX*1), Y8, d

// func rows32AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
TEXT ·rows32AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7
	LEAQ    -2(BX), CX
	CMPQ    AX, CX
	JG      tail

loop2:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ32Y(0, Y0, Y1, Y2, Y3)
	NNZ32Y(4, Y4, Y5, Y6, Y7)
	ADDQ $2, AX
	CMPQ AX, CX
	JLE  loop2

tail:
	CMPQ AX, BX
	JGE  store
	NNZ32Y(0, Y0, Y1, Y2, Y3)
	INCQ AX
	JMP  tail

store:
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  Y6, Y2, Y2
	VADDPS  Y7, Y3, Y3
	MOVQ    R11, CX
	SHLQ    $7, CX
	VMOVUPS Y0, (DI)(CX*1)
	VMOVUPS Y1, 32(DI)(CX*1)
	VMOVUPS Y2, 64(DI)(CX*1)
	VMOVUPS Y3, 96(DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// One entry, two zmm: (a, b) += val[k] * x[col][0:32].
#define NNZ32Z(off, a, b) \
	MOVL         off(R8)(AX*4), DX \
	SHLQ         $7, DX \
	VBROADCASTSS off(R9)(AX*4), Z8 \
	VFMADD231PS  (R10)(DX*1), Z8, a \
	VFMADD231PS  64(R10)(DX*1), Z8, b

// func rows32AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
TEXT ·rows32AVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	LEAQ    -2(BX), CX
	CMPQ    AX, CX
	JG      tail

loop2:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZ32Z(0, Z0, Z1)
	NNZ32Z(4, Z2, Z3)
	ADDQ $2, AX
	CMPQ AX, CX
	JLE  loop2

tail:
	CMPQ AX, BX
	JGE  store
	NNZ32Z(0, Z0, Z1)
	INCQ AX
	JMP  tail

store:
	VADDPS  Z2, Z0, Z0
	VADDPS  Z3, Z1, Z1
	MOVQ    R11, CX
	SHLQ    $7, CX
	VMOVUPS Z0, (DI)(CX*1)
	VMOVUPS Z1, 64(DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// ---------------------------------------------------------- any batch

// The general kernels walk the batch in chunks of vector width: for each
// row and chunk they sum the row's entries into the chunk's lanes. The
// row's indices and values are re-read from L1 for each chunk. Extra
// registers: R13 x + chunk offset, R14 batch*4 (bytes per x row),
// R15 lanes left, CX the row's first entry.

// One entry, zmm lanes under mask K1: acc += val[k] * x[col][chunk].
#define NNZNZ(off, acc) \
	MOVL         off(R8)(AX*4), DX \
	IMULQ        R14, DX \
	VBROADCASTSS off(R9)(AX*4), Z8 \
	VFMADD231PS  (R13)(DX*1), Z8, K1, acc

// func rowsNAVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, batch, lanes, r0, r1 int, tail uint16)
//
// It computes lanes ≤ batch lanes of each row (rows are batch floats apart
// in dst and x); tail masks the last chunk of lanes.
TEXT ·rowsNAVX512(SB), NOSPLIT, $0-74
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ batch+40(FP), R14
	SHLQ $2, R14
	MOVQ r0+56(FP), R11
	MOVQ r1+64(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVQ lanes+48(FP), R15
	MOVQ R10, R13

chunk:
	MOVQ  $0xffff, DX
	KMOVW DX, K1
	CMPQ  R15, $16
	JGE   full
	KMOVW tail+72(FP), K1

full:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZNZ(0, Z0)
	NNZNZ(4, Z1)
	NNZNZ(8, Z2)
	NNZNZ(12, Z3)
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	NNZNZ(0, Z0)
	INCQ AX
	JMP  tail

store:
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z2, Z0, Z0
	MOVQ    R11, DX
	IMULQ   R14, DX
	ADDQ    DI, DX
	ADDQ    R13, DX
	SUBQ    R10, DX
	VMOVUPS Z0, K1, (DX)
	ADDQ    $64, R13
	SUBQ    $16, R15
	JG      chunk
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// func rows128AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, stride, r0, r1 int)
//
// 128 lanes of each row at once, for batches of 64 and more: dst[i][0:128] =
// Σ val[k]·x[col][0:128] with rows stride floats apart, in eight zmm
// accumulators. Each entry reads 512 contiguous bytes of x instead of one
// 64-byte chunk per pass of rowsNAVX512, and a pass over the rows touches
// only these 128 lanes of x, so that at batch 256 each pass's share of x
// (24 MB at the default size) stays in L3. Registers: R14 stride in bytes,
// DX the entry's x row, DI the current dst row.
TEXT ·rows128AVX512(SB), NOSPLIT, $0-64
	MOVQ  dst+0(FP), DI
	MOVQ  rowPtr+8(FP), SI
	MOVQ  colIdx+16(FP), R8
	MOVQ  val+24(FP), R9
	MOVQ  x+32(FP), R10
	MOVQ  stride+40(FP), R14
	SHLQ  $2, R14
	MOVQ  r0+48(FP), R11
	MOVQ  r1+56(FP), R12
	CMPQ  R11, R12
	JGE   done
	MOVQ  R11, CX
	IMULQ R14, CX
	ADDQ  CX, DI

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	VXORPS  Z4, Z4, Z4
	VXORPS  Z5, Z5, Z5
	VXORPS  Z6, Z6, Z6
	VXORPS  Z7, Z7, Z7
	CMPQ    AX, BX
	JGE     store

loop1:
	PREFETCHT0   2048(R8)(AX*4)
	PREFETCHT0   2048(R9)(AX*4)
	MOVLQSX      (R8)(AX*4), DX
	IMULQ        R14, DX
	ADDQ         R10, DX
	VBROADCASTSS (R9)(AX*4), Z8
	VFMADD231PS  (DX), Z8, Z0
	VFMADD231PS  64(DX), Z8, Z1
	VFMADD231PS  128(DX), Z8, Z2
	VFMADD231PS  192(DX), Z8, Z3
	VFMADD231PS  256(DX), Z8, Z4
	VFMADD231PS  320(DX), Z8, Z5
	VFMADD231PS  384(DX), Z8, Z6
	VFMADD231PS  448(DX), Z8, Z7
	INCQ         AX
	CMPQ         AX, BX
	JL           loop1

store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	VMOVUPS Z4, 256(DI)
	VMOVUPS Z5, 320(DI)
	VMOVUPS Z6, 384(DI)
	VMOVUPS Z7, 448(DI)
	ADDQ    R14, DI
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// func rows64AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, stride, r0, r1 int)
//
// rows128AVX512 for 64 lanes, in four zmm accumulators.
TEXT ·rows64AVX512(SB), NOSPLIT, $0-64
	MOVQ  dst+0(FP), DI
	MOVQ  rowPtr+8(FP), SI
	MOVQ  colIdx+16(FP), R8
	MOVQ  val+24(FP), R9
	MOVQ  x+32(FP), R10
	MOVQ  stride+40(FP), R14
	SHLQ  $2, R14
	MOVQ  r0+48(FP), R11
	MOVQ  r1+56(FP), R12
	CMPQ  R11, R12
	JGE   done
	MOVQ  R11, CX
	IMULQ R14, CX
	ADDQ  CX, DI

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	CMPQ    AX, BX
	JGE     store

loop1:
	PREFETCHT0   2048(R8)(AX*4)
	PREFETCHT0   2048(R9)(AX*4)
	MOVLQSX      (R8)(AX*4), DX
	IMULQ        R14, DX
	ADDQ         R10, DX
	VBROADCASTSS (R9)(AX*4), Z8
	VFMADD231PS  (DX), Z8, Z0
	VFMADD231PS  64(DX), Z8, Z1
	VFMADD231PS  128(DX), Z8, Z2
	VFMADD231PS  192(DX), Z8, Z3
	INCQ         AX
	CMPQ         AX, BX
	JL           loop1

store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    R14, DI
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// One entry, full ymm chunk: acc += val[k] * x[col][chunk].
#define NNZNY(off, acc) \
	MOVL         off(R8)(AX*4), DX \
	IMULQ        R14, DX \
	VBROADCASTSS off(R9)(AX*4), Y8 \
	VFMADD231PS  (R13)(DX*1), Y8, acc

// func rowsNAVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, batch, r0, r1 int, mask *int32)
TEXT ·rowsNAVX2(SB), NOSPLIT, $0-72
	MOVQ    dst+0(FP), DI
	MOVQ    rowPtr+8(FP), SI
	MOVQ    colIdx+16(FP), R8
	MOVQ    val+24(FP), R9
	MOVQ    x+32(FP), R10
	MOVQ    batch+40(FP), R14
	SHLQ    $2, R14
	MOVQ    r0+48(FP), R11
	MOVQ    r1+56(FP), R12
	MOVQ    mask+64(FP), DX
	VMOVDQU (DX), Y15
	CMPQ    R11, R12
	JGE     done

row:
	MOVQ batch+40(FP), R15
	MOVQ R10, R13

chunk:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	CMPQ    R15, $8
	JL      partial
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	NNZNY(0, Y0)
	NNZNY(4, Y1)
	NNZNY(8, Y2)
	NNZNY(12, Y3)
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	NNZNY(0, Y0)
	INCQ AX
	JMP  tail

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, DX
	IMULQ   R14, DX
	ADDQ    DI, DX
	ADDQ    R13, DX
	SUBQ    R10, DX
	VMOVUPS Y0, (DX)
	ADDQ    $32, R13
	SUBQ    $8, R15
	JG      chunk
	JMP     next

	// The last chunk has fewer than 8 lanes: masked loads and store, so
	// nothing past the end of a row of x or dst is touched.
partial:
	CMPQ         AX, BX
	JGE          pstore
	MOVL         (R8)(AX*4), DX
	IMULQ        R14, DX
	VMASKMOVPS   (R13)(DX*1), Y15, Y9
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS  Y9, Y8, Y0
	INCQ         AX
	JMP          partial

pstore:
	MOVQ       R11, DX
	IMULQ      R14, DX
	ADDQ       DI, DX
	ADDQ       R13, DX
	SUBQ       R10, DX
	VMASKMOVPS Y0, Y15, (DX)

next:
	INCQ R11
	CMPQ R11, R12
	JL   row

done:
	VZEROUPPER
	RET

// --------------------------------------------- batch 1, AVX-512 gathers

// func rows1AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)
//
// Sixteen entries at a time: their columns are loaded as a vector, x is
// gathered at those columns and multiplied by the values; the 16 lanes are
// summed at the end of the row. The last group of a row is masked.
TEXT ·rows1AVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	MOVQ $0xffff, R13
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	LEAQ    -16(BX), R15
	CMPQ    AX, R15
	JG      tail

loop16:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 2048(R9)(AX*4)
	KMOVW       R13, K2
	VMOVDQU32   (R8)(AX*4), Z9
	VGATHERDPS  (R10)(Z9*4), K2, Z10
	VFMADD231PS (R9)(AX*4), Z10, Z0
	ADDQ        $16, AX
	CMPQ        AX, R15
	JLE         loop16

tail:
	MOVQ        BX, CX
	SUBQ        AX, CX
	JLE         reduce
	MOVQ        $1, DX
	SHLQ        CX, DX
	DECQ        DX
	KMOVW       DX, K1
	KMOVW       DX, K2
	VMOVDQU32.Z (R8)(AX*4), K1, Z9
	VXORPS      Z10, Z10, Z10
	VGATHERDPS  (R10)(Z9*4), K2, Z10
	VFMADD231PS (R9)(AX*4), Z10, K1, Z1

reduce:
	VADDPS        Z1, Z0, Z0
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VMOVSS        X0, (DI)(R11*4)
	INCQ          R11
	CMPQ          R11, R12
	JL            row

done:
	VZEROUPPER
	RET

// ------------------------------------- batch 8, narrow encodings
//
// Generated by the same pattern as rows8AVX2: the weight is widened on
// the fly (bf16: a 16-bit broadcast shifted into the top half of each
// lane; f16: VCVTPH2PS), and with 16-bit indices the row walks its
// segments, R12 = x + 32·segBase[s], R15 = s, R13 segStart, R14 segBase.

// func rows8BF16AVX2(dst *float32, rowPtr *int32, colIdx *int32, val16 *uint16, x *float32, r0, r1 int)
TEXT ·rows8BF16AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val16+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 1024(R9)(AX*2)
	MOVL         0(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y0
	MOVL         4(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 2(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y1
	MOVL         8(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 4(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y2
	MOVL         12(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 6(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	MOVL         0(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y0
	INCQ AX
	JMP  tail

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, CX
	SHLQ    $5, CX
	VMOVUPS Y0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// func rows8F16AVX2(dst *float32, rowPtr *int32, colIdx *int32, val16 *uint16, x *float32, r0, r1 int)
TEXT ·rows8F16AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ rowPtr+8(FP), SI
	MOVQ colIdx+16(FP), R8
	MOVQ val16+24(FP), R9
	MOVQ x+32(FP), R10
	MOVQ r0+40(FP), R11
	MOVQ r1+48(FP), R12
	CMPQ R11, R12
	JGE  done

row:
	MOVLQSX (SI)(R11*4), AX
	MOVLQSX 4(SI)(R11*4), BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 2048(R8)(AX*4)
	PREFETCHT0 1024(R9)(AX*2)
	MOVL         0(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y0
	MOVL         4(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 2(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y1
	MOVL         8(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 4(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y2
	MOVL         12(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 6(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  store
	MOVL         0(R8)(AX*4), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R10)(DX*1), Y8, Y0
	INCQ AX
	JMP  tail

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, CX
	SHLQ    $5, CX
	VMOVUPS Y0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, R12
	JL      row

done:
	VZEROUPPER
	RET

// func rows8SegF32AVX2(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *float32, x *float32, r0, r1 int)
TEXT ·rows8SegF32AVX2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ segPtr+8(FP), SI
	MOVQ segStart+16(FP), R13
	MOVQ segBase+24(FP), R14
	MOVQ off+32(FP), R8
	MOVQ val+40(FP), R9
	MOVQ x+48(FP), R10
	MOVQ r0+56(FP), R11
	CMPQ R11, r1+64(FP)
	JGE  done

row:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	MOVLQSX (SI)(R11*4), R15

seg:
	CMPL    R15, 4(SI)(R11*4)
	JGE     store
	MOVLQSX (R14)(R15*4), R12
	SHLQ    $5, R12
	ADDQ    R10, R12
	MOVLQSX (R13)(R15*4), AX
	MOVLQSX 4(R13)(R15*4), BX
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 1024(R8)(AX*2)
	PREFETCHT0 2048(R9)(AX*4)
	MOVWLZX      0(R8)(AX*2), DX
	SHLQ         $5, DX
	VBROADCASTSS 0(R9)(AX*4), Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y0
	MOVWLZX      2(R8)(AX*2), DX
	SHLQ         $5, DX
	VBROADCASTSS 4(R9)(AX*4), Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y1
	MOVWLZX      4(R8)(AX*2), DX
	SHLQ         $5, DX
	VBROADCASTSS 8(R9)(AX*4), Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y2
	MOVWLZX      6(R8)(AX*2), DX
	SHLQ         $5, DX
	VBROADCASTSS 12(R9)(AX*4), Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  next
	MOVWLZX      0(R8)(AX*2), DX
	SHLQ         $5, DX
	VBROADCASTSS 0(R9)(AX*4), Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y0
	INCQ AX
	JMP  tail

next:
	INCQ R15
	JMP  seg

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, CX
	SHLQ    $5, CX
	VMOVUPS Y0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, r1+64(FP)
	JL      row

done:
	VZEROUPPER
	RET

// func rows8SegBF16AVX2(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *uint16, x *float32, r0, r1 int)
TEXT ·rows8SegBF16AVX2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ segPtr+8(FP), SI
	MOVQ segStart+16(FP), R13
	MOVQ segBase+24(FP), R14
	MOVQ off+32(FP), R8
	MOVQ val+40(FP), R9
	MOVQ x+48(FP), R10
	MOVQ r0+56(FP), R11
	CMPQ R11, r1+64(FP)
	JGE  done

row:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	MOVLQSX (SI)(R11*4), R15

seg:
	CMPL    R15, 4(SI)(R11*4)
	JGE     store
	MOVLQSX (R14)(R15*4), R12
	SHLQ    $5, R12
	ADDQ    R10, R12
	MOVLQSX (R13)(R15*4), AX
	MOVLQSX 4(R13)(R15*4), BX
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 1024(R8)(AX*2)
	PREFETCHT0 1024(R9)(AX*2)
	MOVWLZX      0(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y0
	MOVWLZX      2(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 2(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y1
	MOVWLZX      4(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 4(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y2
	MOVWLZX      6(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 6(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  next
	MOVWLZX      0(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), Y8
	VPSLLD       $16, Y8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y0
	INCQ AX
	JMP  tail

next:
	INCQ R15
	JMP  seg

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, CX
	SHLQ    $5, CX
	VMOVUPS Y0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, r1+64(FP)
	JL      row

done:
	VZEROUPPER
	RET

// func rows8SegF16AVX2(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *uint16, x *float32, r0, r1 int)
TEXT ·rows8SegF16AVX2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ segPtr+8(FP), SI
	MOVQ segStart+16(FP), R13
	MOVQ segBase+24(FP), R14
	MOVQ off+32(FP), R8
	MOVQ val+40(FP), R9
	MOVQ x+48(FP), R10
	MOVQ r0+56(FP), R11
	CMPQ R11, r1+64(FP)
	JGE  done

row:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	MOVLQSX (SI)(R11*4), R15

seg:
	CMPL    R15, 4(SI)(R11*4)
	JGE     store
	MOVLQSX (R14)(R15*4), R12
	SHLQ    $5, R12
	ADDQ    R10, R12
	MOVLQSX (R13)(R15*4), AX
	MOVLQSX 4(R13)(R15*4), BX
	LEAQ    -4(BX), CX
	CMPQ    AX, CX
	JG      tail

loop4:
	PREFETCHT0 1024(R8)(AX*2)
	PREFETCHT0 1024(R9)(AX*2)
	MOVWLZX      0(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y0
	MOVWLZX      2(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 2(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y1
	MOVWLZX      4(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 4(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y2
	MOVWLZX      6(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 6(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JLE  loop4

tail:
	CMPQ AX, BX
	JGE  next
	MOVWLZX      0(R8)(AX*2), DX
	SHLQ         $5, DX
	VPBROADCASTW 0(R9)(AX*2), X8
	VCVTPH2PS    X8, Y8
	VFMADD231PS  (R12)(DX*1), Y8, Y0
	INCQ AX
	JMP  tail

next:
	INCQ R15
	JMP  seg

store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	MOVQ    R11, CX
	SHLQ    $5, CX
	VMOVUPS Y0, (DI)(CX*1)
	INCQ    R11
	CMPQ    R11, r1+64(FP)
	JL      row

done:
	VZEROUPPER
	RET
