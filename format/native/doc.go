// Package native reads and writes neuropil's own connectome format (.npc),
// made to load a large connectome as fast as the disk delivers it: the
// arrays are stored exactly as they sit in memory, so decoding is one read
// per array and a checksum.
//
// Byte layout, version 1, all integers little-endian:
//
//	offset  size  field
//	0       8     magic "NPILCONN"
//	8       4     version (uint32) = 1
//	12      4     flags (uint32): bit 0 ids, bit 1 signs, bit 2 types; other bits 0
//	16      8     rows (uint64, at most 2^31-1)
//	24      8     cols (uint64, at most 2^31-1)
//	32      8     nnz (uint64, at most 2^31-1)
//	40      8     bytes of the type-name block (uint64; 0 without types)
//	48      4     reserved, 0
//	52      4     CRC-32C (Castagnoli) of bytes 0..51
//	56            sections, each padded with zero bytes to a multiple of 8:
//	              row pointers  int32 [rows+1]  (CSR of W[post, pre])
//	              column index  int32 [nnz]
//	              values        float32 [nnz]
//	              ids           int64 [rows]    (flag bit 0)
//	              signs         int8 [rows]     (flag bit 1)
//	              types         int32 [rows]    (flag bit 2)
//	              type names    uint32 count, then per name uint32 length and UTF-8 bytes (flag bit 2)
//	end - 8       CRC-32C of all section bytes, padding included (uint32)
//	end - 4       "NPCE"
//
// The total size follows from the header, so a truncated file, trailing
// bytes or a header that claims more than the file holds is detected
// before the arrays are allocated. The matrix may be rectangular (an input
// projection); Decode checks its structure as sparse.CSR.Validate does.
package native
