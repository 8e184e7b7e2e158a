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
// exact gradients, of the flow loss and of the activity penalty: the
// network's parameters held to central finite differences in float64.
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
	// the activity penalty about the states' level, so that types lie
	// on both sides of the baseline
	task.Penalty = DefaultPenalty(net.CentralNeurons())
	task.Penalty.Baseline = 0.3
	for _, phase := range []bool{false, true} {
		task.PenaltyPhase = phase
		loss := func() float64 {
			l, err := tr.Forward(x, s)
			if err != nil {
				t.Fatal(err)
			}
			if phase {
				return task.PenaltyValue
			}
			return l
		}
		loss()
		dec.ZeroGrad()
		tr.Backward()
		checked, nonzero := 0, 0
		for _, q := range tr.Params() {
			for k := 0; k < len(q.Value); k += 3 {
				v := q.Value[k]
				q.Value[k] = v + fdEps
				lp := loss()
				q.Value[k] = v - fdEps
				lm := loss()
				q.Value[k] = v
				fd := (lp - lm) / (2 * fdEps)
				if math.Abs(fd-q.Grad[k]) > fdAbs+fdRel*math.Abs(fd) {
					t.Errorf("penalty %v, %s[%d]: gradient %.10g, finite difference %.10g", phase, q.Name, k, q.Grad[k], fd)
				}
				checked++
				if math.Abs(q.Grad[k]) > 1e-8 {
					nonzero++
				}
			}
		}
		if nonzero < checked/3 {
			t.Errorf("penalty %v: %d of %d gradients nonzero", phase, nonzero, checked)
		}
		t.Logf("penalty %v: %d entries checked, %d nonzero", phase, checked, nonzero)
	}
}

// The activity penalty is flyvis's formula: one type below the baseline
// and one above, by hand.
func TestActivityPenalty(t *testing.T) {
	a := DefaultPenalty([]int{0, 1})
	// 4 frames, 2 neurons, batch 1: the mean over frames 1..3
	states := [][]float64{{100, 100}, {4, 7}, {4, 7}, {4, 7}}
	got := penalty(a, nil, states, 1)
	want := 0.1 * ((1*1.0)*(1*1.0) + (0.1*-2)*(0.1*-2)) / 2
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("penalty %v, want %v", got, want)
	}
}
