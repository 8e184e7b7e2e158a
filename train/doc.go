// Package train fits connectome ODE RNN classifiers: exact gradients of a
// loss through the solver's steps, a classifier readout, optimisers, the
// training loop and checkpoints.
//
// # Model
//
// The recurrent part is the connectome ODE RNN of package model (bioplnn's
// ConnectomeODERNN) with a constant input over [T0, T1]:
//
//	z  = W_ih x + W_hh h + b                     (dale: W_hh (s ⊙ h), W_hh ≥ 0)
//	r  = phi(z)                                  (dale: relu(phi(z)))
//	dh/dt = (r − h)/tau
//
// The readout is bioplnn's classifier head: o = W_ho h + b_ho (an output
// projection) or o = h[output neurons]; then fc1 → ReLU → dropout → fc2 →
// logits, and a cross-entropy loss on the last output time or averaged over
// all output times.
//
// # Gradients
//
// Gradients are discretise-then-optimise (as torchode's AutoDiffAdjoint):
// the exact derivative of the computed loss through the solver's own steps.
// euler and rk4 take fixed steps; dopri5 runs adaptively in the forward
// pass, records each sample's accepted step sizes, and the backward pass
// differentiates through those steps held fixed (the step-size controller is
// not differentiated). Memory is checkpointed: the forward pass keeps one
// state [neurons][batch] per step; the backward pass recomputes one step's
// stages at a time from its checkpoint (one sparse product per stage). The
// states held are
//
//	(steps + 1) + 5·(stages + 1) + 4        states of neurons·batch values
//
// (stages: 1 euler, 4 rk4, 6 dopri5; the second term is one step's stage
// inputs, pre-activations, slopes, derivatives and adjoints, the third the
// drive, two adjoints and a gradient sum), plus three float32 values per
// synapse (effective weights in both orders and their gradient). With
// Solve.StoreZ the forward pass also keeps each stage's pre-activation,
// steps·stages more states, and the backward pass needs no sparse product
// to recompute the stages: faster, more memory (fixed-step methods only).
// Runner.StateBytes reports the states held.
//
// # Layouts
//
// States and their adjoints are [neurons][batch]; inputs are [batch][inputs]
// (one flattened image per row); dense readout matrices are [out][in]
// row-major, as torch.nn.Linear. The gradient of a sparse parameter is a
// []float32 aligned with its CSR Val: the sparsity pattern never changes.
//
// The engine is generic over float32 and float64: float32 with parallel
// kernels for training, float64 for finite-difference checks.
package train
