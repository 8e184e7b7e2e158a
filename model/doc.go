// Package model holds the right-hand sides of connectome models: the
// connectome ODE RNN of bioplnn (ConnectomeODERNN, and its discrete twin
// ConnectomeRNN), its projections and nonlinearities.
//
// Layouts follow package sparse and package ode: the state h is
// [neurons][batch], an input frame is [inputs][batch]. The model computes
// derivatives; package ode integrates them.
//
// Dynamics (shared/SPEC.md):
//
//	z = W_ih x(t) + W_hh h + b
//	r = phi(z)                      (dale: r = relu(phi(z)), W_hh ≥ 0 times presynaptic signs)
//	tau dh/dt = −h + r
package model
