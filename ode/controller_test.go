package ode

import (
	"math"
	"testing"
)

// The controller follows torchode's IntegralController and SciPy's RK45:
// a step is taken only when its error ratio is strictly below one, and the
// next step changes by safety·r^(−1/5) within [0.2, 10].
func TestAcceptsAndStepFactor(t *testing.T) {
	for _, c := range []struct {
		r    float64
		take bool
	}{{0, true}, {0.999999, true}, {1, false}, {1.5, false}, {math.NaN(), false}, {math.Inf(1), false}} {
		if got := Accepts(c.r); got != c.take {
			t.Errorf("Accepts(%v) = %v, want %v", c.r, got, c.take)
		}
	}
	dopri5, _ := Lookup("dopri5")
	for _, c := range []struct{ r, want float64 }{
		{0, 10}, {1e-9, 10}, {1, 0.9}, {0.5, 0.9 * math.Pow(0.5, -0.2)}, {2, 0.9 * math.Pow(2, -0.2)},
		{1e6, 0.2}, {math.NaN(), 0.2}, {math.Inf(1), 0.2},
	} {
		if got := dopri5.StepFactor(c.r); math.Abs(got-c.want) > 1e-15*c.want {
			t.Errorf("dopri5 StepFactor(%v) = %v, want %v", c.r, got, c.want)
		}
	}
	// Each method's exponent is −1/ErrorOrder.
	for _, name := range []string{"dopri5", "bosh3"} {
		m, _ := Lookup(name)
		want := 0.9 * math.Pow(0.5, -1/float64(m.ErrorOrder))
		if got := m.StepFactor(0.5); math.Abs(got-want) > 1e-15 {
			t.Errorf("%s: StepFactor(0.5) = %v, want %v", name, got, want)
		}
	}
}
