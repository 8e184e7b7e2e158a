package lif

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

// reference is the plain Brian2 loop: every neuron, every step, in
// Brian2's schedule, with per-neuron refractory steps rfc; inputs land
// only on neurons that are not refractory and did not spike this step. It
// is what Sim must reproduce spike for spike.
func reference(net *Network, p Params, rfc []int32, silent []bool, kicks map[int32][]int32) []Spike {
	c := newCoef(p)
	n := net.Neurons()
	v, g := make([]float64, n), make([]float64, n)
	last := make([]int32, n)
	for i := range v {
		v[i], last[i] = p.V0, math.MinInt32/2
	}
	queue := map[int32][]int32{}
	var out []Spike
	open := func(i, s int32) bool { return s-last[i] >= max(rfc[i], 1) }
	for s := int32(0); s < c.steps; s++ {
		var fired []int32
		for i := range n {
			if s-last[i] < rfc[i] {
				continue
			}
			v[i], g[i] = c.liveStep(v[i], g[i])
			if v[i] > p.VTh {
				fired = append(fired, int32(i))
				last[i] = s
			}
		}
		for _, i := range fired {
			out = append(out, Spike{s, i})
			if !silent[i] {
				queue[s+c.delay] = append(queue[s+c.delay], i)
			}
		}
		for _, i := range queue[s] {
			for k := net.Out.RowPtr[i]; k < net.Out.RowPtr[i+1]; k++ {
				if j := net.Out.ColIdx[k]; open(j, s) {
					g[j] += float64(net.Out.Val[k]) * p.WSyn
				}
			}
		}
		delete(queue, s)
		for _, j := range kicks[s] {
			if open(j, s) {
				v[j] += c.wpoi
			}
		}
		for _, i := range fired {
			v[i], g[i] = p.VRst, 0
		}
	}
	return out
}

// smallNet is a random signed network with strong enough connections
// that kicks propagate.
func smallNet(neurons, conns int, seed uint64) *Network {
	net := Synthetic(neurons, conns, seed)
	for k := range net.Out.Val {
		net.Out.Val[k] *= 8
	}
	return net
}

func TestSimMatchesReferenceLoop(t *testing.T) {
	net := smallNet(2000, 60000, 5)
	p := Defaults()
	p.NRun, p.TRun = 2, 0.3
	rng := rand.New(rand.NewPCG(9, 9))
	var in []Input
	kicks := map[int32][]int32{}
	rfc := make([]int32, 2000)
	for i := range rfc {
		rfc[i] = int32(p.RefractorySteps())
	}
	for range 400 {
		e := Input{Neuron: rng.IntN(40), T: float64(rng.IntN(3000)) * p.Dt, Trial: -1}
		st := int32(math.RoundToEven(e.T / p.Dt))
		if slices.Contains(kicks[st], int32(e.Neuron)) {
			continue
		}
		in = append(in, e)
		kicks[st] = append(kicks[st], int32(e.Neuron))
		rfc[e.Neuron] = 0
	}
	silent := make([]bool, 2000)
	for _, i := range []int{3, 7, 11} {
		silent[i] = true
	}
	want := reference(net, p, rfc, silent, kicks)
	s, err := New(net, p, Experiment{Input: in, Silence: []int{3, 7, 11}})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Run()
	if len(want) < 500 {
		t.Fatalf("reference has only %d spikes: the test network is too quiet", len(want))
	}
	for k := range 2 {
		got := sorted(r.Spikes[k])
		if !slices.Equal(got, sorted(want)) {
			t.Fatalf("trial %d: %d spikes, reference %d; first difference %v", k, len(got), len(want), firstDiff(got, sorted(want)))
		}
	}
}

func sorted(s []Spike) []Spike {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b Spike) int {
		if a.Step != b.Step {
			return int(a.Step - b.Step)
		}
		return int(a.Neuron - b.Neuron)
	})
	return s
}

func firstDiff(a, b []Spike) [2]Spike {
	for k := range min(len(a), len(b)) {
		if a[k] != b[k] {
			return [2]Spike{a[k], b[k]}
		}
	}
	return [2]Spike{}
}

// one is a network of two neurons, 0 → 1 with count w.
func one(w float32) *Network {
	return &Network{Out: &sparse.CSR{Rows: 2, Cols: 2, RowPtr: []int32{0, 1, 1}, ColIdx: []int32{1}, Val: []float32{w}}}
}

func run(t *testing.T, net *Network, p Params, exp Experiment) []Spike {
	t.Helper()
	s, err := New(net, p, exp)
	if err != nil {
		t.Fatal(err)
	}
	return s.Run().Spikes[0]
}

func TestKickSpikesNextStepAndDelay(t *testing.T) {
	p := Defaults()
	p.NRun, p.TRun = 1, 0.01
	// Step 10 kicks neuron 0: it spikes at step 11; 6000 synapses reach
	// neuron 1 at step 11+18 and it spikes one step later.
	got := run(t, one(6000), p, Experiment{Input: []Input{{0, 10 * p.Dt, -1}}})
	want := []Spike{{11, 0}, {30, 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("spikes %v, want %v", got, want)
	}
}

func TestKickDuringSpikeStepIsLostToReset(t *testing.T) {
	p := Defaults()
	p.NRun, p.TRun = 1, 0.01
	// Kicks at 10 and 11: the spike at 11 resets v after the second kick
	// landed, so there is no spike at 12.
	got := run(t, one(0), p, Experiment{Input: []Input{{0, 10 * p.Dt, -1}, {0, 11 * p.Dt, -1}, {0, 20 * p.Dt, -1}}})
	want := []Spike{{11, 0}, {21, 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("spikes %v, want %v", got, want)
	}
}

func TestRefractoryDropsInput(t *testing.T) {
	p := Defaults()
	p.NRun, p.TRun = 1, 0.02
	// Neuron 0 keeps its refractory period of 22 steps: the kick at 10
	// makes it spike at 11; the kicks at 15 and 32 land while it is
	// refractory and are lost (Brian2's conditional write); the kick at
	// 33 is the first it takes.
	in := []Input{{0, 10 * p.Dt, -1}, {0, 15 * p.Dt, -1}, {0, 32 * p.Dt, -1}, {0, 33 * p.Dt, -1}}
	got := run(t, one(0), p, Experiment{KeepRfc: true, Input: in})
	want := []Spike{{11, 0}, {34, 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("spikes %v, want %v", got, want)
	}
}

func TestSilenceRemovesOutput(t *testing.T) {
	p := Defaults()
	p.NRun, p.TRun = 1, 0.01
	got := run(t, one(200), p, Experiment{Silence: []int{0}, Input: []Input{{0, 10 * p.Dt, -1}}})
	if want := []Spike{{11, 0}}; !slices.Equal(got, want) {
		t.Fatalf("spikes %v, want %v", got, want)
	}
}

func TestPoissonRateAndSeed(t *testing.T) {
	p := Defaults()
	p.NRun, p.TRun = 40, 2
	s, err := New(one(0), p, Experiment{Excite: []int{0}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Run()
	mean, _ := r.Rates()
	// Bernoulli(0.015) per step with no refractory period, minus the
	// kicks lost to the reset of the step they land in (chance 0.015):
	// about 150·(1 − 0.015) Hz; 40 trials of 2 s, some 12,000 events, give a
	// standard error under 1 %.
	if want := 150 * (1 - 0.015); math.Abs(mean[0]-want) > 0.06*want {
		t.Fatalf("rate %v Hz, want about %v", mean[0], want)
	}
	s2, _ := New(one(0), p, Experiment{Excite: []int{0}, Seed: 3})
	if r2 := s2.Run(); !slices.Equal(r2.Spikes[3], r.Spikes[3]) {
		t.Fatal("same seed, different spikes")
	}
	if slices.Equal(r.Spikes[0], r.Spikes[1]) {
		t.Fatal("trials 0 and 1 have the same spikes")
	}
}

// lazyAt returns the state k steps after (v, g) through the lazy form.
func lazyAt(c *coef, v, g float64, k int32) (float64, float64) {
	a := state{v, g}
	c.toLazy(&a, 0)
	return c.lazyState(a, k)
}

func TestLiveStepMatchesLazyForm(t *testing.T) {
	c := newCoef(Defaults())
	v, g := -0.05, 0.01
	for k := int32(1); k < 300; k++ {
		v, g = c.liveStep(v, g)
		cv, cg := lazyAt(&c, -0.05, 0.01, k)
		if math.Abs(cv-v) > 1e-15 || math.Abs(cg-g) > 1e-15 {
			t.Fatalf("step %d: stepped (%v, %v), lazy form (%v, %v)", k, v, g, cv, cg)
		}
	}
}

func TestCanCrossIsABound(t *testing.T) {
	p := Defaults()
	c := newCoef(p)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		v := p.V0 + (rng.Float64()*2-1)*0.01
		g := (rng.Float64()*2 - 1) * 0.06
		if c.canCross(v, g) {
			continue
		}
		for k := range int32(1000) {
			vk, _ := lazyAt(&c, v, g, k)
			if vk > p.VTh {
				t.Fatalf("canCross(%v, %v) is false but v = %v at step %d", v, g, vk, k)
			}
		}
	}
}

func TestRebaseKeepsState(t *testing.T) {
	net := smallNet(300, 6000, 2)
	p := Defaults()
	p.NRun, p.TRun = 1, 0.05
	s, _ := New(net, p, Experiment{Excite: []int{1, 2, 3}, Seed: 5})
	for range 200 {
		s.Step()
	}
	v0, g0 := make([]float64, 300), make([]float64, 300)
	s.State(v0, g0)
	tr := s.trials[0]
	s.rebase(tr, tr.step-1)
	v1, g1 := make([]float64, 300), make([]float64, 300)
	s.State(v1, g1)
	for i := range v0 {
		if math.Abs(v0[i]-v1[i]) > 1e-15 || math.Abs(g0[i]-g1[i]) > 1e-15 {
			t.Fatalf("neuron %d: (%v, %v) before the rebase, (%v, %v) after", i, v0[i], g0[i], v1[i], g1[i])
		}
	}
}

func TestNewRejectsBadIndices(t *testing.T) {
	p := Defaults()
	for _, exp := range []Experiment{{Excite: []int{2}}, {Silence: []int{-1}}, {Input: []Input{{5, 0, -1}}}, {Input: []Input{{0, 0, 40}}}} {
		if _, err := New(one(1), p, exp); err == nil {
			t.Errorf("New(%+v) accepted", exp)
		}
	}
}

func TestStepMatchesRunAndState(t *testing.T) {
	net := smallNet(500, 15000, 8)
	p := Defaults()
	p.NRun, p.TRun = 2, 0.05
	exp := Experiment{Excite: []int{1, 2, 3, 4, 5}, Seed: 4}
	a, _ := New(net, p, exp)
	for range a.Steps() {
		a.Step()
	}
	v, g := make([]float64, 1000), make([]float64, 1000)
	a.State(v, g)
	for k := range v {
		if math.IsNaN(v[k]) || v[k] > p.VTh+c68() || math.IsNaN(g[k]) {
			t.Fatalf("state %d: v %v g %v", k, v[k], g[k])
		}
	}
	b, _ := New(net, p, exp)
	rb := b.Run()
	ra := a.result()
	for k := range 2 {
		if !slices.Equal(ra.Spikes[k], rb.Spikes[k]) {
			t.Fatalf("trial %d: Step gives %d spikes, Run %d", k, len(ra.Spikes[k]), len(rb.Spikes[k]))
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("State after Run did not panic")
		}
	}()
	b.State(v, g)
}

// c68 is one Poisson kick, the most v can exceed the threshold by.
func c68() float64 { return Defaults().WSyn * Defaults().FPoi }
