// Package ode integrates systems of ordinary differential equations
// dy/dt = f(t, y) for a batch of independent samples, with fixed-step
// (euler, rk4) and adaptive (dopri5) methods.
//
// # Layout
//
// The state of a problem is dim variables for each of batch samples, laid
// out variable-major:
//
//	y [dim][batch]   variable i of sample b at y[i*batch+b]
//
// The right-hand side receives one time per sample, because the adaptive
// method may control the step size of each sample separately (as torchode
// does), so that samples advance through time at different rates.
//
// Outputs are written sample-major at each requested time:
//
//	out [len(Times)][batch][dim]
//
// The package knows nothing of neurons or sparse matrices.
//
// # Elementwise work
//
// For float32 states the solvers' own work over the state (dopri5's stage
// combinations y + Σ h_b·a·k_l with one step size per sample, its error
// norm and dense output, the fixed-step updates) runs in the vectorised
// kernels of internal/vec (AVX2+FMA on amd64, plain Go under the noasm
// tag); float64 states, kept for checks, use plain loops.
package ode
