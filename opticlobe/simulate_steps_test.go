package opticlobe

import (
	"math"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/ode"
)

// A fixed step is the user's choice: more steps than ode's default budget
// (100,000) run, while a step so small that the count overflows is an
// error; a tiny dt with the default output times (one per dt) too.
func TestFixedStepsBeyondDefaultBudget(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, 0) // one column: 65 neurons
	if err != nil {
		t.Fatal(err)
	}
	nc := ColumnCount(net.Extent)
	flash := make([]float32, nc)
	for i := range flash {
		flash[i] = 1
	}
	dt := 1.0 / (ode.DefaultMaxSteps + 1000)
	res, err := Simulate(net, flash, 1, 1, Settings{Dt: dt, Duration: 1, Evals: 3, Relax: -1})
	if err != nil {
		t.Fatalf("dt %g over 1 s: %v", dt, err)
	}
	if got := res.Stats.Accepted[0]; got <= ode.DefaultMaxSteps {
		t.Errorf("%d steps, want more than %d", got, ode.DefaultMaxSteps)
	}
	for _, v := range res.Activity {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN in the activity")
		}
	}
	_, err = Simulate(net, flash, 1, 1, Settings{Dt: 1e-300, Duration: 1, Evals: 3, Relax: -1})
	if err == nil || !strings.Contains(err.Error(), "step budget") {
		t.Errorf("dt 1e-300: error %v, want one about the step count", err)
	}
	_, err = Simulate(net, flash, 1, 1, Settings{Dt: 1e-300, Duration: 1})
	if err == nil || !strings.Contains(err.Error(), "output times") {
		t.Errorf("dt 1e-300, one output per dt: error %v, want one about the output times", err)
	}
}
