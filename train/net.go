package train

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// net is the differentiable forward and backward pass of a classifier for
// one batch size, generic over the element type: a Differentiable
// recurrent model (its parameters first in p and g) integrated by package
// ode, then the head h (its parameters after the model's, from ro on).
type net[T ode.Float] struct {
	h        *Head
	rnn      model.Differentiable[T]
	n, batch int
	ro       int   // index of the readout's first parameter in p and g
	p, g     [][]T // parameters and gradients: the model's, then the readout's
	frozen   []bool
	st       *ode.Stepper[T]
	ys       [][]T // checkpoints [steps+1][neurons][batch]
	hs       [][]float64
	outAt    [][]int // [evals][batch] checkpoint of each output
	sol      resolved
	ybar     []T
	out      []T // adaptive: ode.Solve's outputs (unused: the checkpoints are kept)
	ts, tb   []float64
	rd       readout[T]
	labels   []int
	mask     []T // [evals][hidden][batch] dropout scale or nil
	ran      bool

	// A Trajectory's: the loss on the states at the output times in place
	// of the head (h is nil), its adjoints [evals][dim][batch], and the
	// initial state (nil: 0).
	loss  Loss[T]
	gouts [][]T
	y0    []T
}

// newNet prepares the pass of the classifier m with parameter values p
// (converted to T by the caller; for float32 the model's own slices).
func newNet[T ode.Float](m *Model, p [numParams][]T, batch, workers int) *net[T] {
	if batch < 1 {
		panic(fmt.Sprintf("train: batch %d < 1", batch))
	}
	rnn, err := recurrent(m, p[:], batch, workers)
	if err != nil {
		panic("train: " + err.Error()) // Model.Check passed: a programmer mistake
	}
	return newNetFor(m.Readout(), rnn, p[POut:])
}

// newNetFor prepares the pass of rnn read out by h with the head's
// parameter values ro (in readoutNames order).
func newNetFor[T ode.Float](h *Head, rnn model.Differentiable[T], ro [][]T) *net[T] {
	batch, n := rnn.Batch(), rnn.Dim()
	if h != nil && h.Out.Cols != n {
		panic(fmt.Sprintf("train: head reads %d state variables of a model with %d", h.Out.Cols, n))
	}
	nt := &net[T]{h: h, rnn: rnn, n: n, batch: batch}
	for _, q := range rnn.Params() {
		nt.p = append(nt.p, q.Value)
		nt.g = append(nt.g, q.Grad)
	}
	nt.ro = len(nt.p)
	for _, v := range ro {
		nt.p = append(nt.p, v)
		nt.g = append(nt.g, make([]T, len(v)))
	}
	nt.frozen = make([]bool, len(nt.p))
	nt.setFrozen(nt.frozen)
	nt.ybar = make([]T, n*batch)
	nt.ts, nt.tb = make([]float64, batch), make([]float64, batch)
	if h != nil {
		nt.rd.init(h, batch)
	}
	return nt
}

// names returns the parameter names in the order of p.
func (nt *net[T]) names() []string {
	var s []string
	for _, q := range nt.rnn.Params() {
		s = append(s, q.Name)
	}
	return append(s, readoutNames...)
}

// rp and rg return the readout parameter or gradient i (POut..PB2).
func (nt *net[T]) rp(i int) []T { return nt.p[nt.ro+i-POut] }
func (nt *net[T]) rg(i int) []T { return nt.g[nt.ro+i-POut] }

func (nt *net[T]) close() { nt.rnn.Close() }

// setFrozen marks the parameters (aligned with p) whose gradients stay 0;
// without an output projection the output selection is fixed.
func (nt *net[T]) setFrozen(frozen []bool) {
	copy(nt.frozen, frozen)
	if nt.h != nil && !nt.h.OutputProjection {
		nt.frozen[nt.ro], nt.frozen[nt.ro+1] = true, true // out.weight, out.bias
	}
	nt.rnn.SetFrozen(nt.frozen[:nt.ro])
}

// checkpoint returns buffer c for a state, growing the list.
func (nt *net[T]) checkpoint(c int) []T {
	for len(nt.ys) <= c {
		nt.ys = append(nt.ys, make([]T, nt.n*nt.batch))
	}
	return nt.ys[c]
}

// evaluated returns the number of stages a step of the method evaluates
// (an FSAL method's last stage is the next step's first).
func (nt *net[T]) evaluated() int {
	m := nt.sol.method
	if m.FSAL {
		return m.Stages() - 1
	}
	return m.Stages()
}

// slot returns the model's record slot of stage i of step c: one per stage
// of every step with StoreZ (the backward pass replays them), else one per
// stage.
func (nt *net[T]) slot(c, i int) int {
	if nt.sol.StoreZ {
		return c*nt.evaluated() + i
	}
	return i
}

// forward integrates the batch x ([batch][inputs]) and evaluates the loss
// against labels. mask is the dropout scale [evals][hidden][batch] or nil.
// It returns the mean loss and the number of correct predictions at the
// last output time.
func (nt *net[T]) forward(x []T, labels []int, mask []T, s resolved) (float64, int, error) {
	nt.ran = false
	nt.sol = s
	nt.labels = labels
	nt.mask = mask
	if nt.h != nil && len(labels) != nt.batch {
		panic(fmt.Sprintf("train: %d labels for batch %d", len(labels), nt.batch))
	}
	for _, l := range labels {
		if l < 0 || l >= nt.h.Classes {
			return 0, 0, fmt.Errorf("label %d outside [0, %d)", l, nt.h.Classes)
		}
	}
	if nt.h != nil && mask != nil && len(mask) != s.Evals*nt.h.Hidden*nt.batch {
		panic(fmt.Sprintf("train: dropout mask has %d values, want evals×hidden×batch = %d×%d×%d", len(mask), s.Evals, nt.h.Hidden, nt.batch))
	}
	nt.rnn.Sync()
	if s.Frames > 1 {
		nt.framed().SetFrames(x, s.Frames)
	} else {
		nt.rnn.SetInput(x)
	}
	if nt.st == nil || nt.st.M != s.method {
		nt.st = ode.NewStepper[T](s.method, nt.n, nt.batch)
	}
	if nt.y0 != nil {
		copy(nt.checkpoint(0), nt.y0)
	} else {
		clear(nt.checkpoint(0))
	}
	var err error
	switch {
	case s.replay:
		err = nt.fixed(true)
	case s.adapt:
		err = nt.adaptive()
	default:
		err = nt.fixed(false)
	}
	if err != nil {
		return 0, 0, err
	}
	var loss float64
	var correct int
	if nt.loss != nil {
		loss, err = nt.loss.Forward(nt.outputs())
		if err != nil {
			return loss, 0, err
		}
	} else {
		loss, correct = nt.rd.forward(nt)
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, correct, fmt.Errorf("loss is %v", loss)
	}
	nt.ran = true
	return loss, correct, nil
}

// fixed takes the steps of ode.FixedGrid through the Stepper, keeping a
// checkpoint per step. With replay it takes the steps already in hs and
// outAt (those of an earlier adaptive pass) instead.
func (nt *net[T]) fixed(replay bool) error {
	if !replay {
		hs, at, err := nt.sol.fixedGrid()
		if err != nil {
			return err
		}
		nt.hs = nt.hs[:0]
		nt.outAt = nt.outAt[:0]
		for _, c := range at {
			nt.outAt = append(nt.outAt, fill(make([]int, nt.batch), c))
		}
		for _, h := range hs {
			nt.hs = append(nt.hs, fill(make([]float64, nt.batch), h))
		}
	}
	fill(nt.tb, nt.sol.T0)
	for c, hv := range nt.hs {
		next := nt.checkpoint(c + 1)
		nt.setFrame(nt.tb[0], hv[0])
		nt.st.Step(next, nt.ys[c], nt.tb, hv, func(i int, k, y []T, t []float64) {
			nt.rnn.Eval(nt.slot(c, i), k, y, t, model.Forward)
		})
		for b, h := range hv {
			nt.tb[b] += h
		}
		if err := checkFinite(next, nt.tb[0]); err != nil {
			return err
		}
	}
	return nil
}

// framed returns the model as a model.Framed; it panics if it is not.
func (nt *net[T]) framed() model.Framed[T] {
	f, ok := nt.rnn.(model.Framed[T])
	if !ok {
		panic(fmt.Sprintf("train: solve with %d input frames for a model (%T) without frames", nt.sol.Frames, nt.rnn))
	}
	return f
}

// setFrame tells a framed input the frame of the step [t, t+h] (fixed
// steps: the same for every sample).
func (nt *net[T]) setFrame(t, h float64) {
	if nt.sol.Frames > 1 {
		nt.framed().SetFrame(nt.sol.frameOf(t, h))
	}
}

func fill[E any](v []E, x E) []E {
	for i := range v {
		v[i] = x
	}
	return v
}

// adaptive runs ode.Solve with an adaptive method, steps ending on the
// output times, and keeps what it records: the state after every
// iteration in which some sample took a step, and each sample's step (0
// for a sample that rejected its step or had finished), which the backward
// pass replays.
func (nt *net[T]) adaptive() error {
	s, b := nt.sol, nt.batch
	nt.hs, nt.outAt = nt.hs[:0], nt.outAt[:0]
	next := make([]int, b) // each sample's next output time
	for e := range s.times {
		nt.outAt = append(nt.outAt, make([]int, b))
		if s.times[e] <= s.T0 {
			for sm := range next {
				next[sm] = e + 1
			}
		}
	}
	record := func(y []T, t, h []float64) {
		c := len(nt.hs) + 1
		copy(nt.checkpoint(c), y)
		nt.hs = append(nt.hs, append([]float64(nil), h...))
		for sm, hs := range h {
			for hs > 0 && next[sm] < len(s.times) && s.times[next[sm]] <= t[sm] {
				nt.outAt[next[sm]][sm] = c
				next[sm]++
			}
		}
	}
	p := ode.Problem[T]{Dim: nt.n, Batch: b, Y0: nt.ys[0], T0: s.T0, T1: s.T1, Times: s.times, Record: record,
		F: func(dydt, y []T, t []float64) { nt.rnn.Eval(0, dydt, y, t, model.Forward) }}
	if len(nt.out) != len(s.times)*nt.n*b {
		nt.out = make([]T, len(s.times)*nt.n*b)
	}
	_, err := ode.Solve(nt.out, p, ode.Settings{Method: s.method.Name, Atol: s.Atol, Rtol: s.Rtol,
		MaxSteps: s.MaxSteps, Shared: s.Shared, StepToOutputs: true})
	return err
}

func checkFinite[T ode.Float](y []T, t float64) error {
	if i := firstNonFinite(y); i >= 0 {
		return &NonFiniteError{Index: i, Value: float64(y[i]), T: t}
	}
	return nil
}

// NonFiniteError is a forward pass whose state became NaN or infinite: the
// model diverged.
type NonFiniteError struct {
	Index    int     // the value's index in the state (as the message says it, "neuron")
	Value, T float64 // the value and the time it was found at
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("state of neuron %d is %v at t = %g", e.Index, e.Value, e.T)
}

// backward computes the gradients of the last forward pass's loss into g:
// the readout's, then each step from the last replayed through the
// Stepper (its stages linearised, or replayed from their records with
// StoreZ) and run backwards with the model's vector–Jacobian products.
func (nt *net[T]) backward() { nt.sweep(nil) }

// sweep is the backward pass, with a second adjoint when du is not nil.
func (nt *net[T]) sweep(du *dual[T]) {
	if !nt.ran {
		panic("train: backward without a successful forward pass")
	}
	nt.rnn.ZeroGrad()
	for _, g := range nt.g[nt.ro:] {
		clear(g)
	}
	clearAll([][]T{nt.ybar})
	if nt.loss != nil {
		nt.lossBackward()
	} else {
		nt.rd.backward(nt)
	}
	mode := model.Linearize
	if nt.sol.StoreZ && !nt.sol.adapt {
		mode = model.Replay
	}
	// each step's start time, per sample
	starts := make([][]float64, len(nt.hs))
	fill(nt.tb, nt.sol.T0)
	for c, hv := range nt.hs {
		starts[c] = append([]float64(nil), nt.tb...)
		for b, h := range hv {
			nt.tb[b] += h
		}
	}
	for c := len(nt.hs) - 1; c >= 0; c-- {
		if nt.loss != nil {
			nt.injectOutputs(nt.ybar, nt.gouts, c+1)
		} else {
			nt.rd.inject(nt, c+1)
		}
		h := nt.hs[c]
		nt.setFrame(starts[c][0], h[0])
		nt.st.Stages(nt.ys[c], starts[c], h, func(i int, k, y []T, t []float64) { // the step's records again
			nt.rnn.Eval(nt.slot(c, i), k, y, t, mode)
		})
		if du != nil {
			nt.injectOutputs(du.ybar, du.gouts, c+1)
		}
		nt.st.Adjoint(nt.ybar, h, func(i int, dst, kbar []T) {
			if du != nil {
				du.vjp(nt.slot(c, i), h, dst, kbar)
				return
			}
			nt.rnn.VJP(nt.slot(c, i), dst, kbar)
		})
	}
	nt.rnn.FinishGrad()
	for i, f := range nt.frozen[nt.ro:] {
		if f {
			clear(nt.g[nt.ro+i])
		}
	}
}

// recordBytes returns the bytes of the model's evaluation records, when
// it reports them.
func (nt *net[T]) recordBytes() int64 {
	if r, ok := nt.rnn.(interface{ RecordBytes() int64 }); ok {
		return r.RecordBytes()
	}
	return 0
}
