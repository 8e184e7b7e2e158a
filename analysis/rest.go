package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"

	"gonum.org/v1/plot/vg"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/opticlobe"
	"github.com/neuropil/neuropil/plot"
)

// Rest's defaults: training's grey before the movies (flyvis's
// t_pre_train, euler at dt = 0.02 s) and the longest relaxation allowed to
// reach the steady state.
const (
	DefaultRestTPre    = 0.5
	DefaultRestDt      = 0.02
	DefaultRestHorizon = 40.0
)

// RestSettings configures Rest.
type RestSettings struct {
	Params  *opticlobe.Params // nil: flyvis's initial values (seed 0)
	TPre    float64           // grey before a stimulus whose drift is reported, s; 0: DefaultRestTPre
	Dt      float64           // euler step of that grey, s (time constants below it count as it); 0: DefaultRestDt
	Horizon float64           // longest relaxation towards the steady state, s (at most 1e5); 0: DefaultRestHorizon
}

// RestResult is the network's state at rest under grey and how stable
// it is there.
type RestResult struct {
	Types []string
	TPre  float64
	// Drift is the largest |dV/dt| (1/s) after TPre of grey from the
	// resting potentials: how far from rest a stimulus starts (above
	// opticlobe.RestDrift the simulations warn).
	Drift float64
	// Steady says whether the relaxation reached a steady state (largest
	// |dV/dt| at most RestTol) within Horizon; Residual is that largest
	// |dV/dt| at its end.
	Steady   bool
	Residual float64
	// Rate is the largest real part of the eigenvalues of the network's
	// Jacobian at the steady state (1/s): negative for a stable rest,
	// −1/Rate the time constant of its slowest mode. NaN without a steady
	// state. It is a power iteration's: within about 1 % where the leading
	// modes lie close together (TestRestRate holds it to a dense
	// eigendecomposition).
	Rate float64
	// Below counts the neurons at or below 0 (relu's threshold) at the
	// end of the relaxation.
	Below int
	// Central is each type's central neuron's voltage at rest (NaN
	// without a steady state), Sensitivity the derivative of the sum of
	// the central voltages at rest by each type's resting potential (NaN
	// without a stable steady state): large where a loop amplifies.
	Central, Sensitivity []float64
	// State is every neuron's voltage at the end of the relaxation.
	State []float64
}

// RestTol is the largest |dV/dt| (1/s) of a steady state.
const RestTol = 1e-8

// Rest relaxes net (in float64, batch 1) under grey from its resting
// potentials: the drift after TPre seconds as a stimulus would start, the
// steady state, the largest real part of the Jacobian's eigenvalues there
// (the growth rate of the linearised dynamics' adjoint, integrated with
// RK4 steps of 5 ms and renormalised), and the steady state's sensitivity
// to the resting potentials (the adjoint's steady state). It returns an
// error for settings that are not positive or parameters that do not fit.
func Rest(net *opticlobe.Network, s RestSettings) (*RestResult, error) {
	if s.TPre == 0 {
		s.TPre = DefaultRestTPre
	}
	if s.Dt == 0 {
		s.Dt = DefaultRestDt
	}
	if s.Horizon == 0 {
		s.Horizon = DefaultRestHorizon
	}
	if !(s.TPre > 0 && s.Dt > 0 && s.Horizon > 0) || s.TPre/s.Dt > 1e8 || s.Horizon > 1e5 {
		return nil, fmt.Errorf("analysis: rest t_pre %g, dt %g, horizon %g: want positive and finite", s.TPre, s.Dt, s.Horizon)
	}
	p := net.DefaultParams(0)
	if s.Params != nil {
		p = *s.Params
	}
	f64 := func(v []float32, lo float64) []float64 {
		o := make([]float64, len(v))
		for i, x := range v {
			o[i] = max(float64(x), lo)
		}
		return o
	}
	m, err := opticlobe.NewTrainable[float64](net, f64(p.Vrest, math.Inf(-1)), f64(p.Tau, s.Dt), f64(p.Strength, math.Inf(-1)), 1)
	if err != nil {
		return nil, err
	}
	grey := make([]float64, m.Inputs())
	for i := range grey {
		grey[i] = Baseline
	}
	m.SetInput(grey)
	n := m.Dim()
	r := &RestResult{TPre: s.TPre, Rate: math.NaN()}
	for _, t := range net.Spec.Types {
		r.Types = append(r.Types, t.Name)
	}
	y, d := make([]float64, n), make([]float64, n)
	for i, t := range net.Conn.Type {
		y[i] = float64(p.Vrest[t])
	}
	ts := []float64{0}
	eval := func() float64 {
		m.Eval(0, d, y, ts, model.Forward)
		return opticlobe.MaxAbs(d)
	}
	euler := func(h float64) {
		for i, v := range d {
			y[i] += h * v
		}
	}
	// the grey before a stimulus, at the step a simulation takes
	for range int(math.Round(s.TPre / s.Dt)) {
		eval()
		euler(s.Dt)
	}
	r.Drift = eval()
	// on to the steady state, in steps of 2 ms
	const h = 0.002
	r.Residual = r.Drift
	for k := 0; k < int(math.Round((s.Horizon-s.TPre)/h)) && r.Residual > RestTol; k++ {
		euler(h)
		if r.Residual = eval(); math.IsNaN(r.Residual) || math.IsInf(r.Residual, 0) {
			break
		}
	}
	r.State = y
	r.Central, r.Sensitivity = make([]float64, len(r.Types)), make([]float64, len(r.Types))
	for k := range r.Central {
		r.Central[k], r.Sensitivity[k] = math.NaN(), math.NaN()
	}
	for _, v := range y {
		if !(v > 0) {
			r.Below++
		}
	}
	r.Steady = r.Residual <= RestTol
	if !r.Steady {
		return r, nil
	}
	central := net.Central()
	for k, i := range central {
		if i >= 0 {
			r.Central[k] = y[i]
		}
	}
	m.Eval(0, d, y, ts, model.Linearize)
	r.Rate = leadingRate(m, n)
	if r.Rate < 0 {
		r.Sensitivity = sensitivity(m, n, central, r.Rate)
	}
	return r, nil
}

// leadingRate returns the growth rate of v' = Jᵀv from a random start
// (m linearised): RK4 steps of 5 ms for 10 s, the norm's growth averaged
// over the last 5 s.
func leadingRate(m *opticlobe.Trainable[float64], n int) float64 {
	const h, per, rounds = 0.005, 50, 40
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	k1, k2, k3, k4, tmp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	stage := func(dst, k []float64, c float64) { // dst = Jᵀ(v + c·k)
		for i := range tmp {
			tmp[i] = v[i] + c*k[i]
		}
		m.VJP(0, dst, tmp)
	}
	var growth float64
	for r := range rounds {
		s := norm(v)
		if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return math.NaN()
		}
		for i := range v {
			v[i] /= s
		}
		for range per {
			m.VJP(0, k1, v)
			stage(k2, k1, h/2)
			stage(k3, k2, h/2)
			stage(k4, k3, h)
			for i := range v {
				v[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
		}
		if r >= rounds/2 {
			growth += math.Log(norm(v))
		}
	}
	return growth / (rounds / 2 * per * h)
}

// sensitivity returns, per type, the derivative of the sum of the
// central voltages at rest by the type's resting potential: z' = Jᵀz + c
// (c one at the central neurons) to its steady state z* = −J⁻ᵀc, read
// through VJP's gradient of the resting potentials (Σ z*/tau per type).
// rate (< 0) sets how long the adjoint takes; NaN entries if it does not
// settle.
func sensitivity(m *opticlobe.Trainable[float64], n int, central []int, rate float64) []float64 {
	const h = 0.002
	steps := int(min(math.Ceil(30/(-rate)/h), 2e5)) // e^-30 of the start left, at most 400 s
	z, w := make([]float64, n), make([]float64, n)
	res := math.Inf(1)
	for k := 0; k < steps && res > 1e-9; k++ {
		m.VJP(0, w, z)
		for _, i := range central {
			if i >= 0 {
				w[i]++
			}
		}
		res = opticlobe.MaxAbs(w)
		for i := range z {
			z[i] += h * w[i]
		}
	}
	out := make([]float64, len(central))
	if !(res <= 1e-6) {
		for k := range out {
			out[k] = math.NaN()
		}
		return out
	}
	m.ZeroGrad()
	m.VJP(0, w, z)
	m.FinishGrad()
	copy(out, m.Params()[opticlobe.ParamBias].Grad)
	return out
}

func norm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// warnings returns what a user of the network should know: that it is
// not at rest when a stimulus starts, or has no stable rest.
func (r *RestResult) warnings() []string {
	var ws []string
	if w := opticlobe.RestWarning(r.Drift, r.TPre); w != "" {
		ws = append(ws, w)
	}
	switch {
	case !r.Steady:
		ws = append(ws, fmt.Sprintf("no steady state under grey (|dV/dt| still up to %.3g/s at the end of the relaxation)", r.Residual))
	case !(r.Rate < 0):
		ws = append(ws, fmt.Sprintf("the rest under grey is unstable (slowest mode grows at %.3g/s)", r.Rate))
	}
	return ws
}

// Write writes rest.csv (per type: the central neuron's voltage at rest
// and the sensitivity), rest.json (the scalars), rest_state.npy (every
// neuron's voltage at the end of the relaxation) and, for a steady state,
// rest.png (both per type) into dir.
func (r *RestResult) Write(dir string) ([]string, error) {
	var written []string
	put := putter(dir, &written)
	num := func(v float64) any { // JSON has no NaN or infinities
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	tc := math.NaN()
	if r.Rate < 0 {
		tc = -1 / r.Rate
	}
	state := make([]float32, len(r.State))
	for i, v := range r.State {
		state[i] = float32(v)
	}
	steps := []error{
		put("rest.csv", func(w io.Writer) error {
			b := []byte("cell_type,central_rest_voltage,sensitivity\n")
			for k, t := range r.Types {
				b = fmt.Appendf(b, "%s,%g,%g\n", t, r.Central[k], r.Sensitivity[k])
			}
			_, err := w.Write(b)
			return err
		}),
		put("rest.json", func(w io.Writer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(map[string]any{
				"t_pre_s": r.TPre, "drift_per_s": num(r.Drift), "warn_above_per_s": opticlobe.RestDrift,
				"steady": r.Steady, "residual_per_s": num(r.Residual),
				"slowest_rate_per_s": num(r.Rate), "slowest_time_constant_s": num(tc),
				"neurons_at_or_below_zero": r.Below, "neurons": len(r.State),
			})
		}),
		put("rest_state.npy", func(w io.Writer) error { return npy.Encode(w, []int{len(state)}, state) }),
	}
	for _, err := range steps {
		if err != nil {
			return written, err
		}
	}
	if !r.Steady {
		return written, nil
	}
	var volt, sens plot.Series
	for k := range r.Types {
		volt.X, volt.Y = append(volt.X, float64(k)), append(volt.Y, r.Central[k])
		sens.X, sens.Y = append(sens.X, float64(k)), append(sens.Y, r.Sensitivity[k])
	}
	volt.Marker, sens.Marker = true, true
	p := filepath.Join(dir, "rest.png")
	title := fmt.Sprintf("At rest under grey: slowest mode %.3g/s (%.3g s); |dV/dt| %.2g/s after %g s of grey", r.Rate, tc, r.Drift, r.TPre)
	panels := []plot.Panel{
		{Title: "central neuron's voltage at rest", XLabel: "cell type", YLabel: "voltage (a.u.)", Series: []plot.Series{volt}, XCategories: r.Types},
		{Title: "sensitivity: ∂(Σ central voltages at rest)/∂(resting potential)", XLabel: "cell type", YLabel: "sensitivity", Series: []plot.Series{sens}, XCategories: r.Types},
	}
	if err := plot.Stack(p, title, panels, 12*vg.Inch, 8*vg.Inch); err != nil {
		return written, fmt.Errorf("analysis: %w", err)
	}
	return append(written, p), nil
}

// restEnsemble runs Rest for every member into out/NAME.
func restEnsemble(net *opticlobe.Network, members []string, j Job) ([]string, error) {
	var written []string
	for _, m := range members {
		p, err := opticlobe.LoadParams(net, j.memberParams(m))
		if err != nil {
			return written, fmt.Errorf("--params: %w", err)
		}
		r, err := Rest(net, RestSettings{Params: &p})
		if err != nil {
			return written, err
		}
		j.warn("rest", j.memberParams(m), r.warnings())
		if written, err = writeMember(j.Out, m, r.Write, written); err != nil {
			return written, err
		}
	}
	return written, nil
}
