package train

import (
	"fmt"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/internal/vec"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// Loss is a differentiable function of a model's states at the output
// times, for tasks other than classification (a decoder and its loss):
// a Trajectory integrates the model, Loss reads the states, and the
// adjoints it returns run back through the solver's steps.
type Loss[T ode.Float] interface {
	// Forward returns the loss of the states at the output times,
	// states[e] [dim][batch] (valid until the next Forward), or an error
	// for a loss that cannot be computed.
	Forward(states [][]T) (float64, error)
	// Backward writes ∂loss/∂states[e] into grads[e] ([dim][batch],
	// zeroed by the caller) for the last Forward, and accumulates the
	// gradients of the loss's own parameters.
	Backward(grads [][]T)
}

// Trajectory computes a Loss of a Differentiable model's trajectory and
// the exact gradients of the model's parameters through the solver's
// steps, with the same forward and backward passes as a Runner's. It
// holds the model's parameter slices (not copies). It must be closed
// after use.
type Trajectory[T ode.Float] struct {
	nt *net[T]
	du *dual[T] // BackwardDual's buffers, kept between calls
}

// NewTrajectory prepares the model rnn (prepared for its batch size) read
// by loss.
func NewTrajectory[T ode.Float](rnn model.Differentiable[T], loss Loss[T]) *Trajectory[T] {
	nt := newNetFor[T](nil, rnn, nil)
	nt.loss = loss
	return &Trajectory[T]{nt: nt}
}

// Close releases the model.
func (r *Trajectory[T]) Close() { r.nt.close() }

// Params returns the model's parameters, their gradients those of the
// last Backward.
func (r *Trajectory[T]) Params() []model.Parameter[T] { return r.nt.rnn.Params() }

// SetFrozen marks the model's parameters (aligned with Params) whose
// gradients stay zero.
func (r *Trajectory[T]) SetFrozen(frozen []bool) { r.nt.setFrozen(frozen) }

// SetInitial sets the state the integration starts from, [dim][batch]
// (copied; nil: 0). No gradient flows into it.
func (r *Trajectory[T]) SetInitial(y0 []T) {
	if y0 != nil && len(y0) != r.nt.n*r.nt.batch {
		panic(fmt.Sprintf("train: initial state of %d values for %d×%d", len(y0), r.nt.n, r.nt.batch))
	}
	r.nt.y0 = append(r.nt.y0[:0], y0...)
	if y0 == nil {
		r.nt.y0 = nil
	}
}

// Forward integrates the input x ([batch][inputs], or with s.Frames
// [frames][batch][inputs]) and returns the loss of the states at the
// output times. It returns an error for a bad solve setting, a state or
// loss that is not finite, or a solver that fails.
func (r *Trajectory[T]) Forward(x []T, s Solve) (float64, error) {
	rs, err := s.resolve()
	if err != nil {
		return 0, err
	}
	loss, _, err := r.nt.forward(x, nil, nil, rs)
	if err != nil {
		return loss, fmt.Errorf("forward pass: %w", err)
	}
	return loss, nil
}

// Final returns the state at the end of the last Forward, [dim][batch]
// (the runner's buffer).
func (r *Trajectory[T]) Final() []T { return r.nt.ys[len(r.nt.hs)] }

// Backward computes the gradients of the last Forward's loss into the
// model's Params. It panics if there was no successful Forward.
func (r *Trajectory[T]) Backward() { r.nt.backward() }

// outputs returns the states at the output times, [evals][dim][batch],
// gathered per sample from the checkpoints.
func (nt *net[T]) outputs() [][]T {
	evals, b := len(nt.outAt), nt.batch
	for len(nt.gouts) < evals {
		nt.gouts = append(nt.gouts, make([]T, nt.n*b))
	}
	out := make([][]T, evals)
	for e, at := range nt.outAt {
		if same(at) {
			out[e] = nt.ys[at[0]]
			continue
		}
		out[e] = make([]T, nt.n*b)
		for s, c := range at {
			for i := range nt.n {
				out[e][i*b+s] = nt.ys[c][i*b+s]
			}
		}
	}
	return out
}

// same reports whether every sample reached the output at the same
// checkpoint.
func same(at []int) bool {
	for _, c := range at {
		if c != at[0] {
			return false
		}
	}
	return true
}

// lossBackward asks the loss for the adjoints of the output states.
func (nt *net[T]) lossBackward() {
	g := nt.gouts[:len(nt.outAt)]
	clearAll(g)
	nt.loss.Backward(g)
}

// injectOutputs adds the adjoints gouts of the outputs taken at checkpoint
// c to the state adjoint ybar.
func (nt *net[T]) injectOutputs(ybar []T, gouts [][]T, c int) {
	b := nt.batch
	for e, at := range nt.outAt {
		g := gouts[e]
		if same(at) { // every sample's output at one checkpoint: whole rows
			if at[0] == c {
				addRows(ybar, g, nt.n, b)
			}
			continue
		}
		for s, ce := range at {
			if ce != c {
				continue
			}
			for i := range nt.n {
				ybar[i*b+s] += g[i*b+s]
			}
		}
	}
}

// addRows adds y += x over n rows of batch values, in parallel.
func addRows[T ode.Float](y, x []T, n, batch int) {
	team.For(n, 1<<12, func(r0, r1 int) {
		y, x := y[r0*batch:r1*batch], x[r0*batch:r1*batch]
		if y32, ok := any(y).([]float32); ok {
			vec.Add(y32, any(x).([]float32))
			return
		}
		for q, v := range x {
			y[q] += v
		}
	})
}

// DualVJP is a model that takes a second adjoint through the same recorded
// evaluation as the first (BackwardDual): VJPDual is VJP of kbar into dst,
// accumulating the Params' gradients, and, in the same pass, of the
// second adjoint: its slope's adjoint is coef2 ⊙ ybar2 (coef2 per sample,
// ybar2 [dim][batch], the adjoint of the one-stage step's result) and the
// adjoint of the evaluation's input is added into ybar2 in place (the
// step's input is the stage's), accumulating the gradients the model
// keeps for it.
type DualVJP[T ode.Float] interface {
	VJPDual(slot int, dst, kbar, ybar2, coef2 []T)
}

// BackwardDual is Backward with a second adjoint taken in the same sweep:
// second writes the adjoints of the output states ([evals][dim][batch],
// zeroed) of another function of the same Forward, and the model
// accumulates that function's gradients as its VJPDual says. It needs a
// model that is a DualVJP and a one-stage explicit method (euler), and
// returns an error otherwise, having computed nothing. It panics if there
// was no successful Forward.
func (r *Trajectory[T]) BackwardDual(second func(gouts [][]T)) error {
	d, ok := r.nt.rnn.(DualVJP[T])
	if !ok {
		return fmt.Errorf("train: BackwardDual: the model has no VJPDual")
	}
	if m := r.nt.sol.method; m.Stages() != 1 || m.FSAL || r.nt.sol.adapt {
		return fmt.Errorf("train: BackwardDual: method %s has %d stages (one-stage methods only)", m.Name, m.Stages())
	}
	nt, size := r.nt, r.nt.n*r.nt.batch
	if r.du == nil || len(r.du.ybar) != size {
		r.du = &dual[T]{ybar: make([]T, size)}
	}
	du := r.du
	du.m, du.b0 = d, nt.sol.method.B[0]
	for len(du.gouts) < len(nt.outAt) {
		du.gouts = append(du.gouts, make([]T, size))
	}
	du.gouts = du.gouts[:len(nt.outAt)]
	clearAll(du.gouts)
	clearAll([][]T{du.ybar})
	second(du.gouts)
	nt.sweep(du)
	return nil
}

// dual is the second adjoint of a BackwardDual sweep.
type dual[T ode.Float] struct {
	m     DualVJP[T]
	b0    float64 // the method's one weight
	gouts [][]T
	ybar  []T
	coef  []T // [batch] h·b0 of the step
}

// vjp takes both adjoints through the evaluation in slot: the first's
// kbar as the Stepper formed it, the second's as the Stepper would
// (h·b0·ȳ), formed and added back into ȳ by the model.
func (du *dual[T]) vjp(slot int, h []float64, dst, kbar []T) {
	du.coef = du.coef[:0]
	for _, hs := range h {
		du.coef = append(du.coef, T(hs*du.b0))
	}
	du.m.VJPDual(slot, dst, kbar, du.ybar, du.coef)
}
