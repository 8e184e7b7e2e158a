package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
)

// Classifier is what Fit, Evaluate and NewRunner train: a Differentiable
// recurrent model read out by a classifier Head. *Model (the connectome
// ODE RNN classifier) is one; Composed makes one of any Differentiable
// model.
type Classifier interface {
	// NewRecurrent returns the recurrent model prepared for a batch size,
	// with parts of its parallel loops sized for workers goroutines (0:
	// the team's). Its Params' values are the classifier's own slices,
	// shared by every instance, so that training one trains all.
	NewRecurrent(batch, workers int) (model.Differentiable[float32], error)
	// Readout returns the head; its parameters follow the recurrent
	// model's.
	Readout() *Head
	// Project applies the parameters' constraints after an update.
	Project()
}

// Composed is a Classifier made of any Differentiable recurrent model and
// a head.
type Composed struct {
	// Recurrent returns the model for a batch size (see
	// Classifier.NewRecurrent): every model it returns computes with the
	// same parameter slices.
	Recurrent func(batch, workers int) (model.Differentiable[float32], error)
	Head      *Head
	Constrain func() // applies the parameters' constraints after an update; may be nil
}

// NewRecurrent calls c.Recurrent.
func (c *Composed) NewRecurrent(batch, workers int) (model.Differentiable[float32], error) {
	return c.Recurrent(batch, workers)
}

// Readout returns c.Head.
func (c *Composed) Readout() *Head { return c.Head }

// Project calls c.Constrain, if any.
func (c *Composed) Project() {
	if c.Constrain != nil {
		c.Constrain()
	}
}

// HeadConfig describes a classifier head to build with NewHead. The zero
// value of every field means the documented default.
type HeadConfig struct {
	// OutputNeurons lists the state variables read out (nil: Outputs
	// seeded random distinct ones, or all in order when Outputs is 0, as
	// the tutorial's output_neurons=None). With OutputProjection the
	// readout is a trainable projection W_ho[k, OutputNeurons[k]] = 1 plus
	// a bias b_ho.
	OutputNeurons    []int
	Outputs          int
	OutputProjection bool

	Hidden  int     // fc1 width; 0: 128
	Classes int     // 0: 10
	Dropout float64 // dropout probability after fc1's ReLU, in [0, 1)

	Seed uint64 // seed of the random outputs and of the initial weights
}

// Head is bioplnn's classifier head over a recurrent model's state h
// ([neurons][batch]): o = W_ho h + b_ho (an output projection) or
// o = h[output neurons]; then fc1 → ReLU → dropout → fc2 → logits. Its
// parameters, in order, are out.weight, out.bias, fc1.weight, fc1.bias,
// fc2.weight and fc2.bias (readoutNames).
type Head struct {
	Outputs, Hidden, Classes int

	Out     *sparse.CSR // [outputs][neurons] W_ho; Val trainable with OutputProjection, else fixed ones
	OutBias []float32   // [outputs] b_ho with OutputProjection, else empty
	FC1     []float32   // [hidden][outputs]
	B1      []float32   // [hidden]
	FC2     []float32   // [classes][hidden]
	B2      []float32   // [classes]

	OutputProjection bool
	Dropout          float64
}

// readoutNames are the head's parameters, in the order of Head.params.
var readoutNames = []string{"out.weight", "out.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}

// params returns the head's parameter values in readoutNames order; the
// output selection's fixed weights are not a parameter (nil) without a
// projection.
func (h *Head) params() [][]float32 {
	outW := h.Out.Val
	if !h.OutputProjection {
		outW = nil
	}
	return [][]float32{outW, h.OutBias, h.FC1, h.B1, h.FC2, h.B2}
}

// NewHead builds a head over a model of the given number of state
// variables, its dense layers initialised as torch.nn.Linear (uniform in
// ±1/sqrt(fan in)). Errors report inconsistent configuration data.
func NewHead(neurons int, cfg HeadConfig) (*Head, error) {
	return newHead(neurons, cfg, rand.New(rand.NewPCG(cfg.Seed, 0x68656164)))
}

// newHead is NewHead drawing from rng (Model's New continues its stream).
func newHead(n int, cfg HeadConfig, rng *rand.Rand) (*Head, error) {
	if !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
		return nil, fmt.Errorf("train: dropout %v, want a probability in [0, 1)", cfg.Dropout)
	}
	outs := cfg.OutputNeurons
	if outs == nil {
		k := cfg.Outputs
		if k < 0 || k > n {
			return nil, fmt.Errorf("train: %d outputs for %d neurons", k, n)
		}
		if k == 0 || k == n {
			outs = make([]int, n)
			for i := range outs {
				outs[i] = i
			}
		} else {
			outs = rng.Perm(n)[:k]
		}
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("train: no output neurons")
	}
	for k, i := range outs {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("train: output %d is neuron %d, outside [0, %d)", k, i, n)
		}
	}
	h := &Head{Outputs: len(outs), Hidden: cfg.Hidden, Classes: cfg.Classes,
		Out: sparse.Identity(n, outs).T(), OutputProjection: cfg.OutputProjection, Dropout: cfg.Dropout}
	h.OutBias = []float32{}
	if cfg.OutputProjection {
		h.OutBias = make([]float32, h.Outputs)
	}
	if h.Hidden == 0 {
		h.Hidden = 128
	}
	if h.Classes == 0 {
		h.Classes = 10
	}
	if h.Hidden < 1 || h.Classes < 2 {
		return nil, fmt.Errorf("train: hidden size %d and %d classes, want ≥ 1 and ≥ 2", h.Hidden, h.Classes)
	}
	linear := func(out, in int) ([]float32, []float32) {
		w, b := make([]float32, out*in), make([]float32, out)
		bound := 1 / math.Sqrt(float64(in))
		for i := range w {
			w[i] = float32((2*rng.Float64() - 1) * bound)
		}
		for i := range b {
			b[i] = float32((2*rng.Float64() - 1) * bound)
		}
		return w, b
	}
	h.FC1, h.B1 = linear(h.Hidden, h.Outputs)
	h.FC2, h.B2 = linear(h.Classes, h.Hidden)
	return h, nil
}
