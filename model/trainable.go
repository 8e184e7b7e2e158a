package model

import "github.com/neuropil/neuropil/ode"

// Differentiable is a model whose right-hand side dy/dt = f(t, y) can be
// differentiated: training runs any Differentiable model through the
// solver's steps and back (package train), and the solver's replay of a
// step (ode.Stepper.Adjoint) calls VJP for each stage. It is generic over
// the element type, so that the same model runs in float32 for training
// and in float64 for finite-difference checks.
//
// A backward pass is: ZeroGrad; for each step from the last, evaluate its
// stages with Linearize (or Replay) and call VJP on them from the last;
// then FinishGrad, after which every Parameter's Grad holds ∂L/∂Value.
type Differentiable[T ode.Float] interface {
	Dim() int    // state variables per sample
	Batch() int  // samples run side by side
	Inputs() int // input values per sample
	Close()      // releases the model's buffers

	// Params lists the trainable parameters by their torch state-dict
	// names, in a fixed order, with their values (the slices the model
	// computes with) and gradients.
	Params() []Parameter[T]
	// SetFrozen marks parameters (aligned with Params) whose gradients
	// are not computed; they stay zero.
	SetFrozen(frozen []bool)
	// Sync derives what the model computes with (effective weights, 1/tau)
	// from the parameter values: call it after changing them.
	Sync()
	// SetInput sets the input x, [batch][inputs], held constant over the
	// integration.
	SetInput(x []T)

	// Eval writes dydt = f(t, y) for y and dydt [dim][batch] and t
	// [batch], and records in slot what later evaluations and VJP(slot, …)
	// need (see EvalMode). With Linearize and Replay the model may keep y
	// and dydt by reference: the caller leaves them unchanged until the
	// slot's VJP.
	Eval(slot int, dydt, y []T, t []float64, mode EvalMode)
	// VJP writes into dst ([dim][batch]) the vector–Jacobian product
	// (∂f/∂y)ᵀ kbar of the evaluation recorded in slot (by Linearize or
	// Replay), and accumulates (∂f/∂θ)ᵀ kbar into the parameter gradients.
	VJP(slot int, dst, kbar []T)
	// ZeroGrad clears the gradients before a backward pass.
	ZeroGrad()
	// FinishGrad reduces what VJP accumulated into the Params' Grad.
	FinishGrad()
}

// EvalMode says what an evaluation of a Differentiable model is for.
type EvalMode int

const (
	// Forward evaluates f alone; the slot keeps what a later Replay of
	// the same y and t can reuse (the connectome RNN: its pre-activation,
	// so that the replay needs no sparse product).
	Forward EvalMode = iota
	// Linearize evaluates f and what VJP(slot, …) needs at y.
	Linearize
	// Replay is Linearize at the y and t of the slot's last Forward
	// evaluation, reusing what it recorded.
	Replay
)

// Parameter is a trainable parameter of a Differentiable model.
type Parameter[T ode.Float] struct {
	Name   string // state-dict name: "hh.weight", "ih.weight", "bias", "tau", ...
	Shape  []int  // the tensor's shape; for a sparse parameter the dense shape
	Sparse bool   // Value is aligned with a CSR's Val: the sparsity pattern is fixed
	Value  []T    // the values the model computes with (not a copy)
	Grad   []T    // [len(Value)] ∂L/∂Value after FinishGrad
}

// Framed is a Differentiable model whose input varies over time,
// piecewise constant over frames (as Driven's): training sets the frames
// once and, before the stages of each step, the frame in force during
// that step (steps never straddle a frame change).
type Framed[T ode.Float] interface {
	// SetFrames sets the input x, [frames][batch][inputs]; frame 0 is in
	// force until SetFrame says otherwise.
	SetFrames(x []T, frames int)
	// SetFrame makes frame k the input of the evaluations that follow,
	// for every sample of the batch.
	SetFrame(k int)
}
