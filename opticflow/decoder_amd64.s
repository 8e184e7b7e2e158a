//go:build !noasm

#include "textflag.h"

// func dotAVX2(a, b *float32, n int) float32
//
// Σ a[i]·b[i] for i < n: four vector accumulators over blocks of 32, one
// over blocks of 8, summed and reduced across lanes, then the rest one at
// a time.
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ   a+0(FP), DI
	MOVQ   b+8(FP), SI
	MOVQ   n+16(FP), CX
	XORQ   AX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dblock32:
	LEAQ        32(AX), DX
	CMPQ        DX, CX
	JG          dblock8
	VMOVUPS     (SI)(AX*4), Y4
	VMOVUPS     32(SI)(AX*4), Y5
	VMOVUPS     64(SI)(AX*4), Y6
	VMOVUPS     96(SI)(AX*4), Y7
	VFMADD231PS (DI)(AX*4), Y4, Y0
	VFMADD231PS 32(DI)(AX*4), Y5, Y1
	VFMADD231PS 64(DI)(AX*4), Y6, Y2
	VFMADD231PS 96(DI)(AX*4), Y7, Y3
	MOVQ        DX, AX
	JMP         dblock32

dblock8:
	LEAQ        8(AX), DX
	CMPQ        DX, CX
	JG          reduce
	VMOVUPS     (SI)(AX*4), Y4
	VFMADD231PS (DI)(AX*4), Y4, Y0
	MOVQ        DX, AX
	JMP         dblock8

reduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0

dtail:
	CMPQ        AX, CX
	JGE         ddone
	VMOVSS      (SI)(AX*4), X4
	VFMADD231SS (DI)(AX*4), X4, X0
	INCQ        AX
	JMP         dtail

ddone:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dot4AVX2(sums *float32, gr, in *float32, offs *int, n int)
//
// sums[j] = Σ_{p<n} gr[p]·in[p+offs[j]] for the four taps j < 4, n a
// multiple of 8: gr is read once for the four taps, one vector accumulator
// per tap, reduced together at the end by a VHADDPS tree.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ   sums+0(FP), DI
	MOVQ   gr+8(FP), SI
	MOVQ   in+16(FP), R8
	MOVQ   offs+24(FP), R9
	MOVQ   n+32(FP), CX
	MOVQ   (R9), R10
	MOVQ   8(R9), R11
	MOVQ   16(R9), R12
	MOVQ   24(R9), R13
	LEAQ   (R8)(R10*4), R10
	LEAQ   (R8)(R11*4), R11
	LEAQ   (R8)(R12*4), R12
	LEAQ   (R8)(R13*4), R13
	XORQ   AX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

d4loop:
	CMPQ        AX, CX
	JGE         d4reduce
	VMOVUPS     (SI)(AX*4), Y4
	VFMADD231PS (R10)(AX*4), Y4, Y0
	VFMADD231PS (R11)(AX*4), Y4, Y1
	VFMADD231PS (R12)(AX*4), Y4, Y2
	VFMADD231PS (R13)(AX*4), Y4, Y3
	ADDQ        $8, AX
	JMP         d4loop

d4reduce:
	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVUPS      X0, (DI)
	VZEROUPPER
	RET

// func conv2AVX2(out0, out1, in *float32, offs *int, w *float32, nt, n int)
//
// out0[p] += Σ_j w[2j]·in[p+offs[j]] and out1[p] += Σ_j w[2j+1]·in[p+offs[j]]
// for p < n, j < nt: two output rows at once, reading in once for both;
// positions 32 at a time in eight vector accumulators over all taps j (two
// broadcast weights and four loads of in per tap, no stores), then 8 at a
// time, then one at a time; each block's sums are added to the rows once.
TEXT ·conv2AVX2(SB), NOSPLIT, $0-56
	MOVQ out0+0(FP), DI
	MOVQ out1+8(FP), R12
	MOVQ in+16(FP), SI
	MOVQ offs+24(FP), R8
	MOVQ w+32(FP), R9
	MOVQ nt+40(FP), CX
	MOVQ n+48(FP), BX
	XORQ AX, AX

p2block32:
	LEAQ   32(AX), R11
	CMPQ   R11, BX
	JG     p2block8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   DX, DX

p2tap32:
	MOVQ         (R8)(DX*8), R10
	ADDQ         AX, R10
	VBROADCASTSS (R9)(DX*8), Y8
	VBROADCASTSS 4(R9)(DX*8), Y9
	VMOVUPS      (SI)(R10*4), Y10
	VMOVUPS      32(SI)(R10*4), Y11
	VMOVUPS      64(SI)(R10*4), Y12
	VMOVUPS      96(SI)(R10*4), Y13
	VFMADD231PS  Y10, Y8, Y0
	VFMADD231PS  Y11, Y8, Y1
	VFMADD231PS  Y12, Y8, Y2
	VFMADD231PS  Y13, Y8, Y3
	VFMADD231PS  Y10, Y9, Y4
	VFMADD231PS  Y11, Y9, Y5
	VFMADD231PS  Y12, Y9, Y6
	VFMADD231PS  Y13, Y9, Y7
	INCQ         DX
	CMPQ         DX, CX
	JL           p2tap32
	VADDPS       (DI)(AX*4), Y0, Y0
	VADDPS       32(DI)(AX*4), Y1, Y1
	VADDPS       64(DI)(AX*4), Y2, Y2
	VADDPS       96(DI)(AX*4), Y3, Y3
	VMOVUPS      Y0, (DI)(AX*4)
	VMOVUPS      Y1, 32(DI)(AX*4)
	VMOVUPS      Y2, 64(DI)(AX*4)
	VMOVUPS      Y3, 96(DI)(AX*4)
	VADDPS       (R12)(AX*4), Y4, Y4
	VADDPS       32(R12)(AX*4), Y5, Y5
	VADDPS       64(R12)(AX*4), Y6, Y6
	VADDPS       96(R12)(AX*4), Y7, Y7
	VMOVUPS      Y4, (R12)(AX*4)
	VMOVUPS      Y5, 32(R12)(AX*4)
	VMOVUPS      Y6, 64(R12)(AX*4)
	VMOVUPS      Y7, 96(R12)(AX*4)
	MOVQ         R11, AX
	JMP          p2block32

p2block8:
	LEAQ   8(AX), R11
	CMPQ   R11, BX
	JG     p2one
	VXORPS Y0, Y0, Y0
	VXORPS Y4, Y4, Y4
	XORQ   DX, DX

p2tap8:
	MOVQ         (R8)(DX*8), R10
	ADDQ         AX, R10
	VBROADCASTSS (R9)(DX*8), Y8
	VBROADCASTSS 4(R9)(DX*8), Y9
	VMOVUPS      (SI)(R10*4), Y10
	VFMADD231PS  Y10, Y8, Y0
	VFMADD231PS  Y10, Y9, Y4
	INCQ         DX
	CMPQ         DX, CX
	JL           p2tap8
	VADDPS       (DI)(AX*4), Y0, Y0
	VMOVUPS      Y0, (DI)(AX*4)
	VADDPS       (R12)(AX*4), Y4, Y4
	VMOVUPS      Y4, (R12)(AX*4)
	MOVQ         R11, AX
	JMP          p2block8

p2one:
	CMPQ   AX, BX
	JGE    p2done
	VXORPS X0, X0, X0
	VXORPS X4, X4, X4
	XORQ   DX, DX

p2tap1:
	MOVQ        (R8)(DX*8), R10
	ADDQ        AX, R10
	VMOVSS      (SI)(R10*4), X10
	VMOVSS      (R9)(DX*8), X8
	VMOVSS      4(R9)(DX*8), X9
	VFMADD231SS X10, X8, X0
	VFMADD231SS X10, X9, X4
	INCQ        DX
	CMPQ        DX, CX
	JL          p2tap1
	VADDSS      (DI)(AX*4), X0, X0
	VMOVSS      X0, (DI)(AX*4)
	VADDSS      (R12)(AX*4), X4, X4
	VMOVSS      X4, (R12)(AX*4)
	INCQ        AX
	JMP         p2one

p2done:
	VZEROUPPER
	RET
