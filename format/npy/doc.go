// Package npy reads and writes NumPy .npy arrays and .npz archives,
// including the sparse matrices of scipy.sparse.save_npz.
//
// Byte layout of .npy (format version 1.0; 2.0 and 3.0 differ only in a
// 4-byte header length): the magic "\x93NUMPY", major and minor version
// bytes, a little-endian uint16 header length, an ASCII Python dict literal
// with keys 'descr' (dtype, e.g. '<f4'), 'fortran_order' and 'shape',
// padded with spaces and a final newline so that the data starts on a
// 64-byte boundary, then the raw array data.
//
// A .npz is a zip archive of NAME.npy records (np.savez; stored or
// deflated). scipy.sparse.save_npz writes the records format (a 0-d bytes
// array: b'csr', b'csc' or b'coo'), shape (int64 [2]) and, for csr and
// csc, data, indices and indptr; for coo, row, col and data.
//
// Read and ReadFile return any array (for inputs and index lists);
// Decode and DecodeNPZ return a matrix as a sparse.CSR with duplicates
// summed in float64 and zeros dropped. Object arrays (pickles) are refused.
//
// Every reader streams an array's bytes a chunk (64 KiB) at a time into
// its final form, never holding the raw data or a wider copy whole; a
// scipy matrix in canonical form is assembled in place, so that reading
// it allocates little more than the CSR it returns (see scipy.go).
//
// Every .npy and .npz this module writes goes through this package:
// Writer streams one array of an Elem type (Encode and EncodeStrings
// write a whole one), NPZWriter adds named arrays and scipy csr matrices
// to an archive, EncodeNPZ and EncodeMatrix write a connectome's matrix.
// Arrays are written little-endian in C order, format version 1.0.
//
// Files: npy_header.go (the .npy header), npy_read.go and npy_write.go
// (arrays), npz_read.go and npz_write.go (archives), scipy.go
// (scipy.sparse matrices in an archive), dense.go (a dense 2-D array as a
// matrix).
//
// Floods: a deflated dense array may hold at most 64 bytes of nonzero
// values per compressed byte (deflate reaches 1032 on one repeated
// value); the nonzeros of a dense matrix, checked as they arrive, and the
// entries of a scipy matrix, checked from its header, must fit the memory
// budget (internal/budget, --max-memory).
package npy
