package sim

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// TestDiscreteRNN checks a run of model.RNN against bioplnn's definition
// h_k = (1/tau)·sigmoid(W_ih x_k + W h_{k−1} + b) + (1 − 1/tau)·h_{k−1},
// computed here in float64 on the sigmoid fixture's network.
func TestDiscreteRNN(t *testing.T) {
	var f fixture
	for _, g := range loadFixtures(t) {
		if g.Nonlinearity == "sigmoid" && !g.Dale {
			f = g
		}
	}
	if f.Name == "" {
		t.Fatal("no sigmoid fixture")
	}
	var tau float64
	if err := json.Unmarshal(f.Tau, &tau); err != nil {
		t.Fatalf("%s: per-neuron tau: %v", f.Name, err)
	}
	rnn, err := model.NewRNN(f.config(t), f.Batch)
	if err != nil {
		t.Fatal(err)
	}
	defer rnn.Close()
	frames := 0
	res, err := Run(rnn, f.input(), Readout{}, Settings{Progress: func(t float64, _ int) { frames = int(t) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Times) != f.Frames || res.Times[0] != 1 || frames != f.Frames || res.Stats.TotalAccepted() != f.Frames*f.Batch {
		t.Fatalf("times %v, progress to %d, %d steps: want 1..%d", res.Times, frames, res.Stats.TotalAccepted(), f.Frames)
	}
	n, in := f.N, f.Inputs
	w := make([]float64, n*n)
	for k, v := range f.Vals {
		w[f.Rows[k]*n+f.Cols[k]] += float64(v)
	}
	for b := 0; b < f.Batch; b++ {
		h := make([]float64, n)
		for k := 0; k < f.Frames; k++ {
			z := make([]float64, n)
			for i := range z {
				z[i] = float64(f.Bias[i])
				for j := range h {
					z[i] += w[i*n+j] * h[j]
				}
			}
			for j, i := range f.Indices {
				z[i] += float64(f.X[(k*f.Batch+b)*in+j])
			}
			for i := range h {
				h[i] = 1/(1+math.Exp(-z[i]))/tau + (1-1/tau)*h[i]
			}
			for i, v := range res.At(k, b) {
				if math.Abs(float64(v)-h[i]) > 1e-5 {
					t.Fatalf("sample %d frame %d neuron %d: %v, want %v", b, k, i, v, h[i])
				}
			}
		}
	}
	if _, err := Run(rnn, f.input(), Readout{}, Settings{Times: []float64{1}}); err == nil {
		t.Error("a discrete run accepted output times")
	}
}

// eventLog resets a state variable to 0 once it reaches 1, a spiking
// neuron in miniature, and logs the calls.
type eventLog struct {
	calls, spikes int
	times         []float64
}

func (e *eventLog) Events(y []float32, t []float64) bool {
	e.calls++
	e.times = append(e.times, t[0])
	changed := false
	for i, v := range y {
		if v >= 1-1e-6 {
			y[i], changed = 0, true
			e.spikes++
		}
	}
	return changed
}

// counter is dy/dt = 1 for every sample, with eventLog's reset.
type counter struct {
	eventLog
	batch int
}

func (c *counter) Dim() int   { return 1 }
func (c *counter) Batch() int { return c.batch }
func (c *counter) Close()     {}
func (c *counter) Derivative(dydt, y []float32, t []float64, post func(r0, r1 int)) {
	for i := range dydt {
		dydt[i] = 1
	}
	if post != nil {
		post(0, 1)
	}
}

// stepper is y += 0.5 per frame, with eventLog's reset.
type stepper struct {
	eventLog
	batch int
}

func (s *stepper) Dim() int   { return 1 }
func (s *stepper) Batch() int { return s.batch }
func (s *stepper) Close()     {}
func (s *stepper) StepFrame(next, y []float32, k int) {
	for i, v := range y {
		next[i] = v + 0.5
	}
}

var (
	_ model.ODE      = (*counter)(nil)
	_ model.Events   = (*counter)(nil)
	_ model.Discrete = (*stepper)(nil)
	_ model.Events   = (*stepper)(nil)
)

// TestEvents: the hook runs after every step, fixed or adaptive, and
// every discrete frame, and what it changes carries on.
func TestEvents(t *testing.T) {
	c := &counter{batch: 2}
	res, err := Run(c, Input{T0: 0, T1: 1}, Readout{}, Settings{Times: ode.Linspace(0, 1, 6),
		Solver: ode.Settings{Method: "euler", Dt: 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	// Ten steps of 0.1 (two per output interval): y reaches 1 at t = 1
	// (within rounding) and resets.
	if c.calls != 10 || c.spikes != 2 || math.Abs(c.times[3]-0.4) > 1e-12 || res.Stats.RHSEvals != 10 {
		t.Errorf("%d calls, %d spikes at %v, %d evaluations; want 10 calls, one spike a sample", c.calls, c.spikes, c.times, res.Stats.RHSEvals)
	}
	want := []float32{0, 0.2, 0.4, 0.6, 0.8, 0}
	for k, v := range want {
		if got := res.At(k, 1)[0]; math.Abs(float64(got-v)) > 1e-6 {
			t.Errorf("y(%v) = %v, want %v", res.Times[k], got, v)
		}
	}
	// Adaptive: steps end on the output times, so the reset lands at t = 1
	// and the last output holds the state after it.
	a := &counter{batch: 2}
	res, err = Run(a, Input{T0: 0, T1: 1}, Readout{}, Settings{Times: ode.Linspace(0, 1, 6)})
	if err != nil {
		t.Fatal(err)
	}
	if a.spikes != 2 || a.times[len(a.times)-1] != 1 {
		t.Errorf("adaptive: %d spikes, events at %v; want one spike a sample at t = 1", a.spikes, a.times)
	}
	for k, v := range want {
		if got := res.At(k, 0)[0]; math.Abs(float64(got-v)) > 1e-6 {
			t.Errorf("adaptive: y(%v) = %v, want %v", res.Times[k], got, v)
		}
	}
	if _, err := Run(c, Input{T0: 0, T1: 1}, Readout{}, Settings{Solver: ode.Settings{Method: "euler", Dt: 1e-9}}); err == nil || !strings.Contains(err.Error(), "budget") {
		t.Errorf("tiny dt: error %v, want the step budget", err)
	}
	s := &stepper{batch: 1}
	res, err = Run(s, Input{Frames: 4}, Readout{}, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if s.calls != 4 || s.spikes != 2 || s.times[3] != 4 || res.Activity[0] != 0.5 || res.Activity[1] != 0 || res.Activity[2] != 0.5 {
		t.Errorf("discrete: %d calls at %v, %d spikes, activity %v", s.calls, s.times, s.spikes, res.Activity)
	}
	if _, err := Run(s, Input{X: make([]float32, 4), Frames: 4}, Readout{}, Settings{}); err == nil || !strings.Contains(err.Error(), "takes none") {
		t.Errorf("input to a model without inputs: error %v", err)
	}
}

// quiet is an ODE RNN whose events change nothing.
type quiet struct {
	*model.ODERNN
	calls int
}

func (q *quiet) Events(y []float32, t []float64) bool { q.calls++; return false }

// TestEventsTakeOdesSteps: a model with events that change nothing gets
// them after each of the steps ode takes without them (breaks of a
// three-frame input and output times included), with the same values.
func TestEventsTakeOdesSteps(t *testing.T) {
	var f fixture
	for _, g := range loadFixtures(t) {
		if g.Frames > 2 {
			f = g
		}
	}
	for _, solver := range []ode.Settings{{Method: "rk4", Dt: 0.03}, {Method: "euler", Steps: 7}, {Method: "dopri5", Steps: 4}} {
		s := Settings{Times: ode.Linspace(f.T0, f.T1, f.Evals), Solver: solver}
		plain, err := Run(f.model(t), f.input(), Readout{}, s)
		if err != nil {
			t.Fatal(err)
		}
		q := &quiet{ODERNN: f.model(t)}
		res, err := Run(q, f.input(), Readout{}, s)
		if err != nil {
			t.Fatal(err)
		}
		if q.calls != plain.Stats.Accepted[0] || res.Stats.RHSEvals != plain.Stats.RHSEvals {
			t.Errorf("%+v: %d events after %d steps, %d evaluations; ode took %d steps, %d evaluations", solver,
				q.calls, res.Stats.Accepted[0], res.Stats.RHSEvals, plain.Stats.Accepted[0], plain.Stats.RHSEvals)
		}
		for k, v := range res.Activity {
			if math.Abs(float64(v-plain.Activity[k])) > 1e-6 {
				t.Fatalf("%+v: value %d is %v, ode %v", solver, k, v, plain.Activity[k])
			}
		}
	}
}
