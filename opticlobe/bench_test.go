package opticlobe

import "testing"

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
