package ode

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// Method is an explicit Runge–Kutta method as data: its Butcher tableau,
// its embedded error estimate and its continuous extension. All methods,
// fixed-step and adaptive, run through the same stepping code. A
// registered Method must not be modified.
type Method struct {
	Name string      // registry name, lower case: "euler", "rk4", "dopri5", "bosh3"
	Doc  string      // one line for --help, e.g. "Bogacki–Shampine 3(2), adaptive"
	C    []float64   // [stages] nodes c_i
	A    [][]float64 // [stages] row i holds a_i0 … a_i(i−1) (row 0 empty)
	B    []float64   // [stages] weights of the propagated solution
	E    []float64   // [stages] error weights b − b̂; nil: no embedded estimate (fixed steps only)
	FSAL bool        // last stage is f(t+h, y1), i.e. row A[s−1] equals B; reused as the next first stage

	// Order is the order of the propagated solution (euler 1, rk4 4,
	// dopri5 5, bosh3 3): halving a fixed step divides the global error by
	// about 2^Order. The conformance tests hold every method to it.
	Order int

	// ErrorOrder is the order of the error estimate plus one, the
	// controller exponent's denominator: the step changes by
	// safety·r^(−1/ErrorOrder) (dopri5 5, bosh3 3); 0 for fixed-only.
	ErrorOrder int

	// Dense is the continuous extension y(t+θh) = y + h Σ_l w_l(θ) k_l with
	// w_l(θ) = Σ_p Dense[l][p] θ^(p+1); nil: none (then outputs inside a
	// step are not available and an adaptive solve must step onto them).
	Dense [][]float64
}

// Adaptive reports whether m has an embedded error estimate, so that it
// can control its step size.
func (m *Method) Adaptive() bool { return m.E != nil }

// Stages returns the number of stages of m.
func (m *Method) Stages() int { return len(m.B) }

// evaluated returns the number of stages a step evaluates: all of them,
// or all but the last for an FSAL method, whose last stage is the next
// step's first.
func (m *Method) evaluated() int {
	if m.FSAL {
		return len(m.B) - 1
	}
	return len(m.B)
}

// Step-size controller constants: the integral controller of torchode
// (IntegralController, from diffrax): factor = safety·r^(−1/ErrorOrder),
// clipped to [factorMin, factorMax].
const (
	safety    = 0.9
	factorMin = 0.2
	factorMax = 10.0
)

// Accepts reports whether a step with RMS error ratio r is taken: r < 1,
// strictly, as in torchode and SciPy (false for NaN).
func Accepts(r float64) bool { return r < 1 }

// StepFactor is m's integral step-size controller (torchode's
// IntegralController): the factor by which the step size changes after a
// step with RMS error ratio r, safety·r^(−1/ErrorOrder) clipped to
// [0.2, 10], the smallest factor for a NaN or infinite ratio. Whether the
// step is taken is Accepts(r). It panics for a method without an error
// estimate.
func (m *Method) StepFactor(r float64) float64 {
	if m.ErrorOrder <= 0 {
		panic(fmt.Sprintf("ode: StepFactor of %s, which has no error estimate", m.Name))
	}
	return stepFactor(r, m.ErrorOrder)
}

func stepFactor(r float64, order int) float64 {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return factorMin
	case r == 0:
		return factorMax
	}
	return min(factorMax, max(factorMin, safety*math.Pow(r, -1/float64(order))))
}

// registry holds the registered methods by name.
var registry struct {
	sync.RWMutex
	byName map[string]*Method
	names  []string
}

// Register adds m to the methods that Solve, Lookup and Names know. It
// panics on a duplicate name or a malformed table (a programmer mistake):
// rows of A that do not match their stage, nodes that are not the row
// sums of A, weights that do not sum to one, error weights that do not sum
// to zero, an FSAL last row that is not B, a continuous extension that
// does not end at B, an adaptive method that is not FSAL.
func Register(m *Method) {
	if err := m.check(); err != nil {
		panic(fmt.Sprintf("ode: Register %q: %v", m.Name, err))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byName[m.Name]; dup {
		panic(fmt.Sprintf("ode: Register: method %q registered twice", m.Name))
	}
	if registry.byName == nil {
		registry.byName = map[string]*Method{}
	}
	registry.byName[m.Name] = m
	registry.names = append(registry.names, m.Name)
}

// Lookup returns the registered method of that name, ignoring case. The
// error of an unknown name lists the known ones.
func Lookup(name string) (*Method, error) {
	registry.RLock()
	m := registry.byName[strings.ToLower(name)]
	registry.RUnlock()
	if m == nil {
		return nil, fmt.Errorf("unknown solver %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return m, nil
}

// Names returns the registered method names in alphabetical order, a
// fresh slice on each call.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := slices.Clone(registry.names)
	slices.Sort(names)
	return names
}

// CheckMethod returns an error listing the known methods if name is not one.
func CheckMethod(name string) error {
	_, err := Lookup(name)
	return err
}

// tableTol is how far a table's consistency sums may be off: rational
// coefficients rounded to float64 and added up over at most a dozen terms.
const tableTol = 1e-14

// check returns what is malformed in m's table, or nil.
func (m *Method) check() error {
	s := len(m.B)
	switch {
	case m.Name == "" || m.Name != strings.ToLower(m.Name):
		return fmt.Errorf("name must be non-empty and lower case")
	case s == 0 || len(m.C) != s || len(m.A) != s:
		return fmt.Errorf("%d weights, %d nodes and %d rows of A: want equal and non-zero", s, len(m.C), len(m.A))
	case m.Order < 1:
		return fmt.Errorf("order %d: want at least 1", m.Order)
	case m.E != nil && len(m.E) != s:
		return fmt.Errorf("%d error weights for %d stages", len(m.E), s)
	case (m.E != nil) != (m.ErrorOrder > 0):
		return fmt.Errorf("error order %d with %d error weights: an error estimate needs both", m.ErrorOrder, len(m.E))
	case m.Dense != nil && len(m.Dense) != s:
		return fmt.Errorf("%d rows of Dense for %d stages", len(m.Dense), s)
	}
	for i, row := range m.A {
		if len(row) != i {
			return fmt.Errorf("row %d of A has %d entries, want %d", i, len(row), i)
		}
		if c := sumOf(row); math.Abs(c-m.C[i]) > tableTol {
			return fmt.Errorf("node c_%d = %v is not the row sum %v of A", i, m.C[i], c)
		}
	}
	if b := sumOf(m.B); math.Abs(b-1) > tableTol {
		return fmt.Errorf("weights sum to %v, want 1", b)
	}
	if m.E != nil && math.Abs(sumOf(m.E)) > tableTol {
		return fmt.Errorf("error weights sum to %v, want 0", sumOf(m.E))
	}
	if m.FSAL && (s < 2 || m.B[s-1] != 0 || !slices.Equal(m.A[s-1], m.B[:s-1]) || m.C[s-1] != 1) {
		return fmt.Errorf("FSAL: the last row of A must be B, with b_s = 0 and c_s = 1")
	}
	for l, row := range m.Dense {
		if w1 := sumOf(row); math.Abs(w1-m.B[l]) > tableTol {
			return fmt.Errorf("dense weight %d at θ = 1 is %v, want b_%d = %v", l, w1, l, m.B[l])
		}
	}
	if m.E != nil && !m.FSAL {
		return fmt.Errorf("an adaptive method must be FSAL: the adaptive solver reuses the last stage as the next step's first")
	}
	return nil
}

func sumOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// denseWeights writes into w the continuous extension's weights w_l(θ)
// of m, [stages].
func (m *Method) denseWeights(w []float64, th float64) {
	for l, row := range m.Dense {
		v, p := 0.0, th
		for _, c := range row {
			v += c * p
			p *= th
		}
		w[l] = v
	}
}
