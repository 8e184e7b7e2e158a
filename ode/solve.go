package ode

import (
	"fmt"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/internal/vec"
)

// Defaults of Settings, those of torchode and bioplnn.
const (
	DefaultAtol     = 1e-6
	DefaultRtol     = 1e-3
	DefaultMaxSteps = 100000
	DefaultMethod   = "dopri5"
)

// Solve integrates p with the method of s and writes the state of every
// sample at each of p.Times into out, [len(Times)][batch][dim]. It returns
// the work done. Errors report what stopped the solve and at what time: a
// step budget exhausted, a step size that underflows, a non-finite state.
// Solve panics if the problem's slices disagree with Dim and Batch.
func Solve[T Float](out []T, p Problem[T], s Settings) (Stats, error) {
	checkProblem(out, p)
	st := Stats{Accepted: make([]int, p.Batch), Rejected: make([]int, p.Batch)}
	name := s.Method
	if name == "" {
		name = DefaultMethod
	}
	m, err := Lookup(name)
	if err != nil {
		return st, err
	}
	if !m.Adaptive() || s.Steps > 0 || s.Dt > 0 {
		return st, fixed(out, p, s, &st, m)
	}
	d := newAdaptive(p, s, m)
	return d.st, d.solve(out)
}

func checkProblem[T Float](out []T, p Problem[T]) {
	if p.F == nil {
		panic("ode: nil right-hand side")
	}
	if p.Dim < 0 || p.Batch < 1 {
		panic(fmt.Sprintf("ode: bad dim %d or batch %d", p.Dim, p.Batch))
	}
	if p.Y0 != nil && len(p.Y0) != p.Dim*p.Batch {
		panic(fmt.Sprintf("ode: Y0 has %d elements, want dim×batch = %d×%d", len(p.Y0), p.Dim, p.Batch))
	}
	if len(out) != len(p.Times)*p.Dim*p.Batch {
		panic(fmt.Sprintf("ode: out has %d elements, want times×batch×dim = %d×%d×%d", len(out), len(p.Times), p.Batch, p.Dim))
	}
	if !(p.T1 > p.T0) {
		panic(fmt.Sprintf("ode: empty interval [%v, %v]", p.T0, p.T1))
	}
	for k, t := range p.Times {
		if t < p.T0 || t > p.T1 || (k > 0 && t < p.Times[k-1]) {
			panic(fmt.Sprintf("ode: output times must ascend within [%v, %v]; time %d is %v", p.T0, p.T1, k, t))
		}
	}
	for k, t := range p.Breaks {
		if t <= p.T0 || t >= p.T1 || (k > 0 && t <= p.Breaks[k-1]) {
			panic(fmt.Sprintf("ode: breaks must ascend strictly inside (%v, %v); break %d is %v", p.T0, p.T1, k, t))
		}
	}
}

// bound returns the end of segment k: the k-th break or T1.
func bound[T Float](p *Problem[T], k int) float64 {
	if k < len(p.Breaks) {
		return p.Breaks[k]
	}
	return p.T1
}

// enter tells the problem that sample b starts segment k.
func enter[T Float](p *Problem[T], b, k int) {
	if p.Segment != nil {
		p.Segment(b, k)
	}
}

// initialState returns the solver's own copy of the initial state (zeros
// for a nil Y0).
func initialState[T Float](p Problem[T]) []T {
	y := make([]T, p.Dim*p.Batch)
	copy(y, p.Y0)
	return y
}

// Linspace returns n times evenly spaced from t0 to t1, both included (one
// time, t1, when n is 1).
func Linspace(t0, t1 float64, n int) []float64 {
	ts := make([]float64, n)
	for k := range ts {
		if n == 1 {
			ts[k] = t1
			break
		}
		ts[k] = t0 + (t1-t0)*float64(k)/float64(n-1)
	}
	if n > 1 {
		ts[n-1] = t1
	}
	return ts
}

// putSample writes sample b of y ([dim][batch]) into dst ([dim]).
func putSample[T Float](dst, y []T, b, batch int) {
	for i := range dst {
		dst[i] = y[i*batch+b]
	}
}

// outSlot returns the [dim] slice of out for output time k and sample b.
func outSlot[T Float](out []T, k, b, batch, dim int) []T {
	o := (k*batch + b) * dim
	return out[o : o+dim]
}

// ErrNotFinite is wrapped by errors about a state that became NaN or Inf.
var ErrNotFinite = fmt.Errorf("state is not finite")

// checkFinite returns an error if y holds NaN or Inf.
func checkFinite[T Float](y []T, t float64) error {
	if i := vec.FirstNonFinite(y); i >= 0 {
		return fmt.Errorf("at t = %g: variable %d is %v: %w", t, i, y[i], ErrNotFinite)
	}
	return nil
}

// parallel runs fn on about equal parts of [0, n) on all cores, for
// elementwise work outside the right-hand side, on the helper goroutines
// the sparse product uses (internal/team), which are awake between
// products.
func parallel(n int, fn func(lo, hi int)) { team.For(n, parallelChunk, fn) }

// parallelChunk is the fewest rows a part of parallel work gets.
const parallelChunk = 4096
