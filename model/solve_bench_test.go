package model

import (
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// BenchmarkSolveDefault times the tutorial's solve alone (dopri5, 20
// outputs over [0, 1], batch 8) on the default connectome, with the model
// and the output built once outside the loop.
func BenchmarkSolveDefault(b *testing.B) {
	c := connectome.Default()
	idx := make([]int, 784)
	for k := range idx {
		idx[k] = (k * 61) % c.Neurons()
	}
	m, err := New(Config{W: c.W, Input: sparse.Identity(c.Neurons(), idx)}, 8)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	x := make([]float32, 8*784)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	if err := m.SetInput(x, 1, 0, 1); err != nil {
		b.Fatal(err)
	}
	n := c.Neurons()
	out := make([]float32, 20*8*n)
	p := ode.Problem[float32]{F: m.RHS, FBlocks: m.RHSThen, Dim: n, Batch: 8, Y0: make([]float32, n*8),
		T0: 0, T1: 1, Times: ode.Linspace(0, 1, 20)}
	for b.Loop() {
		st, err := ode.Solve(out, p, ode.Settings{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.RHSEvals), "evals")
	}
}
