package analysis

import "math"

// Half rounds x to the nearest IEEE 754 binary16 (float16) value, ties
// to even, as NumPy's and PyTorch's float32 → float16 conversion does:
// subnormals below 2⁻¹⁴ on the grid of 2⁻²⁴, values whose rounding
// passes 65504, the largest float16, to ±Inf, NaN and ±Inf as they are,
// the sign of zero kept. For x a float32, or the float64 result of an
// addition, subtraction, multiplication or division of float16 values,
// this is the value float16 arithmetic gives (rounding such a result to
// float32 first, as NumPy and PyTorch do, changes nothing: their
// precision is more than twice float16's plus two bits).
func Half(x float64) float64 {
	const (
		drop = 52 - 10 // float64 mantissa bits below float16's 10
		bias = 1023
	)
	b := math.Float64bits(x)
	e := int(b>>52&0x7ff) - bias
	switch {
	case e > 15: // beyond 65504 (or ±Inf, NaN)
		if e == 0x7ff-bias {
			return x
		}
		return math.Copysign(math.Inf(1), x)
	case e < -14: // float16 subnormals (or zero): the grid of 2^-24, exact scaling
		return math.Copysign(math.RoundToEven(math.Abs(x)*(1<<24))/(1<<24), x)
	}
	b += 1<<(drop-1) - 1 + b>>drop&1 // round to nearest, ties to even; a carry moves to the exponent
	b &^= 1<<drop - 1
	if int(b>>52&0x7ff)-bias > 15 {
		return math.Copysign(math.Inf(1), x)
	}
	return math.Float64frombits(b)
}
