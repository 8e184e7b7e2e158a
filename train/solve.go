package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/neuropil/neuropil/ode"
)

// Solve chooses how the forward pass integrates and where the loss is
// taken. The zero value means 20 euler steps over [0, 1] with the loss on
// the state at 1.
type Solve struct {
	Method string  // a method registered in package ode (ode.Names); "": euler
	Steps  int     // fixed steps: number of steps over [T0, T1]; 0: 20 (unless Dt), or adaptive steps for an adaptive method
	Dt     float64 // fixed steps: step size, used when Steps is 0
	T0, T1 float64 // integration interval; both 0: [0, 1]

	// Evals output times are evenly spaced over [T0, T1] with both ends
	// (one time, T1, when Evals is 1). 0: 1, or with LossAll Steps+1 for a
	// fixed-step method (every step's end) and 20 for an adaptive one. Steps never
	// straddle an output time.
	Evals   int
	LossAll bool // average the loss over the output times after T0; false: the last one only

	Atol, Rtol float64 // adaptive tolerances; 0: 1e-6 and 1e-3 (torchode, bioplnn)
	MaxSteps   int     // step budget per sample (adaptive: accepted + rejected); 0: 100000
	Shared     bool    // adaptive: one step size for the whole batch

	// Frames > 1: the input is a movie, x [frames][batch][inputs], frame
	// k held over [T0 + k·(T1−T0)/Frames, T0 + (k+1)·(T1−T0)/Frames); the
	// model must be a model.Framed and the method fixed-step, and no step
	// straddles a frame change. 0 or 1: one constant input.
	Frames int

	// StoreZ keeps every stage's pre-activation in the forward pass (fixed
	// methods only), so the backward pass recomputes no sparse product.
	StoreZ bool
}

// resolved is a checked Solve with defaults filled in.
type resolved struct {
	Solve
	method *ode.Method
	times  []float64
	adapt  bool
	replay bool // take the steps of the previous pass (checks only)
}

func (s Solve) resolve() (resolved, error) {
	r := resolved{Solve: s}
	name := s.Method
	if name == "" {
		name = "euler"
	}
	m, err := ode.Lookup(name)
	if err != nil {
		return r, err
	}
	r.method = m
	r.adapt = m.Adaptive() && s.Steps == 0 && s.Dt == 0
	if r.T0 == 0 && r.T1 == 0 {
		r.T1 = 1
	}
	if !(r.T1 > r.T0) || math.IsInf(r.T1-r.T0, 0) {
		return r, fmt.Errorf("solve interval [%v, %v] is empty or infinite", r.T0, r.T1)
	}
	if r.Steps < 0 || r.Dt < 0 || math.IsNaN(r.Dt) || r.Evals < 0 || r.MaxSteps < 0 {
		return r, fmt.Errorf("solve: negative steps %d, dt %v, evals %d or step budget %d", r.Steps, r.Dt, r.Evals, r.MaxSteps)
	}
	if r.Frames < 0 || (r.Frames > 1 && r.adapt) {
		return r, fmt.Errorf("solve: %d input frames need a fixed-step method (not adaptive %s)", r.Frames, m.Name)
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
			return r, fmt.Errorf("%s: tolerances atol %v, rtol %v must be non-negative and not both zero", m.Name, r.Atol, r.Rtol)
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

// fixedGrid returns the step sizes of a fixed-step method (ode.FixedGrid
// with the output times after T0 as marks) and for each output time the
// number of steps taken when it is reached (0: T0).
func (r *resolved) fixedGrid() (hs []float64, outAt []int, err error) {
	marks := slices.Clone(r.times)
	if r.Frames > 1 {
		marks = append(marks, ode.FrameBreaks(r.T0, r.T1, r.Frames)...)
	}
	slices.Sort(marks)
	marks = slices.Compact(marks)
	hs, at, err := ode.FixedGrid(r.T0, r.T1, marks, r.Steps, r.Dt, r.MaxSteps)
	if err != nil {
		return nil, nil, err
	}
	outAt = make([]int, len(r.times))
	for e, te := range r.times {
		outAt[e] = at[slices.Index(marks, te)]
	}
	return hs, outAt, nil
}

// frameOf returns the input frame in force during the step [t, t+h].
func (r *resolved) frameOf(t, h float64) int {
	return ode.FrameAt(t+h/2, r.T0, r.T1, r.Frames)
}
