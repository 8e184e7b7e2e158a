// Package count has a writer and a reader that count the bytes passed
// through them: for the zip encoders (.pt, .npz) that size a stored entry
// before writing it, and for the decoders that measure a header.
//
// Convention: the zip encoders write each stored entry with its size and
// CRC-32 in the local header (no data descriptor), encoding it twice:
// once through a count.Writer over a CRC-32 to size it, once for real.
package count
