package ode

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// TestAdaptiveFloat32MatchesFloat64 solves, for every adaptive method, the linear test problem in float32
// (where the stage combinations and the error norm run in internal/vec's
// kernels, vectorised for batch 8, 16 and 24) and in float64 (the generic
// loops), with and without fused row blocks of an odd size, and checks the
// float32 solution against the exact one at the float64 solve's accuracy
// plus float32 rounding, with about the same number of steps. Several
// output times fall in one step.
func TestAdaptiveFloat32MatchesFloat64(t *testing.T) {
	forEachMethod(t, true, func(t *testing.T, m *Method) { float32MatchesFloat64(t, m.Name) })
}

func float32MatchesFloat64(t *testing.T, method string) {
	for _, batch := range []int{1, 5, 8, 16, 24} {
		lam := make([]float64, batch)
		for b := range lam {
			lam[b] = -0.3 - 1.7*float64(b%8) // per-sample steps differ
		}
		l := &linear{dim: 37, lambdas: lam}
		times := Linspace(0, 2, 9)
		for _, blocks := range []bool{false, true} {
			name := fmt.Sprintf("batch %d blocks %v", batch, blocks)
			p32 := l.problem(2, times)
			if blocks {
				p32.FBlocks = func(dydt, y []float32, ts []float64, post func(r0, r1 int)) {
					l.f(dydt, y, ts)
					for r := 0; r < l.dim; r += 7 {
						post(r, min(r+7, l.dim))
					}
				}
			}
			out32 := make([]float32, len(times)*batch*l.dim)
			st32, err := Solve(out32, p32, Settings{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			out64 := make([]float64, len(out32))
			st64, err := Solve(out64, l.problem64(2, times), Settings{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			err32, err64 := 0.0, 0.0
			for k, tk := range times {
				for b := 0; b < batch; b++ {
					for i := 0; i < l.dim; i++ {
						j := (k*batch+b)*l.dim + i
						want := l.exact(i, b, 1, tk)
						err32 = max(err32, math.Abs(float64(out32[j])-want)/(1+math.Abs(want)))
						err64 = max(err64, math.Abs(out64[j]-want)/(1+math.Abs(want)))
					}
				}
			}
			// The global error of a solve at rtol 1e-3 on solutions of scale 1-20.
			if err64 > 1e-2 {
				t.Errorf("%s: float64 relative error %.2g", name, err64)
			}
			if err32 > 2*err64+1e-5 {
				t.Errorf("%s: float32 relative error %.2g, float64 %.2g", name, err32, err64)
			}
			if d := st32.TotalAccepted() - st64.TotalAccepted(); d*d > batch*batch {
				t.Errorf("%s: accepted %v in float32, %v in float64", name, st32.Accepted, st64.Accepted)
			}
		}
	}
}

// TestInitialStepFloat32 checks the automatic first step of float32 states
// (norms through internal/vec) against float64 states (loops), per sample.
func TestInitialStepFloat32(t *testing.T) {
	for _, batch := range []int{3, 8} {
		lam := make([]float64, batch)
		for b := range lam {
			lam[b] = -0.5 - 3*float64(b)
		}
		l := &linear{dim: 41, lambdas: lam}
		p32 := l.problem(1, []float64{1})
		d32 := newAdaptive(p32, Settings{}, dopri5())
		d32.eval(d32.k[0], d32.y, d32.ts)
		d32.initialStep()

		d64 := newAdaptive(l.problem64(1, []float64{1}), Settings{}, dopri5())
		d64.eval(d64.k[0], d64.y, d64.ts)
		d64.initialStep()
		for b := range lam {
			if h32, h64 := d32.h[b], d64.h[b]; !(math.Abs(h32-h64) <= 1e-5*h64) {
				t.Errorf("batch %d sample %d: first step %v in float32, %v in float64", batch, b, h32, h64)
			}
		}
	}
}

// The error norm adds the blocks' partial sums in row order, so a solve
// does not depend on the order in which workers finish their blocks: the
// same blocks posted forwards and backwards give bit-identical outputs.
func TestDopri5BlockOrderDoesNotMatter(t *testing.T) {
	const dim, batch = 101, 8
	lam := make([]float64, batch)
	for b := range lam {
		lam[b] = -0.37 - 1.3*float64(b)
	}
	f := func(dydt, y []float64, ts []float64) {
		for i := 0; i < dim; i++ {
			for b, lb := range lam {
				dydt[i*batch+b] = lb*y[i*batch+b] + math.Sin(float64(i)+ts[b])
			}
		}
	}
	solve := func(method string, backwards bool) []float64 {
		p := Problem[float64]{F: f, Dim: dim, Batch: batch, T0: 0, T1: 3, Times: Linspace(0, 3, 7),
			FBlocks: func(dydt, y []float64, ts []float64, post func(r0, r1 int)) {
				f(dydt, y, ts)
				var starts []int
				for r := 0; r < dim; r += 3 {
					starts = append(starts, r)
				}
				if backwards {
					slices.Reverse(starts)
				}
				for _, r := range starts {
					post(r, min(r+3, dim))
				}
			}}
		out := make([]float64, 7*batch*dim)
		if _, err := Solve(out, p, Settings{Method: method, Rtol: 1e-6, Atol: 1e-9}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	forEachMethod(t, true, func(t *testing.T, m *Method) {
		a, b := solve(m.Name, false), solve(m.Name, true)
		for k := range a {
			if a[k] != b[k] {
				t.Fatalf("element %d: %v forwards, %v backwards", k, a[k], b[k])
			}
		}
	})
}

// The adaptive solver's steps allocate nothing: a solve with many more
// steps makes no more allocations than a short one (only set-up
// allocates), with the stage work fused into the right-hand side's blocks
// and without, with dense output and with steps onto the output times, for
// every adaptive method.
func TestDopri5StepsDoNotAllocate(t *testing.T) {
	forEachMethod(t, true, func(t *testing.T, m *Method) {
		for _, fused := range []bool{false, true} {
			for _, onto := range []bool{false, true} {
				stepsDoNotAllocate(t, Settings{Method: m.Name, StepToOutputs: onto}, fused)
			}
		}
	})
}

func stepsDoNotAllocate(t *testing.T, s Settings, fused bool) {
	{
		l := &linear{dim: 10000, lambdas: []float64{-1, -2, -3, -4, -5, -6, -7, -8}}
		allocs := func(t1 float64) float64 {
			p := l.problem(t1, Linspace(0, t1, 5))
			if fused {
				p.FBlocks = func(dydt, y []float32, ts []float64, post func(r0, r1 int)) {
					l.f(dydt, y, ts)
					for r := 0; r < l.dim; r += 2500 {
						post(r, r+2500)
					}
				}
			}
			out := make([]float32, 5*8*l.dim)
			var st Stats
			a := testing.AllocsPerRun(3, func() {
				var err error
				if st, err = Solve(out, p, s); err != nil {
					t.Fatal(err)
				}
			})
			if st.TotalAccepted() < 8*int(t1) {
				t.Fatalf("only %d steps", st.TotalAccepted())
			}
			return a
		}
		short, long := allocs(1), allocs(40)
		if long > short+16 {
			t.Errorf("%+v fused %v: %v allocations for a long solve, %v for a short one: the steps allocate", s, fused, long, short)
		}
	}
}
