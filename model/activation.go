package model

import (
	"math"

	"github.com/neuropil/neuropil/ode"
)

// ApplyTo replaces each element of v with a(v), in place, in the element
// type of v: float32 through the vector kernels of Nonlinearity.Apply,
// float64 in float64 math (for finite-difference checks).
func ApplyTo[T ode.Float](a Activation, v []T) {
	if v32, ok := any(v).([]float32); ok {
		a.apply(v32)
		return
	}
	for i, x := range v {
		f := float64(x)
		switch a {
		case Sigmoid:
			f = 1 / (1 + math.Exp(-f))
		case Tanh:
			f = math.Tanh(f)
		case ReLU:
			f = max(f, 0)
		case Softplus:
			if f <= 20 {
				f = math.Log1p(math.Exp(f))
			}
		case ELU:
			if f < 0 {
				f = math.Expm1(f)
			}
		case LeakyReLU:
			if f < 0 {
				f *= 0.01
			}
		}
		v[i] = T(f)
	}
}

// Slope returns d a(z)/dz given z and y = a(z): what backpropagation
// through the activation needs, in the element type of z.
func Slope[T ode.Float](a Activation, z, y T) T {
	switch a {
	case Sigmoid:
		return y * (1 - y)
	case Tanh:
		return 1 - y*y
	case ReLU:
		if z > 0 {
			return 1
		}
		return 0
	case Softplus:
		if z > 20 {
			return 1
		}
		if z32, ok := any(z).(float32); ok {
			return T(sigmoid32(z32))
		}
		return T(1 / (1 + math.Exp(-float64(z))))
	case ELU:
		if z < 0 {
			return y + 1
		}
		return 1
	case LeakyReLU:
		if z < 0 {
			return 0.01
		}
		return 1
	}
	return 1
}
