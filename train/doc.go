// Package train fits connectome ODE RNN classifiers: exact gradients of a
// loss through the solver's steps, a classifier readout, optimisers, the
// training loop and checkpoints.
//
// # Model
//
// A classifier (Classifier) is a Differentiable recurrent model of package
// model read out by a classifier head (Head); Fit, Evaluate and Runner
// train any of them through the same code, by the parameters' names
// (model.Parameter). Model is the MNIST classifier, whose recurrent part
// is the connectome ODE RNN (model.TrainableRNN, bioplnn's
// ConnectomeODERNN) with a constant input over [T0, T1]:
//
//	z  = W_ih x + W_hh h + b                     (dale: W_hh (s ⊙ h), W_hh ≥ 0)
//	r  = phi(z)                                  (dale: relu(phi(z)))
//	dh/dt = (r − h)/tau
//
// Composed makes a classifier of any other Differentiable model (the
// trainable optic lobe, for one) and a head from NewHead. The head is
// bioplnn's: o = W_ho h + b_ho (an output projection) or o = h[output
// neurons]; then fc1 → ReLU → dropout → fc2 → logits, and a cross-entropy
// loss on the last output time or averaged over all output times. The
// parameters are the model's (by their torch names) followed by the
// head's. The state starts at 0. Checkpoints hold a Model: its structure,
// and its parameters and optimiser state by name. Settings are the options
// of a run of the MNIST classifier under the flag names of "neuropil
// train", as its checkpoints store them.
//
// # Gradients
//
// Gradients are discretise-then-optimise (as torchode's AutoDiffAdjoint):
// the exact derivative of the computed loss through the solver's own steps,
// for any method registered in package ode. Fixed steps come from
// ode.FixedGrid and are taken by an ode.Stepper; an adaptive method runs
// ode.Solve with steps ending on the output times, and the states and step
// sizes it records (Problem.Record) are the checkpoints; the backward pass
// differentiates through those steps held fixed (the step-size controller
// is not differentiated), replaying each through Stepper.Step with the
// model linearised at every stage and running it back with
// Stepper.Adjoint and the model's vector–Jacobian products. Memory is
// checkpointed: the forward pass keeps one state [neurons][batch] per step;
// the backward pass recomputes one step's stages at a time from its
// checkpoint (one sparse product per stage). The states held are
//
//	(steps + 1) + 2·stages + stages                states of neurons·batch values
//
// (stages: 1 euler, 3 bosh3, 4 rk4, 6 dopri5 evaluated; the Stepper's
// stage inputs and slopes, and the model's one record per stage), plus
// the Stepper's adjoints and three float32 values per synapse (effective
// weights in both orders and their gradient). With Solve.StoreZ the
// forward pass keeps each stage's pre-activation as its record,
// steps·stages states, and the backward pass needs no sparse product to
// recompute the stages: faster, more memory (fixed steps only).
// Runner.StateBytes reports the states held.
//
// A Trajectory (a model and a Loss on its states, no head: the optic lobe
// and its decoder) runs the same passes. Its BackwardDual takes a second
// function's adjoint through the same sweep, for one-stage methods and a
// model with VJPDual (which forms the second slope adjoint and adds its
// input adjoint back itself): the optic lobe's activity penalty, whose gradient
// flyvis takes at the same parameters as the loss's, goes through Wᵀ in
// the same pass as the loss's adjoint.
//
// # Layouts
//
// States and their adjoints are [neurons][batch]; inputs are [batch][inputs]
// (one flattened image per row); dense readout matrices are [out][in]
// row-major, as torch.nn.Linear. The gradient of a sparse parameter is a
// []float32 aligned with its CSR Val: the sparsity pattern never changes.
//
// The engine is generic over float32 and float64: float32 with parallel
// kernels (package sparse, on the team of internal/team) for training,
// float64 for finite-difference checks.
package train
