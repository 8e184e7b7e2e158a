package model

// The interfaces below are what the rest of neuropil knows of a model:
// package sim runs any of them, package train trains any Differentiable
// one, and package ode integrates an ODE's Derivative without knowing what
// it computes. A model keeps its state layout to itself beyond Dim: states
// are [dim][batch], variable i of sample b at y[i*batch+b].

// Model is a network prepared for a batch size.
type Model interface {
	Dim() int   // state variables per sample (neurons for the rate models)
	Batch() int // samples run side by side
	Close()     // releases the model's workers and buffers
}

// Driven is a model with an external input x(t), piecewise constant over
// frames.
type Driven interface {
	Inputs() int // input values per sample and frame
	// SetInput sets x(t) over [t0, t1]: x is [frames][batch][inputs], frame
	// k held over [t0 + k·(t1−t0)/frames, t0 + (k+1)·(t1−t0)/frames).
	SetInput(x []float32, frames int, t0, t1 float64) error
	// Breaks are the frame changes inside (t0, t1), for ode.Problem.Breaks.
	Breaks() []float64
	// SetSegment tells the model that sample b integrates over frame k
	// (ode.Problem.Segment).
	SetSegment(b, k int)
}

// ODE is a model whose state obeys dy/dt = f(t, y).
type ODE interface {
	Model
	// Derivative writes dydt = f(t, y) for y and dydt [dim][batch] and t
	// [batch]. When post is not nil it is called on consecutive blocks of
	// rows [r0, r1) as soon as they are final, possibly concurrently on
	// disjoint blocks (ode.Problem.FBlocks). It allocates nothing.
	Derivative(dydt, y []float32, t []float64, post func(r0, r1 int))
}

// Discrete is a model that advances in steps of one input frame.
type Discrete interface {
	Model
	// StepFrame writes into next the state after frame k of the input
	// from y, both [dim][batch].
	StepFrame(next, y []float32, k int)
}

// Events is implemented by models with discrete events between the
// solver's steps, such as spikes: after every step the runner calls
// Events with the state and each sample's time, and the model applies in
// place what happened by then (threshold crossings and resets, refractory
// clamps, delivery of delayed spikes). It reports whether it changed the
// state, in which case the solver does not reuse slopes of the old state.
type Events interface {
	Events(y []float32, t []float64) (changed bool)
}
