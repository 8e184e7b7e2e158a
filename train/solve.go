package train

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/ode"
)

// Solve chooses how the forward pass integrates and where the loss is
// taken. The zero value means 20 euler steps over [0, 1] with the loss on
// the state at 1.
type Solve struct {
	Method string  // "euler" (default), "rk4" or "dopri5"
	Steps  int     // fixed-step methods: number of steps over [T0, T1]; 0: 20 (unless Dt)
	Dt     float64 // fixed-step methods: step size, used when Steps is 0
	T0, T1 float64 // integration interval; both 0: [0, 1]

	// Evals output times are evenly spaced over [T0, T1] with both ends
	// (one time, T1, when Evals is 1). 0: 1, or with LossAll Steps+1 for a
	// fixed-step method (every step's end) and 20 for dopri5. Steps never
	// straddle an output time.
	Evals   int
	LossAll bool // average the loss over the output times after T0; false: the last one only

	Atol, Rtol float64 // dopri5 tolerances; 0: 1e-6 and 1e-3 (torchode, bioplnn)
	MaxSteps   int     // dopri5 step budget per sample (accepted + rejected); 0: 100000
	Shared     bool    // dopri5: one step size for the whole batch

	// StoreZ keeps every stage's pre-activation in the forward pass (fixed
	// methods only), so the backward pass recomputes no sparse product.
	StoreZ bool
}

// tableau is an explicit Runge–Kutta method.
type tableau struct {
	a [][]float64 // stage i input: y + h Σ_l a[i][l] k_l
	b []float64   // step: y + h Σ_i b[i] k_i
}

var (
	eulerTab = tableau{a: [][]float64{{}}, b: []float64{1}}
	rk4Tab   = tableau{a: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}}, b: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}}
	// dopri5Tab holds Dormand–Prince's stages 1–6 and fifth-order weights;
	// dpE7 and dpErr complete it for the adaptive forward pass.
	dopri5Tab = tableau{
		a: [][]float64{{}, {1.0 / 5}, {3.0 / 40, 9.0 / 40}, {44.0 / 45, -56.0 / 15, 32.0 / 9},
			{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
			{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656}},
		b: []float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	// dpErr is b − b̂ of Dormand–Prince for stages 1–7 (stage 7 = f(y1)).
	dpErr = []float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40}
)

// Methods lists the solvers that training supports.
var Methods = []string{"euler", "rk4", "dopri5"}

// resolved is a checked Solve with defaults filled in.
type resolved struct {
	Solve
	tab    *tableau
	times  []float64
	adapt  bool
	replay bool // take the steps of the previous pass (checks only)
}

func (s Solve) resolve() (resolved, error) {
	r := resolved{Solve: s}
	switch strings.ToLower(s.Method) {
	case "", "euler":
		r.tab = &eulerTab
	case "rk4":
		r.tab = &rk4Tab
	case "dopri5":
		r.tab = &dopri5Tab
		r.adapt = s.Steps == 0 && s.Dt == 0
	default:
		return r, fmt.Errorf("unknown solver %q (known: %s)", s.Method, strings.Join(Methods, ", "))
	}
	if r.T0 == 0 && r.T1 == 0 {
		r.T1 = 1
	}
	if !(r.T1 > r.T0) || math.IsInf(r.T1-r.T0, 0) {
		return r, fmt.Errorf("solve interval [%v, %v] is empty or infinite", r.T0, r.T1)
	}
	if r.Steps < 0 || r.Dt < 0 || math.IsNaN(r.Dt) || r.Evals < 0 || r.MaxSteps < 0 {
		return r, fmt.Errorf("solve: negative steps %d, dt %v, evals %d or step budget %d", r.Steps, r.Dt, r.Evals, r.MaxSteps)
	}
	if !r.adapt && r.Steps == 0 && r.Dt == 0 {
		r.Steps = 20
	}
	if r.adapt {
		r.StoreZ = false
		if r.Atol == 0 {
			r.Atol = ode.DefaultAtol
		}
		if r.Rtol == 0 {
			r.Rtol = ode.DefaultRtol
		}
		if r.MaxSteps == 0 {
			r.MaxSteps = ode.DefaultMaxSteps
		}
		if !(r.Atol >= 0 && r.Rtol >= 0) || r.Atol+r.Rtol == 0 {
			return r, fmt.Errorf("dopri5: tolerances atol %v, rtol %v must be non-negative and not both zero", r.Atol, r.Rtol)
		}
	}
	if r.Evals == 0 {
		switch {
		case !r.LossAll:
			r.Evals = 1
		case r.adapt:
			r.Evals = 20
		case r.Steps > 0:
			r.Evals = r.Steps + 1
		default:
			r.Evals = int(math.Round((r.T1-r.T0)/r.Dt)) + 1
		}
	}
	r.times = ode.Linspace(r.T0, r.T1, r.Evals)
	return r, nil
}

// fixedGrid returns the step sizes of a fixed-step method: each interval
// between marks (output times after T0, and T1) is cut into equal steps no
// longer than the requested step, as ode.Solve does; and for each output
// time the index of the step end that lands on it (0: T0).
func (r *resolved) fixedGrid() (hs []float64, outAt []int) {
	dt := r.Dt
	if r.Steps > 0 {
		dt = (r.T1 - r.T0) / float64(r.Steps)
	}
	marks := append(slices.Clone(r.times), r.T1)
	slices.Sort(marks)
	marks = slices.Compact(marks)
	outAt = make([]int, len(r.times))
	t := r.T0
	for _, target := range marks {
		span := target - t
		if span > 0 {
			n := int(math.Ceil(span/dt - 1e-9))
			for range n {
				hs = append(hs, span/float64(n))
			}
			t = target
		}
		for e, te := range r.times {
			if te == target && te > r.T0 {
				outAt[e] = len(hs)
			}
		}
	}
	return hs, outAt
}
