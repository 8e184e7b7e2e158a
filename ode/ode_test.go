package ode

import (
	"math"
	"testing"
)

// linear is the test problem dy_i/dt = λ_b·y_i + i for sample b: each
// variable of each sample has the closed-form solution
// y(t) = (y0 + i/λ)·exp(λt) − i/λ.
type linear struct {
	dim     int
	lambdas []float64 // [batch]
	calls   int
}

func (l *linear) f(dydt, y []float32, t []float64) {
	l.calls++
	batch := len(l.lambdas)
	for i := 0; i < l.dim; i++ {
		for b, lam := range l.lambdas {
			dydt[i*batch+b] = float32(lam)*y[i*batch+b] + float32(i)
		}
	}
}

func (l *linear) exact(i, b int, y0, t float64) float64 {
	lam := l.lambdas[b]
	c := float64(i) / lam
	return (y0+c)*math.Exp(lam*t) - c
}

func (l *linear) problem(t1 float64, times []float64) Problem[float32] {
	batch := len(l.lambdas)
	y0 := make([]float32, l.dim*batch)
	for i := range y0 {
		y0[i] = 1
	}
	return Problem[float32]{F: l.f, Dim: l.dim, Batch: batch, Y0: y0, T0: 0, T1: t1, Times: times}
}

// problem64 is problem in float64.
func (l *linear) problem64(t1 float64, times []float64) Problem[float64] {
	batch := len(l.lambdas)
	f := func(dydt, y []float64, _ []float64) {
		for i := 0; i < l.dim; i++ {
			for b, lam := range l.lambdas {
				dydt[i*batch+b] = lam*y[i*batch+b] + float64(i)
			}
		}
	}
	y0 := make([]float64, l.dim*batch)
	for i := range y0 {
		y0[i] = 1
	}
	return Problem[float64]{F: f, Dim: l.dim, Batch: batch, Y0: y0, T0: 0, T1: t1, Times: times}
}

// maxErr returns the largest error of out against the exact solution.
func (l *linear) maxErr(out []float32, times []float64) float64 {
	batch := len(l.lambdas)
	worst := 0.0
	for k, t := range times {
		for b := 0; b < batch; b++ {
			for i := 0; i < l.dim; i++ {
				got := float64(out[(k*batch+b)*l.dim+i])
				worst = max(worst, math.Abs(got-l.exact(i, b, 1, t)))
			}
		}
	}
	return worst
}

func solveLinear(t *testing.T, l *linear, t1 float64, times []float64, s Settings) ([]float32, Stats) {
	t.Helper()
	out := make([]float32, len(times)*len(l.lambdas)*l.dim)
	st, err := Solve(out, l.problem(t1, times), s)
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

// TestDopri5WithinTolerance checks the adaptive solver and its dense output
// at many times between steps against the exact solution.
func TestDopri5WithinTolerance(t *testing.T) {
	l := &linear{dim: 4, lambdas: []float64{-2, -0.5, 0.7}}
	times := Linspace(0, 3, 61)
	for _, shared := range []bool{false, true} {
		for _, tol := range []float64{1e-3, 1e-5} {
			out, st := solveLinear(t, l, 3, times, Settings{Rtol: tol, Atol: tol * 1e-3, Shared: shared})
			err := l.maxErr(out, times)
			// The global error of a tolerance-controlled solve is a small
			// multiple of the tolerance times the solution's scale (up to 5 here).
			if err > 10*tol*5 {
				t.Errorf("shared %v rtol %g: max error %g", shared, tol, err)
			}
			if st.TotalAccepted() == 0 || st.RHSEvals == 0 {
				t.Errorf("no work counted: %+v", st)
			}
			if st.TotalAccepted() >= len(times)*len(l.lambdas) {
				t.Errorf("shared %v rtol %g: %d steps: output times forced steps", shared, tol, st.TotalAccepted())
			}
			t.Logf("shared %v rtol %g: err %.2g, %d evals, accepted %v, rejected %v", shared, tol, err, st.RHSEvals, st.Accepted, st.Rejected)
		}
	}
}

// TestDopri5PerSampleSteps checks that a sample with slow dynamics takes
// fewer steps than a fast one when steps are controlled per sample.
func TestDopri5PerSampleSteps(t *testing.T) {
	l := &linear{dim: 2, lambdas: []float64{-0.1, -20}}
	_, st := solveLinear(t, l, 1, []float64{1}, Settings{})
	if !(st.Accepted[0] < st.Accepted[1]) {
		t.Errorf("accepted %v: slow sample did not take fewer steps", st.Accepted)
	}
	_, sh := solveLinear(t, l, 1, []float64{1}, Settings{Shared: true})
	if sh.Accepted[0] != sh.Accepted[1] {
		t.Errorf("shared steps differ: %v", sh.Accepted)
	}
}

func TestFixedOutputsOnGrid(t *testing.T) {
	l := &linear{dim: 1, lambdas: []float64{-1}}
	times := Linspace(0, 1, 5)
	out, st := solveLinear(t, l, 1, times, Settings{Method: "euler", Steps: 8})
	if st.Accepted[0] != 8 || st.RHSEvals != 8 {
		t.Fatalf("steps %v evals %d, want 8", st.Accepted, st.RHSEvals)
	}
	// Euler with h = 1/8: y_n = (1 − h)^n.
	for k := range times {
		want := math.Pow(1-0.125, float64(2*k))
		if d := math.Abs(float64(out[k]) - want); d > 1e-6 {
			t.Errorf("t = %v: %v, want %v", times[k], out[k], want)
		}
	}
}

func TestErrors(t *testing.T) {
	l := &linear{dim: 1, lambdas: []float64{-1}}
	out := make([]float32, 1)
	if _, err := Solve(out, l.problem(1, []float64{1}), Settings{Method: "heun"}); err == nil {
		t.Error("unknown method accepted")
	}
	if _, err := Solve(out, l.problem(1, []float64{1}), Settings{MaxSteps: 2, FirstStep: 1e-3}); err == nil {
		t.Error("step budget not enforced")
	}
	blow := func(dydt, y []float32, t []float64) {
		for i := range y {
			dydt[i] = y[i] * y[i] * 1e3
		}
	}
	p := Problem[float32]{F: blow, Dim: 1, Batch: 1, Y0: []float32{1}, T0: 0, T1: 1, Times: []float64{1}}
	for _, m := range Names() {
		if _, err := Solve(out, p, Settings{Method: m, Steps: 10}); err == nil {
			t.Errorf("%s: blow-up not reported", m)
		}
	}
	if _, err := Solve(out, p, Settings{}); err == nil {
		t.Error("dopri5: blow-up not reported")
	}
}

func TestTimeVaryingRHSSeesSampleTimes(t *testing.T) {
	// dy/dt = t: y(1) = 1/2, exact for every method of order ≥ 2.
	f := func(dydt, y []float32, ts []float64) {
		for b := range ts {
			dydt[b] = float32(ts[b])
		}
	}
	out := make([]float32, 2)
	for _, m := range []string{"rk4", "dopri5"} {
		_, err := Solve(out, Problem[float32]{F: f, Dim: 1, Batch: 2, Y0: []float32{0, 0}, T0: 0, T1: 1, Times: []float64{1}}, Settings{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(out[0])-0.5) > 1e-6 || math.Abs(float64(out[1])-0.5) > 1e-6 {
			t.Errorf("%s: %v, want 0.5", m, out)
		}
	}
}

// dopri5 returns the registered Dormand–Prince method.
func dopri5() *Method {
	m, err := Lookup("dopri5")
	if err != nil {
		panic(err)
	}
	return m
}
