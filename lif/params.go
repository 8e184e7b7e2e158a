package lif

import (
	"fmt"
	"math"
)

// Unit multipliers as Brian2 defines them. They are variables, not
// constants, on purpose: Go folds constant expressions exactly, while
// Brian2 rounds 0.275*mV twice (0.275, then the product); multiplying at
// run time rounds the same way, so that weights and voltages have the
// same float64 bits as in Brian2.
var (
	mV = 1e-3 // volt
	ms = 1e-3 // second
)

// Params are the model's constants in SI units (volts, seconds, hertz),
// named after Shiu et al.'s default_params (model.py). The zero value is
// not usable: start from Defaults.
type Params struct {
	V0   float64 // v_0, resting potential: −52 mV (Kakaria & de Bivort 2017)
	VRst float64 // v_rst, reset potential after a spike: −52 mV
	VTh  float64 // v_th, spike threshold: −45 mV
	TMbr float64 // t_mbr, membrane time constant: 20 ms
	Tau  float64 // tau, synaptic (g) time constant: 5 ms (Jürgensen et al. 2021)
	TRfc float64 // t_rfc, refractory period: 2.2 ms (Lazar et al. 2021); 0 for driven neurons
	TDly float64 // t_dly, synaptic delay: 1.8 ms (Paul et al. 2015)
	WSyn float64 // w_syn, weight per synapse: 0.275 mV (free parameter)
	FPoi float64 // f_poi, Poisson input weight in units of w_syn: 250
	RPoi float64 // r_poi, rate of the Poisson input to Excite: 150 Hz

	RPoi2 float64 // r_poi2, rate of the Poisson input to Excite2: 0 Hz

	Dt   float64 // dt, time step: 0.1 ms (Brian2's defaultclock)
	TRun float64 // t_run, duration of a trial: 1 s
	NRun int     // n_run, number of trials: 30
}

// Defaults returns Shiu et al.'s default parameters.
func Defaults() Params {
	return Params{
		V0: -52 * mV, VRst: -52 * mV, VTh: -45 * mV,
		TMbr: 20 * ms, Tau: 5 * ms, TRfc: 2.2 * ms, TDly: 1.8 * ms,
		WSyn: 0.275 * mV, FPoi: 250, RPoi: 150, RPoi2: 0,
		Dt: 0.1 * ms, TRun: 1000 * ms, NRun: 30,
	}
}

// Field is one parameter as a command line sets it: Name is Brian2's (and
// Shiu's) name, the value is given in Unit and stored as value·Scale in SI
// at Ptr.
type Field struct {
	Name  string
	Unit  string  // "mV", "ms", "Hz", "" (a number), "s"
	Scale float64 // SI per unit: 1e-3 for mV and ms
	Doc   string
	Ptr   *float64
}

// Fields lists p's float parameters with Brian2's names, for registering
// flags: a flag value x sets *f.Ptr = x*f.Scale (see Set), and the default
// shown is Get.
func (p *Params) Fields() []Field {
	return []Field{
		{"v_0", "mV", mV, "resting potential", &p.V0},
		{"v_rst", "mV", mV, "reset potential after a spike", &p.VRst},
		{"v_th", "mV", mV, "spike threshold", &p.VTh},
		{"t_mbr", "ms", ms, "membrane time constant", &p.TMbr},
		{"tau", "ms", ms, "synaptic time constant", &p.Tau},
		{"t_rfc", "ms", ms, "refractory period", &p.TRfc},
		{"t_dly", "ms", ms, "synaptic delay", &p.TDly},
		{"w_syn", "mV", mV, "weight per synapse", &p.WSyn},
		{"f_poi", "", 1, "Poisson input weight in units of w_syn", &p.FPoi},
		{"r_poi", "Hz", 1, "rate of the Poisson input to the excited neurons", &p.RPoi},
		{"r_poi2", "Hz", 1, "rate of the Poisson input to the second excited set", &p.RPoi2},
	}
}

// Set stores x, given in f.Unit, as x·Scale (rounded as Brian2's x*mV).
func (f Field) Set(x float64) {
	if f.Scale == 1 {
		*f.Ptr = x
		return
	}
	*f.Ptr = x * f.Scale
}

// Get returns the value in f.Unit.
func (f Field) Get() float64 { return *f.Ptr / f.Scale }

// Validate returns an error for parameters the model cannot run with.
func (p Params) Validate() error {
	pos := []struct {
		name string
		v    float64
	}{{"t_mbr", p.TMbr}, {"tau", p.Tau}, {"dt", p.Dt}, {"t_run", p.TRun}}
	for _, c := range pos {
		if !(c.v > 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("lif: %s = %v, want a positive finite value", c.name, c.v)
		}
	}
	nonneg := []struct {
		name string
		v    float64
	}{{"t_rfc", p.TRfc}, {"t_dly", p.TDly}, {"r_poi", p.RPoi}, {"r_poi2", p.RPoi2}}
	for _, c := range nonneg {
		if !(c.v >= 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("lif: %s = %v, want a finite value ≥ 0", c.name, c.v)
		}
	}
	for _, v := range []float64{p.V0, p.VRst, p.VTh, p.WSyn, p.FPoi} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("lif: parameter is %v", v)
		}
	}
	if p.TMbr == p.Tau {
		return fmt.Errorf("lif: t_mbr = tau = %v s is not supported (the solution's two exponentials coincide)", p.Tau)
	}
	if p.NRun < 1 {
		return fmt.Errorf("lif: n_run = %d trials, want at least 1", p.NRun)
	}
	if p.Steps() < 1 || p.Steps() > math.MaxInt32/2 {
		return fmt.Errorf("lif: t_run/dt = %v steps, want 1 to %d", p.TRun/p.Dt, math.MaxInt32/2)
	}
	if p.TDly/p.Dt > 1e6 {
		return fmt.Errorf("lif: t_dly/dt = %v steps, want at most 1e6", p.TDly/p.Dt)
	}
	return nil
}

// Steps returns the number of time steps of a trial, as Brian2's
// Network.run counts them: int(t_run/dt) rounded like Brian2's timestep.
func (p Params) Steps() int { return timestep(p.TRun, p.Dt) }

// timestep is Brian2's timestep(t, dt): int64((t + 1e-3·dt)/dt), the step
// of time t with a tolerance for rounding.
func timestep(t, dt float64) int { return int((t + 1e-3*dt) / dt) }

// DelaySteps returns the synaptic delay in steps, round(t_dly/dt) as
// Brian2's spike queue rounds it (18 for the defaults).
func (p Params) DelaySteps() int { return int(math.RoundToEven(p.TDly / p.Dt)) }

// RefractorySteps returns the refractory period in steps: a neuron that
// spiked at step s is refractory at steps m with m − s < RefractorySteps
// (Brian2's timestep(t − lastspike, dt) >= timestep(rfc, dt)); 22 for the
// defaults.
func (p Params) RefractorySteps() int { return timestep(p.TRfc, p.Dt) }
