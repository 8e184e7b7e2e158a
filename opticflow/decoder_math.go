package opticflow

import (
	"math"
	"unsafe"

	"github.com/neuropil/neuropil/ode"
)

// softplus is torch's Softplus (beta 1, threshold 20): log(1 + eˣ), and x
// itself above 20. In float32 it is computed by expNeg and log1pUnit, to
// float32 precision at a fraction of math.Exp's and math.Log1p's cost (the
// decoder evaluates it some 10⁶ times a training step); in float64 by the
// math package, to full precision, as the finite-difference tests need.
func softplus[T ode.Float](x T) T {
	if x > 20 { // torch's threshold
		return x
	}
	if unsafe.Sizeof(x) == 4 {
		a := float64(x)
		return T(max(a, 0) + log1pUnit(expNeg(-math.Abs(a))))
	}
	return T(math.Log1p(math.Exp(float64(x))))
}

// sigmoid is 1/(1 + e⁻ˣ), the derivative of softplus; in float32 by
// expNeg, in float64 by the math package.
func sigmoid[T ode.Float](x T) T {
	if unsafe.Sizeof(x) == 4 {
		a := float64(x)
		e := expNeg(-math.Abs(a))
		if a >= 0 {
			return T(1 / (1 + e))
		}
		return T(e / (1 + e))
	}
	return T(1 / (1 + math.Exp(-float64(x))))
}

// expNeg returns eˣ for x ≤ 0 with a relative error below 1e-8 (float32's
// half step is 3e-8): x = n·ln 2 + r with |r| ≤ ln 2 / 2, eʳ by its Taylor
// polynomial of degree 7 (remainder under 8e-9), evaluated in Estrin's
// scheme (a short dependency chain: the decoder calls it in loops), times
// 2ⁿ. Below −745 it returns 0, as eˣ underflows there in float64 too.
func expNeg(x float64) float64 {
	if !(x >= -745) {
		if x != x {
			return x
		}
		return 0
	}
	const ln2Hi, ln2Lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	n := float64(int64(x*math.Log2E - 0.5)) // truncation: n within 1/2 of x/ln 2
	r := x - n*ln2Hi - n*ln2Lo
	r2 := r * r
	p := (1 + r) + r2*(1.0/2+r*(1.0/6)) + r2*r2*((1.0/24+r*(1.0/120))+r2*(1.0/720+r*(1.0/5040)))
	if n < -1022 { // 2ⁿ below the normal range: scale in two steps
		return p * math.Float64frombits(uint64(int64(n)+1022+1023)<<52) * 0x1p-1022
	}
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}

// log1pUnit returns log(1 + e) for 0 ≤ e ≤ 1 with a relative error below
// 2e-8: 2·atanh(s), s = e/(2 + e) ≤ 1/3, by the odd series of atanh to
// s¹³ (remainder under 1.5e-8 relative), in Estrin's scheme. No 1 + e is
// rounded, so small e keep their precision.
func log1pUnit(e float64) float64 {
	s := e / (2 + e)
	q := s * s
	q2 := q * q
	return 2 * s * ((1 + q*(1.0/3)) + q2*(1.0/5+q*(1.0/7)) + q2*q2*((1.0/9+q*(1.0/11))+q2*(1.0/13)))
}

// softplusAffine writes softplus(g·x[i] + b)·m[i] to dst[i] (the decoder's
// hidden activation under its dropout mask m; 0 where m[i] is 0): float32
// in assembly where there is a kernel, else softplusAffineGo. x and m are
// at least as long as dst.
func softplusAffine[T ode.Float](dst, x, m []T, g, b T) {
	x, m = x[:len(dst)], m[:len(dst)]
	done := 0
	if d32, ok := any(dst).([]float32); ok {
		done = softplusAffine32(d32, any(x).([]float32), any(m).([]float32), float32(g), float32(b))
	}
	softplusAffineGo(dst[done:], x[done:], m[done:], g, b)
}

// softplusAffineGo is the plain Go softplusAffine, the kernel's reference.
func softplusAffineGo[T ode.Float](dst, x, m []T, g, b T) {
	for i := range dst {
		if m[i] == 0 { // dropped: no softplus to compute
			dst[i] = 0
			continue
		}
		dst[i] = softplus(affine(g, x[i], b)) * m[i]
	}
}

// sigmoidGrad multiplies gr[i] by m[i]·σ(g·x[i] + b), softplus's
// derivative (0 where m[i] is 0): float32 in assembly where there is a
// kernel, else sigmoidGradGo.
func sigmoidGrad[T ode.Float](gr, x, m []T, g, b T) {
	x, m = x[:len(gr)], m[:len(gr)]
	done := 0
	if g32, ok := any(gr).([]float32); ok {
		done = sigmoidGrad32(g32, any(x).([]float32), any(m).([]float32), float32(g), float32(b))
	}
	sigmoidGradGo(gr[done:], x[done:], m[done:], g, b)
}

// sigmoidGradGo is the plain Go sigmoidGrad, the kernel's reference.
func sigmoidGradGo[T ode.Float](gr, x, m []T, g, b T) {
	for i := range gr {
		if m[i] == 0 { // dropped
			gr[i] = 0
			continue
		}
		gr[i] = gr[i] * m[i] * sigmoid(affine(g, x[i], b))
	}
}

// affine returns g·x + b rounded once, as the kernels' fused multiply-add
// does: in float64, where a float32 product is exact, then rounded to T
// (the arguments' rounding decides the values far below 0, where
// softplus(t) ≈ eᵗ).
func affine[T ode.Float](g, x, b T) T { return T(float64(g)*float64(x) + float64(b)) }
