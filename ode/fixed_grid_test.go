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
