package model

import (
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/sparse"
)

// BenchmarkRHS compares one right-hand-side evaluation of the default
// model (47,521 neurons, batch 8, MNIST-sized input) with the bare sparse
// product it contains: the difference is the elementwise work.
func BenchmarkRHS(b *testing.B) {
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
	if err := m.SetInput(x, 1, 0, 1); err != nil {
		b.Fatal(err)
	}
	h := make([]float32, c.Neurons()*8)
	dh := make([]float32, len(h))
	ts := make([]float64, 8)
	b.Run("product", func(b *testing.B) {
		for b.Loop() {
			m.prod.Mul(dh, h)
		}
	})
	b.Run("rhs", func(b *testing.B) {
		for b.Loop() {
			m.RHS(dh, h, ts)
		}
	})
	noop := func(r0, r1 int) {}
	b.Run("rhs+post", func(b *testing.B) {
		for b.Loop() {
			m.RHSThen(dh, h, ts, noop)
		}
	})
}
