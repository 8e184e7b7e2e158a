package ode

import (
	"fmt"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/internal/vec"
)

// Stepper takes single Runge–Kutta steps of a method for a batch with one
// step size per sample, keeping each stage's input and slope of the last
// step so that the step can be differentiated. It is the one RK step of the
// package: the fixed-step solver uses it, and training replays accepted
// steps through it. A Stepper allocates only when it is made and on its
// first Adjoint.
type Stepper[T Float] struct {
	M          *Method
	Dim, Batch int
	Y, K       [][]T // [stages][dim][batch] each stage's input (stage 0's: the step's y) and slope of the last Step

	coef [][]T     // [stages][batch] h_b·a (or h_b·b) of the combination being formed
	ts   []float64 // [batch] stage times
	kbar [][]T     // [stages][dim][batch] adjoints of the slopes (Adjoint)
	ybar []T       // [dim][batch] adjoint of a stage input (Adjoint)
	par  team.Ranges

	// The combination dst = src + Σ_l coef_l ⊙ terms_l that combineRows
	// forms over blocks of rows, bound once so that a step allocates
	// nothing.
	dst, src  []T
	terms     [][]T
	combineFn func(r0, r1 int)
}

// NewStepper returns a Stepper of m for states of dim variables and batch
// samples. It panics on a nil method, a negative dim or a batch below one.
func NewStepper[T Float](m *Method, dim, batch int) *Stepper[T] {
	if m == nil || dim < 0 || batch < 1 {
		panic(fmt.Sprintf("ode: NewStepper: method %v, dim %d, batch %d: want a method, dim ≥ 0, batch ≥ 1", m != nil, dim, batch))
	}
	s := &Stepper[T]{M: m, Dim: dim, Batch: batch, ts: make([]float64, batch)}
	n := dim * batch
	stages := m.Stages()
	s.Y, s.K = make([][]T, stages), make([][]T, stages)
	s.coef = make([][]T, stages)
	s.terms = make([][]T, 0, stages)
	for i := range stages {
		if !zeroRow(m.A[i]) {
			s.Y[i] = make([]T, n)
		}
		s.K[i] = make([]T, n)
		s.coef[i] = make([]T, batch)
	}
	s.combineFn = s.combineRows
	return s
}

// Step computes y1 = y + h_b Σ_i B_i k_i (per sample b), where stage i is
// k_i = f(Y_i) at Y_i = y + h_b Σ_{j<i} A_ij k_j and time t_b + C_i h_b.
// eval(i, k, y, t) must write stage i's slope into k (it may record what a
// later vector–Jacobian product needs) and must not write into y. y1 may
// alias nothing else. For an FSAL method the last stage (whose B weight is
// 0) is not evaluated: Y and K of the last stage are left as they were
// (free for the caller, e.g. for f(y1)).
func (s *Stepper[T]) Step(y1, y []T, t, h []float64, eval func(i int, k, y []T, t []float64)) {
	if len(y1) != len(y) {
		panic(fmt.Sprintf("ode: Stepper.Step: y1 has %d elements, want %d", len(y1), len(y)))
	}
	s.Stages(y, t, h, eval)
	s.combine(y1, y, s.M.B, h)
}

// Stages evaluates the stages of Step without forming y1: what a backward
// pass needs to recompute a step's records before Adjoint. A stage whose
// input is y itself (stage 0) reads y, which Y[i] then is, without a copy.
func (s *Stepper[T]) Stages(y []T, t, h []float64, eval func(i int, k, y []T, t []float64)) {
	s.check("Stages", y, h)
	if len(t) != s.Batch {
		panic(fmt.Sprintf("ode: Stepper.Stages: t has %d elements, want %d", len(t), s.Batch))
	}
	m := s.M
	for i := range m.evaluated() {
		for b := range s.ts {
			s.ts[b] = t[b] + m.C[i]*h[b]
		}
		if zeroRow(m.A[i]) {
			s.Y[i] = y
		} else {
			s.combine(s.Y[i], y, m.A[i], h)
		}
		eval(i, s.K[i], s.Y[i], s.ts)
	}
}

// zeroRow reports whether a row of the method's A has no nonzero weight.
func zeroRow(a []float64) bool {
	for _, v := range a {
		if v != 0 {
			return false
		}
	}
	return true
}

// Adjoint runs the step backwards: given ybar = ∂L/∂y1 it overwrites ybar
// with ∂L/∂y. vjp(i, dst, kbar) must write into dst the adjoint of stage
// i's input Y_i given the adjoint kbar of its slope k_i (and accumulate any
// parameter gradients itself); it is called for i from the last evaluated
// stage down to 0, after the Step whose stages are still held. It may
// overwrite kbar.
func (s *Stepper[T]) Adjoint(ybar []T, h []float64, vjp func(i int, dst, kbar []T)) {
	s.check("Adjoint", ybar, h)
	m := s.M
	ev := m.evaluated()
	if s.kbar == nil {
		s.kbar = make([][]T, ev)
		for i := range s.kbar {
			s.kbar[i] = make([]T, len(ybar))
		}
		s.ybar = make([]T, len(ybar))
	}
	// y1 = y + h Σ b_i k_i: every slope gets h·b_i·ȳ1 first.
	for i := range ev {
		s.setCoef(m.B[i], h)
		s.run(s.kbar[i], nil, ybar)
	}
	// Y_l = y + h Σ_{i<l} a_li k_i: once Ȳ_l is known, it feeds k̄_i for
	// i < l and ȳ directly.
	for l := ev - 1; l >= 0; l-- {
		vjp(l, s.ybar, s.kbar[l])
		for i := range l {
			if a := m.A[l][i]; a != 0 {
				s.setCoef(a, h)
				s.run(s.kbar[i], s.kbar[i], s.ybar)
			}
		}
		// ȳ += Ȳ_l, in parallel (1·x is x: the values of a plain sum)
		for b := range s.coef[0] {
			s.coef[0][b] = 1
		}
		s.run(ybar, ybar, s.ybar)
	}
}

// check panics if y or h do not match the Stepper's shape.
func (s *Stepper[T]) check(fn string, y []T, h []float64) {
	if len(y) != s.Dim*s.Batch || len(h) != s.Batch {
		panic(fmt.Sprintf("ode: Stepper.%s: state of %d elements and %d step sizes, want %d×%d and %d", fn, len(y), len(h), s.Dim, s.Batch, s.Batch))
	}
}

// combine writes dst = src + Σ_l h_b·w_l·K_l over the terms w_l ≠ 0.
func (s *Stepper[T]) combine(dst, src []T, w []float64, h []float64) {
	s.terms = s.terms[:0]
	n := 0
	for l, wl := range w {
		if wl != 0 {
			for b, hb := range h {
				s.coef[n][b] = T(hb * wl)
			}
			s.terms = append(s.terms, s.K[l])
			n++
		}
	}
	s.dst, s.src = dst, src
	s.par.For(s.Dim, parallelChunk, s.combineFn)
}

// setCoef sets the first coefficient vector to h_b·w.
func (s *Stepper[T]) setCoef(w float64, h []float64) {
	for b, hb := range h {
		s.coef[0][b] = T(hb * w)
	}
}

// run writes dst = src + coef_0 ⊙ x (src nil: zero) in parallel.
func (s *Stepper[T]) run(dst, src, x []T) {
	s.terms = append(s.terms[:0], x)
	s.dst, s.src = dst, src
	s.par.For(s.Dim, parallelChunk, s.combineFn)
}

// combineRows forms rows [r0, r1) of dst = src + Σ_l coef_l ⊙ terms_l
// with the coefficients repeated along each row of the batch.
func (s *Stepper[T]) combineRows(r0, r1 int) {
	lo, hi := r0*s.Batch, r1*s.Batch
	dst, terms := s.dst[lo:hi], s.terms
	switch {
	case s.src == nil:
		clear(dst)
	case len(terms) > 0 && hi > lo:
		// the copy and the first term in one pass
		axpyRowsFrom(dst, s.src[lo:hi], terms[0][lo:hi], s.coef[0])
		for l, k := range terms[1:] {
			axpyRows(dst, k[lo:hi], s.coef[l+1])
		}
		return
	default:
		copy(dst, s.src[lo:hi]) // a no-op when src is dst
	}
	for l, k := range terms {
		axpyRows(dst, k[lo:hi], s.coef[l])
	}
}

// axpyRowsFrom writes src + c ⊙ x to dst (axpyRows after copying src to
// dst, the same values; src is dst or does not overlap it).
func axpyRowsFrom[T Float](dst, src, x, c []T) {
	if d32, ok := as32(dst); ok {
		s32, _ := as32(src)
		x32, _ := as32(x)
		c32, _ := as32(c)
		vec.AxpyPatternFrom(d32, s32, x32, c32)
		return
	}
	batch := len(c)
	for j := 0; j < len(dst); j += batch {
		o, s, xx := dst[j:j+batch], src[j:j+batch], x[j:j+batch]
		for b, cb := range c {
			o[b] = s[b] + cb*xx[b]
		}
	}
}

// axpyRows adds c ⊙ x to dst, with c ([batch]) repeated along the rows of
// dst and x ([rows][batch]).
func axpyRows[T Float](dst, x, c []T) { axpyRowsFrom(dst, dst, x, c) }
