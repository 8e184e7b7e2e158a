package ode

// The registered methods. Each is one table value and one Register call;
// the solvers read nothing else about a method.

func init() {
	Register(&Method{
		Name: "euler", Doc: "explicit Euler, first order, fixed steps",
		C: []float64{0}, A: [][]float64{{}}, B: []float64{1}, Order: 1,
	})
	Register(&Method{
		Name: "rk4", Doc: "classic Runge–Kutta, fourth order, fixed steps",
		C:     []float64{0, 0.5, 0.5, 1},
		A:     [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
		B:     []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
		Order: 4,
	})
	Register(dopri5Method())
	// Bogacki & Shampine, "A 3(2) pair of Runge–Kutta formulas", Appl.
	// Math. Lett. 2 (1989): third-order solution, second-order embedded
	// b̂ = 7/24, 1/4, 1/3, 1/8. Its continuous extension is the cubic
	// Hermite interpolant through y0, f0, y1, f1 (that of torchode and
	// diffrax), written as stage weights: with y1 − y0 = h Σ b_l k_l,
	// w_l(θ) = b_l(3θ² − 2θ³) + [l=1](θ − 2θ² + θ³) + [l=4](θ³ − θ²).
	Register(&Method{
		Name: "bosh3", Doc: "Bogacki–Shampine 3(2), adaptive",
		C:    []float64{0, 0.5, 0.75, 1},
		A:    [][]float64{{}, {0.5}, {0, 0.75}, {2.0 / 9, 1.0 / 3, 4.0 / 9}},
		B:    []float64{2.0 / 9, 1.0 / 3, 4.0 / 9, 0},
		E:    []float64{2.0/9 - 7.0/24, 1.0/3 - 1.0/4, 4.0/9 - 1.0/3, -1.0 / 8},
		FSAL: true, Order: 3, ErrorOrder: 3,
		Dense: [][]float64{
			{1, 3*2.0/9 - 2, 1 - 2*2.0/9},
			{0, 3 * 1.0 / 3, -2 * 1.0 / 3},
			{0, 3 * 4.0 / 9, -2 * 4.0 / 9},
			{0, -1, 1},
		},
	})
}

// dopri5Method returns Dormand–Prince 5(4) (Dormand & Prince 1980;
// Hairer, Nørsett & Wanner, Solving ODEs I, table 5.2). The seventh stage
// is evaluated at the new state (first same as last), so an accepted step
// costs six right-hand-side evaluations. Its continuous extension is
// Hairer's fourth-order one (DOPRI5's CONTD5): with θ' = 1 − θ,
// w_l = b_l(θ − θθ' + 2θ²θ') + [l=1]θθ'² − [l=7]θ²θ' + d_l θ²θ'²,
// expanded here into powers of θ.
func dopri5Method() *Method {
	b := []float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}
	d := []float64{-12715105075.0 / 11282082432, 0, 87487479700.0 / 32700410799,
		-10690763975.0 / 1880347072, 701980252875.0 / 199316789632,
		-1453857185.0 / 822651844, 69997945.0 / 29380423}
	dense := make([][]float64, len(b))
	for l := range dense {
		first, last := 0.0, 0.0
		switch l {
		case 0:
			first = 1
		case len(b) - 1:
			last = 1
		}
		// b(3θ² − 2θ³) + first·(θ − 2θ² + θ³) − last·(θ² − θ³) + d(θ² − 2θ³ + θ⁴)
		dense[l] = []float64{first, 3*b[l] - 2*first - last + d[l], -2*b[l] + first + last - 2*d[l], d[l]}
	}
	return &Method{
		Name: "dopri5", Doc: "Dormand–Prince 5(4), adaptive (the default)",
		C: []float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
		A: [][]float64{
			{},
			{1.0 / 5},
			{3.0 / 40, 9.0 / 40},
			{44.0 / 45, -56.0 / 15, 32.0 / 9},
			{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
			{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
			b[:6],
		},
		B:    b,
		E:    []float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40},
		FSAL: true, Order: 5, ErrorOrder: 5,
		Dense: dense,
	}
}
