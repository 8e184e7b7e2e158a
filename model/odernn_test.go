package model

import (
	"math"
	"slices"

	"testing"

	"github.com/neuropil/neuropil/model/modeltest"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// fixture is a reference case of PyTorch and SciPy (package modeltest).
type fixture struct{ modeltest.Fixture }

func loadFixtures(t *testing.T) []fixture {
	var fs []fixture
	for _, f := range modeltest.Load(t, "testdata") {
		fs = append(fs, fixture{f})
	}
	return fs
}

func (f *fixture) model(t *testing.T) *ODERNN {
	phi, err := ParseNonlinearity(f.Nonlinearity)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{W: f.W(), Input: sparse.Identity(f.N, f.Indices), Bias: f.Bias,
		Nonlinearity: phi, Dale: f.Dale, Sign: f.Sign}
	cfg.Tau, cfg.TauNeuron = f.TimeConstants(t)
	m, err := New(cfg, f.Batch)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetInput(f.X, f.Frames, f.T0, f.T1); err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) solve(t *testing.T, s ode.Settings) []float32 {
	m := f.model(t)
	defer m.Close()
	out := make([]float32, f.Evals*f.Batch*f.N)
	p := ode.Problem[float32]{F: m.RHS, Dim: f.N, Batch: f.Batch, Y0: make([]float32, f.N*f.Batch),
		T0: f.T0, T1: f.T1, Times: ode.Linspace(f.T0, f.T1, f.Evals),
		Breaks: m.Breaks(), Segment: m.SetSegment}
	if _, err := ode.Solve(out, p, s); err != nil {
		t.Fatal(err)
	}
	return out
}

// rk4Tol: the same float32 arithmetic as PyTorch up to the order of sums
// and the few ulp of vec.Sigmoid and vec.Tanh, over 20–30 steps of values below 1.5.
const rk4Tol = 1e-5

func TestODERNNMatchesPyTorchRK4(t *testing.T) {
	for _, f := range loadFixtures(t) {
		got := f.solve(t, ode.Settings{Method: "rk4", Steps: f.Steps})
		worst := 0.0
		for k := range got {
			worst = max(worst, math.Abs(float64(got[k])-f.RK4[k]))
		}
		t.Logf("%s: max |neuropil − torch| = %.2g", f.Name, worst)
		if worst > rk4Tol {
			t.Errorf("%s: rk4 differs from PyTorch by %g > %g", f.Name, worst, rk4Tol)
		}
	}
}

func TestODERNNDopri5WithinTolerance(t *testing.T) {
	for _, f := range loadFixtures(t) {
		for _, shared := range []bool{false, true} {
			got := f.solve(t, ode.Settings{Shared: shared})
			worst, scale := 0.0, 0.0
			for k := range got {
				scale = max(scale, math.Abs(f.Exact[k]))
				worst = max(worst, math.Abs(float64(got[k])-f.Exact[k]))
			}
			t.Logf("%s shared=%v: max abs err %.3g, max |y| %.3g", f.Name, shared, worst, scale)
			// The controller bounds the RMS local error per step by
			// rtol·|y| + atol (defaults 1e-3, 1e-6); the global error is a
			// small multiple of rtol times the solution's scale (up to 2.5×
			// here, where ELU's kink makes the right-hand side non-smooth).
			worst /= 5 * (1e-3*scale + 1e-6)
			t.Logf("%s shared=%v: worst error / bound = %.2g", f.Name, shared, worst)
			if worst > 1 {
				t.Errorf("%s shared=%v: dopri5 off the float64 reference by %.2g× the bound", f.Name, shared, worst)
			}
		}
	}
}

func TestRHSAllocatesNothing(t *testing.T) {
	f := loadFixtures(t)[0]
	m := f.model(t)
	defer m.Close()
	h := make([]float32, f.N*f.Batch)
	dh := make([]float32, f.N*f.Batch)
	ts := make([]float64, f.Batch)
	if n := testing.AllocsPerRun(10, func() { m.RHS(dh, h, ts) }); n != 0 {
		t.Errorf("RHS allocates %v times", n)
	}
}

func TestNonlinearities(t *testing.T) {
	ref := map[Activation]func(float64) float64{
		Sigmoid:   func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
		Tanh:      math.Tanh,
		ReLU:      func(x float64) float64 { return max(x, 0) },
		Softplus:  func(x float64) float64 { return math.Log1p(math.Exp(x)) },
		ELU:       func(x float64) float64 { return map[bool]float64{true: x, false: math.Expm1(x)}[x > 0] },
		LeakyReLU: func(x float64) float64 { return map[bool]float64{true: x, false: 0.01 * x}[x > 0] },
		Identity:  func(x float64) float64 { return x },
	}
	for a, f := range ref {
		for x := -30.0; x <= 30; x += 0.01 {
			v := []float32{float32(x)}
			a.apply(v)
			want := f(float64(float32(x)))
			if d := math.Abs(float64(v[0]) - want); d > 4e-7*max(1, math.Abs(want)) {
				t.Fatalf("%v(%v) = %v, want %v", a, x, v[0], want)
			}
		}
	}
	for x := -87.0; x < 88; x += 0.001 {
		got, want := float64(exp32(float32(x))), math.Exp(float64(float32(x)))
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("exp32(%v) = %v, want %v", x, got, want)
		}
	}
	if _, err := ParseNonlinearity("Sigmoid, ReLU"); err != nil {
		t.Error(err)
	}
	if _, err := ParseNonlinearity("swish"); err == nil {
		t.Error("unknown nonlinearity accepted")
	}
}

func TestNewRejectsBadData(t *testing.T) {
	w := sparse.Random(10, 10, 30, 0, 1, nil)
	bad := []Config{
		{W: sparse.Random(10, 11, 30, 0, 1, nil)},
		{W: w, Bias: make([]float32, 9)},
		{W: w, TauNeuron: make([]float32, 10)},
		{W: w, Dale: true},
		{W: w, Input: sparse.Identity(9, []int{1})},
		{W: &sparse.CSR{Rows: 1, Cols: 1, RowPtr: []int32{0, 1}, ColIdx: []int32{0}, Val: []float32{float32(math.NaN())}}},
	}
	for i, c := range bad {
		if m, err := New(c, 2); err == nil {
			m.Close()
			t.Errorf("config %d accepted", i)
		}
	}
	m, err := New(Config{W: w, Input: sparse.Identity(10, []int{1, 2})}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.SetInput([]float32{1, 2, 3}, 1, 0, 1); err == nil {
		t.Error("wrong input length accepted")
	}
	if err := m.SetInput([]float32{1, 2, 3, float32(math.NaN())}, 1, 0, 1); err == nil {
		t.Error("NaN input accepted")
	}
}

// TestStepIsUnitEuler checks the discrete ConnectomeRNN step against its
// definition h' = (1/tau) r + (1 − 1/tau) h.
func TestStepIsUnitEuler(t *testing.T) {
	w := sparse.Random(20, 20, 80, 0, 4, nil)
	m, err := New(Config{W: w, Input: sparse.Identity(20, []int{3, 5}), Tau: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	h := make([]float32, 20)
	for i := range h {
		h[i] = float32(i) / 20
	}
	x := []float32{1, -1}
	next := make([]float32, 20)
	if err := m.Step(next, h, x); err != nil {
		t.Fatal(err)
	}
	wh := make([]float32, 20)
	sparse.MulTo(wh, w, h, 1)
	for i := range h {
		z := float64(wh[i])
		if i == 3 {
			z += 1
		}
		if i == 5 {
			z -= 1
		}
		want := 0.5/(1+math.Exp(-z)) + 0.5*float64(h[i])
		if math.Abs(float64(next[i])-want) > 1e-6 {
			t.Fatalf("neuron %d: %v, want %v", i, next[i], want)
		}
	}
}

// TestRHSBatches checks the right-hand side against a float64 evaluation
// of its definition at batches that take the vectorised paths of the
// elementwise work (multiples of 8) and some that do not, with bias,
// per-neuron time constants and two input frames, the samples in the same
// frame and in different ones, for an input projection that drives few
// neurons (added on those rows only) and one that drives all. The
// evaluation allocates nothing.
func TestRHSBatches(t *testing.T) {
	const n, inputs, frames = 300, 5, 2
	w := sparse.Random(n, n, 3000, 0, 11, nil)
	bias := make([]float32, n)
	tau := make([]float32, n)
	for i := range bias {
		bias[i] = float32(i%7) / 10
		tau[i] = 0.5 + float32(i%5)/4
	}
	projections := map[string]*sparse.CSR{
		"few":   sparse.Identity(n, []int{0, 7, 99, 150, 299}),
		"dense": sparse.Random(n, inputs, 4*n, 0, 12, nil),
	}
	for pname, win := range projections {
		for _, phi := range []Nonlinearity{{Sigmoid}, {Tanh}, {Tanh, ReLU}} {
			for _, batch := range []int{1, 5, 8, 16, 24} {
				m, err := New(Config{W: w, Input: win, Bias: bias, TauNeuron: tau, Nonlinearity: phi}, batch)
				if err != nil {
					t.Fatal(err)
				}
				if (m.driven != nil) != (pname == "few") {
					t.Errorf("%s projection: driven rows %v", pname, m.driven)
				}
				x := make([]float32, frames*batch*inputs)
				for k := range x {
					x[k] = float32(k%11) - 5
				}
				if err := m.SetInput(x, frames, 0, 1); err != nil {
					t.Fatal(err)
				}
				drive := make([][]float32, frames) // [frame][neurons][batch]
				for f := range drive {
					xf := make([]float32, inputs*batch)
					for s := 0; s < batch; s++ {
						for k := 0; k < inputs; k++ {
							xf[k*batch+s] = x[(f*batch+s)*inputs+k]
						}
					}
					drive[f] = make([]float32, n*batch)
					sparse.MulTo(drive[f], win, xf, batch)
				}
				h := make([]float32, n*batch)
				for k := range h {
					h[k] = float32(k%13)/13 - 0.4
				}
				wh := make([]float32, n*batch)
				sparse.MulTo(wh, w, h, batch)
				for _, split := range []bool{false, true} {
					ts := make([]float64, batch)
					for s := range ts {
						ts[s] = 0.75 // frame 1
						if split && s%2 == 1 {
							ts[s] = 0.25
						}
					}
					dh := make([]float32, n*batch)
					m.RHS(dh, h, ts)
					for i := 0; i < n; i++ {
						for s := 0; s < batch; s++ {
							j := i*batch + s
							z := float64(wh[j]) + float64(bias[i]) + float64(drive[m.Frame(ts[s])][j])
							for _, a := range phi {
								switch a {
								case Sigmoid:
									z = 1 / (1 + math.Exp(-z))
								case Tanh:
									z = math.Tanh(z)
								case ReLU:
									z = max(z, 0)
								}
							}
							want := (z - float64(h[j])) / float64(tau[i])
							if math.Abs(float64(dh[j])-want) > 1e-6*(1+math.Abs(want)) {
								t.Fatalf("%s projection, %v, batch %d, split %v: dh[%d][%d] = %v, want %v", pname, phi, batch, split, i, s, dh[j], want)
							}
						}
					}
					if a := testing.AllocsPerRun(5, func() { m.RHS(dh, h, ts) }); a != 0 {
						t.Errorf("%s projection, batch %d: RHS allocates %v times", pname, batch, a)
					}
				}
				m.Close()
			}
		}
	}
}

// TestDaleSignedWeights: with dale, a signed matrix whose signs agree with
// the neuron table gives the network of its magnitudes (inhibition kept,
// not clamped to 0); one whose signs disagree is bioplnn's raw parameter,
// whose negative entries are clamped, and DaleMagnitudes counts them.
func TestDaleSignedWeights(t *testing.T) {
	// 3 neurons; neuron 1 inhibitory.
	sign := []int8{1, -1, 1}
	mag := &sparse.CSR{Rows: 3, Cols: 3, RowPtr: []int32{0, 2, 3, 4}, ColIdx: []int32{0, 1, 1, 2}, Val: []float32{0.5, 2, 1, 3}}
	signed := mag.Clone()
	for k, j := range signed.ColIdx {
		signed.Val[k] *= float32(sign[j])
	}
	a, err := New(Config{W: mag, Dale: true, Sign: sign}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(Config{W: signed, Dale: true, Sign: sign}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !slices.Equal(a.Weights().Val, b.Weights().Val) || !slices.Equal(b.Weights().Val, signed.Val) {
		t.Errorf("effective weights from magnitudes %v, from signed weights %v; want %v", a.Weights().Val, b.Weights().Val, signed.Val)
	}
	if _, n, _ := DaleMagnitudes(signed, sign); n != 0 {
		t.Errorf("consistent signed weights: %d clamped, want 0", n)
	}
	raw := signed.Clone()
	raw.Val[0] = -0.5 // from excitatory neuron 0: disagrees, so the matrix is a raw parameter
	c, err := New(Config{W: raw, Dale: true, Sign: sign}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, n, _ := DaleMagnitudes(raw, sign); n != 3 || !slices.Equal(c.Weights().Val, []float32{0, 0, 0, 3}) {
		t.Errorf("raw parameter: %d clamped, effective %v; want 3 clamped, the negative entries 0", n, c.Weights().Val)
	}
}
