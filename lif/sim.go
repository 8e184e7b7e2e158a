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

// cell is one neuron of one trial. Everything the synapse loop touches of
// a target sits in one 32-byte record, so a delivery costs one cache miss.
type cell struct {
	v, g float64 // volt: membrane potential and synaptic conductance (in volts, as Brian2's g)
	tu   int32   // the step the state is current at (after that step's resets)
	// open is the first step at which the neuron takes input and is
	// stepped again: lastspike + max(rfc, 1) (Brian2's not_refractory,
	// cleared at the spike's own step even when rfc is 0); far in the past
	// at first.
	open int32
	live uint32 // in trial.live
	_    uint32
}

// trial is the state of one trial.
type trial struct {
	cells  []cell    // [neurons]
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
	proto   []cell   // [neurons] the initial state of a trial
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
	s.proto = s.prototype()
	s.trials = make([]*trial, p.NRun)
	s.job.Parts = len(s.trials)
	return s, nil
}

// prototype returns the initial cells (v = v_0, g = 0, never spiked) and
// sets the shared per-neuron tables.
func (s *Sim) prototype() []cell {
	n := s.net.Neurons()
	cells := make([]cell, n)
	s.rfc, s.silent = make([]int32, n), make([]bool, n)
	for i := range cells {
		cells[i] = cell{v: s.c.p.V0, tu: -1, open: math.MinInt32 / 2}
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
	return cells
}

func (s *Sim) newTrial(k int, proto []cell) *trial {
	tr := &trial{
		cells:  slices.Clone(proto),
		ring:   make([][]int32, s.c.delay+1),
		counts: make([]int32, len(proto)),
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
		for i := range tr.cells {
			tr.cells[i].live = 1
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
		s.trials[k] = s.newTrial(k, s.proto)
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
		tr.cells, tr.live, tr.ring, tr.input = nil, nil, nil, nil
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
		if tr.cells == nil {
			panic("lif: State after Run")
		}
		for i := range tr.cells {
			c := &tr.cells[i]
			vi, gi := c.v, c.g
			if c.tu < tr.step-1 {
				vi, gi = s.c.advance(vi, gi, effective(c, tr.step-1))
			}
			v[i*b+k], g[i*b+k] = vi, gi
		}
	}
}

// effective returns how many of the steps (c.tu, n] update c's state: a
// step m is frozen (refractory) while m < c.open.
func effective(c *cell, n int32) int {
	return int(max(n-max(c.tu, c.open-1), 0))
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
		c := &tr.cells[i]
		c.v, c.g = s.c.p.VRst, 0
	}
	tr.step++
}

// update steps the live neurons, drops those that can no longer cross the
// threshold, and collects the ones that spike in tr.fired.
func (s *Sim) update(tr *trial, n int32) {
	tr.fired = tr.fired[:0]
	w := 0
	for _, i := range tr.live {
		c := &tr.cells[i]
		if !s.c.canCross(c.v, c.g) {
			c.live = 0
			continue
		}
		tr.live[w] = i
		w++
		c.tu = n
		if n < c.open {
			continue // refractory: Brian2 does not write v and g
		}
		c.v, c.g = s.c.liveStep(c.v, c.g)
		if c.v > s.c.p.VTh {
			c.open = n + max(s.rfc[i], 1)
			tr.fired = append(tr.fired, i)
		}
	}
	tr.live = tr.live[:w]
}

// touch brings neuron j of tr up to step n and returns it, or returns nil
// when j takes no input at step n: Brian2 makes every write to a variable
// declared (unless refractory) conditional on not_refractory, which is
// false while refractory and, after the threshold, for the neurons that
// spiked this step. The caller adds the input and then calls mark.
func (s *Sim) touch(tr *trial, j int32, n int32) *cell {
	c := &tr.cells[j]
	if n < c.open {
		return nil
	}
	if c.tu != n { // then n − max(tu, open−1) > 0
		c.v, c.g = s.c.advance(c.v, c.g, int(n-max(c.tu, c.open-1)))
		c.tu = n
	}
	return c
}

// mark puts neuron j into the live set if its input may make it cross the
// threshold. Checking after every input of a step is conservative: a
// neuron made live by a partial sum is dropped at the next update.
func (s *Sim) mark(tr *trial, c *cell, j int32) {
	if c.live == 0 && s.c.canCross(c.v, c.g) {
		c.live = 1
		tr.live = append(tr.live, j)
	}
}

// deliver adds the synaptic input of the spikes in pre to g. It is touch
// and mark written out for the hot loop.
func (s *Sim) deliver(tr *trial, pre []int32, n int32) {
	out := s.net.Out
	w := s.c.p.WSyn
	cells := tr.cells
	// Locals, so that the stores into cells do not make the compiler
	// reload them: advance and canCross written out.
	v0, hmax, uth, tab := s.c.p.V0, s.c.hmax, s.c.uthm, s.c.tab
	for _, i := range pre {
		lo, hi := out.RowPtr[i], out.RowPtr[i+1]
		cols, vals := out.ColIdx[lo:hi], out.Val[lo:hi]
		for k, j := range cols {
			c := &cells[j]
			if n < c.open {
				continue
			}
			if c.tu != n {
				if d := int(n - max(c.tu, c.open-1)); d < len(tab) {
					t := &tab[d]
					c.v, c.g = v0+float64((c.v-v0)*t.em)+float64(c.g*t.h), c.g*t.eg
				} else {
					c.v, c.g = s.c.advance(c.v, c.g, d)
				}
				c.tu = n
			}
			c.g += float64(vals[k]) * w
			if c.live == 0 && max(c.v-v0, 0)+float64(max(c.g, 0)*hmax) > uth {
				c.live = 1
				tr.live = append(tr.live, j)
			}
		}
	}
}

// inputs applies the Poisson and replayed input events of step n.
func (s *Sim) inputs(tr *trial, n int32) {
	for d := range s.drivers {
		if tr.next[d] == n {
			j := s.drivers[d].neuron
			if c := s.touch(tr, j, n); c != nil {
				c.v += s.c.wpoi
				s.mark(tr, c, j)
			}
			tr.next[d] = s.gap(tr, d, n)
		}
	}
	for tr.inPos < len(tr.input) && tr.input[tr.inPos].step <= n {
		if e := tr.input[tr.inPos]; e.step == n {
			if c := s.touch(tr, e.neuron, n); c != nil {
				c.v += s.c.wpoi
				s.mark(tr, c, e.neuron)
			}
		}
		tr.inPos++
	}
}
