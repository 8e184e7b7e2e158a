package ode_test

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/ode"
)

// Solve dy/dt = −y for two samples with bosh3 and read the state at t = 1.
func ExampleSolve() {
	p := ode.Problem[float64]{
		F: func(dydt, y []float64, _ []float64) {
			for i := range y {
				dydt[i] = -y[i]
			}
		},
		Dim: 1, Batch: 2, Y0: []float64{1, 2}, T0: 0, T1: 1, Times: []float64{1},
	}
	out := make([]float64, 2) // [times][batch][dim]
	if _, err := ode.Solve(out, p, ode.Settings{Method: "bosh3", Rtol: 1e-8, Atol: 1e-10}); err != nil {
		panic(err)
	}
	fmt.Printf("%.6f %.6f (exact %.6f %.6f)\n", out[0], out[1], math.Exp(-1), 2*math.Exp(-1))
	// Output: 0.367879 0.735759 (exact 0.367879 0.735759)
}

// One rk4 step of dy/dt = λy and its derivative with respect to y,
// which for this linear problem is the step's amplification factor.
func ExampleStepper_Adjoint() {
	m, _ := ode.Lookup("rk4")
	const lambda = -2.0
	s := ode.NewStepper[float64](m, 1, 1)
	y, y1, h := []float64{1}, []float64{0}, []float64{0.1}
	s.Step(y1, y, []float64{0}, h, func(_ int, k, y []float64, _ []float64) { k[0] = lambda * y[0] })
	ybar := []float64{1} // ∂L/∂y1 for L = y1
	s.Adjoint(ybar, h, func(_ int, dst, kbar []float64) { dst[0] = lambda * kbar[0] })
	z := lambda * h[0]
	fmt.Printf("y1 = %.8f, dy1/dy = %.8f, 1 + z + z²/2 + z³/6 + z⁴/24 = %.8f\n", y1[0], ybar[0], 1+z+z*z/2+z*z*z/6+z*z*z*z/24)
	// Output: y1 = 0.81873333, dy1/dy = 0.81873333, 1 + z + z²/2 + z³/6 + z⁴/24 = 0.81873333
}

// The registered methods, as --solver lists them.
func ExampleNames() {
	for _, name := range ode.Names() {
		m, _ := ode.Lookup(name)
		fmt.Printf("%s: %s\n", m.Name, m.Doc)
	}
	// Output:
	// bosh3: Bogacki–Shampine 3(2), adaptive
	// dopri5: Dormand–Prince 5(4), adaptive (the default)
	// euler: explicit Euler, first order, fixed steps
	// rk4: classic Runge–Kutta, fourth order, fixed steps
}
