// Package ode integrates systems of ordinary differential equations
// dy/dt = f(t, y) for a batch of independent samples with explicit
// Runge–Kutta methods, fixed-step (euler, rk4) and adaptive (dopri5,
// bosh3), each of which is a table of numbers.
//
// # Layout
//
// The state of a problem is dim variables for each of batch samples, laid
// out variable-major:
//
//	y [dim][batch]   variable i of sample b at y[i*batch+b]
//
// The right-hand side receives one time per sample, because an adaptive
// method may control the step size of each sample separately (as torchode
// does), so that samples advance through time at different rates.
//
// Outputs are written sample-major at each requested time:
//
//	out [len(Times)][batch][dim]
//
// The package knows nothing of neurons or sparse matrices.
//
// # Methods are tables
//
// A Method is a Butcher tableau with s stages. A step of size h from
// (t, y) evaluates the stages in order,
//
//	k_i = f(t + C[i]·h, y + h·Σ_{j<i} A[i][j]·k_j)    (A[i] holds a_i0 … a_i(i−1))
//
// and moves to y1 = y + h·Σ_i B[i]·k_i. An adaptive method has error
// weights E = b − b̂ (the propagated weights minus the embedded ones): the
// local error estimate is h·Σ_i E[i]·k_i, its RMS norm scaled by
// atol + rtol·max(|y|, |y1|) is the error ratio r, the step is taken when
// r < 1 (Accepts), and the next step is the old one times
// 0.9·r^(−1/ErrorOrder) clipped to [0.2, 10] (Method.StepFactor, the
// integral controller of torchode and diffrax). The first step is chosen
// as in Hairer, Nørsett & Wanner I, II.4. Adaptive methods are FSAL: the
// last stage is f(t+h, y1) (A's last row equals B, whose last weight is
// 0), which is the next step's first stage, so a step evaluates s − 1
// stages. Dense gives the continuous extension inside a step,
//
//	y(t + θh) = y + h·Σ_l w_l(θ)·k_l,   w_l(θ) = Σ_p Dense[l][p]·θ^(p+1),
//
// from which outputs between step ends are written; a method without one
// steps onto the output times, as every method does with
// Settings.StepToOutputs. Problem.Breaks are discontinuities of f: steps
// end on them and the first stage is evaluated anew after them.
//
// Everything that steps — the fixed-step solver, the adaptive solver, and
// training replaying accepted steps through Stepper.Adjoint — reads only
// these tables. Stepper is the one Runge–Kutta step (with its adjoint);
// the adaptive solver runs the same tableau with the elementwise work of
// each stage fused into the right-hand side's row blocks
// (Problem.FBlocks).
//
// # Adding a method
//
// One Register call with the table, and nothing else:
//
//	func init() {
//		ode.Register(&ode.Method{Name: "heun", Doc: "Heun, second order, fixed steps",
//			C: []float64{0, 1}, A: [][]float64{{}, {1}}, B: []float64{0.5, 0.5}, Order: 2})
//	}
//
// Register checks the table (row lengths, nodes equal to A's row sums,
// weights summing to one, error weights to zero, FSAL rows, dense output
// ending at B) and panics on a malformed one. The method is then known to
// Solve, Lookup and Names (and so to every command's --solver), and the
// conformance tests hold it to its Order.
//
// # Elementwise work
//
// For float32 states the solvers' own work over the state (stage
// combinations y + Σ h_b·a·k_l with one step size per sample, the error
// norm, dense output, the adjoint's combinations) runs in the vectorised
// kernels of internal/vec (AVX2+FMA on amd64, plain Go under the noasm
// tag), in parallel over row blocks on the shared team of internal/team;
// float64 states, kept for checks, use plain loops. Error norms add the
// row blocks' partial sums in row order, so a solve gives the same bits
// whatever order the workers finish in. The steps allocate nothing.
package ode
