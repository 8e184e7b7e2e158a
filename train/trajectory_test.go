package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// quadLoss is ½Σ c_q y_q² over the states at the output times.
type quadLoss struct {
	c    []float64
	last [][]float64
}

func (l *quadLoss) Forward(states [][]float64) (float64, error) {
	var s float64
	for _, y := range states {
		for q, v := range y {
			s += 0.5 * l.c[q] * v * v
		}
	}
	l.last = states
	return s, nil
}

func (l *quadLoss) Backward(grads [][]float64) {
	for e, y := range l.last {
		for q, v := range y {
			grads[e][q] = l.c[q] * v
		}
	}
}

// A Trajectory's gradients, with an initial state and a loss on every
// output time, agree with central finite differences in float64, for a
// fixed-step and an adaptive method (its steps replayed).
func TestTrajectoryGradient(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 12, inputs: 3, outputs: 4, hidden: 5, classes: 3, phi: "tanh", seed: 3})
	const batch = 2
	rnn, err := recurrent(m, toF64s(m), batch, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	loss := &quadLoss{c: make([]float64, 12*batch)}
	for q := range loss.c {
		loss.c[q] = rng.Float64()
	}
	tr := NewTrajectory[float64](rnn, loss)
	defer tr.Close()
	y0 := make([]float64, 12*batch)
	for q := range y0 {
		y0[q] = rng.NormFloat64()
	}
	tr.SetInitial(y0)
	x := []float64{0.3, -0.2, 0.5, 0.1, 0.4, -0.6}
	for _, s := range []Solve{{Method: "rk4", Steps: 6, LossAll: true, Evals: 4}, {Method: "dopri5", LossAll: true, Evals: 3}} {
		if _, err := tr.Forward(x, s); err != nil {
			t.Fatal(err)
		}
		tr.Backward()
		// the finite differences take the same steps (an adaptive
		// method's replayed)
		rs, _ := s.resolve()
		rs.replay = rs.adapt
		f := func() float64 {
			l, _, err := tr.nt.forward(x, nil, nil, rs)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		for _, q := range tr.Params() {
			g := append([]float64(nil), q.Grad...)
			for k, v := range q.Value {
				q.Value[k] = v + 1e-6
				lp := f()
				q.Value[k] = v - 1e-6
				lm := f()
				q.Value[k] = v
				if fd := (lp - lm) / 2e-6; math.Abs(fd-g[k]) > 1e-6+1e-4*math.Abs(fd) {
					t.Errorf("%s %s[%d]: gradient %.9g, finite difference %.9g", s.Method, q.Name, k, g[k], fd)
				}
			}
		}
	}
	if got := tr.Final(); len(got) != 12*batch {
		t.Errorf("final state of %d values", len(got))
	}
}
