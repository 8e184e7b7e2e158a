package ode

import (
	"fmt"
	"math"
	"testing"
)

// The conformance suite: every registered method passes these tests, with
// nothing in them written for a particular method. A new method gets them
// by its Register call alone.

// forEachMethod runs fn for every registered method (adaptive only: only
// those with an error estimate).
func forEachMethod(t *testing.T, adaptiveOnly bool, fn func(t *testing.T, m *Method)) {
	for _, name := range Names() {
		m, _ := Lookup(name)
		if adaptiveOnly && !m.Adaptive() {
			continue
		}
		t.Run(name, func(t *testing.T) { fn(t, m) })
	}
}

// riccati is the nonlinear, time-dependent test problem
// y₀' = −2t·y₀², y₁' = y₀ for sample b with y₀(0) = a_b, y₁(0) = 0, whose
// solution is y₀ = a/(1 + a t²), y₁ = √a·atan(√a·t).
type riccati struct{ a []float64 }

func (r riccati) f(dydt, y []float64, t []float64) {
	batch := len(r.a)
	for b := range batch {
		y0 := y[b]
		dydt[b] = -2 * t[b] * y0 * y0
		dydt[batch+b] = y0
	}
}

func (r riccati) exact(i, b int, t float64) float64 {
	a := r.a[b]
	if i == 0 {
		return a / (1 + a*t*t)
	}
	return math.Sqrt(a) * math.Atan(math.Sqrt(a)*t)
}

func (r riccati) problem(t1 float64, times []float64) Problem[float64] {
	batch := len(r.a)
	y0 := make([]float64, 2*batch)
	copy(y0, r.a)
	return Problem[float64]{F: r.f, Dim: 2, Batch: batch, Y0: y0, T0: 0, T1: t1, Times: times}
}

// maxErr returns the largest error of out ([times][batch][2]).
func (r riccati) maxErr(out []float64, times []float64) float64 {
	batch, worst := len(r.a), 0.0
	for k, tk := range times {
		for b := range batch {
			for i := range 2 {
				worst = max(worst, math.Abs(out[(k*batch+b)*2+i]-r.exact(i, b, tk)))
			}
		}
	}
	return worst
}

func (r riccati) solve(t *testing.T, times []float64, s Settings) ([]float64, Stats) {
	t.Helper()
	out := make([]float64, len(times)*len(r.a)*2)
	st, err := Solve(out, r.problem(3, times), s)
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

// orderSlack is how far an observed order may be from the method's: the
// errors of two step sizes are not yet exactly in the asymptotic ratio.
const orderSlack = 0.3

// Fixed steps: halving the step divides the global error by 2^Order. The
// step counts keep the errors between about 1e-4 and 1e-12, above float64
// rounding and inside the asymptotic regime, for orders 1 to 5.
func TestConformanceFixedOrder(t *testing.T) {
	r := riccati{a: []float64{1, 2}}
	forEachMethod(t, false, func(t *testing.T, m *Method) {
		steps := 1 << (12 - m.Order) // 2048 for euler, 128 for dopri5
		times := []float64{1.5, 3}
		e1 := r.maxErr(first64(r.solve(t, times, Settings{Method: m.Name, Steps: steps})), times)
		e2 := r.maxErr(first64(r.solve(t, times, Settings{Method: m.Name, Steps: 2 * steps})), times)
		got := math.Log2(e1 / e2)
		t.Logf("errors %.3g, %.3g with %d, %d steps: observed order %.2f", e1, e2, steps, 2*steps, got)
		if math.Abs(got-float64(m.Order)) > orderSlack {
			t.Errorf("observed order %.2f, want %d", got, m.Order)
		}
	})
}

func first64(out []float64, _ Stats) []float64 { return out }

// Adaptive steps: the error falls with the number of steps N as N^−Order
// when the tolerance tightens, and stays within a small multiple of it.
func TestConformanceAdaptiveOrder(t *testing.T) {
	r := riccati{a: []float64{1, 2}}
	times := Linspace(0, 3, 31) // dense output at many times inside steps
	forEachMethod(t, true, func(t *testing.T, m *Method) {
		var errs, steps []float64
		for _, tol := range []float64{1e-6, 1e-10} {
			out, st := r.solve(t, times, Settings{Method: m.Name, Rtol: tol, Atol: tol})
			e := r.maxErr(out, times)
			// The global error of a tolerance-controlled solve is a small
			// multiple of the tolerance (solutions of scale 1 to 2 here).
			if e > 20*tol {
				t.Errorf("tolerance %g: max error %.3g", tol, e)
			}
			errs = append(errs, e)
			steps = append(steps, float64(st.TotalAccepted()))
			t.Logf("tolerance %g: error %.3g, accepted %v, rejected %v", tol, e, st.Accepted, st.Rejected)
		}
		got := -math.Log(errs[1]/errs[0]) / math.Log(steps[1]/steps[0])
		t.Logf("observed order %.2f", got)
		// Step-size control makes the observed order of a tolerance sweep
		// noisier than that of fixed steps.
		if math.Abs(got-float64(m.Order)) > 3*orderSlack {
			t.Errorf("observed order %.2f, want %d", got, m.Order)
		}
	})
}

// The continuous extension of one step: its error at interior points
// falls as h^(Order) or faster, the local error of an interpolant of
// order Order − 1 at least, and it meets the step's ends.
func TestConformanceDenseOutput(t *testing.T) {
	r := riccati{a: []float64{1}}
	forEachMethod(t, false, func(t *testing.T, m *Method) {
		if m.Dense == nil {
			t.Skip("no continuous extension")
		}
		st := NewStepper[float64](m, 2, 1)
		w := make([]float64, m.Stages())
		t0 := 0.4
		dense := func(h, th float64) float64 {
			y0 := []float64{r.exact(0, 0, t0), r.exact(1, 0, t0)}
			y1 := make([]float64, 2)
			st.Step(y1, y0, []float64{t0}, []float64{h}, func(_ int, k, y []float64, t []float64) { r.f(k, y, t) })
			k := st.K
			if m.FSAL { // the last stage is the next step's first: f(y1)
				r.f(k[m.Stages()-1], y1, []float64{t0 + h})
			}
			m.denseWeights(w, th)
			worst := 0.0
			for i := range 2 {
				v := y0[i]
				for l := range w {
					v += h * w[l] * k[l][i]
				}
				worst = max(worst, math.Abs(v-r.exact(i, 0, t0+th*h)))
				if th == 1 && math.Abs(v-y1[i]) > 1e-15 {
					t.Errorf("θ = 1: dense %v, step end %v", v, y1[i])
				}
			}
			return worst
		}
		dense(0.1, 1)
		for _, th := range []float64{0.3, 0.5, 0.8} {
			e1, e2 := dense(0.02, th), dense(0.01, th)
			got := math.Log2(e1 / e2)
			t.Logf("θ = %v: errors %.3g, %.3g: observed local order %.2f", th, e1, e2, got)
			if got < float64(m.Order)-orderSlack {
				t.Errorf("θ = %v: observed local order %.2f, want at least %d", th, got, m.Order)
			}
		}
	})
}

// recorder keeps what Problem.Record reports.
type recorder struct {
	calls int
	sumH  []float64   // [batch] Σ h
	count []int       // [batch] steps with h > 0
	t     []float64   // [batch] time after the last step
	ends  [][]float64 // copies of y after each step
	times [][]float64 // the sample times after each step
	bad   string
}

func newRecorder(batch int) *recorder {
	return &recorder{sumH: make([]float64, batch), count: make([]int, batch), t: make([]float64, batch)}
}

func (r *recorder) record(y []float64, t, h []float64) {
	r.calls++
	some := false
	for b, hb := range h {
		if hb > 0 {
			some = true
			r.sumH[b] += hb
			r.count[b]++
			// Each sample's time moves by the step it took.
			if d := t[b] - (r.t[b] + hb); math.Abs(d) > 1e-12 && r.bad == "" {
				r.bad = fmt.Sprintf("sample %d: time %v after a step %v from %v", b, t[b], hb, r.t[b])
			}
		} else if t[b] != r.t[b] && r.bad == "" {
			r.bad = fmt.Sprintf("sample %d: time moved from %v to %v without a step", b, r.t[b], t[b])
		}
		r.t[b] = t[b]
	}
	if !some && r.bad == "" {
		r.bad = "a call without any step"
	}
	r.ends = append(r.ends, append([]float64(nil), y...))
	r.times = append(r.times, append([]float64(nil), t...))
}

// Problem.Record sees every accepted step of every sample, fixed and
// adaptive, across breaks: the steps of each sample add up to T1 − T0.
func TestConformanceRecord(t *testing.T) {
	r := riccati{a: []float64{1, 2, 0.5}}
	forEachMethod(t, false, func(t *testing.T, m *Method) {
		settings := []Settings{{Method: m.Name, Steps: 7}, {Method: m.Name, Dt: 0.1}}
		if m.Adaptive() {
			settings = append(settings, Settings{Method: m.Name}, Settings{Method: m.Name, Rtol: 1e-7, StepToOutputs: true},
				Settings{Method: m.Name, Shared: true})
		}
		for _, s := range settings {
			for _, breaks := range [][]float64{nil, {0.5, 2.2}} {
				times := Linspace(0, 3, 4)
				p := r.problem(3, times)
				p.Breaks = breaks
				rec := newRecorder(3)
				p.Record = rec.record
				out := make([]float64, len(times)*3*2)
				st, err := Solve(out, p, s)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%+v breaks %v", s, breaks)
				if rec.bad != "" {
					t.Errorf("%s: %s", name, rec.bad)
				}
				for b := range 3 {
					if rec.count[b] != st.Accepted[b] {
						t.Errorf("%s: sample %d: %d steps recorded, %d accepted", name, b, rec.count[b], st.Accepted[b])
					}
					if math.Abs(rec.sumH[b]-3) > 1e-12 || rec.t[b] != 3 {
						t.Errorf("%s: sample %d: steps add up to %v, end at %v, want 3", name, b, rec.sumH[b], rec.t[b])
					}
				}
			}
		}
	})
}

// With StepToOutputs the adaptive solve ends steps on the output times and
// writes the step ends there, bit for bit, without evaluating the first
// stage anew after them (outputs are not discontinuities).
func TestConformanceStepToOutputs(t *testing.T) {
	r := riccati{a: []float64{1, 2}}
	times := []float64{0, 0.1, 0.35, 0.35, 1.7, 3}
	forEachMethod(t, true, func(t *testing.T, m *Method) {
		for _, dense := range []bool{true, false} {
			mm := m
			if !dense { // without a continuous extension, steps must end on outputs
				c := *m
				c.Dense = nil
				mm = &c
			}
			p := r.problem(3, times)
			rec := newRecorder(2)
			p.Record = rec.record
			out := make([]float64, len(times)*2*2)
			d := newAdaptive(p, Settings{StepToOutputs: dense}, mm)
			if err := d.solve(out); err != nil {
				t.Fatal(err)
			}
			st := d.st
			if e := r.maxErr(out, times); e > 1e-2 {
				t.Errorf("dense %v: max error %.3g", dense, e)
			}
			for k, tk := range times {
				for b := range 2 {
					got := out[(k*2+b)*2 : (k*2+b)*2+2]
					want := []float64{1, 0}
					if tk > 0 {
						want = stepEndAt(t, rec, b, tk, 2)
					} else {
						want[0] = r.a[b]
					}
					if want != nil && (got[0] != want[0] || got[1] != want[1]) {
						t.Errorf("dense %v: time %v sample %d: output %v, step end %v", dense, tk, b, got, want)
					}
				}
			}
			iters := 0
			for b := range 2 {
				iters = max(iters, st.Accepted[b]+st.Rejected[b])
			}
			// k1 at T0, one evaluation for the first step, then s − 1 per
			// iteration: no restarts.
			if want := 2 + (m.Stages()-1)*iters; st.RHSEvals != want {
				t.Errorf("dense %v: %d evaluations, want %d", dense, st.RHSEvals, want)
			}
		}
	})
}

// stepEndAt returns the recorded state of sample b at the first step end
// at time tk, or nil (and an error) if no step ended there.
func stepEndAt(t *testing.T, rec *recorder, b int, tk float64, batch int) []float64 {
	for i, ts := range rec.times {
		if ts[b] == tk {
			y := rec.ends[i]
			v := make([]float64, len(y)/batch)
			for j := range v {
				v[j] = y[j*batch+b]
			}
			return v
		}
	}
	t.Errorf("sample %d: no step ends at %v", b, tk)
	return nil
}

// Replaying the steps that Problem.Record reports through Stepper.Step,
// from each recorded state with the recorded step sizes, reproduces the
// adaptive solve's next state bit for bit, for every adaptive method in
// float32, fused or not, with per-sample steps: training differentiates
// exactly the steps the solve took.
func TestConformanceReplay(t *testing.T) {
	l := &linear{dim: 53, lambdas: []float64{-0.5, -3, -1.2, -7, -0.1, -2, -0.7, -4}}
	batch := len(l.lambdas)
	forEachMethod(t, true, func(t *testing.T, m *Method) {
		for _, s := range []Settings{{Method: m.Name}, {Method: m.Name, StepToOutputs: true, Rtol: 1e-5}} {
			p := l.problem(2, Linspace(0, 2, 5))
			p.FBlocks = func(dydt, y []float32, ts []float64, post func(r0, r1 int)) {
				l.f(dydt, y, ts)
				for r := 0; r < l.dim; r += 10 {
					post(r, min(r+10, l.dim))
				}
			}
			prev := append([]float32(nil), p.Y0...)
			tPrev := make([]float64, batch)
			st := NewStepper[float32](m, l.dim, batch)
			y1 := make([]float32, len(prev))
			steps, bad := 0, 0
			p.Record = func(y []float32, ts, h []float64) {
				st.Step(y1, prev, tPrev, h, func(_ int, k, y []float32, t []float64) { l.f(k, y, t) })
				for j := range y {
					if y1[j] != y[j] {
						bad++
						break
					}
				}
				steps++
				copy(prev, y)
				copy(tPrev, ts)
			}
			out := make([]float32, 5*batch*l.dim)
			if _, err := Solve(out, p, s); err != nil {
				t.Fatal(err)
			}
			if bad > 0 || steps == 0 {
				t.Errorf("%+v: %d of %d replayed steps differ from the solve's", s, bad, steps)
			}
		}
	})
}
