package model

import (
	"fmt"
	"math"
	"strings"

	"github.com/neuropil/neuropil/internal/vec"
)

// Activation is one elementwise nonlinearity.
type Activation int

// The known activations, named as in torch.nn (case-insensitive).
const (
	Identity Activation = iota
	Sigmoid
	Tanh
	ReLU
	Softplus  // log(1 + exp(x)), linear above 20 as torch.nn.Softplus
	ELU       // alpha 1
	LeakyReLU // negative slope 0.01, torch's default
)

var activationNames = []string{"identity", "sigmoid", "tanh", "relu", "softplus", "elu", "leakyrelu"}

func (a Activation) String() string { return activationNames[a] }

// Nonlinearity is a chain of activations applied left to right
// ("sigmoid,relu" is relu(sigmoid(z))). The empty chain is the identity.
type Nonlinearity []Activation

// ParseNonlinearity parses a comma-separated, case-insensitive chain of
// activation names. An unknown name is an error that lists the known ones.
func ParseNonlinearity(s string) (Nonlinearity, error) {
	var n Nonlinearity
	for _, part := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		name = strings.ReplaceAll(name, "_", "")
		found := false
		for i, k := range activationNames {
			if name == k {
				n = append(n, Activation(i))
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown nonlinearity %q (known: %s; chain them with commas)", strings.TrimSpace(part), strings.Join(activationNames, ", "))
		}
	}
	return n, nil
}

func (n Nonlinearity) String() string {
	s := make([]string, len(n))
	for i, a := range n {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

// Apply replaces each element of v with phi(v), in place.
func (n Nonlinearity) Apply(v []float32) {
	for _, a := range n {
		a.apply(v)
	}
}

func (a Activation) apply(v []float32) {
	switch a {
	case Identity:
	case Sigmoid:
		vec.Sigmoid(v, v)
	case Tanh:
		vec.Tanh(v, v)
	case ReLU:
		vec.ReLU(v, v)
	case Softplus:
		for i, x := range v {
			if x <= 20 {
				v[i] = float32(math.Log1p(math.Exp(float64(x))))
			}
		}
	case ELU:
		for i, x := range v {
			if x < 0 {
				v[i] = float32(math.Expm1(float64(x)))
			}
		}
	case LeakyReLU:
		for i, x := range v {
			if x < 0 {
				v[i] = 0.01 * x
			}
		}
	}
}

// Derivative returns d phi/dz given z and phi(z) for one activation: what
// backpropagation needs (Slope in float32).
func (a Activation) Derivative(z, y float32) float32 { return Slope(a, z, y) }

// exp32 is exp for float32 with a relative error of about 2 ulp: range
// reduction x = n·ln2 + r with ln2 split in two parts (Cody & Waite), a
// degree-6 minimax polynomial on |r| ≤ ln2/2 (the coefficients of Cephes
// expf), and scaling by 2^n through the exponent bits.
func exp32(x float32) float32 {
	const (
		hi    = 88.72283  // exp(hi) is the largest float32 below +Inf
		lo    = -87.33654 // exp(lo) is the smallest normal float32
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
		magic = 12582912 // 1.5·2^23: adding it rounds to an integer in the low mantissa bits
	)
	if !(x < hi) { // also NaN
		if x != x {
			return x
		}
		return float32(math.Inf(1))
	}
	if x < lo {
		return 0
	}
	t := x*log2e + magic
	n := t - magic
	ni := int32(math.Float32bits(t)) - 0x4B400000
	r := x - n*c1
	r -= n * c2
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(ni+127)<<23)
}

func sigmoid32(x float32) float32 { return 1 / (1 + exp32(-x)) }
