package opticlobe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rhsTol bounds the relative difference between the float32 right-hand
// side and a float64 evaluation over the edge table: sums of up to a few
// hundred float32 products.
const rhsTol = 1e-5

// RHS against a direct evaluation from the edge table, the parameters per
// type and pair, and the input per column.
func TestDynamicsRHS(t *testing.T) {
	net := loadNet(t)
	const batch = 3
	p := net.DefaultParams(7)
	r := rand.New(rand.NewPCG(1, 2))
	for k := range p.Tau {
		p.Tau[k] = float32(0.02 + 0.08*r.Float64())
	}
	for k := range p.Strength {
		p.Strength[k] *= float32(0.5 + r.Float64())
	}
	d, err := NewDynamics(net, p, batch, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, nc := net.Neurons(), ColumnCount(net.Extent)
	const frames = 2
	x := make([]float32, frames*batch*nc)
	for k := range x {
		x[k] = r.Float32()
	}
	if err := d.SetInput(x, frames, 0, 1); err != nil {
		t.Fatal(err)
	}
	v := make([]float32, n*batch)
	for k := range v {
		v[k] = float32(r.NormFloat64())
	}
	ts := []float64{0.2, 0.7, 1} // frames 0, 1, 1
	dv := make([]float32, n*batch)
	d.RHS(dv, v, ts)

	want := make([]float64, n*batch)
	e := &net.Edges
	for k := range e.Source {
		w := float64(e.Sign[k]) * float64(e.NSyn[k]) * float64(p.Strength[e.Pair[k]])
		for s := 0; s < batch; s++ {
			want[int(e.Target[k])*batch+s] += w * math.Max(float64(v[int(e.Source[k])*batch+s]), 0)
		}
	}
	isInput := map[int32]bool{}
	for _, name := range net.Spec.InputUnits {
		isInput[int32(net.Spec.TypeIndex(name))] = true
	}
	for i := 0; i < n; i++ {
		typ := net.Conn.Type[i]
		for s := 0; s < batch; s++ {
			in := 0.0
			if isInput[typ] {
				f := []int{0, 1, 1}[s]
				in = float64(x[(f*batch+s)*nc+ColumnIndex(net.Extent, int(net.U[i]), int(net.V[i]))])
			}
			k := i*batch + s
			want[k] = (want[k] - float64(v[k]) + float64(p.Vrest[typ]) + in) / float64(p.Tau[typ])
			if diff := math.Abs(float64(dv[k]) - want[k]); diff > rhsTol*(1+math.Abs(want[k])) {
				t.Fatalf("neuron %d (%s) sample %d: dV/dt %v, want %v", i, net.Conn.TypeNames[typ], s, dv[k], want[k])
			}
		}
	}
	if allocs := testing.AllocsPerRun(5, func() { d.RHS(dv, v, ts) }); allocs != 0 {
		t.Errorf("RHS allocates %v times per call", allocs)
	}
}

func TestParamsValidate(t *testing.T) {
	net := loadNet(t)
	p := net.DefaultParams(DefaultSeed)
	if err := p.Validate(net); err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Vrest {
		if math.Abs(float64(v)-DefaultVrestMean) > 5*DefaultVrestStd {
			t.Errorf("Vrest of type %d is %v, far from Normal(0.5, 0.05)", k, v)
		}
	}
	bad := p
	bad.Tau = append([]float32(nil), p.Tau...)
	bad.Tau[3] = 0
	if _, err := NewDynamics(net, bad, 1, 1); err == nil {
		t.Error("zero time constant accepted")
	}
	bad = p
	bad.Strength = p.Strength[:10]
	if _, err := NewDynamics(net, bad, 1, 1); err == nil {
		t.Error("short strengths accepted")
	}
}

// A flash of light after relaxing to grey: photoreceptors R1–R6 depolarise,
// and L1 and L2, which receive only inhibitory R1–R6 synapses
// (alpha = −1, Hardie 1989) among their photoreceptor inputs, hyperpolarise.
// A dark flash does the opposite.
func TestFlashResponses(t *testing.T) {
	net := loadNet(t)
	central := net.Central()
	nc := ColumnCount(net.Extent)
	for _, c := range []struct {
		name  string
		level float32
		sign  float64 // expected sign of the photoreceptor response
	}{{"light", 1, 1}, {"dark", 0, -1}} {
		frames := make([]float32, 2*nc)
		for k := range frames {
			frames[k] = c.level
		}
		res, err := Simulate(net, frames, 1, 2, Settings{Duration: 0.5, Record: central, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 0 {
			t.Errorf("warnings: %v", res.Warnings)
		}
		nt, last := len(central), len(res.Times)-1
		delta := func(name string) float64 {
			k := net.Spec.TypeIndex(name)
			return float64(res.Activity[last*2*nt+k] - res.Activity[k])
		}
		for _, name := range []string{"R1", "R2", "R3", "R4", "R5", "R6"} {
			if dv := delta(name); dv*c.sign <= 0 {
				t.Errorf("%s flash: %s changes by %v, want sign %v", c.name, name, dv, c.sign)
			}
		}
		for _, name := range []string{"L1", "L2"} {
			if dv := delta(name); dv*c.sign >= 0 {
				t.Errorf("%s flash: %s changes by %v, want sign %v", c.name, name, dv, -c.sign)
			}
		}
	}
}
