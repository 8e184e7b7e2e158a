package opticflow

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
	"github.com/neuropil/neuropil/train"
)

// The whole flow task, the optic lobe driven by a procedural movie through
// euler steps from a given initial state, the decoder and the l2norm, has
// exact gradients: the network's parameters held to central finite
// differences in float64.
func TestTaskGradientFiniteDifferences(t *testing.T) {
	net := smallNet(t, 2)
	p := net.DefaultParams(opticlobe.DefaultSeed)
	const batch, frames = 2, 3
	to64 := func(v []float32) []float64 {
		w := make([]float64, len(v))
		for i, x := range v {
			w[i] = float64(x)
		}
		return w
	}
	m, err := opticlobe.NewTrainable(net, to64(p.Vrest), to64(p.Tau), to64(p.Strength), batch)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := New(Config{Extent: 2, Frames: frames, Seed: 1})
	x32, flow32 := make([]float32, frames*batch*data.Columns()), make([]float32, frames*batch*2*data.Columns())
	data.Batch(x32, flow32, Train, 0)
	dec := NewDecoder[float64](net, DecoderConfig{Dropout: -1}, 1)
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range dec.P {
		for q := range dec.P[i] {
			dec.P[i][q] += 0.3 * rng.NormFloat64()
		}
	}
	task := &Task[float64]{Decoder: dec, Target: to64(flow32), Frames: frames, Batch: batch}
	tr := train.NewTrajectory[float64](m, task)
	defer tr.Close()
	y0 := make([]float64, m.Dim()*batch)
	for q := range y0 {
		y0[q] = 0.5 * rng.NormFloat64()
	}
	tr.SetInitial(y0)
	x := to64(x32)
	s := Solve(frames, 0.02)
	if _, err := tr.Forward(x, s); err != nil {
		t.Fatal(err)
	}
	dec.ZeroGrad()
	tr.Backward()
	checked, nonzero := 0, 0
	for _, q := range tr.Params() {
		for k := 0; k < len(q.Value); k += 3 {
			v := q.Value[k]
			q.Value[k] = v + fdEps
			lp, err1 := tr.Forward(x, s)
			q.Value[k] = v - fdEps
			lm, err2 := tr.Forward(x, s)
			q.Value[k] = v
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			fd := (lp - lm) / (2 * fdEps)
			if math.Abs(fd-q.Grad[k]) > fdAbs+fdRel*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %.10g, finite difference %.10g", q.Name, k, q.Grad[k], fd)
			}
			checked++
			if math.Abs(q.Grad[k]) > 1e-8 {
				nonzero++
			}
		}
	}
	if nonzero < checked/3 {
		t.Errorf("%d of %d gradients nonzero", nonzero, checked)
	}
	t.Logf("%d entries checked, %d nonzero", checked, nonzero)
}
