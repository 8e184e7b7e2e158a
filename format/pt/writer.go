package pt

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"github.com/neuropil/neuropil/format/internal/count"
	"hash/crc32"
	"io"
	"math"

	"github.com/neuropil/neuropil/sparse"
)

// Encode writes m as a coalesced sparse COO tensor (int64 indices [2][nnz],
// float32 values) in the zip format of torch.save, which
// torch.load(f, weights_only=True) accepts. Records are stored
// uncompressed and aligned to 64 bytes, as torch writes them.
func Encode(w io.Writer, m *sparse.CSR) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("pt: encode: %w", err)
	}
	cw := &count.Writer{W: w}
	zw := zip.NewWriter(cw)
	nnz := m.NNZ()
	indices := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		var b [8]byte
		for i := 0; i < m.Rows; i++ {
			for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
				binary.LittleEndian.PutUint64(b[:], uint64(i))
				bw.Write(b[:])
			}
		}
		for _, j := range m.ColIdx {
			binary.LittleEndian.PutUint64(b[:], uint64(j))
			bw.Write(b[:])
		}
		return bw.Flush()
	}
	values := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		var b [4]byte
		for _, v := range m.Val {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:])
		}
		return bw.Flush()
	}
	bytesOf := func(b []byte) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(b); return err }
	}
	records := []struct {
		name string
		size int
		data func(io.Writer) error
	}{
		{"archive/data.pkl", 0, bytesOf(cooPickle(m.Rows, m.Cols, nnz))},
		{"archive/data/0", 16 * nnz, indices},
		{"archive/data/1", 4 * nnz, values},
		{"archive/version", 2, bytesOf([]byte("3\n"))},
	}
	records[0].size = len(cooPickle(m.Rows, m.Cols, nnz))
	for _, r := range records {
		h := crc32.NewIEEE()
		if err := r.data(h); err != nil {
			return err
		}
		if err := zw.Flush(); err != nil {
			return err
		}
		// Pad the local header's extra field so the data starts on a
		// 64-byte boundary: header 30 bytes + name + extra (4 + pad).
		start := cw.N + 30 + int64(len(r.name)) + 4
		pad := int((64 - start%64) % 64)
		extra := make([]byte, 4+pad)
		binary.LittleEndian.PutUint16(extra, 0x4246) // "FB", torch's padding tag
		binary.LittleEndian.PutUint16(extra[2:], uint16(pad))
		fw, err := zw.CreateRaw(&zip.FileHeader{
			Name: r.name, Method: zip.Store, CRC32: h.Sum32(),
			CompressedSize64: uint64(r.size), UncompressedSize64: uint64(r.size), Extra: extra,
		})
		if err != nil {
			return err
		}
		if err := r.data(fw); err != nil {
			return err
		}
	}
	return zw.Close()
}

// cooPickle returns the protocol-2 pickle that torch 1.13 writes for a
// sparse COO tensor whose indices are storage "0" (LongStorage, 2·nnz
// elements) and values storage "1" (FloatStorage, nnz elements):
//
//	_rebuild_sparse_tensor(_get_layout("torch.sparse_coo"),
//	    (_rebuild_tensor_v2(storage0, 0, (2, nnz), (nnz, 1), False, OrderedDict()),
//	     _rebuild_tensor_v2(storage1, 0, (nnz,), (1,), False, OrderedDict()),
//	     torch.Size((rows, cols))))
func cooPickle(rows, cols, nnz int) []byte {
	var p []byte
	global := func(mod, name string) { p = append(p, 'c'); p = append(p, mod+"\n"+name+"\n"...) }
	str := func(s string) {
		p = append(p, 'X')
		p = binary.LittleEndian.AppendUint32(p, uint32(len(s)))
		p = append(p, s...)
	}
	integer := func(x int) { // BININT (x < 2^31 always: int32 shapes)
		p = append(p, 'J')
		p = binary.LittleEndian.AppendUint32(p, uint32(int32(x)))
	}
	rebuild := func(key, storage string, numel int, shape, stride []int) {
		global("torch._utils", "_rebuild_tensor_v2")
		p = append(p, '(', '(') // MARK args, MARK pid
		str("storage")
		global("torch", storage)
		str(key)
		str("cpu")
		integer(numel)
		p = append(p, 't', 'Q') // TUPLE, BINPERSID
		integer(0)
		p = append(p, '(')
		for _, s := range shape {
			integer(s)
		}
		p = append(p, 't', '(')
		for _, s := range stride {
			integer(s)
		}
		p = append(p, 't', 0x89) // TUPLE, NEWFALSE
		global("collections", "OrderedDict")
		p = append(p, ')', 'R', 't', 'R') // EMPTY_TUPLE REDUCE, TUPLE (args), REDUCE
	}
	p = append(p, 0x80, 2)
	global("torch._utils", "_rebuild_sparse_tensor")
	global("torch.serialization", "_get_layout")
	str("torch.sparse_coo")
	p = append(p, 0x85, 'R') // TUPLE1, REDUCE
	rebuild("0", "LongStorage", 2*nnz, []int{2, nnz}, []int{nnz, 1})
	rebuild("1", "FloatStorage", nnz, []int{nnz}, []int{1})
	global("torch", "Size")
	integer(rows)
	integer(cols)
	p = append(p, 0x86, 0x85, 'R', 0x87, 0x86, 'R', '.') // TUPLE2 TUPLE1 REDUCE, TUPLE3, TUPLE2 REDUCE, STOP
	return p
}
