//go:build !noasm

#include "textflag.h"

// AVX2+FMA kernels over whole vectors of 8 float32; the Go twins in vec.go
// are the reference and do any remainder. Every kernel ends with
// VZEROUPPER.

// Byte offsets of the constant rows of expTab (index·32, see vec.go).
#define LOG2E 0
#define MAGIC 32
#define C1 64
#define C2 96
#define P0 128
#define P1 160
#define P2 192
#define P3 224
#define P4 256
#define P5 288
#define ONE 320
#define TWO 352
#define LO 384
#define TMIN 416
#define ABS 448
#define SIGN 480
#define BIAS 512

// EXPPARTS: for y in Y0 (within [expLo, −expLo] or NaN), Y1 = 2^n and
// Y2 = expm1(r) with y = n·ln2 + r, as exp2n, expReduce and expm1Poly in
// vec.go. R9 points at expTab; clobbers Y3, Y4, Y5.
#define EXPPARTS \
	VMOVUPS      LOG2E(R9), Y1   \ // t = y·log2e + magic
	VFMADD213PS  MAGIC(R9), Y0, Y1 \
	VSUBPS       MAGIC(R9), Y1, Y3 \ // n = t − magic
	VMOVAPS      Y0, Y4          \
	VFNMADD231PS C1(R9), Y3, Y4  \ // r = y − n·c1
	VFNMADD231PS C2(R9), Y3, Y4  \ // r −= n·c2
	VMOVUPS      P0(R9), Y5      \ // P(r), Horner
	VFMADD213PS  P1(R9), Y4, Y5  \
	VFMADD213PS  P2(R9), Y4, Y5  \
	VFMADD213PS  P3(R9), Y4, Y5  \
	VFMADD213PS  P4(R9), Y4, Y5  \
	VFMADD213PS  P5(R9), Y4, Y5  \
	VMULPS       Y4, Y4, Y2      \ // q = P·r² + r
	VFMADD213PS  Y4, Y5, Y2      \
	VPSUBD       BIAS(R9), Y1, Y1 \ // 2^n from the bits of t
	VPSLLD       $23, Y1, Y1

// func sigmoidAVX2(dst, x *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), CX
	LEAQ    ·expTab(SB), R9
	VMOVUPS LO(R9), Y15
	VMOVUPS SIGN(R9), Y14
	VMOVUPS ONE(R9), Y13
	SHLQ    $2, CX
	XORQ    AX, AX

sigmoidLoop:
	VMOVUPS   (SI)(AX*1), Y6      // x
	VORPS     Y14, Y6, Y7         // y = −|x|
	VMAXPS    Y7, Y15, Y0         // max(y, expLo), NaN kept
	EXPPARTS
	VFMADD213PS Y1, Y2, Y1        // e = s·q + s = e^max(y, expLo)
	VCMPPS    $1, Y15, Y7, Y3     // y < expLo
	VANDNPS   Y1, Y3, Y1          // there e = 0
	VADDPS    Y13, Y1, Y2         // 1 + e
	VBLENDVPS Y6, Y1, Y13, Y3     // x < 0 (sign bit): e, else 1
	VDIVPS    Y2, Y3, Y3
	VMOVUPS   Y3, (DI)(AX*1)
	ADDQ      $32, AX
	CMPQ      AX, CX
	JL        sigmoidLoop
	VZEROUPPER
	RET

// func tanhAVX2(dst, x *float32, n int)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), CX
	LEAQ    ·expTab(SB), R9
	VMOVUPS TMIN(R9), Y15
	VMOVUPS SIGN(R9), Y14
	VMOVUPS ONE(R9), Y13
	VMOVUPS TWO(R9), Y12
	VMOVUPS ABS(R9), Y11
	SHLQ    $2, CX
	XORQ    AX, AX

tanhLoop:
	VMOVUPS     (SI)(AX*1), Y6    // x
	VORPS       Y14, Y6, Y7       // −|x|
	VADDPS      Y7, Y7, Y7        // −2|x|
	VMAXPS      Y7, Y15, Y0       // max(−2|x|, tanhMin), NaN kept
	EXPPARTS
	VSUBPS      Y13, Y1, Y3       // s − 1
	VFMADD231PS Y2, Y1, Y3        // m = s·q + (s − 1) = e^−2|x| − 1
	VADDPS      Y12, Y3, Y4       // m + 2
	VDIVPS      Y4, Y3, Y3        // −tanh|x|
	VANDPS      Y11, Y3, Y3       // tanh|x|
	VANDPS      Y14, Y6, Y5       // sign of x
	VORPS       Y5, Y3, Y3
	VMOVUPS     Y3, (DI)(AX*1)
	ADDQ        $32, AX
	CMPQ        AX, CX
	JL          tanhLoop
	VZEROUPPER
	RET

// func reluAVX2(dst, x *float32, n int)
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	SHLQ   $2, CX
	XORQ   AX, AX
	VXORPS Y15, Y15, Y15

reluLoop:
	VMOVUPS (SI)(AX*1), Y0
	VMAXPS  Y0, Y15, Y0           // max(0, x): x when either is NaN or both are zero
	VADDPS  Y15, Y0, Y0           // −0 + 0 = 0, as Go's max(x, 0)
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JL      reluLoop
	VZEROUPPER
	RET

// func addAVX2(dst, x *float32, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ AX, AX

addLoop:
	VMOVUPS (DI)(AX*1), Y0
	VADDPS  (SI)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, CX
	JL      addLoop
	VZEROUPPER
	RET

// func addRowsAVX2(dst, v *float32, rows, batch int)
// batch is a multiple of 8.
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ batch+24(FP), BX
	SHLQ $2, BX

addRowsRow:
	VBROADCASTSS (SI), Y0
	XORQ         AX, AX

addRowsChunk:
	VADDPS  (DI)(AX*1), Y0, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, BX
	JL      addRowsChunk
	ADDQ    BX, DI
	ADDQ    $4, SI
	DECQ    CX
	JNZ     addRowsRow
	VZEROUPPER
	RET

// func relaxRowsAVX2(dst, r, h, w *float32, rows, batch int)
// batch is a multiple of 8.
TEXT ·relaxRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ r+8(FP), SI
	MOVQ h+16(FP), DX
	MOVQ w+24(FP), R8
	MOVQ rows+32(FP), CX
	MOVQ batch+40(FP), BX
	SHLQ $2, BX
	XORQ AX, AX                   // byte offset of the element

relaxRow:
	VBROADCASTSS (R8), Y0
	LEAQ         (AX)(BX*1), R10  // end of the row

relaxChunk:
	VMOVUPS (SI)(AX*1), Y1
	VSUBPS  (DX)(AX*1), Y1, Y1    // r − h
	VMULPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, R10
	JL      relaxChunk
	ADDQ    $4, R8
	DECQ    CX
	JNZ     relaxRow
	VZEROUPPER
	RET

// func axpyPatternAVX2(dst, src, x, coef *float32, n, p int)
// dst = src + coef·x (src may be dst); n and p are multiples of 8, n a
// multiple of p.
TEXT ·axpyPatternAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ coef+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ p+40(FP), R8
	SHLQ $2, CX
	SHLQ $2, R8
	XORQ AX, AX                   // byte offset of the element
	XORQ BX, BX                   // byte offset in the pattern

axpyLoop:
	VMOVUPS     (DX)(BX*1), Y0
	VMOVUPS     (R9)(AX*1), Y1
	VFMADD231PS (SI)(AX*1), Y0, Y1 // src + coef·x
	VMOVUPS     Y1, (DI)(AX*1)
	ADDQ        $32, AX
	ADDQ        $32, BX
	CMPQ        BX, R8
	JL          axpyNext
	XORQ        BX, BX

axpyNext:
	CMPQ AX, CX
	JL   axpyLoop
	VZEROUPPER
	RET

// func errorSq8AVX2(sums *float64, k **float32, c *float64, terms int, y, y1 *float32, rows int, atol, rtol float64)
// Batch 8: the sums of a row's 8 samples sit in Y14 (0-3) and Y15 (4-7),
// the row's errors in Y0 and Y1; c is [terms][8]float64, terms ≥ 1.
TEXT ·errorSq8AVX2(SB), NOSPLIT, $0-72
	MOVQ         sums+0(FP), DI
	MOVQ         k+8(FP), SI
	MOVQ         c+16(FP), DX
	MOVQ         terms+24(FP), R8
	MOVQ         y+32(FP), R10
	MOVQ         y1+40(FP), R11
	MOVQ         rows+48(FP), CX
	VBROADCASTSD atol+56(FP), Y12
	VBROADCASTSD rtol+64(FP), Y13
	LEAQ         ·absTab64(SB), R9
	VMOVUPD      (R9), Y11
	VMOVUPD      (DI), Y14
	VMOVUPD      32(DI), Y15
	SHLQ         $5, CX           // end offset: rows·8 float32
	XORQ         AX, AX           // byte offset of the row

errRow:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   BX, BX                 // term
	MOVQ   DX, R12                // its coefficients

errTerm:
	MOVQ        (SI)(BX*8), R13
	VCVTPS2PD   (R13)(AX*1), Y2
	VCVTPS2PD   16(R13)(AX*1), Y3
	VFMADD231PD (R12), Y2, Y0     // e += c·k
	VFMADD231PD 32(R12), Y3, Y1
	ADDQ        $64, R12
	INCQ        BX
	CMPQ        BX, R8
	JL          errTerm
	VCVTPS2PD   (R10)(AX*1), Y2   // y
	VCVTPS2PD   16(R10)(AX*1), Y3
	VCVTPS2PD   (R11)(AX*1), Y4   // y1
	VCVTPS2PD   16(R11)(AX*1), Y5
	VANDPD      Y11, Y2, Y2
	VANDPD      Y11, Y3, Y3
	VANDPD      Y11, Y4, Y4
	VANDPD      Y11, Y5, Y5
	VMAXPD      Y4, Y2, Y2        // max(|y|, |y1|)
	VMAXPD      Y5, Y3, Y3
	VFMADD213PD Y12, Y13, Y2      // scale = rtol·max + atol
	VFMADD213PD Y12, Y13, Y3
	VDIVPD      Y2, Y0, Y0
	VDIVPD      Y3, Y1, Y1
	VFMADD231PD Y0, Y0, Y14       // sums += (e/scale)²
	VFMADD231PD Y1, Y1, Y15
	ADDQ        $32, AX
	CMPQ        AX, CX
	JL          errRow
	VMOVUPD     Y14, (DI)
	VMOVUPD     Y15, 32(DI)
	VZEROUPPER
	RET
