// Package flo reads and writes optical flow in the Middlebury .flo format,
// the format of MPI-Sintel's ground truth (training/flow/<scene>/
// frame_NNNN.flo).
//
// Byte layout, all little-endian:
//
//	offset 0   float32 magic 202021.25 (the bytes "PIEH")
//	offset 4   int32   width w
//	offset 8   int32   height h
//	offset 12  float32 [h][w][2] the flow: for each pixel, row by row,
//	           u (displacement to the right) then v (displacement down),
//	           in pixels
//
// A file is exactly 12 + 8·w·h bytes. Readers check the magic, refuse a
// width or height below 1 or above MaxSide, and never allocate more than
// the input really holds: ReadFile compares the header's size with the
// file's length before it allocates, Decode (a stream of unknown length)
// grows its buffer as the data arrives. DecodeConfig and ReadHeader read
// the header only. Errors are FormatError for a malformed file and
// io.ErrUnexpectedEOF for one cut short; ReadFile and ReadHeader name
// the file.
//
// Flow values are returned as they are stored (unknown flow, which
// Middlebury marks with values above 1e9, is not treated specially).
package flo
