package ode

import (
	"math"
	"testing"
)

// A break a rounding error before an output time (0.3·1/3 =
// 0.09999999999999999 before 0.1) leaves a sliver of span far below
// 1e-9·dt. The fixed-step solver must still reach the output time there,
// not carry the state of a later time into it.
func TestFixedSliverBeforeOutput(t *testing.T) {
	f := func(dy, y []float64, _ []float64) { dy[0] = 1 }
	out := make([]float64, 3)
	t1, frames := 0.3, 3.0
	p := Problem[float64]{F: f, Dim: 1, Batch: 1, Y0: []float64{0}, T0: 0, T1: t1,
		Times: []float64{0.1, 0.2, 0.3}, Breaks: []float64{t1 * 1 / frames, t1 * 2 / frames}}
	if p.Breaks[0] == 0.1 {
		t.Fatal("test needs a break that differs from 0.1 by rounding")
	}
	if _, err := Solve(out, p, Settings{Method: "euler", Dt: 0.01}); err != nil {
		t.Fatal(err)
	}
	for k, want := range []float64{0.1, 0.2, 0.3} {
		if math.Abs(out[k]-want) > 1e-12 {
			t.Errorf("y(%v) = %v, want %v", p.Times[k], out[k], want)
		}
	}
}

// FixedGrid cuts each interval between marks into equal steps no longer
// than dt and counts the steps up to each mark; bad steps and an
// exhausted budget are errors.
func TestFixedGrid(t *testing.T) {
	hs, at, err := FixedGrid(0, 1, []float64{0, 0.25, 0.25, 0.6, 1}, 0, 0.1, 0)
	if err != nil {
		t.Fatal(err)
	}
	// [0, 0.25]: 3 steps; [0.25, 0.6]: 4 steps; [0.6, 1]: 4 steps.
	if len(hs) != 11 || at[0] != 0 || at[1] != 3 || at[2] != 3 || at[3] != 7 || at[4] != 11 {
		t.Fatalf("%d steps, at %v", len(hs), at)
	}
	sum := 0.0
	for _, h := range hs {
		if h > 0.1 {
			t.Errorf("step %v longer than dt", h)
		}
		sum += h
	}
	if math.Abs(sum-1) > 1e-15 {
		t.Errorf("steps sum to %v", sum)
	}
	if hs, _, _ := FixedGrid(0, 2, nil, 4, 0, 0); len(hs) != 4 || hs[0] != 0.5 {
		t.Errorf("4 steps over [0, 2]: %v", hs)
	}
	if hs, at, _ := FixedGrid(0, 2, []float64{0.5, 2}, 0, 0, 0); len(hs) != 2 || at[0] != 1 || at[1] != 2 {
		t.Errorf("one step per interval: %v, at %v", hs, at)
	}
	for _, c := range []struct {
		steps  int
		dt     float64
		budget int
	}{{-1, 0, 0}, {0, -1, 0}, {0, math.NaN(), 0}, {0, math.Inf(1), 0}, {0, 1e-3, 999}, {0, 1e-300, 0}} {
		if _, _, err := FixedGrid(0, 1, nil, c.steps, c.dt, c.budget); err == nil {
			t.Errorf("steps %d dt %v budget %d: no error", c.steps, c.dt, c.budget)
		}
	}
}
