// Package npy reads and writes NumPy .npy arrays.
//
// Byte layout (format version 1.0; 2.0 and 3.0 differ only in a 4-byte
// header length): the magic "\x93NUMPY", major and minor version bytes, a
// little-endian uint16 header length, an ASCII Python dict literal with keys
// 'descr' (dtype, e.g. '<f4'), 'fortran_order' and 'shape', padded with
// spaces and a final newline so that the data starts on a 64-byte boundary,
// then the raw array data.
package npy
