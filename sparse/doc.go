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
// # Errors and panics
//
// Shape mismatches passed by a caller panic with a "sparse: " message (a
// programmer mistake); properties of data (an index out of range in a file,
// NaN in values) are reported by Validate as errors.
package sparse
