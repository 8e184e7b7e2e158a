// Package vec holds the vectorised float32 kernels of the elementwise work
// done in every right-hand-side evaluation: the nonlinearities of the model
// (Sigmoid, Tanh, ReLU), its per-row additions and relaxation (Add, AddRows,
// RelaxRows), and the stage combination and error norm of the ode solver
// over states laid out [rows][batch] (AxpyPattern, ErrorSq).
//
// # Kernels
//
// Each kernel has a plain Go twin, the loop in its doc comment. On amd64
// with AVX2 and FMA (checked once at start-up with golang.org/x/sys/cpu) an
// assembly version (vec_amd64.s) does whole vectors of 8 float32 (4
// float64 in ErrorSq) and hands any remainder to the Go twin; building with
// the noasm tag, or on another architecture, leaves the Go twins alone.
// Some kernels take the assembly path only for the shapes it covers (a
// batch that is a multiple of 8, or a pattern of length 1, 2, 4 or a
// multiple of 8); the others run the Go twin. Tests check every assembly
// kernel against its twin on lengths that are not a multiple of the vector
// width, and the nonlinearities against float64 references.
//
// # Accuracy
//
// Sigmoid and Tanh are computed from one exponential: range reduction
// y = n·ln2 + r with ln2 split in two parts (Cody & Waite), expm1(r) as
// r + r²·P(r) with the degree-5 minimax P of Cephes expf on |r| ≤ ln2/2,
// and scaling by 2^n through the exponent bits. Sigmoid is
// 1/(1 + e^−|x|), or e^−|x|/(1 + e^−|x|) for x < 0, so that small results
// keep their relative accuracy; Tanh is −m/(2 + m) with m = expm1(−2|x|),
// with the sign of x, which does not cancel near 0. Both are within a few
// float32 ulp of the exact function (the bounds the tests check are
// sigmoidULP and tanhULP) and propagate NaN. The assembly fuses
// multiply-adds that the Go twin may round twice, so the two agree to
// within those bounds, not bit for bit. The linear kernels round the same
// way in both except for fused multiply-adds.
//
// # Panics
//
// Lengths that disagree are programmer mistakes and panic with a "vec: "
// message. No kernel allocates.
package vec
