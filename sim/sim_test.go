package sim

import (
	"math"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/model/modeltest"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// fixture is a reference case of PyTorch and SciPy (package modeltest).
type fixture struct{ modeltest.Fixture }

func loadFixtures(t *testing.T) []fixture {
	var fs []fixture
	for _, f := range modeltest.Load(t, "../model/testdata") {
		fs = append(fs, fixture{f})
	}
	return fs
}

// config returns the fixture's model configuration.
func (f *fixture) config(t *testing.T) model.Config {
	t.Helper()
	phi, err := model.ParseNonlinearity(f.Nonlinearity)
	if err != nil {
		t.Fatal(err)
	}
	cfg := model.Config{W: f.W(), Input: sparse.Identity(f.N, f.Indices), Bias: f.Bias,
		Nonlinearity: phi, Dale: f.Dale, Sign: f.Sign}
	cfg.Tau, cfg.TauNeuron = f.TimeConstants(t)
	return cfg
}

func (f *fixture) model(t *testing.T) *model.ODERNN {
	t.Helper()
	m, err := model.New(f.config(t), f.Batch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func (f *fixture) input() Input { return Input{X: f.X, Frames: f.Frames, T0: f.T0, T1: f.T1} }

func (f *fixture) run(t *testing.T, r Readout, s Settings) *Result {
	t.Helper()
	if s.Times == nil {
		s.Times = ode.Linspace(f.T0, f.T1, f.Evals)
	}
	res, err := Run(f.model(t), f.input(), r, s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rk4Tol is model's tolerance against PyTorch's RK4: the same float32
// arithmetic up to the order of sums and a few ulp of sigmoid and tanh.
const rk4Tol = 1e-5

func TestRunMatchesPyTorchRK4(t *testing.T) {
	for _, f := range loadFixtures(t) {
		res := f.run(t, Readout{}, Settings{Solver: ode.Settings{Method: "rk4", Steps: f.Steps}})
		worst := 0.0
		for k, v := range res.Activity {
			worst = max(worst, math.Abs(float64(v)-f.RK4[k]))
		}
		if worst > rk4Tol {
			t.Errorf("%s: rk4 differs from PyTorch by %g > %g", f.Name, worst, rk4Tol)
		}
	}
}

// TestRunDopri5WithinTolerance holds the default adaptive solve to SciPy's
// float64 solution within the bound of model's test (5× the tolerances
// times the solution's scale).
func TestRunDopri5WithinTolerance(t *testing.T) {
	for _, f := range loadFixtures(t) {
		res := f.run(t, Readout{}, Settings{})
		worst, scale := 0.0, 0.0
		for k, v := range res.Activity {
			scale = max(scale, math.Abs(f.Exact[k]))
			worst = max(worst, math.Abs(float64(v)-f.Exact[k]))
		}
		if bound := 5 * (ode.DefaultRtol*scale + ode.DefaultAtol); worst > bound {
			t.Errorf("%s: dopri5 off SciPy by %g > %g", f.Name, worst, bound)
		}
	}
}

// TestRunIsOdeSolve: Run gives bit for bit what ode.Solve gives on the
// model's right-hand side with Derivative as its fused form.
func TestRunIsOdeSolve(t *testing.T) {
	f := loadFixtures(t)[0]
	times := ode.Linspace(f.T0, f.T1, f.Evals)
	m := f.model(t)
	if err := m.SetInput(f.X, f.Frames, f.T0, f.T1); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, f.Evals*f.Batch*f.N)
	st, err := ode.Solve(want, ode.Problem[float32]{F: m.RHS, FBlocks: m.Derivative, Dim: f.N, Batch: f.Batch, T0: f.T0, T1: f.T1,
		Times: times, Breaks: m.Breaks(), Segment: m.SetSegment}, ode.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	evals := 0
	res := f.run(t, Readout{}, Settings{Progress: func(_ float64, n int) { evals = n }})
	for k := range want {
		if res.Activity[k] != want[k] {
			t.Fatalf("value %d: Run %v, ode.Solve %v", k, res.Activity[k], want[k])
		}
	}
	if res.Stats.RHSEvals != st.RHSEvals || evals != st.RHSEvals {
		t.Errorf("Run: %d evaluations (progress %d), ode.Solve %d", res.Stats.RHSEvals, evals, st.RHSEvals)
	}
	if &res.States[0] != &res.Activity[0] || res.Seconds <= 0 {
		t.Errorf("whole time-first readout: States should be Activity; %v s", res.Seconds)
	}
	for i := 0; i < f.N; i++ { // Last is the final state, [n][batch]
		for b := 0; b < f.Batch; b++ {
			if res.Last[i*f.Batch+b] != res.At(f.Evals-1, b)[i] {
				t.Fatalf("Last[%d, %d] is not the last output", i, b)
			}
		}
	}
}

// TestReadouts: a subset of neurons, a projection with bias and the
// batch-first layout are the whole state read out afterwards.
func TestReadouts(t *testing.T) {
	f := loadFixtures(t)[0]
	fixed := Settings{Solver: ode.Settings{Method: "euler", Steps: 30}}
	whole := f.run(t, Readout{}, fixed)
	neurons := []int{f.N - 1, 0, 7, 7}
	coo := sparse.NewCOO(2, f.N, 3)
	coo.Add(0, 3, 2)
	coo.Add(0, 5, -1)
	coo.Add(1, f.N-1, 0.5)
	proj, bias := coo.ToCSR(), []float32{0.25, -1}
	for _, c := range []struct {
		name string
		r    Readout
		want func(h []float32) []float32
	}{
		{"neurons", Readout{Neurons: neurons}, func(h []float32) []float32 {
			return []float32{h[f.N-1], h[0], h[7], h[7]}
		}},
		{"projection", Readout{Projection: proj, Bias: bias}, func(h []float32) []float32 {
			return []float32{2*h[3] - h[5] + 0.25, 0.5*h[f.N-1] - 1}
		}},
		{"batch-first", Readout{BatchFirst: true}, func(h []float32) []float32 { return h }},
		{"neurons batch-first", Readout{Neurons: neurons, BatchFirst: true}, func(h []float32) []float32 {
			return []float32{h[f.N-1], h[0], h[7], h[7]}
		}},
	} {
		res := f.run(t, c.r, fixed)
		if got := res.Shape(); c.r.BatchFirst != (got[0] == f.Batch) || got[2] != res.Width {
			t.Errorf("%s: shape %v", c.name, got)
		}
		for k := 0; k < f.Evals; k++ {
			for b := 0; b < f.Batch; b++ {
				got, want := res.At(k, b), c.want(whole.At(k, b))
				for j := range want {
					if math.Abs(float64(got[j]-want[j])) > 1e-6 {
						t.Fatalf("%s: time %d sample %d value %d: %v, want %v", c.name, k, b, j, got[j], want[j])
					}
				}
			}
		}
		if c.r.BatchFirst {
			tt := res.SampleTimes()
			if tt[1] != float32(res.Times[1]) || tt[f.Evals] != float32(res.Times[0]) {
				t.Errorf("%s: sample times %v are not [batch][times]", c.name, tt[:f.Evals+1])
			}
		}
	}
}

// TestWindows: a readout of few neurons solved in windows of output times
// gives a fixed-step solve's values and work unchanged.
func TestWindows(t *testing.T) {
	f := loadFixtures(t)[0]
	fixed := Settings{Solver: ode.Settings{Method: "rk4", Dt: 0.03}}
	rec := Readout{Neurons: []int{3, 0, f.N - 1}}
	whole := f.run(t, rec, fixed)
	for _, per := range []int{1, 2, 3} {
		s := fixed
		s.MaxValues = per * f.Batch * f.N
		res := f.run(t, rec, s)
		if res.States != nil || res.Stats.RHSEvals != whole.Stats.RHSEvals {
			t.Errorf("windows of %d: States kept %v, %d evaluations, whole %d", per, res.States != nil, res.Stats.RHSEvals, whole.Stats.RHSEvals)
		}
		for k, v := range res.Activity {
			if v != whole.Activity[k] {
				t.Fatalf("windows of %d: value %d is %v, whole %v", per, k, v, whole.Activity[k])
			}
		}
	}
}

func TestRunErrors(t *testing.T) {
	f := loadFixtures(t)[0]
	times := ode.Linspace(f.T0, f.T1, f.Evals)
	wide := sparse.NewCOO(1, f.N+1, 0).ToCSR()
	for _, c := range []struct {
		in   Input
		r    Readout
		s    Settings
		want string
	}{
		{f.input(), Readout{Neurons: []int{f.N}}, Settings{Times: times}, "outside"},
		{f.input(), Readout{Projection: wide}, Settings{Times: times}, "columns"},
		{f.input(), Readout{Bias: []float32{1}}, Settings{Times: times}, "without an output projection"},
		{f.input(), Readout{}, Settings{Times: times, Y0: make([]float32, 3)}, "initial state"},
		{f.input(), Readout{}, Settings{Times: []float64{f.T1 + 1}}, "output time 0"},
		{Input{X: f.X[:3], Frames: 1, T0: f.T0, T1: f.T1}, Readout{}, Settings{Times: times}, "input"},
		{Input{T0: 1, T1: 1}, Readout{}, Settings{}, "need finite t0 < t1"},
		{f.input(), Readout{}, Settings{Times: times, Solver: ode.Settings{Method: "heun"}}, "unknown solver"},
	} {
		_, err := Run(f.model(t), c.in, c.r, c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.r, err, c.want)
		}
	}
}

func TestAdaptive(t *testing.T) {
	for _, c := range []struct {
		s    ode.Settings
		want bool
	}{
		{ode.Settings{}, true}, {ode.Settings{Method: "DOPRI5"}, true}, {ode.Settings{Method: "dopri5", Steps: 3}, false},
		{ode.Settings{Method: "dopri5", Dt: 0.1}, false}, {ode.Settings{Method: "rk4"}, false}, {ode.Settings{Method: "euler"}, false},
	} {
		if got := Adaptive(c.s); got != c.want {
			t.Errorf("Adaptive(%+v) = %v", c.s, got)
		}
	}
}

func TestRange(t *testing.T) {
	r := &Result{Activity: []float32{3, -1, 2, 7, 0}}
	if lo, hi := r.Range(); lo != -1 || hi != 7 {
		t.Errorf("range %v %v", lo, hi)
	}
	if lo, hi := (&Result{}).Range(); !math.IsInf(float64(lo), 1) || !math.IsInf(float64(hi), -1) {
		t.Errorf("empty range %v %v", lo, hi)
	}
}
