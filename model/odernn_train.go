package model

import (
	"fmt"
	"unsafe"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// TrainableConfig describes a trainable connectome ODE RNN: the structure
// of its matrices and its parameter values in the element type T (for
// float32 the caller's own slices, which the model reads and trains in
// place).
type TrainableConfig[T ode.Float] struct {
	W     *sparse.CSR // [neurons][neurons] structure of W_hh[post, pre] (its Val is not used)
	Input *sparse.CSR // [neurons][inputs] structure of W_ih (its Val is not used)

	HH   []T // [nnz(W)] recurrent weights, aligned with W's entries (dale: magnitudes)
	IH   []T // [nnz(Input)] input weights, aligned with Input's entries
	Bias []T // [neurons] b
	Tau  []T // [neurons], or [types] with NeuronType

	NeuronType   []int32 // [neurons] type of each neuron when Tau is per type; nil: per neuron
	Nonlinearity Nonlinearity
	Dale         bool
	Sign         []int8 // [neurons] ±1, with Dale

	Workers int // parts of the parallel loops are sized for this many goroutines; 0: the team's
}

// The parameters of a TrainableRNN in the order of its Params, by the
// names of bioplnn's state dict.
const (
	ParamHH = iota
	ParamIH
	ParamBias
	ParamTau
	numRNNParams
)

// rnnParamNames are the torch names of a TrainableRNN's parameters, in
// the order of Params.
var rnnParamNames = [numRNNParams]string{"hh.weight", "ih.weight", "bias", "tau"}

// TrainableRNN is the connectome ODE RNN of ODERNN with a constant input,
// differentiable (Differentiable) and generic over the element type:
//
//	z = W_ih x + W_hh h + b              (dale: W_hh (s ⊙ h), W_hh ≥ 0)
//	r = phi(z)                           (dale: relu(phi(z)))
//	dh/dt = (r − h)/tau
//
// A slot records the evaluation's pre-activation z [neurons][batch]; after
// Linearize or Replay it holds phi'(z) instead, and VJP turns it into
// ∂L/∂z. Gradients of the recurrent weights are accumulated in the order
// of Wᵀ (the fused kernel sparse.MulGradRowsTo) and of bias, input weights
// and tau as sums over the evaluations, reduced by FinishGrad.
type TrainableRNN[T ode.Float] struct {
	cfg              TrainableConfig[T]
	n, batch, inputs int
	p, g             [numRNNParams][]T
	frozen           [numRNNParams]bool

	wParts, tParts, eParts []int // row splits: W by nonzeros, Wᵀ by nonzeros, even
	blocks                 parts

	tRowPtr, tCol, tPerm []int32 // Wᵀ: row pointers, postsynaptic neuron, entry in W
	wEff, wT, gwT        []T     // effective recurrent values in W and Wᵀ order; gradient in Wᵀ order
	invTau, tauN         []T     // [neurons] 1/tau, gradient of tau per neuron
	x, drive, gzSum      []T     // [inputs][batch] input; [neurons][batch] W_ih x + b, Σ ∂L/∂z
	prod                 *sparse.Product

	z  [][]T // [slots][neurons][batch]
	ys [][]T // [slots] the state each slot was linearised at (the caller's)
	ks [][]T // [slots] its slope (the caller's)
}

// NewTrainable prepares the model of cfg for the given batch size. It
// returns an error for inconsistent data and panics if batch < 1.
func NewTrainable[T ode.Float](cfg TrainableConfig[T], batch int) (*TrainableRNN[T], error) {
	if batch < 1 {
		panic(fmt.Sprintf("model: batch %d < 1", batch))
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Nonlinearity == nil {
		cfg.Nonlinearity = Nonlinearity{Sigmoid}
	}
	n := cfg.W.Rows
	m := &TrainableRNN[T]{cfg: cfg, n: n, batch: batch, inputs: cfg.Input.Cols}
	m.p = [numRNNParams][]T{cfg.HH, cfg.IH, cfg.Bias, cfg.Tau}
	for i := range m.g {
		m.g[i] = make([]T, len(m.p[i]))
	}
	w := cfg.Workers
	if w <= 0 {
		w = team.Helpers() + 1
	}
	if w > 1 {
		w *= partsPerWorker
	}
	w = max(1, min(w, n))
	m.wParts = sparse.SplitByNNZ(cfg.W.RowPtr, w)
	m.tRowPtr, m.tCol, m.tPerm = cfg.W.TransposeMap()
	m.tParts = sparse.SplitByNNZ(m.tRowPtr, w)
	m.eParts = evenParts(n, w)
	nnz := cfg.W.NNZ()
	m.wEff, m.wT, m.gwT = make([]T, nnz), make([]T, nnz), make([]T, nnz)
	if w32, ok := any(m.wEff).([]float32); ok {
		a := &sparse.CSR{Rows: n, Cols: n, RowPtr: cfg.W.RowPtr, ColIdx: cfg.W.ColIdx, Val: w32}
		m.prod = sparse.NewProduct(a, batch, cfg.Workers)
	}
	m.invTau, m.tauN = make([]T, n), make([]T, n)
	m.x = make([]T, m.inputs*batch)
	m.drive, m.gzSum = make([]T, n*batch), make([]T, n*batch)
	m.Sync()
	return m, nil
}

func (c *TrainableConfig[T]) check() error {
	if c.W == nil || c.W.Rows != c.W.Cols || c.Input == nil || c.Input.Rows != c.W.Rows {
		return fmt.Errorf("model: trainable RNN needs a square W and an input projection with a row per neuron")
	}
	n := c.W.Rows
	nt := n
	if c.NeuronType != nil {
		nt = len(c.Tau)
		if err := CheckTypes(c.NeuronType, n, nt); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	if len(c.HH) != c.W.NNZ() || len(c.IH) != c.Input.NNZ() || len(c.Bias) != n || len(c.Tau) != nt {
		return fmt.Errorf("model: parameters have %d, %d, %d, %d values, want %d, %d, %d, %d",
			len(c.HH), len(c.IH), len(c.Bias), len(c.Tau), c.W.NNZ(), c.Input.NNZ(), n, nt)
	}
	if c.Dale && len(c.Sign) != n {
		return fmt.Errorf("model: dale variant needs one sign per neuron, got %d for %d", len(c.Sign), n)
	}
	return nil
}

// CheckTypes returns an error unless types holds one type in [0, nTypes)
// for each of n neurons.
func CheckTypes(types []int32, n, nTypes int) error {
	if len(types) != n {
		return fmt.Errorf("%d neuron types for %d neurons", len(types), n)
	}
	for i, t := range types {
		if t < 0 || int(t) >= nTypes {
			return fmt.Errorf("neuron %d has type %d of %d", i, t, nTypes)
		}
	}
	return nil
}

// partsPerWorker is the number of pieces per worker of the large row
// loops: enough for dynamic claims to even out a slowed core.
const partsPerWorker = 4

// evenParts splits n rows into equal contiguous parts.
func evenParts(n, parts int) []int {
	b := make([]int, parts+1)
	for i := range b {
		b[i] = n * i / parts
	}
	return b
}

// parts runs a function on the pieces [bounds[i], bounds[i+1]) of a row
// split on the team, the pieces claimed dynamically.
type parts struct {
	job    team.Job
	bounds []int
	f      func(r0, r1 int)
}

func (p *parts) each(bounds []int, f func(r0, r1 int)) {
	if p.job.F == nil {
		p.job.F = func(i int) { p.f(p.bounds[i], p.bounds[i+1]) }
	}
	p.bounds, p.f, p.job.Parts = bounds, f, len(bounds)-1
	team.Run(&p.job)
	p.bounds, p.f = nil, nil
}

// Dim returns the number of neurons.
func (m *TrainableRNN[T]) Dim() int { return m.n }

// Batch returns the batch size.
func (m *TrainableRNN[T]) Batch() int { return m.batch }

// Inputs returns the number of input values per sample.
func (m *TrainableRNN[T]) Inputs() int { return m.inputs }

// Close releases the recurrent product.
func (m *TrainableRNN[T]) Close() {
	if m.prod != nil {
		m.prod.Close()
	}
}

// Params returns hh.weight (aligned with W's entries), ih.weight (aligned
// with Input's), bias and tau.
func (m *TrainableRNN[T]) Params() []Parameter[T] {
	n := m.n
	shapes := [numRNNParams][]int{{n, n}, {n, m.inputs}, {n}, {len(m.p[ParamTau])}}
	ps := make([]Parameter[T], numRNNParams)
	for i := range ps {
		ps[i] = Parameter[T]{Name: rnnParamNames[i], Shape: shapes[i], Sparse: i <= ParamIH, Value: m.p[i], Grad: m.g[i]}
	}
	return ps
}

// SetFrozen marks the parameters whose gradients are not computed.
func (m *TrainableRNN[T]) SetFrozen(frozen []bool) {
	for i := range m.frozen {
		m.frozen[i] = i < len(frozen) && frozen[i]
	}
}

// Sync derives the effective weights (dale: signs, clamp at 0) in W and
// Wᵀ order and 1/tau per neuron from the parameters.
func (m *TrainableRNN[T]) Sync() {
	c := &m.cfg
	w := m.p[ParamHH]
	split := evenParts(len(w), max(1, min(len(w), team.Helpers()+1)))
	m.blocks.each(split, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			v := w[k]
			if c.Dale {
				v = T(c.Sign[c.W.ColIdx[k]]) * max(v, 0)
			}
			m.wEff[k] = v
		}
	})
	m.blocks.each(split, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			m.wT[k] = m.wEff[m.tPerm[k]]
		}
	})
	tau := m.p[ParamTau]
	for i := range m.invTau {
		m.invTau[i] = 1 / tau[m.tauIndex(i)]
	}
}

func (m *TrainableRNN[T]) tauIndex(i int) int {
	if m.cfg.NeuronType != nil {
		return int(m.cfg.NeuronType[i])
	}
	return i
}

// SetInput stores x ([batch][inputs]) transposed and computes the drive
// W_ih x + b.
func (m *TrainableRNN[T]) SetInput(x []T) {
	b, in := m.batch, m.inputs
	if len(x) != b*in {
		panic(fmt.Sprintf("model: input has %d values, want batch×inputs = %d×%d", len(x), b, in))
	}
	for s := 0; s < b; s++ {
		for k := 0; k < in; k++ {
			m.x[k*b+s] = x[s*in+k]
		}
	}
	inp := m.cfg.Input
	sparse.MulRowsTo(m.drive, inp.RowPtr, inp.ColIdx, m.p[ParamIH], m.x, b, 0, m.n)
	bias := m.p[ParamBias]
	for i := 0; i < m.n; i++ {
		for s := 0; s < b; s++ {
			m.drive[i*b+s] += bias[i]
		}
	}
}

// slot returns slot i's buffer, growing the list.
func (m *TrainableRNN[T]) slot(i int) []T {
	for len(m.z) <= i {
		m.z = append(m.z, make([]T, m.n*m.batch))
		m.ys = append(m.ys, nil)
		m.ks = append(m.ks, nil)
	}
	return m.z[i]
}

// RecordBytes returns the bytes held by the slots' records.
func (m *TrainableRNN[T]) RecordBytes() int64 {
	var e T
	return int64(len(m.z)) * int64(m.n*m.batch) * int64(unsafe.Sizeof(e))
}
