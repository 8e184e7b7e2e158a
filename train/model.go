package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// Config describes a classifier to build with New. W and Inputs are
// required; the zero value of every other field means the documented
// default.
type Config struct {
	W            *sparse.CSR // [neurons][neurons] initial W_hh[post, pre]; copied
	Inputs       int         // input size (784 for MNIST)
	InputIndices []int       // [inputs] neuron each input drives (identity W_ih); nil: seeded uniform random neurons

	// The head, as the fields of HeadConfig: the neurons read out (nil:
	// Outputs seeded random ones, 0: all), a trainable output projection,
	// fc1's width (0: 128), the classes (0: 10) and the dropout probability.
	OutputNeurons    []int
	Outputs          int
	OutputProjection bool
	Hidden, Classes  int
	Dropout          float64

	Nonlinearity model.Nonlinearity // nil: sigmoid
	Dale         bool               // W_hh holds magnitudes ≥ 0; Sign gives presynaptic signs
	Sign         []int8             // [neurons] ±1, required when Dale

	Tau        float32 // initial time constant; 0: 1
	NeuronType []int32 // [neurons] with TauPerType: one tau per type
	TauPerType bool    // tau per neuron type (NeuronType) instead of per neuron
	TauFloor   float32 // tau is kept ≥ TauFloor; 0: 0.01

	Seed uint64 // seed for random indices and the readout's initial weights
}

// Model is a connectome ODE RNN classifier: its structure and trainable
// parameters. Params lists the parameters in a fixed order.
type Model struct {
	Neurons, Inputs, Outputs, Hidden, Classes int

	W     *sparse.CSR // [neurons][neurons] W_hh; Val trainable (magnitudes with Dale)
	Input *sparse.CSR // [neurons][inputs] W_ih; Val trainable
	Bias  []float32   // [neurons] b
	Tau   []float32   // [neurons], or [types] with NeuronType

	// The head (Readout): the fields of Head, with their layouts.
	Out                       *sparse.CSR
	OutBias, FC1, B1, FC2, B2 []float32

	Nonlinearity     model.Nonlinearity
	Dale             bool
	Sign             []int8  // [neurons] with Dale
	NeuronType       []int32 // [neurons] when Tau is per type, else nil
	TauFloor         float32
	OutputProjection bool
	Dropout          float64
}

// Parameter indices in the order of Model.Params.
const (
	PW = iota
	PInput
	PBias
	PTau
	POut
	POutBias
	PFC1
	PB1
	PFC2
	PB2
	numParams
)

// ParamNames returns the names of the parameters, in the order of
// Params, as torch state-dict keys of bioplnn's classifier.
func ParamNames() []string { return slices.Clone(paramNames) }

var paramNames = []string{"hh.weight", "ih.weight", "bias", "tau", "out.weight", "out.bias",
	"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}

// ParamIndex returns the index of a parameter name; an unknown name is an
// error listing the known ones.
func ParamIndex(name string) (int, error) { return paramIndex(paramNames, name) }

// paramIndex returns the index of name in names, compared without case;
// an unknown name is an error listing the known ones.
func paramIndex(names []string, name string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(name, n) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown parameter %q (known: %s)", name, strings.Join(names, ", "))
}

// fields returns pointers to the parameters' value slices in paramNames
// order (out.weight: the output selection's values, also when fixed).
func (m *Model) fields() [numParams]*[]float32 {
	return [numParams]*[]float32{&m.W.Val, &m.Input.Val, &m.Bias, &m.Tau, &m.Out.Val, &m.OutBias,
		&m.FC1, &m.B1, &m.FC2, &m.B2}
}

// Params returns the value slices of the parameters in paramNames order.
// Sparse parameters are the Val of their CSR. Empty slices stand for
// parameters the model does not have (out.weight and out.bias without an
// output projection).
func (m *Model) Params() [][]float32 {
	p := make([][]float32, numParams)
	for i, f := range m.fields() {
		p[i] = *f
	}
	if !m.OutputProjection {
		p[POut] = nil
	}
	return p
}

// New builds a model from cfg: identity input projection, zero bias, tau
// everywhere cfg.Tau, and the readout's dense layers initialised as
// torch.nn.Linear (uniform in ±1/sqrt(fan in)). Errors report inconsistent
// configuration data.
func New(cfg Config) (*Model, error) {
	if cfg.W == nil || cfg.W.Rows != cfg.W.Cols {
		return nil, fmt.Errorf("train: recurrent connectivity missing or not square")
	}
	if err := cfg.W.Validate(); err != nil {
		return nil, fmt.Errorf("train: recurrent connectivity: %w", err)
	}
	n := cfg.W.Rows
	if cfg.Inputs < 1 {
		return nil, fmt.Errorf("train: %d inputs, want at least 1", cfg.Inputs)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x747261696e))
	m := &Model{Neurons: n, Inputs: cfg.Inputs, Nonlinearity: cfg.Nonlinearity, Dale: cfg.Dale, TauFloor: cfg.TauFloor}
	if m.Nonlinearity == nil {
		m.Nonlinearity = model.Nonlinearity{model.Sigmoid}
	}
	if m.TauFloor == 0 {
		m.TauFloor = 0.01
	}
	m.W = cfg.W.Clone()
	if cfg.Dale {
		if len(cfg.Sign) != n {
			return nil, fmt.Errorf("train: dale variant needs one sign per neuron, got %d for %d", len(cfg.Sign), n)
		}
		for j, s := range cfg.Sign {
			if s != 1 && s != -1 {
				return nil, fmt.Errorf("train: sign of neuron %d is %d, want +1 or -1", j, s)
			}
		}
		m.Sign = append([]int8(nil), cfg.Sign...)
		for k, v := range m.W.Val {
			m.W.Val[k] = max(v, 0)
		}
	}
	in := cfg.InputIndices
	if in == nil {
		in = make([]int, cfg.Inputs)
		for k := range in {
			in[k] = rng.IntN(n)
		}
	}
	if len(in) != cfg.Inputs {
		return nil, fmt.Errorf("train: %d input indices for %d inputs", len(in), cfg.Inputs)
	}
	for k, i := range in {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("train: input %d drives neuron %d, outside [0, %d)", k, i, n)
		}
	}
	m.Input = sparse.Identity(n, in)
	m.Bias = make([]float32, n)
	if err := m.initTau(cfg); err != nil {
		return nil, err
	}
	h, err := newHead(n, HeadConfig{OutputNeurons: cfg.OutputNeurons, Outputs: cfg.Outputs,
		OutputProjection: cfg.OutputProjection, Hidden: cfg.Hidden, Classes: cfg.Classes, Dropout: cfg.Dropout}, rng)
	if err != nil {
		return nil, err
	}
	m.setHead(h)
	return m, nil
}

// initTau sets the time constants of cfg: cfg.Tau per neuron or per type.
func (m *Model) initTau(cfg Config) error {
	n := m.Neurons
	tau := cfg.Tau
	if tau == 0 {
		tau = 1
	}
	if !(tau >= m.TauFloor) || math.IsInf(float64(tau), 0) {
		return fmt.Errorf("train: tau %v below the floor %v", tau, m.TauFloor)
	}
	nt := n
	if cfg.TauPerType {
		if len(cfg.NeuronType) != n {
			return fmt.Errorf("train: tau per type needs a type for each of %d neurons, got %d", n, len(cfg.NeuronType))
		}
		nt = 0
		for i, t := range cfg.NeuronType {
			if t < 0 {
				return fmt.Errorf("train: neuron %d has negative type %d", i, t)
			}
			nt = max(nt, int(t)+1)
		}
		m.NeuronType = append([]int32(nil), cfg.NeuronType...)
	}
	m.Tau = make([]float32, nt)
	for i := range m.Tau {
		m.Tau[i] = tau
	}
	return nil
}

// setHead takes the head's structure and parameters into m.
func (m *Model) setHead(h *Head) {
	m.Outputs, m.Hidden, m.Classes = h.Outputs, h.Hidden, h.Classes
	m.Out, m.OutBias, m.FC1, m.B1, m.FC2, m.B2 = h.Out, h.OutBias, h.FC1, h.B1, h.FC2, h.B2
	m.OutputProjection, m.Dropout = h.OutputProjection, h.Dropout
}

// Readout returns the model's head: its fields are the model's (the same
// slices).
func (m *Model) Readout() *Head {
	return &Head{Outputs: m.Outputs, Hidden: m.Hidden, Classes: m.Classes, Out: m.Out, OutBias: m.OutBias,
		FC1: m.FC1, B1: m.B1, FC2: m.FC2, B2: m.B2, OutputProjection: m.OutputProjection, Dropout: m.Dropout}
}

// NewRecurrent returns the model's connectome ODE RNN for a batch size
// (model.TrainableRNN), computing with the model's parameter slices.
func (m *Model) NewRecurrent(batch, workers int) (model.Differentiable[float32], error) {
	return recurrent(m, m.Params(), batch, workers)
}

// recurrent returns m's connectome ODE RNN computing with the recurrent
// parameter values p (in paramNames order; p[PW:POut]).
func recurrent[T ode.Float](m *Model, p [][]T, batch, workers int) (*model.TrainableRNN[T], error) {
	return model.NewTrainable(model.TrainableConfig[T]{W: m.W, Input: m.Input,
		HH: p[PW], IH: p[PInput], Bias: p[PBias], Tau: p[PTau], NeuronType: m.NeuronType,
		Nonlinearity: m.Nonlinearity, Dale: m.Dale, Sign: m.Sign, Workers: workers}, batch)
}

// Check validates a model's shapes and values: what a decoded checkpoint
// must pass before use.
func (m *Model) Check() error {
	n := m.Neurons
	if m.W == nil || m.Input == nil || m.Out == nil {
		return fmt.Errorf("model lacks a matrix")
	}
	for _, c := range []struct {
		name string
		a    *sparse.CSR
		r, k int
	}{{"hh.weight", m.W, n, n}, {"ih.weight", m.Input, n, m.Inputs}, {"out.weight", m.Out, m.Outputs, n}} {
		if c.a.Rows != c.r || c.a.Cols != c.k {
			return fmt.Errorf("%s is %d×%d, want %d×%d", c.name, c.a.Rows, c.a.Cols, c.r, c.k)
		}
		if err := c.a.Validate(); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	nOutBias := 0
	if m.OutputProjection {
		nOutBias = m.Outputs
	}
	nt := n
	if m.NeuronType != nil {
		nt = len(m.Tau)
		if err := model.CheckTypes(m.NeuronType, n, nt); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		name string
		v    []float32
		n    int
	}{{"bias", m.Bias, n}, {"tau", m.Tau, nt}, {"out.bias", m.OutBias, nOutBias},
		{"fc1.weight", m.FC1, m.Hidden * m.Outputs}, {"fc1.bias", m.B1, m.Hidden},
		{"fc2.weight", m.FC2, m.Classes * m.Hidden}, {"fc2.bias", m.B2, m.Classes}} {
		if len(c.v) != c.n {
			return fmt.Errorf("%s has %d values, want %d", c.name, len(c.v), c.n)
		}
		if err := sparse.CheckFinite(c.v); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	for i, t := range m.Tau {
		if !(t > 0) {
			return fmt.Errorf("tau %d is %v, want > 0", i, t)
		}
	}
	if m.Dale && len(m.Sign) != n {
		return fmt.Errorf("dale model has %d signs for %d neurons", len(m.Sign), n)
	}
	if m.Hidden < 1 || m.Classes < 2 {
		return fmt.Errorf("hidden size %d, %d classes", m.Hidden, m.Classes)
	}
	return nil
}

// Project applies the parameter constraints after an update: tau ≥
// TauFloor, and recurrent magnitudes ≥ 0 in the dale variant.
func (m *Model) Project() {
	for i, t := range m.Tau {
		m.Tau[i] = max(t, m.TauFloor)
	}
	if m.Dale {
		for k, v := range m.W.Val {
			m.W.Val[k] = max(v, 0)
		}
	}
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := *m
	c.W, c.Input, c.Out = m.W.Clone(), m.Input.Clone(), m.Out.Clone()
	for i, f := range c.fields() {
		if i != PW && i != PInput && i != POut {
			*f = append([]float32{}, *f...)
		}
	}
	c.Sign = append([]int8(nil), m.Sign...)
	if m.NeuronType != nil {
		c.NeuronType = append([]int32(nil), m.NeuronType...)
	}
	c.Nonlinearity = append(model.Nonlinearity(nil), m.Nonlinearity...)
	return &c
}
