package train

import (
	"fmt"
	"unsafe"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// Runner computes the loss and the exact gradients of a classifier for a
// fixed batch size, generic over the element type: float32 with parallel
// kernels for training (NewRunner), float64 for checks (NewRunnerOf). It
// holds the parameter slices (not copies): after their values change, the
// next Forward uses them. It must be closed after use.
type Runner[T ode.Float] struct {
	nt *net[T]
	// Grads are the gradients of the last Backward, aligned with Params:
	// a sparse parameter's gradient is aligned with its Val.
	Grads [][]T
}

// Result is the outcome of a forward pass.
type Result struct {
	Loss    float64 // mean cross-entropy over the batch (and output times)
	Correct int     // samples whose prediction at the last output time is right
	Pred    []int   // [batch] predicted class at the last output time
	Steps   int     // steps taken (recorded checkpoints)
}

// NewRunner prepares the classifier c for the given batch size with the
// given number of worker goroutines (0: GOMAXPROCS). It panics if batch <
// 1 or c cannot build its recurrent model (a *Model that passed Check
// always can).
func NewRunner(c Classifier, batch, workers int) *Runner[float32] {
	r, err := newRunner(c, batch, workers)
	if err != nil {
		panic("train: " + err.Error())
	}
	return r
}

func newRunner(c Classifier, batch, workers int) (*Runner[float32], error) {
	if batch < 1 {
		panic(fmt.Sprintf("train: batch %d < 1", batch))
	}
	rnn, err := c.NewRecurrent(batch, workers)
	if err != nil {
		return nil, err
	}
	return NewRunnerOf(rnn, c.Readout()), nil
}

// NewRunnerOf prepares the classifier made of rnn (prepared for its batch
// size) and the head h. The head's parameters are h's own slices in
// float32, copies in other element types. It panics if h does not read
// rnn's state.
func NewRunnerOf[T ode.Float](rnn model.Differentiable[T], h *Head) *Runner[T] {
	var ro [][]T
	for _, v := range h.params() {
		if own, ok := any(v).([]T); ok {
			ro = append(ro, own)
			continue
		}
		c := make([]T, len(v))
		for k, x := range v {
			c[k] = T(x)
		}
		ro = append(ro, c)
	}
	nt := newNetFor(h, rnn, ro)
	return &Runner[T]{nt: nt, Grads: nt.g}
}

// Close releases the runner's model.
func (r *Runner[T]) Close() { r.nt.close() }

// Batch returns the batch size.
func (r *Runner[T]) Batch() int { return r.nt.batch }

// Params lists the parameters, the recurrent model's then the head's, with
// their values and the gradients of the last Backward.
func (r *Runner[T]) Params() []model.Parameter[T] {
	ps := r.nt.rnn.Params()
	h := r.nt.h
	shapes := [][]int{{h.Outputs, h.Out.Cols}, {len(h.OutBias)}, {h.Hidden, h.Outputs}, {h.Hidden}, {h.Classes, h.Hidden}, {h.Classes}}
	for i, name := range readoutNames {
		ps = append(ps, model.Parameter[T]{Name: name, Shape: shapes[i], Sparse: i == 0,
			Value: r.nt.p[r.nt.ro+i], Grad: r.nt.g[r.nt.ro+i]})
	}
	return ps
}

// Freeze marks parameters (by name, see Params) whose gradients are not
// computed (and left zero); it replaces the previous set. An unknown name
// is an error listing the known ones.
func (r *Runner[T]) Freeze(names []string) error {
	frozen, err := r.frozen(names)
	if err != nil {
		return err
	}
	r.nt.setFrozen(frozen)
	return nil
}

// frozen returns the flags, aligned with Params, of the named parameters
// and of the head's fixed ones.
func (r *Runner[T]) frozen(names []string) ([]bool, error) {
	frozen := make([]bool, len(r.nt.p))
	known := r.nt.names()
	for _, n := range names {
		i, err := paramIndex(known, n)
		if err != nil {
			return nil, err
		}
		frozen[i] = true
	}
	if !r.nt.h.OutputProjection {
		frozen[r.nt.ro], frozen[r.nt.ro+1] = true, true
	}
	return frozen, nil
}

// Forward integrates a batch x ([batch][inputs], one input per row) and
// evaluates the loss against labels ([batch] classes). mask is the
// dropout scale [evals][hidden][batch] (0 or 1/(1−p) each; see
// DropoutMask) or nil for none. It returns an error for a bad solve
// setting, a label out of range, a state or loss that is not finite, or a
// solver that fails.
func (r *Runner[T]) Forward(x []T, labels []int, mask []T, s Solve) (Result, error) {
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
func (r *Runner[T]) Backward() { r.nt.backward() }

// EvalCount returns the number of output times of s (the first dimension of a
// dropout mask), or an error for bad settings.
func (s Solve) EvalCount() (int, error) {
	rs, err := s.resolve()
	return rs.Evals, err
}

// StateBytes returns the bytes held by the runner's stored states
// (checkpoints, stored pre-activations, stage buffers) after the last
// Forward: the memory that grows with the number of steps.
func (r *Runner[T]) StateBytes() int64 {
	n := 0
	for _, y := range r.nt.ys {
		n += len(y)
	}
	if st := r.nt.st; st != nil {
		n += (len(st.Y) + len(st.K)) * len(r.nt.ybar)
	}
	var e T
	return int64(n)*int64(unsafe.Sizeof(e)) + r.nt.recordBytes()
}
