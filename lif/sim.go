package lif

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/neuropil/neuropil/internal/team"
)

// Experiment is what is done to the network: which neurons get Poisson
// input, which are silenced, which input events are replayed.
type Experiment struct {
	Name     string // exp_name in spikes.parquet
	Excite   []int  // neurons driven at r_poi (refractory period 0, as in Shiu's poi)
	Excite2  []int  // neurons driven at r_poi2 (refractory period 0)
	Silence  []int  // neurons whose outgoing synapses have weight 0
	Input    []Input
	Seed     uint64 // seed of the Poisson inputs; trial k draws from the stream (Seed, k)
	KeepRfc  bool   // keep t_rfc for the driven and Input neurons (Shiu sets it to 0)
	NoSpikes bool   // do not keep the spike list (counts only)
}

// Input is one replayed input event: at step round(T/dt) it adds
// w_syn·f_poi to v of Neuron, exactly as one PoissonInput event does.
type Input struct {
	Neuron int
	T      float64 // seconds
	Trial  int     // the trial it belongs to; −1: every trial
}

// Spike is one spike of one trial, at time Step·dt.
type Spike struct {
	Step, Neuron int32
}

// trial is the state of one trial.
type trial struct {
	ag     []state   // [neurons] (v, g) of live neurons, (A, G) of lazy ones (lazy.go)
	open   []int32   // [neurons] first step taking input and stepped: lastspike + max(rfc, 1); | liveBit while live
	ref    int32     // reference step of the lazy form
	live   []int32   // neurons that may cross the threshold, stepped every step
	fired  []int32   // neurons that spiked this step
	ring   [][]int32 // [delay+1][spikes]: spikes waiting for delivery, by step mod delay+1
	spikes []Spike   // every spike so far
	counts []int32   // [neurons] spikes so far
	rng    *rand.Rand
	next   []int32 // [drivers] step of each driver's next Poisson event
	input  []event // replayed events, by step
	inPos  int
	step   int32 // the next step to run
}

type event struct{ step, neuron int32 }

type driver struct {
	neuron int32
	p      float64 // chance of an event per step
}

// Sim simulates the network under an experiment: NRun trials, each its
// own state, run side by side. It implements model.Model with Dim = 2 per
// neuron (v and g) and Batch = trials.
type Sim struct {
	net     *Network
	rfc     []int32 // [neurons] refractory period in steps (0 for driven neurons)
	silent  []bool  // [neurons] outgoing synapses have weight 0
	c       coef
	exp     Experiment
	drivers []driver
	trials  []*trial // made when first stepped
	job     team.Job
	elapsed time.Duration
}

// New prepares a simulation. Neuron indices out of range are an error.
func New(net *Network, p Params, exp Experiment) (*Sim, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	n := net.Neurons()
	for _, set := range []struct {
		name string
		idx  []int
	}{{"excite", exp.Excite}, {"excite2", exp.Excite2}, {"silence", exp.Silence}} {
		for _, i := range set.idx {
			if i < 0 || i >= n {
				return nil, fmt.Errorf("lif: %s neuron %d out of range [0, %d)", set.name, i, n)
			}
		}
	}
	s := &Sim{net: net, c: newCoef(p), exp: exp}
	for _, in := range exp.Input {
		if in.Neuron < 0 || in.Neuron >= n {
			return nil, fmt.Errorf("lif: input neuron %d out of range [0, %d)", in.Neuron, n)
		}
		if in.Trial < -1 || in.Trial >= p.NRun {
			return nil, fmt.Errorf("lif: input event of neuron %d in trial %d, but %d trials", in.Neuron, in.Trial, p.NRun)
		}
		if !(in.T >= 0) || math.IsInf(in.T, 0) {
			return nil, fmt.Errorf("lif: input event of neuron %d at t = %v s", in.Neuron, in.T)
		}
	}
	for _, i := range exp.Excite {
		s.drivers = append(s.drivers, driver{int32(i), s.c.pPoi})
	}
	for _, i := range exp.Excite2 {
		s.drivers = append(s.drivers, driver{int32(i), s.c.pPoi2})
	}
	s.tables()
	s.trials = make([]*trial, p.NRun)
	s.job.Parts = len(s.trials)
	return s, nil
}

// tables sets the shared per-neuron tables.
func (s *Sim) tables() {
	n := s.net.Neurons()
	s.rfc, s.silent = make([]int32, n), make([]bool, n)
	for i := range s.rfc {
		s.rfc[i] = s.c.rfc
	}
	if !s.exp.KeepRfc {
		for _, d := range s.drivers {
			s.rfc[d.neuron] = 0
		}
		for _, in := range s.exp.Input {
			s.rfc[in.Neuron] = 0
		}
	}
	for _, i := range s.exp.Silence {
		s.silent[i] = true
	}
}

// newTrial returns trial k at rest: v = v_0, g = 0 (A = G = 0), never
// spiked (open = 0).
func (s *Sim) newTrial(k int) *trial {
	n := s.net.Neurons()
	tr := &trial{
		ag:     make([]state, n),
		open:   make([]int32, n),
		ring:   make([][]int32, s.c.delay+1),
		counts: make([]int32, n),
		rng:    rand.New(rand.NewPCG(s.exp.Seed, uint64(k))),
		next:   make([]int32, len(s.drivers)),
	}
	for d := range s.drivers {
		tr.next[d] = s.gap(tr, d, -1)
	}
	for _, in := range s.exp.Input {
		if in.Trial == -1 || in.Trial == k {
			tr.input = append(tr.input, event{int32(math.RoundToEven(in.T / s.c.p.Dt)), int32(in.Neuron)})
		}
	}
	slices.SortStableFunc(tr.input, func(a, b event) int { return int(a.step - b.step) })
	if s.c.canCross(s.c.p.V0, 0) { // v_0 above v_th: every neuron may spike at once
		for i := range tr.ag {
			tr.ag[i] = state{s.c.p.V0, 0}
			tr.open[i] |= liveBit
			tr.live = append(tr.live, int32(i))
		}
	}
	return tr
}

// gap returns the step of driver d's next Poisson event after step n: the
// events are Bernoulli(r·dt) per step (PoissonInput with N = 1 draws
// binomial(1, r·dt) each step), so the gaps are geometric.
func (s *Sim) gap(tr *trial, d int, n int32) int32 {
	p := s.drivers[d].p
	switch {
	case p <= 0:
		return math.MaxInt32
	case p >= 1:
		return n + 1
	}
	u := 1 - tr.rng.Float64() // (0, 1]
	g := math.Floor(math.Log(u) / math.Log1p(-p))
	if g > float64(math.MaxInt32/2) {
		return math.MaxInt32
	}
	return n + 1 + int32(g)
}

// Dim returns the number of state variables per trial: v and g of every
// neuron.
func (s *Sim) Dim() int { return 2 * s.net.Neurons() }

// Batch returns the number of trials.
func (s *Sim) Batch() int { return len(s.trials) }

// Close releases the trials' state.
func (s *Sim) Close() { s.trials = nil }

// Steps returns the number of steps of a trial.
func (s *Sim) Steps() int { return int(s.c.steps) }

// trial returns trial k, making it on first use.
func (s *Sim) trial(k int) *trial {
	if s.trials[k] == nil {
		s.trials[k] = s.newTrial(k)
	}
	return s.trials[k]
}

// Step advances every trial by one time step (at most Steps in all).
func (s *Sim) Step() {
	for k := range s.trials {
		if tr := s.trial(k); tr.step < s.c.steps {
			s.step(tr)
		}
	}
}

// Run runs every trial to its end, trials in parallel on the worker team,
// and returns the result. A trial's state is made when its run starts and
// released when it ends (State is then unavailable), so that memory holds
// the state of as many trials as run at once.
func (s *Sim) Run() *Result {
	start := time.Now()
	s.job.F = func(k int) {
		tr := s.trial(k)
		for tr.step < s.c.steps {
			s.step(tr)
		}
		tr.ag, tr.open, tr.live, tr.ring, tr.input = nil, nil, nil, nil, nil
	}
	team.Run(&s.job)
	s.job.F = nil
	s.elapsed += time.Since(start)
	return s.result()
}

// State writes v and g of every neuron and trial, [neurons][trials], as
// Brian2 would report them after the steps run so far.
func (s *Sim) State(v, g []float64) {
	n, b := s.net.Neurons(), len(s.trials)
	if len(v) != n*b || len(g) != n*b {
		panic(fmt.Sprintf("lif: State with %d and %d values, want %d", len(v), len(g), n*b))
	}
	for k := range s.trials {
		tr := s.trial(k)
		if tr.ag == nil {
			panic("lif: State after Run")
		}
		d := max(tr.step-1-tr.ref, 0)
		for i, a := range tr.ag {
			vi, gi := a.a, a.g
			if tr.open[i]&liveBit == 0 {
				vi, gi = s.c.lazyState(a, d)
			}
			v[i*b+k], g[i*b+k] = vi, gi
		}
	}
}

// step runs one step of tr in Brian2's schedule: state update (groups),
// threshold, synaptic delivery and Poisson input (synapses), reset.
func (s *Sim) step(tr *trial) {
	n := tr.step
	s.update(tr, n)
	slot := tr.ring[n%int32(len(tr.ring))]
	for _, i := range tr.fired {
		tr.spikes = append(tr.spikes, Spike{n, i})
		tr.counts[i]++
		if !s.silent[i] {
			slot = append(slot, i)
		}
	}
	tr.ring[n%int32(len(tr.ring))] = slot
	if n >= s.c.delay {
		k := (n - s.c.delay) % int32(len(tr.ring))
		s.deliver(tr, tr.ring[k], n)
		tr.ring[k] = tr.ring[k][:0]
	}
	s.inputs(tr, n)
	for _, i := range tr.fired {
		tr.ag[i] = state{s.c.p.VRst, 0}
	}
	if n-tr.ref == refTable {
		s.rebase(tr, n)
	}
	tr.step++
}

// inputs applies the Poisson and replayed input events of step n.
func (s *Sim) inputs(tr *trial, n int32) {
	for d := range s.drivers {
		if tr.next[d] == n {
			s.kick(tr, s.drivers[d].neuron, n)
			tr.next[d] = s.gap(tr, d, n)
		}
	}
	for tr.inPos < len(tr.input) && tr.input[tr.inPos].step <= n {
		if e := tr.input[tr.inPos]; e.step == n {
			s.kick(tr, e.neuron, n)
		}
		tr.inPos++
	}
}
