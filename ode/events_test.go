package ode

import (
	"math"
	"slices"
	"testing"
)

// integrateAndFire is dv/dt = (drive − v)/tau with a reset to 0 when v
// reaches 1, for a batch of samples with their own drives: between spikes
// v(t) = drive·(1 − e^(−(t − t_last)/tau)), so a sample spikes every
// tau·ln(drive/(drive − 1)).
type integrateAndFire struct {
	drive  []float64 // [batch]
	tau    float64
	spikes [][]float64 // [batch] the times at which the hook reset v
	fresh  [][]float64 // [batch] times > 0 at which f was evaluated at the reset state v = 0
}

func (f *integrateAndFire) rhs(dvdt, v []float64, t []float64) {
	for b := range v {
		dvdt[b] = (f.drive[b] - v[b]) / f.tau
		if v[b] == 0 && t[b] > 0 {
			f.fresh[b] = append(f.fresh[b], t[b])
		}
	}
}

func (f *integrateAndFire) events(v []float64, t []float64) bool {
	changed := false
	for b := range v {
		if v[b] >= 1 {
			v[b] = 0
			f.spikes[b] = append(f.spikes[b], t[b])
			changed = true
		}
	}
	return changed
}

// TestEvents: a threshold-and-reset model runs through the Events hook of
// every solver, fixed and adaptive: it spikes as often as the analytic
// solution says, each output holds the state after the events of its time
// (never at or above threshold), and between spikes the state follows
// the analytic solution from the observed spike, which an adaptive method
// only does if it evaluates its first stage anew after a reset.
func TestEvents(t *testing.T) {
	const tau, t1 = 1.0, 10.0
	drives := []float64{2, 3}
	times := Linspace(0, t1, 1001) // outputs every 0.01: adaptive steps end on them
	for _, name := range Names() {
		for _, fixedStep := range []bool{true, false} {
			m, _ := Lookup(name)
			if !fixedStep && !m.Adaptive() {
				continue
			}
			f := &integrateAndFire{drive: drives, tau: tau, spikes: make([][]float64, len(drives)), fresh: make([][]float64, len(drives))}
			p := Problem[float64]{F: f.rhs, Dim: 1, Batch: len(drives), T0: 0, T1: t1, Times: times, Events: f.events}
			s := Settings{Method: name, Rtol: 1e-8, Atol: 1e-10}
			if fixedStep {
				s.Dt = 1e-3
			}
			out := make([]float64, len(times)*len(drives))
			if _, err := Solve(out, p, s); err != nil {
				t.Fatalf("%s fixed=%v: %v", name, fixedStep, err)
			}
			for b, d := range drives {
				period := tau * math.Log(d/(d-1))
				want := int(t1 / period)
				if got := len(f.spikes[b]); got != want {
					t.Errorf("%s fixed=%v drive %v: %d spikes, want %d", name, fixedStep, d, got, want)
					continue
				}
				if !fixedStep && !slices.Equal(f.fresh[b], f.spikes[b]) {
					t.Errorf("%s drive %v: first stage evaluated at the reset state at %v, want at every spike %v", name, d, f.fresh[b], f.spikes[b])
				}
				// Accuracy of the state after the first spike: the
				// solution restarted from 0 at the observed spike time.
				tol := 1e-5
				if name == "euler" {
					tol = 2e-3
				}
				last := 0.0
				for k, tk := range times {
					v := out[k*len(drives)+b]
					if v >= 1 {
						t.Fatalf("%s fixed=%v: output %v at t = %v is at or above threshold", name, fixedStep, v, tk)
					}
					for _, sp := range f.spikes[b] {
						if sp <= tk {
							last = sp
						}
					}
					if last == 0 {
						continue
					}
					if want := d * (1 - math.Exp(-(tk-last)/tau)); math.Abs(v-want) > tol {
						t.Fatalf("%s fixed=%v drive %v: v(%v) = %v, want %v after the spike at %v", name, fixedStep, d, tk, v, want, last)
					}
				}
			}
		}
	}
}
