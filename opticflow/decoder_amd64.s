//go:build !noasm

#include "textflag.h"

// func axpyAVX2(dst, src *float32, a float32, n int)
//
// dst[i] += a·src[i] for i < n, 32 then 8 elements at a time with fused
// multiply-adds, the rest one at a time.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS a+16(FP), Y0
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

block32:
	LEAQ        32(AX), DX
	CMPQ        DX, CX
	JG          block8
	VMOVUPS     (SI)(AX*4), Y1
	VMOVUPS     32(SI)(AX*4), Y2
	VMOVUPS     64(SI)(AX*4), Y3
	VMOVUPS     96(SI)(AX*4), Y4
	VFMADD213PS (DI)(AX*4), Y0, Y1
	VFMADD213PS 32(DI)(AX*4), Y0, Y2
	VFMADD213PS 64(DI)(AX*4), Y0, Y3
	VFMADD213PS 96(DI)(AX*4), Y0, Y4
	VMOVUPS     Y1, (DI)(AX*4)
	VMOVUPS     Y2, 32(DI)(AX*4)
	VMOVUPS     Y3, 64(DI)(AX*4)
	VMOVUPS     Y4, 96(DI)(AX*4)
	MOVQ        DX, AX
	JMP         block32

block8:
	LEAQ        8(AX), DX
	CMPQ        DX, CX
	JG          tail
	VMOVUPS     (SI)(AX*4), Y1
	VFMADD213PS (DI)(AX*4), Y0, Y1
	VMOVUPS     Y1, (DI)(AX*4)
	MOVQ        DX, AX
	JMP         block8

tail:
	CMPQ        AX, CX
	JGE         done
	VMOVSS      (SI)(AX*4), X1
	VFMADD213SS (DI)(AX*4), X0, X1
	VMOVSS      X1, (DI)(AX*4)
	INCQ        AX
	JMP         tail

done:
	VZEROUPPER
	RET

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
