package opticlobe

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/ode"
)

// Defaults of Settings.
const (
	DefaultDt       = 0.02 // s: the flyvis integration step
	MaxDt           = 1.0 / 50
	DefaultDuration = 1.0 // s
	DefaultRelax    = 1.0 // s of grey input before the stimulus (20 time constants)
	DefaultGrey     = 0.5 // grey level of the relaxation (flyvis steady_state)
)

// Settings configure Simulate. The zero value means the documented
// defaults: explicit Euler with dt = 0.02 s (the flyvis integrator) over
// 1 s, output at every step, after 1 s of relaxation under grey 0.5, with
// the default parameters.
type Settings struct {
	Method string  // ode method (see ode.Names): "euler" (default), "rk4", "dopri5", "bosh3"
	Dt     float64 // fixed-step methods: step, s; 0: 0.02; above 1/50 s a warning (flyvis trains at 1/50 s)
	Atol   float64 // dopri5 tolerances; 0: the ode defaults
	Rtol   float64
	Shared bool // dopri5: one step size for the whole batch

	Duration float64 // s, the stimulus [0, Duration]; 0: 1 s
	Evals    int     // output times evenly spaced over [0, Duration], both ends; 0: one per dt
	Relax    float64 // s of grey input before the stimulus, from V = Vrest; 0: 1 s; < 0: none (start at Vrest)
	Grey     float32 // grey level of the relaxation; 0: 0.5

	Record  []int   // neurons to return; nil: all
	Params  *Params // nil: net.DefaultParams(Seed)
	Seed    uint64  // seed of the default parameters
	Workers int     // goroutines for the sparse product; 0: GOMAXPROCS
}

// OutputTimes returns the number of output times Simulate returns for s:
// Evals, or one per Dt over Duration (both ends) when Evals is 0, with the
// zero values of Dt and Duration meaning their defaults. It is an error if
// the number is below 1 or too large to hold in an int32 (a tiny Dt).
func (s Settings) OutputTimes() (int, error) {
	if s.Evals != 0 {
		if s.Evals < 1 || s.Evals > math.MaxInt32 {
			return 0, fmt.Errorf("opticlobe: %d output times, want 1 to %d", s.Evals, math.MaxInt32)
		}
		return s.Evals, nil
	}
	dt, dur := s.Dt, s.Duration
	if dt == 0 {
		dt = DefaultDt
	}
	if dur == 0 {
		dur = DefaultDuration
	}
	n := math.Round(dur/dt) + 1 // a float first: a tiny dt must not overflow an int
	if !(n >= 1 && n <= math.MaxInt32) {
		return 0, fmt.Errorf("opticlobe: duration %g s at one output time per dt %g s gives %.4g output times; set the number of output times", dur, dt, n)
	}
	return int(n), nil
}

// Result is what Simulate returns.
type Result struct {
	Activity []float32 // [evals][batch][len(Record)] voltages at Times
	Times    []float64 // [evals] output times, s, from the stimulus onset
	Record   []int     // neurons of the last axis of Activity
	Stats    ode.Stats // work of the stimulus solve, summed over its windows (not the relaxation)
	Warnings []string  // e.g. a step above 1/50 s
}

// Simulate drives net with frames, [nframes][batch][columns] (columns =
// ColumnCount(net.Extent), as Eye.Sample writes), held piecewise constant
// over [0, Duration], after relaxing every sample from its resting
// potentials under a grey input. It returns the recorded voltages at the
// output times. Memory stays bounded when few neurons are recorded: the
// output times are solved in windows (see maxWindowValues), which leaves a
// fixed-step solve unchanged. Errors report bad settings or input (with
// the known solver names for an unknown one) and solver failures.
func Simulate(net *Network, frames []float32, nframes, batch int, s Settings) (*Result, error) {
	if batch < 1 {
		return nil, fmt.Errorf("opticlobe: batch %d < 1", batch)
	}
	if s.Method == "" {
		s.Method = "euler"
	}
	m, err := ode.Lookup(s.Method)
	if err != nil {
		return nil, fmt.Errorf("opticlobe: %w", err)
	}
	fixed := !m.Adaptive()
	var res Result
	if s.Dt == 0 {
		s.Dt = DefaultDt
	}
	if !(s.Dt > 0) || math.IsInf(s.Dt, 0) {
		return nil, fmt.Errorf("opticlobe: dt %v, want a positive number of seconds", s.Dt)
	}
	if fixed && s.Dt > MaxDt {
		res.Warnings = append(res.Warnings, fmt.Sprintf("dt %g s is above 1/50 s, the step flyvis uses; the model may be inaccurate or unstable", s.Dt))
	}
	if s.Duration == 0 {
		s.Duration = DefaultDuration
	}
	if !(s.Duration > 0) || math.IsInf(s.Duration, 0) {
		return nil, fmt.Errorf("opticlobe: duration %v, want a positive number of seconds", s.Duration)
	}
	evals, err := s.OutputTimes()
	if err != nil {
		return nil, err
	}
	s.Evals = evals
	if s.Relax == 0 {
		s.Relax = DefaultRelax
	}
	if math.IsNaN(s.Relax) || math.IsInf(s.Relax, 0) {
		return nil, fmt.Errorf("opticlobe: relaxation time %v", s.Relax)
	}
	if s.Grey == 0 {
		s.Grey = DefaultGrey
	}
	n := net.Neurons()
	rec := s.Record
	if rec == nil {
		rec = make([]int, n)
		for i := range rec {
			rec[i] = i
		}
	}
	for _, i := range rec {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("opticlobe: recorded neuron %d outside [0, %d)", i, n)
		}
	}
	p := net.DefaultParams(s.Seed)
	if s.Params != nil {
		p = *s.Params
	}
	d, err := NewDynamics(net, p, batch, s.Workers)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	solver := ode.Settings{Method: s.Method, Atol: s.Atol, Rtol: s.Rtol, Shared: s.Shared}
	if fixed {
		// The step count of a fixed step is the user's choice (duration/dt,
		// solved in windows): no budget but the one that keeps the count
		// an int, which package ode checks before the first step.
		solver.Dt = s.Dt
		solver.MaxSteps = math.MaxInt
	}

	y0 := d.Rest()
	if s.Relax > 0 {
		nc := ColumnCount(net.Extent)
		grey := make([]float32, batch*nc)
		for k := range grey {
			grey[k] = s.Grey
		}
		if err := d.SetInput(grey, 1, 0, s.Relax); err != nil {
			return nil, err
		}
		end := make([]float32, n*batch)
		_, err := ode.Solve(end, ode.Problem[float32]{F: d.RHS, Dim: n, Batch: batch, Y0: y0,
			T0: 0, T1: s.Relax, Times: []float64{s.Relax}}, solver)
		if err != nil {
			return nil, fmt.Errorf("opticlobe: relaxing to the grey steady state: %w", err)
		}
		// end is [1][batch][neurons]; the state is [neurons][batch].
		for b := 0; b < batch; b++ {
			for i := 0; i < n; i++ {
				y0[i*batch+b] = end[b*n+i]
			}
		}
	}
	if err := d.SetInput(frames, nframes, 0, s.Duration); err != nil {
		return nil, err
	}
	res.Times = ode.Linspace(0, s.Duration, s.Evals)
	res.Record = rec
	res.Stats = ode.Stats{Accepted: make([]int, batch), Rejected: make([]int, batch)}
	nr := len(rec)
	res.Activity = make([]float32, len(res.Times)*batch*nr)
	// Solve window by window of output times, so that a long run that
	// records few neurons never holds every neuron at every output time.
	per := max(1, maxWindowValues/(batch*n))
	var scratch []float32
	if s.Record != nil {
		scratch = make([]float32, min(per, len(res.Times))*batch*n)
	}
	breaks := d.Breaks()
	t0 := 0.0
	for i0 := 0; i0 < len(res.Times); i0 += per {
		i1 := min(i0+per, len(res.Times)) // window: output times [i0, i1)
		times := res.Times[i0:i1]
		t1 := times[len(times)-1]
		out := res.Activity[i0*batch*nr : i1*batch*nr]
		if s.Record != nil {
			out = scratch[:len(times)*batch*n]
		}
		if t1 > t0 {
			// Frames are numbered globally: the window starts in the frame
			// after the breaks at or before t0.
			first := 0
			for first < len(breaks) && breaks[first] <= t0 {
				first++
			}
			last := first
			for last < len(breaks) && breaks[last] < t1 {
				last++
			}
			pr := ode.Problem[float32]{F: d.RHS, Dim: n, Batch: batch, Y0: y0, T0: t0, T1: t1,
				Times: times, Breaks: breaks[first:last], Segment: func(b, k int) { d.SetSegment(b, first+k) }}
			st, err := ode.Solve(out, pr, solver)
			if err != nil {
				return nil, fmt.Errorf("opticlobe: %w", err)
			}
			res.Stats.RHSEvals += st.RHSEvals
			for b := range st.Accepted {
				res.Stats.Accepted[b] += st.Accepted[b]
				res.Stats.Rejected[b] += st.Rejected[b]
			}
		} else {
			// Output times at the start: the state itself.
			for k := range times {
				for b := 0; b < batch; b++ {
					for i := 0; i < n; i++ {
						out[(k*batch+b)*n+i] = y0[i*batch+b]
					}
				}
			}
		}
		// The next window starts from the state at t1, [batch][neurons] in
		// the output, [neurons][batch] in y0.
		endState := out[(len(times)-1)*batch*n : len(times)*batch*n]
		if s.Record != nil {
			dst := res.Activity[i0*batch*nr : i1*batch*nr]
			for k := 0; k < len(times)*batch; k++ {
				src := out[k*n : (k+1)*n]
				row := dst[k*nr : (k+1)*nr]
				for j, i := range rec {
					row[j] = src[i]
				}
			}
		}
		for b := 0; b < batch; b++ {
			for i := 0; i < n; i++ {
				y0[i*batch+b] = endState[b*n+i]
			}
		}
		t0 = t1
	}
	return &res, nil
}

// maxWindowValues bounds the states Simulate holds at once (256 MiB of
// float32): output times are solved in windows of at most this many
// neurons × batch × times. A fixed-step solve is the same whatever the
// windows (steps end on output times anyway); dopri5 restarts its step
// size control at each window's start.
var maxWindowValues = 64 << 20
