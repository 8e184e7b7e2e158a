// Package check holds the limits the decoders put on what a file
// declares, and the checked build of a matrix from triplets read from a
// file: sparse.COO sums and sorts, check refuses values that are not
// finite float32s.
//
// Conventions: a declared shape is at most MaxShape rows and columns and a
// matrix at most MaxEntries entries (int32 offsets), checked before
// anything is allocated from the declaration; a value that is NaN,
// infinite or beyond float32, or a sum of duplicates that overflows, is an
// error wrapping sparse.ErrNotFinite that names the entry (its index in
// the file and its (row, col)).
package check
