// Package benchmark measures what "neuropil bench" reports and writes the
// report: the time of one sparse product (sparse.Product.Mul) of a
// connectome with a batch of vectors, the bytes it must move and their
// rate as a fraction of the machine's memory bandwidth (package membw),
// and, filled in by the command, the time of a default simulation and of
// a training step.
//
// Times are the median of repeated products after warm-up ones, in
// milliseconds; rates are in 10⁹ bytes per second. The bytes a product
// moves are counted as the reference benchmark counts them: the matrix
// streamed once (in its own encoding), x read once and the result written
// once.
package benchmark
