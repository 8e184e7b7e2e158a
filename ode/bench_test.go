package ode

import "testing"

// BenchmarkDopri5Overhead measures the solver's own elementwise work on the
// tutorial's problem size (47,521 × 8 state, 20 outputs) with a trivial
// right-hand side, to compare against the sparse products it drives.
func BenchmarkDopri5Overhead(b *testing.B) {
	const dim, batch = 47521, 8
	f := func(dydt, y []float32, t []float64) {
		for i := range y {
			dydt[i] = 0.5 - y[i]
		}
	}
	y0 := make([]float32, dim*batch)
	times := Linspace(0, 1, 20)
	out := make([]float32, len(times)*dim*batch)
	for b.Loop() {
		st, err := Solve(out, Problem[float32]{F: f, Dim: dim, Batch: batch, Y0: y0, T0: 0, T1: 1, Times: times}, Settings{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.RHSEvals), "evals")
	}
}

// BenchmarkFixedOverhead is BenchmarkDopri5Overhead for fixed steps: 200
// euler and 50 rk4 steps over the tutorial's state size, the stage
// combinations of Stepper around a trivial right-hand side.
func BenchmarkFixedOverhead(b *testing.B) {
	const dim, batch = 47521, 8
	f := func(dydt, y []float32, t []float64) {
		for i := range y {
			dydt[i] = 0.5 - y[i]
		}
	}
	y0 := make([]float32, dim*batch)
	times := Linspace(0, 1, 20)
	out := make([]float32, len(times)*dim*batch)
	for _, c := range []struct {
		method string
		steps  int
	}{{"euler", 200}, {"rk4", 50}} {
		b.Run(c.method, func(b *testing.B) {
			for b.Loop() {
				p := Problem[float32]{F: f, Dim: dim, Batch: batch, Y0: y0, T0: 0, T1: 1, Times: times}
				if _, err := Solve(out, p, Settings{Method: c.method, Steps: c.steps}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
