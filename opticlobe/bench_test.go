package opticlobe

import (
	"testing"

	"github.com/neuropil/neuropil/model"
)

func BenchmarkBuild(b *testing.B) {
	s, err := LoadSpec(specPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(s, DefaultExtent); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadSpec(b *testing.B) {
	p := specPath(b)
	for b.Loop() {
		if _, err := LoadSpec(p); err != nil {
			b.Fatal(err)
		}
	}
}

// One explicit Euler step (one right-hand side and the update) of the full
// network for a batch of 8, as the flyvis integrator takes it.
func BenchmarkEulerStep8(b *testing.B) {
	net := loadNet(b)
	const batch = 8
	d, err := NewDynamics(net, net.DefaultParams(DefaultSeed), batch, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	nc := ColumnCount(net.Extent)
	x := make([]float32, batch*nc)
	for k := range x {
		x[k] = 0.5
	}
	if err := d.SetInput(x, 1, 0, 1); err != nil {
		b.Fatal(err)
	}
	v := d.Rest()
	dv := make([]float32, len(v))
	ts := make([]float64, batch)
	const dt = DefaultDt
	b.ReportAllocs()
	for b.Loop() {
		d.RHS(dv, v, ts)
		for k := range v {
			v[k] += dt * dv[k]
		}
	}
}

// The trainable network at extent 15 and flyvis's batch of 4, float32, as
// one training step takes it per frame: an evaluation (its stencil product
// and relaxation; mode Forward), and the backward pass's VJPDual (the
// transposed stencil of both adjoints, the strengths' dot products, the
// relu adjoint).
func BenchmarkTrainable(b *testing.B) {
	net := loadNet(b)
	p := net.DefaultParams(DefaultSeed)
	const batch = 4
	m, err := NewTrainable(net, p.Vrest, p.Tau, p.Strength, batch)
	if err != nil {
		b.Fatal(err)
	}
	n := net.Neurons() * batch
	y, dydt, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	kbar, ybar2 := make([]float32, n), make([]float32, n)
	for i := range y {
		y[i] = float32(i%13)*0.1 - 0.3
		kbar[i], ybar2[i] = float32(i%7)*0.01, float32(i%5)*0.01
	}
	coef2 := []float32{0.02, 0.02, 0.02, 0.02}
	m.Eval(0, dydt, y, nil, model.Linearize) // slot 0's record, for VJPDual
	m.Eval(1, dydt, y, nil, model.Forward)   // slot 1 and VJPDual's buffers made
	m.VJPDual(0, dst, kbar, ybar2, coef2)
	b.Run("eval", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Eval(1, dydt, y, nil, model.Forward)
		}
	})
	b.Run("vjpdual", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.VJPDual(0, dst, kbar, ybar2, coef2)
		}
	})
}
