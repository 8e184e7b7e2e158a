// Package membw measures the memory bandwidth of this machine in-process,
// with a STREAM-like triad a[i] = b[i] + s·c[i] over float64 arrays much
// larger than the last-level cache, split among goroutines.
//
// The figure counts 24 bytes per element (two reads and one write), the
// STREAM convention (McCalpin, https://www.cs.virginia.edu/stream/), so it
// is comparable with STREAM's own triad. It is the floor for a sparse
// product that streams its matrix: a kernel cannot read the matrix faster.
package membw
