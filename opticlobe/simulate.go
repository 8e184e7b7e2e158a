package opticlobe

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sim"
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
	Method string  // ode method (ode.Names): "euler" (default, the flyvis integrator), "rk4", "dopri5", ...
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

// Result is what Simulate returns: the run of package sim, whose Activity
// is [evals][batch][len(Record)] voltages at Times (s, from the stimulus
// onset) and whose Stats are the work of the stimulus solve, summed over
// its windows (not the relaxation).
type Result struct {
	sim.Result
	Record   []int    // neurons of the last axis of Activity
	Warnings []string // e.g. a step above 1/50 s
}

// Simulate drives net with frames, [nframes][batch][columns] (columns =
// ColumnCount(net.Extent), as Eye.Sample writes), held piecewise constant
// over [0, Duration], after relaxing every sample from its resting
// potentials under a grey input. It returns the recorded voltages at the
// output times. Memory stays bounded when few neurons are recorded: the
// output times are solved in windows (see maxWindowValues), which leaves a
// fixed-step solve unchanged. With a fixed-step method a time constant
// below Dt counts as Dt, as flyvis's max(tau, dt) (the defaults, 0.05 s
// at 0.02 s, are unaffected). Errors report bad settings or input (with
// the known solver names for an unknown one) and solver failures.
func Simulate(net *Network, frames []float32, nframes, batch int, s Settings) (*Result, error) {
	if batch < 1 {
		return nil, fmt.Errorf("opticlobe: batch %d < 1", batch)
	}
	s, warnings, err := s.resolve()
	if err != nil {
		return nil, err
	}
	rec, err := s.recorded(net.Neurons())
	if err != nil {
		return nil, err
	}
	p := net.DefaultParams(s.Seed)
	if s.Params != nil {
		p = *s.Params
	}
	if !s.adaptive() {
		p = p.stepTau(s.Dt)
	}
	d, err := NewDynamics(net, p, batch, s.Workers)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	// Check the stimulus before the relaxation's work.
	if err := d.SetInput(frames, nframes, 0, s.Duration); err != nil {
		return nil, err
	}
	y0, err := s.relax(d)
	if err != nil {
		return nil, err
	}
	if s.Relax > 0 {
		if w := restWarning(d, y0, s.Relax); w != "" {
			warnings = append(warnings, w)
		}
	}
	r, err := sim.Run(d, sim.Input{X: frames, Frames: nframes, T0: 0, T1: s.Duration}, sim.Readout{Neurons: s.Record},
		sim.Settings{Solver: s.solver(), Times: ode.Linspace(0, s.Duration, s.Evals), Y0: y0, MaxValues: maxWindowValues})
	if err != nil {
		return nil, fmt.Errorf("opticlobe: %w", err)
	}
	return &Result{Result: *r, Record: rec, Warnings: warnings}, nil
}

// resolve returns s with its defaults filled in and checked, and the
// warnings it deserves.
func (s Settings) resolve() (Settings, []string, error) {
	if s.Method == "" {
		s.Method = "euler"
	}
	if err := ode.CheckMethod(s.Method); err != nil {
		return s, nil, fmt.Errorf("opticlobe: %w", err)
	}
	if s.Dt == 0 {
		s.Dt = DefaultDt
	}
	if !(s.Dt > 0) || math.IsInf(s.Dt, 0) {
		return s, nil, fmt.Errorf("opticlobe: dt %v, want a positive number of seconds", s.Dt)
	}
	var warnings []string
	if !s.adaptive() && s.Dt > MaxDt {
		warnings = append(warnings, fmt.Sprintf("dt %g s is above 1/50 s, the step flyvis uses; the model may be inaccurate or unstable", s.Dt))
	}
	if s.Duration == 0 {
		s.Duration = DefaultDuration
	}
	if !(s.Duration > 0) || math.IsInf(s.Duration, 0) {
		return s, nil, fmt.Errorf("opticlobe: duration %v, want a positive number of seconds", s.Duration)
	}
	evals, err := s.OutputTimes()
	if err != nil {
		return s, nil, err
	}
	s.Evals = evals
	if s.Relax == 0 {
		s.Relax = DefaultRelax
	}
	if math.IsNaN(s.Relax) || math.IsInf(s.Relax, 0) {
		return s, nil, fmt.Errorf("opticlobe: relaxation time %v", s.Relax)
	}
	if s.Grey == 0 {
		s.Grey = DefaultGrey
	}
	return s, warnings, nil
}

// adaptive reports whether the method chooses its own steps (then Dt is
// not used).
func (s Settings) adaptive() bool { return sim.Adaptive(ode.Settings{Method: s.Method}) }

// recorded returns the recorded neurons of a network of n: Record, or all.
func (s Settings) recorded(n int) ([]int, error) {
	for _, i := range s.Record {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("opticlobe: recorded neuron %d outside [0, %d)", i, n)
		}
	}
	if s.Record != nil {
		return s.Record, nil
	}
	rec := make([]int, n)
	for i := range rec {
		rec[i] = i
	}
	return rec, nil
}

// solver returns the ode settings of s: a fixed step of Dt (with no
// budget but the one that keeps the step count an int, which package ode
// checks: the step count is the user's choice) or the adaptive method's
// tolerances.
func (s Settings) solver() ode.Settings {
	solver := ode.Settings{Method: s.Method, Atol: s.Atol, Rtol: s.Rtol, Shared: s.Shared}
	if !s.adaptive() {
		solver.Dt = s.Dt
		solver.MaxSteps = math.MaxInt
	}
	return solver
}

// relax returns the state [neurons][batch] after Relax seconds of grey
// input from the resting potentials (the resting potentials for no
// relaxation).
func (s Settings) relax(d *Dynamics) ([]float32, error) {
	y0 := d.Rest()
	if s.Relax <= 0 {
		return y0, nil
	}
	grey := make([]float32, d.Batch()*d.Inputs())
	for k := range grey {
		grey[k] = s.Grey
	}
	r, err := sim.Run(d, sim.Input{X: grey, Frames: 1, T0: 0, T1: s.Relax}, sim.Readout{},
		sim.Settings{Solver: s.solver(), Times: []float64{s.Relax}, Y0: y0})
	if err != nil {
		return nil, fmt.Errorf("opticlobe: relaxing to the grey steady state: %w", err)
	}
	return r.Last, nil
}

// RestDrift is the largest |dV/dt| (1/s) after the grey relaxation that
// passes without a warning. flyvis's initial network is at 5e-4/s after
// 0.5 s; above 1/s a voltage still moves by 0.02 or more in a 20 ms frame,
// so a stimulus does not start from a steady state: the network's slowest
// mode takes a good part of a second to decay, or grows.
const RestDrift = 1.0

// MaxAbs returns the largest |v| of x, NaN if any is NaN (0 for none).
func MaxAbs[T ode.Float](x []T) float64 {
	var m float64
	for _, v := range x {
		a := math.Abs(float64(v))
		if math.IsNaN(a) {
			return a
		}
		m = max(m, a)
	}
	return m
}

// restWarning returns RestWarning of the state y after relax seconds of
// grey (d's input).
func restWarning(d *Dynamics, y []float32, relax float64) string {
	dv := make([]float32, len(y))
	d.RHS(dv, y, make([]float64, d.Batch()))
	return RestWarning(MaxAbs(dv), relax)
}

// RestWarning returns the warning for a network whose largest |dV/dt| is
// drift (1/s) after tpre seconds of grey, or "" when drift is at most
// RestDrift: simulations, analyses and training say it alike.
func RestWarning(drift, tpre float64) string {
	if drift <= RestDrift {
		return ""
	}
	return fmt.Sprintf("not at rest after %g s of grey (|dV/dt| up to %.3g/s, above %g/s): its rest state is slow or unstable, and what follows depends on when the stimulus starts (neuropil analyze rest measures it)", tpre, drift, RestDrift)
}

// maxWindowValues bounds the states Simulate holds at once (256 MiB of
// float32) when it records few neurons: output times are solved in windows
// of at most this many neurons × batch × times (sim.Settings.MaxValues).
var maxWindowValues = 64 << 20

// stepTau returns p with every time constant at least dt (in float32),
// as flyvis's velocity divides by max(tau, dt); Tau is copied only when
// one changes.
func (p Params) stepTau(dt float64) Params {
	d := float32(dt)
	for _, t := range p.Tau {
		if t < d {
			tau := make([]float32, len(p.Tau))
			for i, x := range p.Tau {
				tau[i] = max(x, d)
			}
			p.Tau = tau
			return p
		}
	}
	return p
}
