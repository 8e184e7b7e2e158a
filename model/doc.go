// Package model holds the right-hand sides of connectome models: the
// connectome ODE RNN of bioplnn (ConnectomeODERNN, and its discrete twin
// ConnectomeRNN), its projections and nonlinearities.
//
// Layouts follow package sparse and package ode: the state h is
// [neurons][batch], an input frame is [inputs][batch]. The model computes
// derivatives; package ode integrates them.
//
// Dynamics of the connectome ODE RNN (bioplnn's ConnectomeODERNN):
//
//	z = W_ih x(t) + W_hh h + b      b: per-neuron bias, default 0
//	r = phi(z)                      phi: the nonlinearity, default sigmoid
//	tau dh/dt = −h + r              tau: scalar, per neuron or per neuron type, default 1
//
// With Dale's law each presynaptic neuron has a fixed sign s = ±1 and the
// stored weights are magnitudes clamped to ≥ 0: z = W_ih x + W_hh (s ⊙ h) + b
// and r = relu(phi(z)). The discrete twin (bioplnn's ConnectomeRNN) steps
// h_t = (1/tau) r_t + (1 − 1/tau) h_{t−1}.
//
// Nonlinearities are named case-insensitively (sigmoid, tanh, relu,
// softplus, elu, leakyrelu, identity); a comma list chains them
// ("sigmoid,relu"); an unknown name is an error that lists the known ones.
package model
