// Package sparse holds sparse matrices with float32 values and int32
// indices: a COO builder, the CSR form, transposes and the batched product
// Y = A·X that is the heart of every connectome simulation.
//
// # Conventions
//
// A matrix has Rows × Cols entries. In a connectome, W[post, pre]: a row is
// the neuron that receives, a column the neuron that sends, so that W·h gives
// each neuron's summed synaptic input (like torch.nn.Linear).
//
// Batched vectors are laid out neuron-major, batch-minor:
//
//	x [cols][batch]   element (j, b) at x[j*batch+b]
//	y [rows][batch]   element (i, b) at y[i*batch+b]
//
// so that each synapse touches its batch of presynaptic values contiguously.
//
// # Kernels
//
// A Product computes rows of dst = A·x with a kernel chosen once, when the
// Product is made: the plain Go reference (mulRowsGeneric, also MulTo),
// Go kernels for batch 1 and 8, and on amd64 assembly kernels using AVX2
// with FMA (batch 1, 4, 8, 16, 32 and any batch, with masked loads for the
// lanes past a multiple of 8) and AVX-512 (batch 1 with gathers, 16, 32,
// any batch under a lane mask, and batches of 64 or more in passes of 128
// lanes that read each x row contiguously), picked at run time from the
// CPU's features. Every assembly kernel prefetches the index and value
// streams 512 entries ahead: the product is limited by its random reads of
// x, which occupy the core's miss buffers, and without the software
// prefetch the two sequential streams fell behind (2.2 against 1.45 ms on
// the default connectome at batch 8). Kernels(batch) lists the kernels usable here, default first;
// ProductOptions.Kernel selects one by name or "tune" times them all on
// the actual matrix and keeps the fastest. Building with the noasm tag
// leaves only the Go kernels. Every kernel passes the same conformance
// test against the reference (kernel_test.go), within float32 rounding:
// the vector kernels sum each row in several partial sums.
//
// Training needs two more kernels, generic over float32 and float64
// (Float): MulRowsTo, rows of a product whose values are not a CSR's
// float32 Val, and MulGradRowsTo, the transposed product fused with the
// per-synapse gradient Σ_b gz·y (with TransposeMap giving the transposed
// structure and where each of its entries sits in the matrix). Each has
// one plain Go reference (mulRowsGeneric, which is also the product's
// reference, and mulGradRowsGeneric); MulGradRowsTo runs an AVX2 kernel
// for float32 at batch 8 and one at batch 4 (grad_amd64.s), tested against the reference on
// the conformance shapes (grad_test.go).
//
// The rows are split into parts of about equal nonzeros, claimed by the
// calling goroutine and a process-wide team of helper goroutines that
// spin briefly between products (internal/team).
//
// # Narrow encodings
//
// A product reads 8 bytes per synapse (an int32 column, a float32 weight).
// ProductOptions.Index16 stores columns as 16-bit offsets within row
// segments, exactly; ProductOptions.Weights "bf16" or "f16" rounds the
// weights to 16 bits once. Both are off by default. neuropil bench
// --index16 --weights reports their speed and error.
//
// # Errors and panics
//
// Shape mismatches passed by a caller panic with a "sparse: " message (a
// programmer mistake); properties of data (an index out of range in a file,
// NaN in values) are reported by Validate as errors.
package sparse
