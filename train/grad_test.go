package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
)

// smallConfig returns a random small classifier for gradient checks.
type smallOpts struct {
	neurons, inputs, outputs, hidden, classes int
	phi                                       string
	dale, perType, proj                       bool
	dropout                                   float64
	seed                                      uint64
}

func smallModel(t testing.TB, o smallOpts) *Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(o.seed, 7))
	n := o.neurons
	w := sparse.Random(n, n, 4*n, 0.5, o.seed, func(r *rand.Rand) float32 { return float32(r.NormFloat64() * 0.6) })
	phi, err := model.ParseNonlinearity(o.phi)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{W: w, Inputs: o.inputs, Outputs: o.outputs, Hidden: o.hidden, Classes: o.classes,
		Nonlinearity: phi, Dale: o.dale, OutputProjection: o.proj, Dropout: o.dropout, Seed: o.seed}
	if o.dale {
		cfg.Sign = make([]int8, n)
		for i := range cfg.Sign {
			cfg.Sign[i] = int8(1 - 2*rng.IntN(2))
		}
		for k, v := range w.Val {
			w.Val[k] = float32(math.Abs(float64(v)))
		}
	}
	if o.perType {
		cfg.TauPerType = true
		cfg.NeuronType = make([]int32, n)
		for i := range cfg.NeuronType {
			cfg.NeuronType[i] = int32(rng.IntN(3))
		}
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Move every parameter off its default so that no gradient is special.
	for k := range m.Input.Val {
		m.Input.Val[k] = float32(0.5 + rng.Float64())
	}
	for i := range m.Bias {
		m.Bias[i] = float32(rng.NormFloat64() * 0.3)
	}
	for i := range m.Tau {
		m.Tau[i] = float32(0.3 + rng.Float64())
	}
	if o.proj {
		for k := range m.Out.Val {
			m.Out.Val[k] = float32(0.5 + rng.Float64())
		}
		for k := range m.OutBias {
			m.OutBias[k] = float32(rng.NormFloat64() * 0.1)
		}
	}
	for i := range m.FC1 {
		m.FC1[i] *= 3
	}
	for i := range m.FC2 {
		m.FC2[i] *= 3
	}
	for i := range m.B1 {
		m.B1[i] = float32(0.5 + rng.Float64()) // keep the ReLUs alive
	}
	return m
}

func toF64(m *Model) [numParams][]float64 {
	var p [numParams][]float64
	for i, v := range m.Params() {
		p[i] = make([]float64, len(v))
		for k, x := range v {
			p[i][k] = float64(x)
		}
	}
	return p
}

func randInput(rng *rand.Rand, batch, inputs, classes int) ([]float64, []int) {
	x := make([]float64, batch*inputs)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	l := make([]int, batch)
	for i := range l {
		l[i] = rng.IntN(classes)
	}
	return x, l
}

// Tolerances of the float64 finite-difference checks: central differences
// with step fdEps have truncation error ~eps²·f”' (1e-12 here) and
// rounding error ~1e-16/eps; the agreement is limited by the latter.
const (
	fdEps = 1e-6
	fdAbs = 1e-7
	fdRel = 1e-5
)

// checkGrad compares every gradient entry of the float64 pass with central
// finite differences through the same steps.
func checkGrad(t *testing.T, m *Model, s Solve, batch int, dropout bool) {
	t.Helper()
	rs, err := s.resolve()
	if err != nil {
		t.Fatal(err)
	}
	nt := newNet(m, toF64(m), batch, 2)
	defer nt.close()
	rng := rand.New(rand.NewPCG(3, 4))
	x, labels := randInput(rng, batch, m.Inputs, m.Classes)
	var mask []float64
	if dropout {
		mask = make([]float64, rs.Evals*m.Hidden*batch)
		for i := range mask {
			if rng.Float64() >= 0.3 {
				mask[i] = 1 / 0.7
			}
		}
	}
	loss, _, err := nt.forward(x, labels, mask, rs)
	if err != nil {
		t.Fatal(err)
	}
	nt.backward()
	grads := make([][]float64, numParams)
	for i := range grads {
		grads[i] = append([]float64(nil), nt.g[i]...)
	}
	for i, g := range grads {
		big := 0.0
		for _, v := range g {
			big = max(big, math.Abs(v))
		}
		if len(g) > 0 && big < 1e-6 {
			t.Errorf("%s: all %d gradient entries vanish (largest %g): the check would be empty", paramNames[i], len(g), big)
		}
	}
	replay := rs
	replay.replay = rs.adapt
	steps := len(nt.hs)
	checked := 0
	for i := range grads {
		for k := range nt.p[i] {
			v := nt.p[i][k]
			nt.p[i][k] = v + fdEps
			lp, _, err1 := nt.forward(x, labels, mask, replay)
			nt.p[i][k] = v - fdEps
			lm, _, err2 := nt.forward(x, labels, mask, replay)
			nt.p[i][k] = v
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if len(nt.hs) != steps {
				t.Fatalf("replay took %d steps, forward %d", len(nt.hs), steps)
			}
			fd := (lp - lm) / (2 * fdEps)
			g := grads[i][k]
			if math.Abs(fd-g) > fdAbs+fdRel*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %.10g, finite difference %.10g", paramNames[i], k, g, fd)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Fatalf("only %d entries checked", checked)
	}
	if loss == 0 {
		t.Fatal("zero loss")
	}
	t.Logf("%d entries, %d steps, loss %.6f", checked, steps, loss)
}

func TestGradientFiniteDifferences(t *testing.T) {
	opts := []smallOpts{
		{neurons: 10, inputs: 6, outputs: 4, hidden: 5, classes: 3, phi: "sigmoid", proj: true, seed: 1},
		{neurons: 9, inputs: 5, outputs: 3, hidden: 4, classes: 3, phi: "tanh", dale: true, perType: true, seed: 2},
		{neurons: 8, inputs: 4, outputs: 3, hidden: 4, classes: 2, phi: "softplus,tanh", proj: true, perType: true, seed: 3},
		{neurons: 8, inputs: 4, outputs: 5, hidden: 3, classes: 3, phi: "elu", dale: true, seed: 4},
	}
	solves := []Solve{
		{Method: "euler", Steps: 7},
		{Method: "rk4", Steps: 4, LossAll: true},
		{Method: "dopri5", Rtol: 1e-4, Atol: 1e-6, T1: 2},
		{Method: "dopri5", Shared: true, LossAll: true, Evals: 4},
		{Method: "euler", Dt: 0.15, LossAll: true, StoreZ: true},
		{Method: "rk4", Steps: 3, StoreZ: true},
		{Method: "bosh3", Rtol: 1e-4, Atol: 1e-6, T1: 2},
		{Method: "bosh3", Shared: true, LossAll: true, Evals: 3},
		{Method: "bosh3", Steps: 4, StoreZ: true},
	}
	for oi, o := range opts {
		for si, s := range solves {
			for _, batch := range []int{3, 8} {
				if batch == 8 && (oi+si)%2 == 1 {
					continue
				}
				t.Run(fmt.Sprintf("model%d/%s%d/batch%d", oi, s.Method, si, batch), func(t *testing.T) {
					checkGrad(t, smallModel(t, o), s, batch, si%2 == 0)
				})
			}
		}
	}
}
