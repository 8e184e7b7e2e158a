package opticlobe

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func smallNet(t *testing.T) *Network {
	t.Helper()
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// solverTol bounds the difference between euler with dt = 1 ms and rk4 or
// dopri5 on a 0.3 s flash: Euler's global error is O(dt) with voltages of
// order 1 and time constants of 50 ms.
const solverTol = 5e-3

// Every solver integrates the same model; they agree up to Euler's error.
func TestSimulateSolvers(t *testing.T) {
	net := smallNet(t)
	nc := ColumnCount(3)
	frames := make([]float32, 2*2*nc) // [2 frames][2 samples][columns]
	for k := range frames {
		frames[k] = float32(k%7) / 6
	}
	run := func(s Settings) *Result {
		t.Helper()
		s.Duration, s.Evals, s.Relax = 0.3, 4, 0.2
		res, err := Simulate(net, frames, 2, 2, s)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ref := run(Settings{Dt: 0.001})
	for _, s := range []Settings{{Method: "rk4", Dt: 0.01}, {Method: "dopri5", Rtol: 1e-6, Atol: 1e-8}, {Method: "dopri5", Shared: true}} {
		res := run(s)
		worst := 0.0
		for k := range res.Activity {
			worst = max(worst, math.Abs(float64(res.Activity[k]-ref.Activity[k])))
		}
		t.Logf("%+v: %v", s.Method, worst)
		if worst > solverTol {
			t.Errorf("%+v: differs from fine Euler by %v", s, worst)
		}
	}
	if got := len(ref.Activity); got != 4*2*net.Neurons() {
		t.Errorf("activity has %d values, want evals×batch×neurons", got)
	}
}

func TestSimulateSettings(t *testing.T) {
	net := smallNet(t)
	nc := ColumnCount(3)
	grey := make([]float32, nc)
	for k := range grey {
		grey[k] = 0.5
	}
	// Defaults: dt 0.02 over 1 s, 51 outputs, no warning.
	res, err := Simulate(net, grey, 1, 1, Settings{Record: []int{0, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Times) != 51 || res.Times[50] != 1 || len(res.Activity) != 51*2 || len(res.Warnings) != 0 {
		t.Errorf("defaults: %d times ending at %v, %d values, warnings %v", len(res.Times), res.Times[len(res.Times)-1], len(res.Activity), res.Warnings)
	}
	// Relaxed under the same grey: the stimulus leaves the state at rest.
	for k := range res.Times {
		if d := math.Abs(float64(res.At(k, 0)[0] - res.At(0, 0)[0])); d > 1e-4 {
			t.Fatalf("grey after grey relaxation drifts by %v at %v s", d, res.Times[k])
		}
	}
	res, err = Simulate(net, grey, 1, 1, Settings{Dt: 0.025, Record: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "above 1/50 s") {
		t.Errorf("dt 0.025: warnings %v", res.Warnings)
	}
	for _, c := range []struct {
		s    Settings
		x    []float32
		want string
	}{
		{Settings{Method: "leapfrog"}, grey, `unknown solver "leapfrog" (known: bosh3, dopri5, euler, rk4)`},
		{Settings{Dt: -1}, grey, "dt -1"},
		{Settings{Duration: math.NaN()}, grey, "duration NaN"},
		{Settings{Record: []int{net.Neurons()}}, grey, "recorded neuron"},
		{Settings{}, grey[:10], "input has 10 values"},
		{Settings{Params: &Params{}}, grey, "params have 0 tau"},
	} {
		_, err := Simulate(net, c.x, 1, 1, c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.s, err, c.want)
		}
	}
}

// Solving in windows of output times changes nothing for a fixed-step
// solver, with a movie whose frames change inside and at the windows'
// edges, recording all neurons or a few.
func TestSimulateWindows(t *testing.T) {
	net := smallNet(t)
	nc := ColumnCount(3)
	const frames, batch = 5, 2
	x := make([]float32, frames*batch*nc)
	for k := range x {
		x[k] = float32((k*7)%11) / 10
	}
	s := Settings{Duration: 0.3, Evals: 16, Relax: 0.1}
	whole, err := Simulate(net, x, frames, batch, s)
	if err != nil {
		t.Fatal(err)
	}
	defer func(v int) { maxWindowValues = v }(maxWindowValues)
	for _, per := range []int{1, 3, 7} {
		maxWindowValues = per * batch * net.Neurons()
		for _, rec := range [][]int{nil, {5, 0, net.Neurons() - 1}} {
			s.Record = rec
			res, err := Simulate(net, x, frames, batch, s)
			if err != nil {
				t.Fatal(err)
			}
			if res.Stats.RHSEvals != whole.Stats.RHSEvals {
				t.Errorf("windows of %d: %d evaluations, whole %d", per, res.Stats.RHSEvals, whole.Stats.RHSEvals)
			}
			for k := range res.Times {
				for b := 0; b < batch; b++ {
					got, all := res.At(k, b), whole.At(k, b)
					for j, i := range res.Record {
						if got[j] != all[i] {
							t.Fatalf("windows of %d, record %v: neuron %d sample %d at %v: %v, whole %v", per, rec, i, b, res.Times[k], got[j], all[i])
						}
					}
				}
			}
		}
	}
}

// A network still moving after the grey relaxation (here its L2–L4 loop
// made unstable) is warned about; flyvis's initial network is not.
func TestSimulateWarnsNotAtRest(t *testing.T) {
	net := smallNet(t)
	grey := make([]float32, ColumnCount(net.Extent))
	for i := range grey {
		grey[i] = 0.5
	}
	for _, scale := range []float32{1, 20} {
		p := net.DefaultParams(1)
		for _, q := range net.PairsAmong("L2", "L4") {
			p.Strength[q] *= scale
		}
		res, err := Simulate(net, grey, 1, 1, Settings{Record: []int{0}, Relax: 0.5, Params: &p})
		if err != nil {
			t.Fatal(err)
		}
		warned := len(res.Warnings) == 1 && strings.Contains(res.Warnings[0], "not at rest after 0.5 s of grey")
		if warned != (scale > 1) || len(res.Warnings) > 1 {
			t.Errorf("L2–L4 strengths ×%v: warnings %q", scale, res.Warnings)
		}
	}
	if MaxAbs([]float32{1, -3, 2}) != 3 || !math.IsNaN(MaxAbs([]float32{1, float32(math.NaN()), 5})) || MaxAbs[float32](nil) != 0 {
		t.Error("MaxAbs")
	}
}

// PairsAmong finds the lamina's L2–L4 loop: L2→L4, L4→L2 and L4→L4
// (flyvis's spec has no L2→L2), all excitatory.
func TestPairsAmong(t *testing.T) {
	net := smallNet(t)
	var got []string
	for _, q := range net.PairsAmong("L2", "L4", "no such type") {
		pr := net.Pairs[q]
		got = append(got, net.Spec.Types[pr.Source].Name+"→"+net.Spec.Types[pr.Target].Name)
		if pr.Sign != 1 {
			t.Errorf("%s: sign %d", got[len(got)-1], pr.Sign)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"L2→L4", "L4→L2", "L4→L4"}) {
		t.Errorf("pairs among L2 and L4: %v", got)
	}
	if q := net.PairsAmong("no such type"); q != nil {
		t.Errorf("pairs among an unknown type: %v", q)
	}
}
