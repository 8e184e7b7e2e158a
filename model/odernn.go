package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/neuropil/neuropil/internal/vec"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// Config describes a connectome ODE RNN. Only W is required; the zero value
// of every other field means the documented default.
type Config struct {
	W     *sparse.CSR // [neurons][neurons] recurrent weights W_hh[post, pre]
	Input *sparse.CSR // [neurons][inputs] input projection W_ih; nil: none

	Bias         []float32    // [neurons] b; nil: 0
	Nonlinearity Nonlinearity // phi; nil: sigmoid (bioplnn's default)

	Tau        float32   // scalar time constant; 0: 1 (arbitrary units, bioplnn's default)
	TauNeuron  []float32 // [neurons] per-neuron time constants; overrides Tau
	TauType    []float32 // [types] per-type time constants, with NeuronType; overrides Tau
	NeuronType []int32   // [neurons] type of each neuron, index into TauType

	// Dale: W holds magnitudes (clamped to ≥ 0) and each presynaptic
	// neuron j has sign Sign[j]; r = relu(phi(z)).
	Dale bool
	Sign []int8 // [neurons] ±1, required when Dale

	// Product chooses the recurrent product's workers, kernel ("tune" to
	// time every kernel once on this matrix and keep the fastest) and
	// narrow encodings; the zero value is the default kernel on all cores.
	Product sparse.ProductOptions
}

// ODERNN is a connectome ODE RNN prepared for a batch size: the right-hand
// side tau·dh/dt = −h + phi(W_ih x(t) + W_hh h + b) with all derived values
// (1/tau per neuron, the signed weights of the dale variant, the product's
// work split) computed once by New. It must be closed after use.
type ODERNN struct {
	n, inputs, batch int // neurons, input values per frame, samples

	w      *sparse.CSR // effective recurrent weights (signs folded in for dale)
	input  *sparse.CSR // [neurons][inputs] or nil
	bias   []float32   // [neurons] or nil
	phi    Nonlinearity
	dale   bool
	invTau []float32 // [neurons]
	prod   *sparse.Product

	// input drive
	frames     int
	t0, t1     float64
	x          []float32 // [frames][batch][inputs] raw input, for on-the-fly drive
	drive      []float32 // [frames][neurons][batch] W_ih x per frame, or [neurons][batch] scratch
	precomp    bool
	bins       []int // [batch] current frame of each sample
	inProd     *sparse.Product
	driven     []int32   // rows of W_ih with entries, when few; nil: all rows
	xcur       []float32 // [inputs][batch] scratch for on-the-fly drive
	postFn     func(r0, r1 int)
	dh, h      []float32 // per call
	lastBinsOK bool
	bySegment  bool             // frames chosen by SetSegment, not from t
	next       func(r0, r1 int) // the caller's post, per call
	times      []float64        // [batch] zeros, for StepFrame
}

// maxPrecomputed is the number of drive elements (frames × neurons × batch)
// up to which W_ih x is computed once per frame rather than in every
// right-hand-side evaluation: 256 MiB of float32.
const maxPrecomputed = 64 << 20

// New prepares the model of cfg for the given batch size. It returns an
// error for inconsistent data (shapes of the given slices, non-finite
// parameters, signs that are not ±1) and panics if batch < 1.
func New(cfg Config, batch int) (*ODERNN, error) {
	if batch < 1 {
		panic(fmt.Sprintf("model: batch %d < 1", batch))
	}
	w := cfg.W
	if w == nil {
		return nil, fmt.Errorf("model: no recurrent connectivity")
	}
	if w.Rows != w.Cols {
		return nil, fmt.Errorf("model: recurrent connectivity is not square: %d×%d", w.Rows, w.Cols)
	}
	n := w.Rows
	if err := sparse.CheckFinite(w.Val); err != nil {
		return nil, fmt.Errorf("model: recurrent weights: %w", err)
	}
	m := &ODERNN{n: n, batch: batch, bias: cfg.Bias, phi: cfg.Nonlinearity, dale: cfg.Dale}
	if m.phi == nil {
		m.phi = Nonlinearity{Sigmoid}
	}
	if cfg.Input != nil {
		if cfg.Input.Rows != n {
			return nil, fmt.Errorf("model: input projection has %d rows, want one per neuron (%d)", cfg.Input.Rows, n)
		}
		if err := sparse.CheckFinite(cfg.Input.Val); err != nil {
			return nil, fmt.Errorf("model: input projection: %w", err)
		}
		m.input = cfg.Input
		m.inputs = cfg.Input.Cols
		m.driven = drivenRows(cfg.Input)
	}
	if cfg.Bias != nil {
		if len(cfg.Bias) != n {
			return nil, fmt.Errorf("model: bias has %d entries for %d neurons", len(cfg.Bias), n)
		}
		if err := sparse.CheckFinite(cfg.Bias); err != nil {
			return nil, fmt.Errorf("model: bias: %w", err)
		}
	}
	tau, err := expandTau(cfg, n)
	if err != nil {
		return nil, err
	}
	m.invTau = make([]float32, n)
	for i, t := range tau {
		m.invTau[i] = 1 / t
	}
	m.w = w
	if cfg.Dale {
		mag, _, err := DaleMagnitudes(w, cfg.Sign)
		if err != nil {
			return nil, err
		}
		m.w = mag.Clone()
		for k, j := range m.w.ColIdx {
			m.w.Val[k] = float32(cfg.Sign[j]) * max(m.w.Val[k], 0)
		}
	}
	if m.prod, err = sparse.NewProductWith(m.w, batch, cfg.Product); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m.bins = make([]int, batch)
	m.times = make([]float64, batch)
	m.postFn = m.post
	return m, nil
}

func expandTau(cfg Config, n int) ([]float32, error) {
	tau := make([]float32, n)
	switch {
	case cfg.TauNeuron != nil:
		if len(cfg.TauNeuron) != n {
			return nil, fmt.Errorf("model: %d time constants for %d neurons", len(cfg.TauNeuron), n)
		}
		copy(tau, cfg.TauNeuron)
	case cfg.TauType != nil:
		if len(cfg.NeuronType) != n {
			return nil, fmt.Errorf("model: per-type time constants need a type for each of %d neurons, got %d", n, len(cfg.NeuronType))
		}
		for i, t := range cfg.NeuronType {
			if t < 0 || int(t) >= len(cfg.TauType) {
				return nil, fmt.Errorf("model: neuron %d has type %d, but %d per-type time constants", i, t, len(cfg.TauType))
			}
			tau[i] = cfg.TauType[t]
		}
	default:
		t := cfg.Tau
		if t == 0 {
			t = 1
		}
		for i := range tau {
			tau[i] = t
		}
	}
	for i, t := range tau {
		if !(t > 0) || math.IsInf(float64(t), 0) {
			return nil, fmt.Errorf("model: time constant of neuron %d is %v, want a positive finite number", i, t)
		}
	}
	return tau, nil
}

// Close releases the workers of the model's sparse products.
func (m *ODERNN) Close() {
	m.prod.Close()
	if m.inProd != nil {
		m.inProd.Close()
	}
}

// SetInput sets the input x(t) over [t0, t1]: x is [frames][batch][inputs]
// (the layout of a time-major PyTorch tensor), held piecewise constant: at
// time t the frame is floor((t − t0)/(t1 − t0)·frames), and t1 uses the last.
// One frame is a constant input. x is copied where needed, not kept.
// It returns an error for a length that disagrees with the shape or for
// non-finite inputs.
func (m *ODERNN) SetInput(x []float32, frames int, t0, t1 float64) error {
	if m.input == nil {
		return fmt.Errorf("model: input given but the model has no input projection")
	}
	if frames < 1 || len(x) != frames*m.batch*m.inputs {
		return fmt.Errorf("model: input has %d values, want frames×batch×inputs = %d×%d×%d", len(x), frames, m.batch, m.inputs)
	}
	if err := sparse.CheckFinite(x); err != nil {
		return fmt.Errorf("model: input: %w", err)
	}
	if !(t1 > t0) {
		return fmt.Errorf("model: empty time interval [%v, %v]", t0, t1)
	}
	m.frames, m.t0, m.t1 = frames, t0, t1
	n, b, in := m.n, m.batch, m.inputs
	if m.inProd == nil {
		m.inProd = sparse.NewProduct(m.input, b, 1)
	}
	m.xcur = make([]float32, in*b)
	m.precomp = frames*n*b <= maxPrecomputed
	m.lastBinsOK = false
	m.bySegment = false
	if !m.precomp {
		m.x = append([]float32(nil), x...)
		m.drive = make([]float32, n*b)
		return nil
	}
	m.x = nil
	m.drive = make([]float32, frames*n*b)
	for f := 0; f < frames; f++ {
		frame := x[f*b*in : (f+1)*b*in]
		for s := 0; s < b; s++ {
			for k := 0; k < in; k++ {
				m.xcur[k*b+s] = frame[s*in+k]
			}
		}
		m.inProd.Mul(m.drive[f*n*b:(f+1)*n*b], m.xcur)
	}
	return nil
}

// Breaks returns the times inside (t0, t1) where the input changes frame,
// for ode.Problem.Breaks: t0 + k(t1 − t0)/frames for k = 1..frames−1.
func (m *ODERNN) Breaks() []float64 {
	return ode.FrameBreaks(m.t0, m.t1, m.frames)
}

// SetSegment is the ode.Problem.Segment of the model: sample b is about to
// integrate over frame k. From the first call on, frames are chosen by
// segment, so that both ends of a step see the same frame.
func (m *ODERNN) SetSegment(b, k int) {
	m.bySegment = true
	k = max(0, min(k, m.frames-1))
	if m.bins[b] != k {
		m.bins[b] = k
		m.lastBinsOK = false
	}
}

// Frame returns the input frame index at time t.
func (m *ODERNN) Frame(t float64) int {
	return ode.FrameAt(t, m.t0, m.t1, m.frames)
}

// RHS is the ode.Func of the model: dhdt = (phi(W_ih x(t) + W_hh h + b) − h)/tau
// for h and dhdt [neurons][batch] and t [batch]. It allocates nothing.
func (m *ODERNN) RHS(dhdt, h []float32, t []float64) {
	b := m.batch
	if m.frames > 0 {
		changed := !m.lastBinsOK
		if !m.bySegment {
			for s, ts := range t {
				f := m.Frame(ts)
				if f != m.bins[s] {
					changed = true
				}
				m.bins[s] = f
			}
		}
		if !m.precomp && changed {
			in := m.inputs
			for s := 0; s < b; s++ {
				frame := m.x[(m.bins[s]*b+s)*in:]
				for k := 0; k < in; k++ {
					m.xcur[k*b+s] = frame[k]
				}
			}
			m.inProd.Mul(m.drive, m.xcur)
			m.lastBinsOK = true
		}
	}
	m.dh, m.h = dhdt, h
	m.prod.MulThen(dhdt, h, m.postFn)
	m.dh, m.h = nil, nil
}

// RHSThen is RHS that also calls post(r0, r1) on blocks of rows of dhdt as
// soon as they are final, from the product's workers: the ode.Problem
// FBlocks hook, through which a solver fuses its elementwise work into the
// model's pass over the rows.
func (m *ODERNN) RHSThen(dhdt, h []float32, t []float64, post func(r0, r1 int)) {
	m.Derivative(dhdt, h, t, post)
}

// post finishes rows [r0, r1) of the right-hand side after the product has
// written W_hh h there: add drive and bias, apply phi, relax towards it.
func (m *ODERNN) post(r0, r1 int) {
	b := m.batch
	z := m.dh[r0*b : r1*b]
	if m.frames > 0 {
		m.addDrive(z, r0, r1)
	}
	if m.bias != nil {
		vec.AddRows(z, m.bias[r0:r1])
	}
	m.phi.Apply(z)
	if m.dale {
		ReLU.apply(z)
	}
	vec.RelaxRows(z, z, m.h[r0*b:r1*b], m.invTau[r0:r1])
	if m.next != nil {
		m.next(r0, r1)
	}
}

// addDrive adds rows [r0, r1) of the input drive W_ih x(t) to z: a
// vector addition when every sample uses the same frame, per sample
// otherwise, and only on the driven rows when they are few.
func (m *ODERNN) addDrive(z []float32, r0, r1 int) {
	b := m.batch
	nb := m.n * b
	base, same := 0, true // base: offset of the frame every sample uses
	if m.precomp && m.frames > 1 {
		var f int
		f, same = m.sameBin()
		base = f * nb
	}
	add := func(i int) {
		row := z[(i-r0)*b : (i-r0+1)*b]
		if same {
			vec.Add(row, m.drive[base+i*b:base+(i+1)*b])
			return
		}
		for s := range row {
			row[s] += m.drive[m.bins[s]*nb+i*b+s]
		}
	}
	if m.driven == nil {
		if same {
			vec.Add(z, m.drive[base+r0*b:base+r1*b])
			return
		}
		for i := r0; i < r1; i++ {
			add(i)
		}
		return
	}
	lo, _ := slices.BinarySearch(m.driven, int32(r0))
	hi, _ := slices.BinarySearch(m.driven, int32(r1))
	for _, i := range m.driven[lo:hi] {
		add(int(i))
	}
}

// sameBin returns the input frame of every sample when they all use the
// same one.
func (m *ODERNN) sameBin() (int, bool) {
	f := m.bins[0]
	for _, g := range m.bins[1:] {
		if g != f {
			return 0, false
		}
	}
	return f, true
}

// drivenRows returns the rows of the input projection that hold entries,
// when they are at most a quarter of the rows (the drive of every other
// row is 0); otherwise nil.
func drivenRows(in *sparse.CSR) []int32 {
	var rows []int32
	for i := 0; i < in.Rows; i++ {
		if in.RowPtr[i+1] > in.RowPtr[i] {
			if 4*(len(rows)+1) > in.Rows {
				return nil
			}
			rows = append(rows, int32(i))
		}
	}
	return rows
}

// Weights returns the effective recurrent matrix the model multiplies by
// (for dale, magnitudes clamped at 0 with the presynaptic signs applied).
func (m *ODERNN) Weights() *sparse.CSR { return m.w }

// InvTau returns 1/tau per neuron.
func (m *ODERNN) InvTau() []float32 { return m.invTau }

// Step advances the discrete ConnectomeRNN of bioplnn by one input frame:
// hNext = (1/tau)·phi(W_ih x + W_hh h + b) + (1 − 1/tau)·h, with x one frame
// [batch][inputs] (nil: no input) and h, hNext [neurons][batch]. It reuses
// the right-hand side: hNext = h + dh/dt with a unit step.
func (m *ODERNN) Step(hNext, h, x []float32) error {
	saved := m.frames
	if x != nil {
		if err := m.SetInput(x, 1, 0, 1); err != nil {
			return err
		}
	} else {
		m.frames = 0
	}
	m.RHS(hNext, h, m.zeroTimes())
	for k := range hNext {
		hNext[k] += h[k]
	}
	if x == nil {
		m.frames = saved
	}
	return nil
}

func (m *ODERNN) zeroTimes() []float64 { return make([]float64, m.batch) }

// StepFrame is Step with frame k of the input set by SetInput:
// hNext = (1/tau)·phi(W_ih x_k + W_hh h + b) + (1 − 1/tau)·h. Running it
// for k = 0..frames−1 is bioplnn's ConnectomeRNN over a sequence. It
// allocates nothing.
func (m *ODERNN) StepFrame(hNext, h []float32, k int) {
	for b := range m.bins {
		m.SetSegment(b, k)
	}
	m.RHS(hNext, h, m.times)
	for i := range hNext {
		hNext[i] += h[i]
	}
}

// Dim returns the number of neurons, the state of one sample.
func (m *ODERNN) Dim() int { return m.n }

// Inputs returns the number of input values per sample and frame (0
// without an input projection).
func (m *ODERNN) Inputs() int { return m.inputs }

// Batch returns the batch size the model was prepared for.
func (m *ODERNN) Batch() int { return m.batch }

// Derivative is RHS with the post hook of RHSThen (model.ODE).
func (m *ODERNN) Derivative(dhdt, h []float32, t []float64, post func(r0, r1 int)) {
	m.next = post
	m.RHS(dhdt, h, t)
	m.next = nil
}

// Interfaces the model implements.
var (
	_ ODE      = (*ODERNN)(nil)
	_ Driven   = (*ODERNN)(nil)
	_ Discrete = (*ODERNN)(nil)
)

// DaleMagnitudes returns the synapse magnitudes of the dale variant from
// w [post][pre] and the presynaptic signs [neurons] (±1), and how many
// synapses the variant's clamp at 0 deletes. A signed matrix whose every
// weight agrees in sign with its presynaptic neuron (a connectome built or
// converted with its signs folded in) gives |w| and deletes nothing.
// Otherwise w is bioplnn's raw parameter: its negative entries are
// clamped to 0 (relu(W) ⊙ sign), and clamped counts them, so that a caller
// can say so rather than change the network silently.
func DaleMagnitudes(w *sparse.CSR, sign []int8) (mag *sparse.CSR, clamped int, err error) {
	if len(sign) != w.Cols {
		return nil, 0, fmt.Errorf("model: dale variant needs one sign per neuron, got %d for %d", len(sign), w.Cols)
	}
	for j, s := range sign {
		if s != 1 && s != -1 {
			return nil, 0, fmt.Errorf("model: sign of neuron %d is %d, want +1 or -1", j, s)
		}
	}
	consistent := true
	for k, j := range w.ColIdx {
		v := w.Val[k]
		if v < 0 {
			clamped++
		}
		if (v < 0 && sign[j] > 0) || (v > 0 && sign[j] < 0) {
			consistent = false
		}
	}
	if clamped == 0 || !consistent {
		return w, clamped, nil
	}
	mag = w.Clone()
	for k, v := range mag.Val {
		mag.Val[k] = float32(math.Abs(float64(v)))
	}
	return mag, 0, nil
}
