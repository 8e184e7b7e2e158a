package model

import (
	"testing"
	"time"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// defaultModel builds the tutorial's model on the default connectome
// (47,521 neurons, batch 8, 784 inputs on spread-out neurons) with a
// constant input.
func defaultModel(b *testing.B) *ODERNN {
	c := connectome.Default()
	idx := make([]int, 784)
	for k := range idx {
		idx[k] = (k * 61) % c.Neurons()
	}
	m, err := New(Config{W: c.W, Input: sparse.Identity(c.Neurons(), idx)}, 8)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, 8*784)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	if err := m.SetInput(x, 1, 0, 1); err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkRHS compares one right-hand-side evaluation of the default
// model with the bare sparse product it contains: the difference is the
// elementwise work.
func BenchmarkRHS(b *testing.B) {
	m := defaultModel(b)
	defer m.Close()
	h := make([]float32, m.n*8)
	for i := range h { // written: an unwritten slice reads the shared zero page
		h[i] = float32(i%13)*0.1 - 0.6
	}
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

// BenchmarkSolveDefault times the tutorial's solve alone (dopri5, 20
// outputs over [0, 1], batch 8), with the model and the output built once
// outside the loop.
func BenchmarkSolveDefault(b *testing.B) {
	m := defaultModel(b)
	defer m.Close()
	n := m.n
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

// BenchmarkSolveUnfused is BenchmarkSolveDefault with the solver's stage
// work run as a separate parallel pass after each right-hand side instead
// of fused into the product's row blocks (ode.Problem.FBlocks), and
// reports the time of each part: the comparison behind keeping the fused
// form (about equal on 2 cores, fused faster on 16).
func BenchmarkSolveUnfused(b *testing.B) {
	m := defaultModel(b)
	defer m.Close()
	n := m.n
	out := make([]float32, 20*8*n)
	var rhs, post time.Duration
	fb := func(k, y []float32, ts []float64, stage func(r0, r1 int)) {
		t0 := time.Now()
		m.RHS(k, y, ts)
		t1 := time.Now()
		team.For(n, 2048, stage)
		rhs += t1.Sub(t0)
		post += time.Since(t1)
	}
	p := ode.Problem[float32]{F: m.RHS, FBlocks: fb, Dim: n, Batch: 8, Y0: make([]float32, n*8),
		T0: 0, T1: 1, Times: ode.Linspace(0, 1, 20)}
	for b.Loop() {
		if _, err := ode.Solve(out, p, ode.Settings{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rhs.Microseconds())/float64(b.N)/1000, "rhs-ms")
	b.ReportMetric(float64(post.Microseconds())/float64(b.N)/1000, "stages-ms")
}
