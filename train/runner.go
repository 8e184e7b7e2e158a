package train

import (
	"fmt"
)

// Runner computes the loss and the exact gradients of a Model for a fixed
// batch size, in float32 with parallel kernels. It holds the model's
// parameter slices (not copies): after the model's values change, the next
// Forward uses them. It must be closed after use.
type Runner struct {
	m  *Model
	nt *net[float32]
	// Grads are the gradients of the last Backward, aligned with
	// m.Params(): a sparse parameter's gradient is aligned with its Val.
	Grads [][]float32
}

// Result is the outcome of a forward pass.
type Result struct {
	Loss    float64 // mean cross-entropy over the batch (and output times)
	Correct int     // samples whose prediction at the last output time is right
	Pred    []int   // [batch] predicted class at the last output time
	Steps   int     // steps taken (recorded checkpoints)
}

// NewRunner prepares m for the given batch size with the given number of
// worker goroutines (0: GOMAXPROCS). It panics if batch < 1.
func NewRunner(m *Model, batch, workers int) *Runner {
	var p [numParams][]float32
	copy(p[:], m.Params())
	nt := newNet(m, p, batch, workers)
	return &Runner{m: m, nt: nt, Grads: nt.g}
}

// Close releases the runner's model.
func (r *Runner) Close() { r.nt.close() }

// Batch returns the batch size.
func (r *Runner) Batch() int { return r.nt.batch }

// Freeze marks parameters (by name, see ParamNames) whose gradients are
// not computed (and left zero); it replaces the previous set.
func (r *Runner) Freeze(names []string) error {
	frozen := make([]bool, len(r.nt.p))
	for _, n := range names {
		i, err := ParamIndex(n)
		if err != nil {
			return err
		}
		frozen[i] = true
	}
	r.nt.setFrozen(frozen)
	return nil
}

// Forward integrates a batch x ([batch][inputs], one flattened image per
// row) and evaluates the loss against labels ([batch] classes). mask is the
// dropout scale [evals][hidden][batch] (0 or 1/(1−p) each; see
// DropoutMask) or nil for none. It returns an error for a bad solve
// setting, a label out of range, a state or loss that is not finite, or a
// solver that fails.
func (r *Runner) Forward(x []float32, labels []int, mask []float32, s Solve) (Result, error) {
	rs, err := s.resolve()
	if err != nil {
		return Result{}, err
	}
	loss, correct, err := r.nt.forward(x, labels, mask, rs)
	if err != nil {
		return Result{Loss: loss}, fmt.Errorf("forward pass: %w", err)
	}
	return Result{Loss: loss, Correct: correct, Pred: r.nt.rd.pred, Steps: len(r.nt.hs)}, nil
}

// Backward computes the gradients of the last Forward's loss into Grads.
// It panics if there was no successful Forward.
func (r *Runner) Backward() { r.nt.backward() }

// EvalCount returns the number of output times of s (the first dimension of a
// dropout mask), or an error for bad settings.
func (s Solve) EvalCount() (int, error) {
	rs, err := s.resolve()
	return rs.Evals, err
}

// StateBytes returns the bytes held by the runner's stored states
// (checkpoints, stored pre-activations, stage buffers) after the last
// Forward: the memory that grows with the number of steps.
func (r *Runner) StateBytes() int64 {
	n := 0
	for _, y := range r.nt.ys {
		n += len(y)
	}
	if st := r.nt.st; st != nil {
		n += (len(st.Y) + len(st.K)) * len(r.nt.ybar)
	}
	return int64(n)*4 + r.nt.recordBytes()
}
