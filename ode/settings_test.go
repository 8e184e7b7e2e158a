package ode

import (
	"math"
	"strings"
	"testing"
)

// A fixed step far below the interval needs more steps than an int holds;
// the solver must refuse it against the step budget, not convert the step
// count to a garbage int and take one step per interval. An infinite step
// is refused too.
func TestFixedStepBudget(t *testing.T) {
	calls := 0
	f := func(dy, y []float64, _ []float64) { calls++; dy[0] = 1 }
	p := Problem[float64]{F: f, Dim: 1, Batch: 1, Y0: []float64{0}, T0: 0, T1: 1, Times: []float64{0, 0.5, 1}}
	for _, c := range []struct {
		s    Settings
		want string
	}{
		{Settings{Method: "euler", Dt: 1e-300}, "step budget of 100000"},
		{Settings{Method: "rk4", Dt: 1e-3, MaxSteps: 999}, "step budget of 999"},
		{Settings{Method: "euler", Steps: 1001, MaxSteps: 1000}, "step budget of 1000"},
		{Settings{Method: "euler", Dt: math.Inf(1)}, "finite"},
		{Settings{Method: "dopri5", Dt: 1e-200}, "step budget"},
	} {
		calls = 0
		_, err := Solve(make([]float64, 3), p, c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one that mentions %q", c.s, err, c.want)
		}
		if calls != 0 {
			t.Errorf("%+v: %d evaluations before the error", c.s, calls)
		}
	}
	// Exactly the budget is allowed.
	out := make([]float64, 3)
	if _, err := Solve(out, p, Settings{Method: "euler", Steps: 1000, MaxSteps: 1000}); err != nil {
		t.Fatal(err)
	}
	if math.Abs(out[2]-1) > 1e-12 {
		t.Errorf("y(1) = %v, want 1", out[2])
	}
}

// Infinite tolerances or first step would make every step acceptable; they
// are errors, not a solve that takes one step per interval.
func TestDopri5InfiniteSettings(t *testing.T) {
	f := func(dy, y []float64, _ []float64) { dy[0] = -y[0] }
	p := Problem[float64]{F: f, Dim: 1, Batch: 1, Y0: []float64{1}, T0: 0, T1: 1, Times: []float64{1}}
	for _, s := range []Settings{{Atol: math.Inf(1)}, {Rtol: math.Inf(1)}, {FirstStep: math.Inf(1)}} {
		if _, err := Solve(make([]float64, 1), p, s); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}
