package opticflow

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
)

// smallNet returns the optic lobe of the real spec on a lattice of extent
// 2 (19 columns), or skips without the shared data.
func smallNet(t testing.TB, extent int) *opticlobe.Network {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "shared", "data", "flyvis", "fib25-fib19_v2.2.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared flyvis spec not found: %v", err)
	}
	s, err := opticlobe.LoadSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	net, err := opticlobe.Build(s, extent)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// Finite differences in float64, as opticlobe's: central differences with
// step fdEps.
const (
	fdEps = 1e-6
	fdAbs = 1e-7
	fdRel = 1e-5
)

// decoderCase is a decoder with random parameters on random states, with
// its loss as a function.
type decoderCase struct {
	d             *Decoder[float64]
	states        [][]float64
	target        []float64
	frames, batch int
}

func newDecoderCase(t *testing.T, training bool) *decoderCase {
	net := smallNet(t, 2)
	c := &decoderCase{d: NewDecoder[float64](net, DecoderConfig{}, 1), frames: 2, batch: 2}
	c.d.Training = training
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range c.d.P {
		for q := range c.d.P[i] {
			c.d.P[i][q] += 0.3 * rng.NormFloat64()
		}
	}
	for q := range c.d.RunMean {
		c.d.RunMean[q], c.d.RunVar[q] = 0.1*rng.NormFloat64(), 0.5+rng.Float64()
	}
	for range c.frames {
		y := make([]float64, net.Neurons()*c.batch)
		for q := range y {
			y[q] = rng.NormFloat64()
		}
		c.states = append(c.states, y)
	}
	c.target = make([]float64, c.frames*c.batch*2*opticlobe.ColumnCount(2))
	for q := range c.target {
		c.target[q] = rng.NormFloat64()
	}
	return c
}

// loss runs the decoder with the same dropout mask every time.
func (c *decoderCase) loss(grad []float64) float64 {
	c.d.rng = rand.New(rand.NewPCG(7, 7))
	out := c.d.Forward(c.states, c.batch)
	return L2Norm(grad, out, c.target, c.frames, c.batch)
}

// The decoder's gradients (every parameter and the states), in training
// (batch statistics, dropout) and evaluation mode, and with a baseline
// subtracted from its input, agree with central finite differences in
// float64.
func TestDecoderGradientFiniteDifferences(t *testing.T) {
	for k, training := range []bool{true, false, true} {
		c := newDecoderCase(t, training)
		if k == 2 { // with a baseline subtracted from relu(V) (SubtractGrey)
			c.d.Baseline = make([]float64, len(c.states[0])/c.batch)
			for i := range c.d.Baseline {
				c.d.Baseline[i] = 0.3 + 0.01*float64(i%17)
			}
		}
		gflow := make([]float64, len(c.target))
		c.loss(gflow)
		c.d.ZeroGrad()
		dstates := [][]float64{make([]float64, len(c.states[0])), make([]float64, len(c.states[0]))}
		c.d.Backward(dstates, gflow, c.batch)
		check := func(name string, v []float64, g []float64, every int) int {
			n := 0
			for k := 0; k < len(v); k += every {
				x := v[k]
				v[k] = x + fdEps
				lp := c.loss(nil)
				v[k] = x - fdEps
				lm := c.loss(nil)
				v[k] = x
				fd := (lp - lm) / (2 * fdEps)
				if math.Abs(fd-g[k]) > fdAbs+fdRel*math.Abs(fd) {
					t.Errorf("training %v, %s[%d]: gradient %.10g, finite difference %.10g", training, name, k, g[k], fd)
				}
				if g[k] != 0 {
					n++
				}
			}
			return n
		}
		nonzero := 0
		for i, name := range DecoderParamNames {
			every := 1
			if i == DW1 {
				every = 11 // 6,800 weights: a sample of them
			}
			nonzero += check(name, c.d.P[i], c.d.G[i], every)
		}
		for f := range c.states {
			nonzero += check("state", c.states[f], dstates[f], 7)
		}
		if nonzero < 100 {
			t.Errorf("training %v: only %d nonzero gradients", training, nonzero)
		}
	}
}

// The running statistics move toward the batch's by torch's momentum, and
// the masked kernel positions stay zero at initialisation.
func TestDecoderInit(t *testing.T) {
	net := smallNet(t, 2)
	d := NewDecoder[float32](net, DecoderConfig{}, 1)
	if got := len(d.taps); got != 19 {
		t.Fatalf("%d hexagonal taps for kernel 5, want 19", got)
	}
	nz := 0
	for _, v := range d.P[DW1] {
		if v != 0 {
			nz++
			if v != 0.001 {
				t.Fatalf("initial weight %v, want 0.001", v)
			}
		}
	}
	if nz != 8*34*19 || len(d.src) != 34 {
		t.Fatalf("%d nonzero weights for %d output types, want 8×34×19", nz, len(d.src))
	}
	rng := rand.New(rand.NewPCG(3, 3))
	y := make([]float32, net.Neurons()*2)
	for q := range y {
		y[q] = float32(rng.NormFloat64())
	}
	d.Forward([][]float32{y}, 2)
	var s, ss float64
	var z []float32
	for img := range 2 {
		z = append(z, d.z1[img*8*d.hw:(img*8+1)*d.hw]...) // channel 0
	}
	for _, v := range z {
		s += float64(v)
	}
	m := s / float64(len(z))
	for _, v := range z {
		ss += (float64(v) - m) * (float64(v) - m)
	}
	if got, want := float64(d.RunMean[0]), 0.1*m; math.Abs(got-want) > 1e-6 {
		t.Errorf("running mean %v, want %v", got, want)
	}
	if got, want := float64(d.RunVar[0]), 0.9+0.1*ss/float64(len(z)-1); math.Abs(got-want) > 1e-5 {
		t.Errorf("running variance %v, want %v", got, want)
	}
}

// UniformInit draws every tap and bias within ±1/sqrt(fan in), from the
// seed alone; the taps off the hexagon stay 0 and the hidden channels
// differ (flyvis's constant start makes them equal).
func TestDecoderUniformInit(t *testing.T) {
	net := smallNet(t, 2)
	cfg := DecoderConfig{UniformInit: true}
	a, b, c := NewDecoder[float32](net, cfg, 1), NewDecoder[float32](net, cfg, 1), NewDecoder[float32](net, cfg, 2)
	k := 5
	for i, fan := range map[int]int{DW1: 34 * k * k, DB1: 34 * k * k, DW2: 8 * k * k, DB2: 8 * k * k} {
		bound := 1 / math.Sqrt(float64(fan))
		var s2 float64
		n := 0
		for q, v := range a.P[i] {
			if b.P[i][q] != v {
				t.Fatalf("%s[%d]: %v and %v from the same seed", DecoderParamNames[i], q, v, b.P[i][q])
			}
			onTap := i == DB1 || i == DB2 || a.isTap(q%(k*k))
			switch {
			case !onTap && v != 0:
				t.Fatalf("%s[%d] = %v off the hexagon", DecoderParamNames[i], q, v)
			case onTap && (math.Abs(float64(v)) > bound || v == 0):
				t.Fatalf("%s[%d] = %v, want within ±%v", DecoderParamNames[i], q, v, bound)
			case onTap:
				s2 += float64(v) * float64(v)
				n++
			}
		}
		// uniform in ±bound: mean square bound²/3
		if n > 100 {
			if got, want := s2/float64(n), bound*bound/3; math.Abs(got-want) > 0.15*want {
				t.Errorf("%s: mean square %v, want about %v", DecoderParamNames[i], got, want)
			}
		}
	}
	if slices.Equal(a.P[DW1], c.P[DW1]) {
		t.Error("seeds 1 and 2 drew the same weights")
	}
	per := len(a.P[DW1]) / 8
	if slices.Equal(a.P[DW1][:per], a.P[DW1][per:2*per]) {
		t.Error("hidden channels 0 and 1 start equal")
	}
	if a.P[DGamma][0] != 1 || a.P[DBeta][0] != 0 {
		t.Errorf("batch norm starts at scale %v, shift %v; want 1, 0", a.P[DGamma][0], a.P[DBeta][0])
	}
}

// The dropout masks: two decoders of the same seed draw the same masks,
// each Forward new ones; a kept unit is scaled by 1/keep and about keep of
// them are kept; no masks outside training.
func TestDropoutMasks(t *testing.T) {
	net := smallNet(t, 3)
	rng := rand.New(rand.NewPCG(5, 5))
	states := make([][]float32, 3)
	for f := range states {
		states[f] = make([]float32, net.Neurons()*2)
		for q := range states[f] {
			states[f][q] = float32(rng.Float64())
		}
	}
	d1, d2 := NewDecoder[float32](net, DecoderConfig{Dropout: 0.3}, 7), NewDecoder[float32](net, DecoderConfig{Dropout: 0.3}, 7)
	d1.Forward(states, 2)
	d2.Forward(states, 2)
	first := append([]float32(nil), d1.m...)
	kept := 0
	for q, m := range first {
		if m != d2.m[q] {
			t.Fatalf("mask %d: %v and %v from the same seed", q, m, d2.m[q])
		}
		switch m {
		case 0:
		case float32(1 / 0.7):
			kept++
		default:
			t.Fatalf("mask %d is %v, want 0 or 1/0.7", q, m)
		}
	}
	n := float64(len(first))
	if frac, sd := float64(kept)/n, math.Sqrt(0.7*0.3/n); math.Abs(frac-0.7) > 5*sd {
		t.Errorf("kept %.4f of %d units, want 0.7 ± %.4f", frac, len(first), 5*sd)
	}
	d1.Forward(states, 2)
	same := 0
	for q, m := range d1.m {
		if m == first[q] {
			same++
		}
	}
	if want := 0.58 * n; math.Abs(float64(same)-want) > 0.02*n { // 0.7² + 0.3² of the masks agree by chance
		t.Errorf("the second Forward's masks agree with the first's at %d of %.0f units, want about %.0f", same, n, want)
	}
	d1.Training = false
	d1.Forward(states, 2)
	for q, m := range d1.m {
		if m != 1 {
			t.Fatalf("evaluation: mask %d is %v", q, m)
		}
	}
}
