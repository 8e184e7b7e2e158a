package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// The float32 fast path (parallel kernels, batch-8 kernels) and the
// float64 path used for finite differences compute the same gradients, to
// float32 precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	for _, batch := range []int{3, 8} {
		m := smallModel(t, smallOpts{neurons: 40, inputs: 6, outputs: 5, hidden: 6, classes: 3, phi: "sigmoid", proj: true, seed: 7})
		rs, _ := Solve{Method: "rk4", Steps: 6, LossAll: true}.resolve()
		rng := rand.New(rand.NewPCG(1, 1))
		x64, labels := randInput(rng, batch, m.Inputs, m.Classes)
		x32 := make([]float32, len(x64))
		for i, v := range x64 {
			x32[i] = float32(v)
		}
		n64 := newNet(m, toF64(m), batch, 1)
		l64, _, err := n64.forward(x64, labels, nil, rs)
		if err != nil {
			t.Fatal(err)
		}
		n64.backward()
		r := NewRunner(m, batch, 2)
		res, err := r.Forward(x32, labels, nil, Solve{Method: "rk4", Steps: 6, LossAll: true})
		if err != nil {
			t.Fatal(err)
		}
		r.Backward()
		if math.Abs(res.Loss-l64) > 1e-5*l64 {
			t.Errorf("batch %d: loss %v in float32, %v in float64", batch, res.Loss, l64)
		}
		for i, g := range r.Grads {
			scale := 0.0
			for _, v := range n64.g[i] {
				scale = max(scale, math.Abs(v))
			}
			for k, v := range g {
				if math.Abs(float64(v)-n64.g[i][k]) > 1e-4*scale {
					t.Errorf("batch %d: %s[%d]: %v in float32, %v in float64", batch, paramNames[i], k, v, n64.g[i][k])
				}
			}
		}
		r.Close()
		n64.close()
	}
}

// The forward pass integrates the same right-hand side as model.ODERNN
// solved by ode.Solve.
func TestForwardMatchesModelPackage(t *testing.T) {
	for _, method := range []string{"euler", "rk4"} {
		for _, dale := range []bool{false, true} {
			m := smallModel(t, smallOpts{neurons: 30, inputs: 5, outputs: 4, hidden: 4, classes: 3, phi: "tanh", dale: dale, seed: 3})
			const batch = 4
			rng := rand.New(rand.NewPCG(2, 2))
			x := make([]float32, batch*m.Inputs)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			r := NewRunner(m, batch, 1)
			if _, err := r.Forward(x, []int{0, 1, 2, 0}, nil, Solve{Method: method, Steps: 10}); err != nil {
				t.Fatal(err)
			}
			got := r.nt.ys[10]
			mm, err := model.New(model.Config{W: m.W, Input: m.Input, Bias: m.Bias, TauNeuron: m.Tau,
				Nonlinearity: m.Nonlinearity, Dale: m.Dale, Sign: m.Sign}, batch)
			if err != nil {
				t.Fatal(err)
			}
			if err := mm.SetInput(x, 1, 0, 1); err != nil {
				t.Fatal(err)
			}
			out := make([]float32, batch*m.Neurons)
			p := ode.Problem[float32]{F: mm.RHS, Dim: m.Neurons, Batch: batch, Y0: make([]float32, batch*m.Neurons), T0: 0, T1: 1, Times: []float64{1}}
			if _, err := ode.Solve(out, p, ode.Settings{Method: method, Steps: 10}); err != nil {
				t.Fatal(err)
			}
			for s := 0; s < batch; s++ {
				for i := 0; i < m.Neurons; i++ {
					if d := math.Abs(float64(got[i*batch+s] - out[s*m.Neurons+i])); d > 1e-5 {
						t.Fatalf("%s dale=%v: neuron %d sample %d: %v here, %v by model+ode", method, dale, i, s, got[i*batch+s], out[s*m.Neurons+i])
					}
				}
			}
			mm.Close()
			r.Close()
		}
	}
}

// Memory grows by one state per step when checkpointing, and by
// 1 + stages states per step with StoreZ.
func TestMemoryPerStep(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 20, inputs: 4, outputs: 3, hidden: 4, classes: 3, phi: "sigmoid", seed: 1})
	const batch = 2
	x := make([]float32, batch*m.Inputs)
	state := int64(m.Neurons * batch * 4)
	for _, c := range []struct {
		s        Solve
		perStep  int64
		stepsPer int
	}{
		{Solve{Method: "rk4", Steps: 10}, 1, 10},
		{Solve{Method: "euler", Steps: 10, StoreZ: true}, 2, 10},
		{Solve{Method: "rk4", Steps: 10, StoreZ: true}, 5, 10},
	} {
		bytes := func(steps int) int64 {
			r := NewRunner(m, batch, 1)
			defer r.Close()
			s := c.s
			s.Steps = steps
			if _, err := r.Forward(x, []int{0, 1}, nil, s); err != nil {
				t.Fatal(err)
			}
			return r.StateBytes()
		}
		if d := bytes(20) - bytes(10); d != c.perStep*10*state {
			t.Errorf("%+v: 10 more steps take %d bytes, want %d states of %d", c.s, d, c.perStep*10, state)
		}
	}
}
