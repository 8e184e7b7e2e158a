package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// Input is the drive of a run and the interval the run covers.
type Input struct {
	X      []float32 // [frames][batch][inputs], held piecewise constant; nil: no input
	Frames int       // frames of X, spread evenly over [T0, T1]
	T0, T1 float64   // the interval of an ODE run; a discrete run counts frames instead
}

// Readout chooses what a run records at each output time. The zero value
// records every state variable, time-first.
type Readout struct {
	Neurons    []int       // record these state variables, in this order; nil: all (or the projection's outputs)
	Projection *sparse.CSR // [outputs][dim] W_ho: record W_ho h + Bias instead of h; nil: none
	Bias       []float32   // [outputs] added to W_ho h; nil: 0
	BatchFirst bool        // Activity is [batch][times][width] instead of [times][batch][width]
}

// Settings are the settings of a run. The zero value solves with the
// default solver of package ode from zeros and records the state at T1.
type Settings struct {
	// Solver chooses the ODE method and its steps, tolerances and budget;
	// its Progress is replaced by Progress below. A discrete model ignores it.
	Solver ode.Settings
	// Times are the output times, ascending within [T0, T1]; nil: T1 only.
	// A discrete run records the state after every frame and takes none.
	Times []float64
	Y0    []float32 // [dim][batch] initial state; nil: zeros
	// MaxValues bounds the states held at once (output times × batch ×
	// dim) when the readout records less than the whole state: the output
	// times are then solved in windows. 0: one solve.
	MaxValues int
	// Progress, when not nil, is called after every step with the earliest
	// time reached and the right-hand-side evaluations so far.
	Progress func(t float64, evals int)
}

// Result is what Run returns.
type Result struct {
	Activity   []float32 // the readout at Times: [times][batch][width], or [batch][times][width] when BatchFirst
	Width      int       // values recorded per sample and output time
	Batch      int       // samples
	BatchFirst bool      // the layout of Activity
	Times      []float64 // [times] output times
	// States is every state variable at every output time, [times][batch][dim],
	// when one solve held them (always, unless windows bounded the memory);
	// the same slice as Activity when the readout is the whole state, time-first.
	States []float32
	Last   []float32 // [dim][batch] the state at the last output time
	Stats  ode.Stats // the work of the solve, summed over its windows
	// Seconds is the wall time of the solve (or of the discrete steps),
	// without the readout.
	Seconds float64
}

// Adaptive reports whether s takes adaptive steps: a method with an error
// estimate (ode.Method.Adaptive; "" is ode.DefaultMethod) given neither
// Steps nor Dt. An unknown method is not adaptive (ode.Solve reports it).
func Adaptive(s ode.Settings) bool {
	name := s.Method
	if name == "" {
		name = ode.DefaultMethod
	}
	m, err := ode.Lookup(name)
	return err == nil && m.Adaptive() && s.Steps == 0 && s.Dt == 0
}

// Run runs model m: it integrates a model.ODE with ode.Solve or steps a
// model.Discrete once per input frame (a model that is both runs as an
// ODE), from s.Y0 with input in, and records the readout r at the output
// times. It returns an error for data that does not fit the model (input,
// initial state, readout, output times) and for a failed solve (with the
// solver's error: a step budget, a non-finite state). It panics if m is
// neither an ODE nor a discrete model.
func Run(m model.Model, in Input, r Readout, s Settings) (*Result, error) {
	dim, batch := m.Dim(), m.Batch()
	width, err := r.width(dim)
	if err != nil {
		return nil, err
	}
	if s.Y0 != nil && len(s.Y0) != dim*batch {
		return nil, fmt.Errorf("sim: initial state has %d values, want dim×batch = %d×%d", len(s.Y0), dim, batch)
	}
	ru := &runner{m: m, in: in, r: r, s: s, dim: dim, batch: batch,
		res: &Result{Width: width, Batch: batch, BatchFirst: r.BatchFirst,
			Stats: ode.Stats{Accepted: make([]int, batch), Rejected: make([]int, batch)}}}
	ru.events, _ = m.(model.Events)
	switch mm := m.(type) {
	case model.ODE:
		err = ru.runODE(mm)
	case model.Discrete:
		err = ru.runDiscrete(mm)
	default:
		panic(fmt.Sprintf("sim: %T is neither a model.ODE nor a model.Discrete", m))
	}
	if err != nil {
		return nil, err
	}
	return ru.res, nil
}

// width checks the readout against a state of dim variables and returns
// the values it records per sample.
func (r *Readout) width(dim int) (int, error) {
	if r.Projection != nil && r.Neurons != nil {
		return 0, fmt.Errorf("sim: readout of both neurons and a projection")
	}
	if p := r.Projection; p != nil {
		if p.Cols != dim {
			return 0, fmt.Errorf("sim: output projection has %d columns for %d state variables", p.Cols, dim)
		}
		if r.Bias != nil && len(r.Bias) != p.Rows {
			return 0, fmt.Errorf("sim: output bias has %d values for %d outputs", len(r.Bias), p.Rows)
		}
		return p.Rows, nil
	}
	if r.Bias != nil {
		return 0, fmt.Errorf("sim: output bias without an output projection")
	}
	for k, i := range r.Neurons {
		if i < 0 || i >= dim {
			return 0, fmt.Errorf("sim: recorded neuron %d is %d, outside [0, %d)", k, i, dim)
		}
	}
	if r.Neurons != nil {
		return len(r.Neurons), nil
	}
	return dim, nil
}

// whole reports whether the readout is the whole state.
func (r *Readout) whole() bool { return r.Neurons == nil && r.Projection == nil }

// runner holds one run.
type runner struct {
	m          model.Model
	events     model.Events // nil: none
	in         Input
	r          Readout
	s          Settings
	dim, batch int
	res        *Result
	evals      int // right-hand-side evaluations so far
}

// setInput hands the input to the model over [t0, t1].
func (ru *runner) setInput(t0, t1 float64) error {
	if ru.in.X == nil {
		return nil
	}
	d, ok := ru.m.(model.Driven)
	if !ok {
		return fmt.Errorf("sim: an input for %T, which takes none", ru.m)
	}
	if err := d.SetInput(ru.in.X, ru.in.Frames, t0, t1); err != nil {
		return fmt.Errorf("sim: input: %w", err)
	}
	return nil
}

// window returns how many output times one solve records at most.
func (ru *runner) window(times int) int {
	per := times
	if n := ru.batch * ru.dim; !ru.r.whole() && ru.s.MaxValues > 0 && n > 0 {
		per = max(1, ru.s.MaxValues/n)
	}
	return max(1, min(per, times))
}

// runODE integrates m over the input's interval, window by window of
// output times.
func (ru *runner) runODE(m model.ODE) error {
	in, s := ru.in, ru.s
	if !(in.T1 > in.T0) || math.IsInf(in.T1-in.T0, 0) {
		return fmt.Errorf("sim: interval [%v, %v]: need finite t0 < t1", in.T0, in.T1)
	}
	times := s.Times
	if times == nil {
		times = []float64{in.T1}
	}
	for k, t := range times {
		if !(t >= in.T0 && t <= in.T1) || (k > 0 && t < times[k-1]) {
			return fmt.Errorf("sim: output time %d is %v: times must ascend within [%v, %v]", k, t, in.T0, in.T1)
		}
	}
	if err := ru.setInput(in.T0, in.T1); err != nil {
		return err
	}
	var breaks []float64
	var segment func(b, k int)
	if d, ok := m.(model.Driven); ok && in.X != nil {
		breaks, segment = d.Breaks(), d.SetSegment
	}
	p := ode.Problem[float32]{Dim: ru.dim, Batch: ru.batch,
		F: func(dydt, y []float32, t []float64) {
			ru.evals++
			m.Derivative(dydt, y, t, nil)
		},
		FBlocks: func(dydt, y []float32, t []float64, post func(r0, r1 int)) {
			ru.evals++
			m.Derivative(dydt, y, t, post)
		}}
	set := s.Solver
	set.Progress = nil
	if s.Progress != nil {
		set.Progress = func(t float64) { s.Progress(t, ru.evals) }
	}
	ru.begin(times)
	per := ru.window(len(times))
	states := make([]float32, per*ru.batch*ru.dim)
	y0, t0 := s.Y0, in.T0
	for i0 := 0; i0 < len(times); i0 += per {
		i1 := min(i0+per, len(times))
		win, t1 := times[i0:i1], times[i1-1]
		if i1 == len(times) {
			t1 = in.T1
		}
		out := states[:len(win)*ru.batch*ru.dim]
		if t1 > t0 {
			// Frames are numbered over the whole input: the window starts
			// in the frame after the breaks at or before t0.
			first, last := countBelow(breaks, t0, true), countBelow(breaks, t1, false)
			p.Y0, p.T0, p.T1, p.Times, p.Breaks = y0, t0, t1, win, breaks[first:last]
			p.Segment = shifted(segment, first)
			if err := ru.solve(out, p, set); err != nil {
				return err
			}
		} else {
			for k := range win { // output times at the start: the state itself
				for b := 0; b < ru.batch; b++ {
					for i := 0; i < ru.dim; i++ {
						out[(k*ru.batch+b)*ru.dim+i] = stateAt(y0, i, b, ru.batch)
					}
				}
			}
		}
		ru.record(out, i0, len(win), per == len(times))
		y0, t0 = ru.res.Last, t1
	}
	return nil
}

// stateAt returns variable i of sample b of y ([dim][batch]; nil: zeros).
func stateAt(y []float32, i, b, batch int) float32 {
	if y == nil {
		return 0
	}
	return y[i*batch+b]
}

// countBelow returns how many of the ascending ts are below t (or at it,
// with orAt).
func countBelow(ts []float64, t float64, orAt bool) int {
	n := 0
	for n < len(ts) && (ts[n] < t || orAt && ts[n] == t) {
		n++
	}
	return n
}

// shifted returns segment with its segment index shifted by first (nil
// for nil).
func shifted(segment func(b, k int), first int) func(b, k int) {
	if segment == nil || first == 0 {
		return segment
	}
	return func(b, k int) { segment(b, first+k) }
}

// solve runs one window of the ODE, with the model's events after every
// step when it has them.
func (ru *runner) solve(out []float32, p ode.Problem[float32], set ode.Settings) error {
	start := time.Now()
	if ru.events != nil {
		p.Events = ru.events.Events
	}
	st, err := ode.Solve(out, p, set)
	ru.res.Seconds += time.Since(start).Seconds()
	ru.res.Stats.RHSEvals += st.RHSEvals
	for b := range st.Accepted {
		ru.res.Stats.Accepted[b] += st.Accepted[b]
		ru.res.Stats.Rejected[b] += st.Rejected[b]
	}
	return err
}

// runDiscrete steps m once per input frame.
func (ru *runner) runDiscrete(m model.Discrete) error {
	in, s := ru.in, ru.s
	if in.Frames < 1 {
		return fmt.Errorf("sim: a discrete model steps once per input frame, and the input has %d frames", in.Frames)
	}
	if s.Times != nil {
		return fmt.Errorf("sim: a discrete run records the state after every frame: no output times can be chosen")
	}
	if err := ru.setInput(0, float64(in.Frames)); err != nil {
		return err
	}
	times := make([]float64, in.Frames)
	for k := range times {
		times[k] = float64(k + 1) // the state after frame k
	}
	ru.begin(times)
	per := ru.window(len(times))
	n, b := ru.dim, ru.batch
	states := make([]float32, per*b*n)
	h, next := make([]float32, n*b), make([]float32, n*b)
	copy(h, s.Y0)
	ts := make([]float64, b)
	start := time.Now()
	for k := 0; k < in.Frames; k++ {
		m.StepFrame(next, h, k)
		h, next = next, h
		if ru.events != nil {
			for j := range ts {
				ts[j] = times[k]
			}
			ru.events.Events(h, ts)
		}
		if err := sparse.CheckFinite(h); err != nil {
			return fmt.Errorf("state after frame %d: %w", k, err)
		}
		w := k % per
		for j := 0; j < b; j++ {
			o := states[(w*b+j)*n : (w*b+j+1)*n]
			for i := range o {
				o[i] = h[i*b+j]
			}
			ru.res.Stats.Accepted[j]++
		}
		ru.res.Stats.RHSEvals++
		ru.evals++
		if s.Progress != nil {
			s.Progress(times[k], ru.evals)
		}
		if w == per-1 || k == in.Frames-1 {
			ru.res.Seconds += time.Since(start).Seconds()
			ru.record(states[:(w+1)*b*n], k-w, w+1, per == len(times))
			start = time.Now()
		}
	}
	return nil
}
