//go:build !noasm

#include "textflag.h"

// The decoder's activation and its derivative, eight values at a time:
// softplus(γx + β) and σ(γx + β), from e = exp(−|γx + β|) (Cephes's expf:
// 2ⁿ times a degree-7 polynomial, e clamped below at exp(−87.34)) and
// log1p(e) = 2·atanh(e/(2 + e)) by its series to the 13th power; within a
// few float32 steps of the exact values (decoder_math_test.go holds them to
// softplus and sigmoid). softplus(t) = max(t, 0) + log1p(e), which above
// t = 20 rounds to t, torch's threshold.
//
// Constants, eight copies each (32 bytes), at offsets: 0 sign bit, 32
// −87.34 (the clamp), 64 log2(e), 96 and 128 ln 2 in two parts, 160–320
// the exponential's polynomial P (highest power first), 352 1, 384 2, 416
// the exponent bias 127 (int32), 448–608 the atanh series' 1/13, 1/11,
// 1/9, 1/7, 1/5, 1/3.
DATA spc<>+0(SB)/4, $0x80000000
DATA spc<>+4(SB)/4, $0x80000000
DATA spc<>+8(SB)/4, $0x80000000
DATA spc<>+12(SB)/4, $0x80000000
DATA spc<>+16(SB)/4, $0x80000000
DATA spc<>+20(SB)/4, $0x80000000
DATA spc<>+24(SB)/4, $0x80000000
DATA spc<>+28(SB)/4, $0x80000000
DATA spc<>+32(SB)/4, $0xc2aeac4f
DATA spc<>+36(SB)/4, $0xc2aeac4f
DATA spc<>+40(SB)/4, $0xc2aeac4f
DATA spc<>+44(SB)/4, $0xc2aeac4f
DATA spc<>+48(SB)/4, $0xc2aeac4f
DATA spc<>+52(SB)/4, $0xc2aeac4f
DATA spc<>+56(SB)/4, $0xc2aeac4f
DATA spc<>+60(SB)/4, $0xc2aeac4f
DATA spc<>+64(SB)/4, $0x3fb8aa3b
DATA spc<>+68(SB)/4, $0x3fb8aa3b
DATA spc<>+72(SB)/4, $0x3fb8aa3b
DATA spc<>+76(SB)/4, $0x3fb8aa3b
DATA spc<>+80(SB)/4, $0x3fb8aa3b
DATA spc<>+84(SB)/4, $0x3fb8aa3b
DATA spc<>+88(SB)/4, $0x3fb8aa3b
DATA spc<>+92(SB)/4, $0x3fb8aa3b
DATA spc<>+96(SB)/4, $0x3f318000
DATA spc<>+100(SB)/4, $0x3f318000
DATA spc<>+104(SB)/4, $0x3f318000
DATA spc<>+108(SB)/4, $0x3f318000
DATA spc<>+112(SB)/4, $0x3f318000
DATA spc<>+116(SB)/4, $0x3f318000
DATA spc<>+120(SB)/4, $0x3f318000
DATA spc<>+124(SB)/4, $0x3f318000
DATA spc<>+128(SB)/4, $0xb95e8083
DATA spc<>+132(SB)/4, $0xb95e8083
DATA spc<>+136(SB)/4, $0xb95e8083
DATA spc<>+140(SB)/4, $0xb95e8083
DATA spc<>+144(SB)/4, $0xb95e8083
DATA spc<>+148(SB)/4, $0xb95e8083
DATA spc<>+152(SB)/4, $0xb95e8083
DATA spc<>+156(SB)/4, $0xb95e8083
DATA spc<>+160(SB)/4, $0x39506967
DATA spc<>+164(SB)/4, $0x39506967
DATA spc<>+168(SB)/4, $0x39506967
DATA spc<>+172(SB)/4, $0x39506967
DATA spc<>+176(SB)/4, $0x39506967
DATA spc<>+180(SB)/4, $0x39506967
DATA spc<>+184(SB)/4, $0x39506967
DATA spc<>+188(SB)/4, $0x39506967
DATA spc<>+192(SB)/4, $0x3ab743ce
DATA spc<>+196(SB)/4, $0x3ab743ce
DATA spc<>+200(SB)/4, $0x3ab743ce
DATA spc<>+204(SB)/4, $0x3ab743ce
DATA spc<>+208(SB)/4, $0x3ab743ce
DATA spc<>+212(SB)/4, $0x3ab743ce
DATA spc<>+216(SB)/4, $0x3ab743ce
DATA spc<>+220(SB)/4, $0x3ab743ce
DATA spc<>+224(SB)/4, $0x3c088908
DATA spc<>+228(SB)/4, $0x3c088908
DATA spc<>+232(SB)/4, $0x3c088908
DATA spc<>+236(SB)/4, $0x3c088908
DATA spc<>+240(SB)/4, $0x3c088908
DATA spc<>+244(SB)/4, $0x3c088908
DATA spc<>+248(SB)/4, $0x3c088908
DATA spc<>+252(SB)/4, $0x3c088908
DATA spc<>+256(SB)/4, $0x3d2aa9c1
DATA spc<>+260(SB)/4, $0x3d2aa9c1
DATA spc<>+264(SB)/4, $0x3d2aa9c1
DATA spc<>+268(SB)/4, $0x3d2aa9c1
DATA spc<>+272(SB)/4, $0x3d2aa9c1
DATA spc<>+276(SB)/4, $0x3d2aa9c1
DATA spc<>+280(SB)/4, $0x3d2aa9c1
DATA spc<>+284(SB)/4, $0x3d2aa9c1
DATA spc<>+288(SB)/4, $0x3e2aaaaa
DATA spc<>+292(SB)/4, $0x3e2aaaaa
DATA spc<>+296(SB)/4, $0x3e2aaaaa
DATA spc<>+300(SB)/4, $0x3e2aaaaa
DATA spc<>+304(SB)/4, $0x3e2aaaaa
DATA spc<>+308(SB)/4, $0x3e2aaaaa
DATA spc<>+312(SB)/4, $0x3e2aaaaa
DATA spc<>+316(SB)/4, $0x3e2aaaaa
DATA spc<>+320(SB)/4, $0x3f000000
DATA spc<>+324(SB)/4, $0x3f000000
DATA spc<>+328(SB)/4, $0x3f000000
DATA spc<>+332(SB)/4, $0x3f000000
DATA spc<>+336(SB)/4, $0x3f000000
DATA spc<>+340(SB)/4, $0x3f000000
DATA spc<>+344(SB)/4, $0x3f000000
DATA spc<>+348(SB)/4, $0x3f000000
DATA spc<>+352(SB)/4, $0x3f800000
DATA spc<>+356(SB)/4, $0x3f800000
DATA spc<>+360(SB)/4, $0x3f800000
DATA spc<>+364(SB)/4, $0x3f800000
DATA spc<>+368(SB)/4, $0x3f800000
DATA spc<>+372(SB)/4, $0x3f800000
DATA spc<>+376(SB)/4, $0x3f800000
DATA spc<>+380(SB)/4, $0x3f800000
DATA spc<>+384(SB)/4, $0x40000000
DATA spc<>+388(SB)/4, $0x40000000
DATA spc<>+392(SB)/4, $0x40000000
DATA spc<>+396(SB)/4, $0x40000000
DATA spc<>+400(SB)/4, $0x40000000
DATA spc<>+404(SB)/4, $0x40000000
DATA spc<>+408(SB)/4, $0x40000000
DATA spc<>+412(SB)/4, $0x40000000
DATA spc<>+416(SB)/4, $0x0000007f
DATA spc<>+420(SB)/4, $0x0000007f
DATA spc<>+424(SB)/4, $0x0000007f
DATA spc<>+428(SB)/4, $0x0000007f
DATA spc<>+432(SB)/4, $0x0000007f
DATA spc<>+436(SB)/4, $0x0000007f
DATA spc<>+440(SB)/4, $0x0000007f
DATA spc<>+444(SB)/4, $0x0000007f
DATA spc<>+448(SB)/4, $0x3d9d89d9
DATA spc<>+452(SB)/4, $0x3d9d89d9
DATA spc<>+456(SB)/4, $0x3d9d89d9
DATA spc<>+460(SB)/4, $0x3d9d89d9
DATA spc<>+464(SB)/4, $0x3d9d89d9
DATA spc<>+468(SB)/4, $0x3d9d89d9
DATA spc<>+472(SB)/4, $0x3d9d89d9
DATA spc<>+476(SB)/4, $0x3d9d89d9
DATA spc<>+480(SB)/4, $0x3dba2e8c
DATA spc<>+484(SB)/4, $0x3dba2e8c
DATA spc<>+488(SB)/4, $0x3dba2e8c
DATA spc<>+492(SB)/4, $0x3dba2e8c
DATA spc<>+496(SB)/4, $0x3dba2e8c
DATA spc<>+500(SB)/4, $0x3dba2e8c
DATA spc<>+504(SB)/4, $0x3dba2e8c
DATA spc<>+508(SB)/4, $0x3dba2e8c
DATA spc<>+512(SB)/4, $0x3de38e39
DATA spc<>+516(SB)/4, $0x3de38e39
DATA spc<>+520(SB)/4, $0x3de38e39
DATA spc<>+524(SB)/4, $0x3de38e39
DATA spc<>+528(SB)/4, $0x3de38e39
DATA spc<>+532(SB)/4, $0x3de38e39
DATA spc<>+536(SB)/4, $0x3de38e39
DATA spc<>+540(SB)/4, $0x3de38e39
DATA spc<>+544(SB)/4, $0x3e124925
DATA spc<>+548(SB)/4, $0x3e124925
DATA spc<>+552(SB)/4, $0x3e124925
DATA spc<>+556(SB)/4, $0x3e124925
DATA spc<>+560(SB)/4, $0x3e124925
DATA spc<>+564(SB)/4, $0x3e124925
DATA spc<>+568(SB)/4, $0x3e124925
DATA spc<>+572(SB)/4, $0x3e124925
DATA spc<>+576(SB)/4, $0x3e4ccccd
DATA spc<>+580(SB)/4, $0x3e4ccccd
DATA spc<>+584(SB)/4, $0x3e4ccccd
DATA spc<>+588(SB)/4, $0x3e4ccccd
DATA spc<>+592(SB)/4, $0x3e4ccccd
DATA spc<>+596(SB)/4, $0x3e4ccccd
DATA spc<>+600(SB)/4, $0x3e4ccccd
DATA spc<>+604(SB)/4, $0x3e4ccccd
DATA spc<>+608(SB)/4, $0x3eaaaaab
DATA spc<>+612(SB)/4, $0x3eaaaaab
DATA spc<>+616(SB)/4, $0x3eaaaaab
DATA spc<>+620(SB)/4, $0x3eaaaaab
DATA spc<>+624(SB)/4, $0x3eaaaaab
DATA spc<>+628(SB)/4, $0x3eaaaaab
DATA spc<>+632(SB)/4, $0x3eaaaaab
DATA spc<>+636(SB)/4, $0x3eaaaaab
GLOBL spc<>(SB), RODATA|NOPTR, $640

// EXPNEG writes e = exp(−|t|) to Y3 for t in Y0 (Y1, Y2, Y4, Y5
// scratch): a = max(−|t|, −87.34); a = n·ln 2 + r (Cephes's two-part
// ln 2); e = 2ⁿ·(1 + r + r²·P(r)), P of degree 5.
#define EXPNEG \
	VORPS        spc<>+0(SB), Y0, Y1 \
	VMAXPS       spc<>+32(SB), Y1, Y1 \
	VMULPS       spc<>+64(SB), Y1, Y2 \
	VROUNDPS     $0, Y2, Y2 \
	VFNMADD231PS spc<>+96(SB), Y2, Y1 \
	VFNMADD231PS spc<>+128(SB), Y2, Y1 \
	VMOVUPS      spc<>+160(SB), Y3 \
	VFMADD213PS  spc<>+192(SB), Y1, Y3 \
	VFMADD213PS  spc<>+224(SB), Y1, Y3 \
	VFMADD213PS  spc<>+256(SB), Y1, Y3 \
	VFMADD213PS  spc<>+288(SB), Y1, Y3 \
	VFMADD213PS  spc<>+320(SB), Y1, Y3 \
	VMULPS       Y1, Y1, Y4 \
	VFMADD213PS  Y1, Y4, Y3 \
	VADDPS       spc<>+352(SB), Y3, Y3 \
	VCVTPS2DQ    Y2, Y5 \
	VPADDD       spc<>+416(SB), Y5, Y5 \
	VPSLLD       $23, Y5, Y5 \
	VMULPS       Y5, Y3, Y3


// func softplusAffineAVX2(dst, x, m *float32, n int, gamma, beta float32)
//
// dst[i] = softplus(gamma·x[i] + beta)·m[i] for i < n (n a multiple of 8),
// exactly 0 where m[i] is 0 and NaN where gamma·x[i] + beta is.
TEXT ·softplusAffineAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS gamma+32(FP), Y15
	VBROADCASTSS beta+36(FP), Y14
	VXORPS       Y13, Y13, Y13
	XORQ         AX, AX

sploop:
	CMPQ         AX, CX
	JGE          spdone
	VMOVUPS      (SI)(AX*4), Y0
	VFMADD213PS  Y14, Y15, Y0
	EXPNEG
	VADDPS       spc<>+384(SB), Y3, Y4
	VDIVPS       Y4, Y3, Y4
	VMULPS       Y4, Y4, Y5
	VMOVUPS      spc<>+448(SB), Y6
	VFMADD213PS  spc<>+480(SB), Y5, Y6
	VFMADD213PS  spc<>+512(SB), Y5, Y6
	VFMADD213PS  spc<>+544(SB), Y5, Y6
	VFMADD213PS  spc<>+576(SB), Y5, Y6
	VFMADD213PS  spc<>+608(SB), Y5, Y6
	VFMADD213PS  spc<>+352(SB), Y5, Y6
	VMULPS       Y4, Y6, Y6
	VADDPS       Y6, Y6, Y6
	VMAXPS       Y13, Y0, Y7
	VADDPS       Y6, Y7, Y7
	VMOVUPS      (DX)(AX*4), Y8
	VMULPS       Y8, Y7, Y7
	VCMPPS       $4, Y13, Y8, Y9
	VANDPS       Y9, Y7, Y7
	VCMPPS       $3, Y0, Y0, Y9
	VORPS        Y9, Y7, Y7
	VMOVUPS      Y7, (DI)(AX*4)
	ADDQ         $8, AX
	JMP          sploop

spdone:
	VZEROUPPER
	RET

// func sigmoidGradAVX2(gr, x, m *float32, n int, gamma, beta float32)
//
// gr[i] = gr[i]·m[i]·σ(gamma·x[i] + beta) for i < n (n a multiple of 8),
// exactly 0 where m[i] is 0 and NaN where gamma·x[i] + beta is;
// σ(t) = num/(1 + e), num 1 for t ≥ 0 and e below.
TEXT ·sigmoidGradAVX2(SB), NOSPLIT, $0-40
	MOVQ         gr+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS gamma+32(FP), Y15
	VBROADCASTSS beta+36(FP), Y14
	VXORPS       Y13, Y13, Y13
	XORQ         AX, AX

sgloop:
	CMPQ         AX, CX
	JGE          sgdone
	VMOVUPS      (SI)(AX*4), Y0
	VFMADD213PS  Y14, Y15, Y0
	EXPNEG
	VCMPPS       $13, Y13, Y0, Y6
	VMOVUPS      spc<>+352(SB), Y7
	VSUBPS       Y3, Y7, Y8
	VANDPS       Y6, Y8, Y8
	VADDPS       Y3, Y8, Y8
	VADDPS       Y3, Y7, Y7
	VDIVPS       Y7, Y8, Y8
	VMOVUPS      (DX)(AX*4), Y9
	VMOVUPS      (DI)(AX*4), Y10
	VMULPS       Y9, Y10, Y10
	VMULPS       Y8, Y10, Y10
	VCMPPS       $4, Y13, Y9, Y11
	VANDPS       Y11, Y10, Y10
	VCMPPS       $3, Y0, Y0, Y11
	VORPS        Y11, Y10, Y10
	VMOVUPS      Y10, (DI)(AX*4)
	ADDQ         $8, AX
	JMP          sgloop

sgdone:
	VZEROUPPER
	RET
