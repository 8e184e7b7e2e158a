package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

// TestTrainableMatchesODERNN: the trainable connectome ODE RNN computes
// the same right-hand side as the one neuropil simulate runs, for plain,
// chained and dale variants with per-type tau, so that a model trained
// with one runs the same in the other.
func TestTrainableMatchesODERNN(t *testing.T) {
	const n, inputs, batch = 60, 5, 3
	rng := rand.New(rand.NewPCG(3, 4))
	w := sparse.RandomExact(n, n, 500, 0.5, 7, func(r *rand.Rand) float32 { return float32(r.NormFloat64() * 0.3) })
	idx := make([]int, inputs)
	for k := range idx {
		idx[k] = rng.IntN(n)
	}
	in := sparse.Identity(n, idx)
	bias, types := make([]float32, n), make([]int32, n)
	sign := make([]int8, n)
	for i := range bias {
		bias[i] = float32(rng.NormFloat64() * 0.1)
		types[i] = int32(i % 3)
		sign[i] = 1
		if i%4 == 0 {
			sign[i] = -1
		}
	}
	tauType := []float32{0.5, 1, 2}
	x := make([]float32, batch*inputs) // [batch][inputs]
	h := make([]float32, n*batch)      // [neurons][batch]
	for i := range x {
		x[i] = rng.Float32()
	}
	for i := range h {
		h[i] = float32(rng.NormFloat64() * 0.5)
	}
	for _, c := range []struct {
		name string
		phi  Nonlinearity
		dale bool
	}{{"sigmoid", Nonlinearity{Sigmoid}, false}, {"tanh,relu", Nonlinearity{Tanh, ReLU}, false}, {"dale", Nonlinearity{Sigmoid}, true}} {
		hh := append([]float32(nil), w.Val...)
		if c.dale {
			for k := range hh {
				hh[k] = float32(math.Abs(float64(hh[k])))
			}
		}
		wm := &sparse.CSR{Rows: n, Cols: n, RowPtr: w.RowPtr, ColIdx: w.ColIdx, Val: hh}
		sim, err := New(Config{W: wm, Input: in, Bias: bias, Nonlinearity: c.phi, TauType: tauType, NeuronType: types, Dale: c.dale, Sign: sign}, batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := sim.SetInput(x, 1, 0, 1); err != nil {
			t.Fatal(err)
		}
		tr, err := NewTrainable(TrainableConfig[float32]{W: w, Input: in, HH: hh, IH: append([]float32(nil), in.Val...),
			Bias: bias, Tau: append([]float32(nil), tauType...), NeuronType: types, Nonlinearity: c.phi, Dale: c.dale, Sign: sign}, batch)
		if err != nil {
			t.Fatal(err)
		}
		tr.Sync()
		tr.SetInput(x)
		a, b := make([]float32, n*batch), make([]float32, n*batch)
		sim.Derivative(a, h, make([]float64, batch), nil)
		tr.Eval(0, b, h, make([]float64, batch), Forward)
		for i := range a {
			if d := math.Abs(float64(a[i] - b[i])); d > 1e-5*(1+math.Abs(float64(a[i]))) {
				t.Fatalf("%s: dh/dt[%d] simulation %v, trainable %v", c.name, i, a[i], b[i])
			}
		}
		sim.Close()
		tr.Close()
	}
}
