package pt

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/format/internal/count"
	"github.com/neuropil/neuropil/sparse"
)

// A Tensor is one named entry of a state dict: a sparse matrix, or a
// dense tensor of any shape holding float32 or int32 values.
type Tensor struct {
	Name string

	// Sparse, when not nil, is the entry: a matrix, written as a coalesced
	// sparse COO tensor (int64 indices [2][nnz], float32 values [nnz]).
	// Shape, Data and Int are then unused.
	Sparse *sparse.CSR

	Shape []int     // dense: the dimensions, {128, 47521} for [128][47521]; empty for a scalar
	Data  []float32 // dense float32 values, row-major (C order), when Int is nil
	Int   []int32   // dense int32 values, row-major; not nil makes the entry an int32 tensor
}

// numel returns the number of elements of a dense entry's shape.
func (t *Tensor) numel() int {
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			panic(fmt.Sprintf("pt: tensor %q has negative shape %v", t.Name, t.Shape))
		}
		n *= d
	}
	return n
}

// Encode writes m as a coalesced sparse COO tensor (int64 indices [2][nnz],
// float32 values) in the zip format of torch.save, which
// torch.load(f, weights_only=True) accepts. Records are stored
// uncompressed and aligned to 64 bytes, as torch writes them.
func Encode(w io.Writer, m *sparse.CSR) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("pt: encode: %w", err)
	}
	var e encoder
	e.sparse(m)
	return e.write(w)
}

// EncodeStateDict writes the tensors as a collections.OrderedDict in the
// zip format of torch.save, in the given order, so that
// torch.load(f, weights_only=True) returns a state dict for
// Module.load_state_dict: sparse entries as coalesced sparse COO tensors
// (as Encode writes them), dense ones as contiguous float32 or int32
// tensors. Records are stored uncompressed and aligned to 64 bytes, as
// torch writes them. An entry without a name, two entries of one name, or
// a dense entry whose values do not fill its shape is a programmer
// mistake and panics; an invalid sparse matrix is an error.
func EncodeStateDict(w io.Writer, tensors []Tensor) error {
	if err := checkEntries(tensors); err != nil {
		return err
	}
	var e encoder
	e.p.op(0x80, 2) // PROTO 2
	e.stateDict(tensors)
	e.p.op('.') // STOP
	return e.write(w)
}

// checkEntries checks the entries of a state dict before encoding.
func checkEntries(tensors []Tensor) error {
	seen := map[string]bool{}
	for i := range tensors {
		t := &tensors[i]
		if t.Name == "" || seen[t.Name] {
			panic(fmt.Sprintf("pt: state dict entry %d: empty or repeated name %q", i, t.Name))
		}
		seen[t.Name] = true
		if t.Sparse != nil {
			if err := t.Sparse.Validate(); err != nil {
				return fmt.Errorf("pt: encode %q: %w", t.Name, err)
			}
			continue
		}
		n, have := t.numel(), len(t.Data)
		if t.Int != nil {
			have = len(t.Int)
		}
		if n != have {
			panic(fmt.Sprintf("pt: tensor %q of shape %v has %d values, want %d", t.Name, t.Shape, have, n))
		}
	}
	return nil
}

// An Item is a plain entry of a checkpoint's dict beside its state dict:
// Value is a string, an int, a float64 (written as a 0-dimensional
// float64 tensor: PyTorch 1.13's weights_only loader refuses pickled
// floats), nil for an empty dict, a []Tensor for a state dict (an
// OrderedDict, as EncodeStateDict writes it) or an []Item for a dict of
// items (flyvis's {"decoder": {"flow": state dict}}).
type Item struct {
	Name  string
	Value any
}

// EncodeCheckpoint writes a training checkpoint as torch.save writes a
// dict {key: state dict, items...}: the state dict as EncodeStateDict
// writes it, under key, then the items in order. torch.load(f,
// weights_only=True) accepts it. Invalid entries are handled as by
// EncodeStateDict; an item of another type panics.
func EncodeCheckpoint(w io.Writer, key string, tensors []Tensor, items []Item) error {
	if err := checkEntries(tensors); err != nil {
		return err
	}
	if err := checkItems(items); err != nil {
		return err
	}
	var e encoder
	e.p.op(0x80, 2, '}', '(') // PROTO 2, EMPTY_DICT, MARK
	e.p.str(key)
	e.stateDict(tensors)
	e.items(items)
	e.p.op('u', '.') // SETITEMS, STOP
	return e.write(w)
}

// checkItems checks the state dicts among items, at any depth.
func checkItems(items []Item) error {
	for _, it := range items {
		switch v := it.Value.(type) {
		case []Tensor:
			if err := checkEntries(v); err != nil {
				return err
			}
		case []Item:
			if err := checkItems(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// items appends the keys and values of items to an open dict.
func (e *encoder) items(items []Item) {
	for _, it := range items {
		e.p.str(it.Name)
		switch v := it.Value.(type) {
		case nil:
			e.p.op('}')
		case []Tensor:
			e.stateDict(v)
		case []Item:
			e.p.op('}', '(') // EMPTY_DICT, MARK
			e.items(v)
			e.p.op('u') // SETITEMS
		case string:
			e.p.str(v)
		case int:
			e.p.integer(v)
		case float64:
			e.dense("DoubleStorage", 8, nil, 1, func(b []byte, _ int) {
				binary.LittleEndian.PutUint64(b, math.Float64bits(v))
			})
		default:
			panic(fmt.Sprintf("pt: checkpoint item %q is a %T", it.Name, it.Value))
		}
	}
}

// stateDict appends the pickle of an OrderedDict of tensors.
func (e *encoder) stateDict(tensors []Tensor) {
	e.p.global("collections", "OrderedDict")
	e.p.op(')', 'R', '(') // EMPTY_TUPLE REDUCE: OrderedDict(); MARK
	for i := range tensors {
		t := &tensors[i]
		e.p.str(t.Name)
		switch {
		case t.Sparse != nil:
			e.sparseTensor(t.Sparse)
		case t.Int != nil:
			e.dense("IntStorage", 4, t.Shape, len(t.Int), func(b []byte, k int) {
				binary.LittleEndian.PutUint32(b, uint32(t.Int[k]))
			})
		default:
			e.dense("FloatStorage", 4, t.Shape, len(t.Data), func(b []byte, k int) {
				binary.LittleEndian.PutUint32(b, math.Float32bits(t.Data[k]))
			})
		}
	}
	e.p.op('u') // SETITEMS
}

// A record is one zip entry: size bytes that data writes (twice: once
// for the checksum, once into the archive).
type record struct {
	name string
	size int64
	data func(io.Writer) error
}

// encoder collects the pickle and the storages of one file.
type encoder struct {
	p        pickler
	storages []record // data/0, data/1, ...
}

// storage adds a storage record of numel elements of size bytes each,
// element k written by put, and returns its key.
func (e *encoder) storage(size, numel int, put func(b []byte, k int)) string {
	key := fmt.Sprint(len(e.storages))
	e.storages = append(e.storages, record{"archive/data/" + key, int64(size) * int64(numel), func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		b := make([]byte, size)
		for k := 0; k < numel; k++ {
			put(b, k)
			bw.Write(b)
		}
		return bw.Flush()
	}})
	return key
}

// sparse makes m the whole pickle.
func (e *encoder) sparse(m *sparse.CSR) {
	e.p.op(0x80, 2)
	e.sparseTensor(m)
	e.p.op('.')
}

// sparseTensor pickles m as a coalesced sparse COO tensor, as torch 1.13
// does (indices: LongStorage of 2·nnz elements, values: FloatStorage):
//
//	_rebuild_sparse_tensor(_get_layout("torch.sparse_coo"),
//	    (_rebuild_tensor_v2(indices, 0, (2, nnz), (nnz, 1), False, OrderedDict()),
//	     _rebuild_tensor_v2(values, 0, (nnz,), (1,), False, OrderedDict()),
//	     torch.Size((rows, cols))))
func (e *encoder) sparseTensor(m *sparse.CSR) {
	nnz := m.NNZ()
	row := make([]int32, 0, nnz) // row of entry k, for the first half of the indices
	for i := 0; i < m.Rows; i++ {
		for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
			row = append(row, int32(i))
		}
	}
	indices := e.storage(8, 2*nnz, func(b []byte, k int) {
		x := int32(0)
		if k < nnz {
			x = row[k]
		} else {
			x = m.ColIdx[k-nnz]
		}
		binary.LittleEndian.PutUint64(b, uint64(x))
	})
	values := e.storage(4, nnz, func(b []byte, k int) {
		binary.LittleEndian.PutUint32(b, math.Float32bits(m.Val[k]))
	})
	p := &e.p
	p.global("torch._utils", "_rebuild_sparse_tensor")
	p.global("torch.serialization", "_get_layout")
	p.str("torch.sparse_coo")
	p.op(0x85, 'R') // TUPLE1, REDUCE
	p.rebuild(indices, "LongStorage", 2*nnz, []int{2, nnz})
	p.rebuild(values, "FloatStorage", nnz, []int{nnz})
	p.global("torch", "Size")
	p.integer(m.Rows)
	p.integer(m.Cols)
	p.op(0x86, 0x85, 'R', 0x87, 0x86, 'R') // TUPLE2 TUPLE1 REDUCE, TUPLE3, TUPLE2 REDUCE
}

// dense pickles a contiguous tensor of the given shape whose numel
// elements (size bytes each, element k written by put) are a new storage
// of the torch class storageClass.
func (e *encoder) dense(storageClass string, size int, shape []int, numel int, put func(b []byte, k int)) {
	key := e.storage(size, numel, put)
	e.p.rebuild(key, storageClass, numel, shape)
}

// write writes the archive: data.pkl, the storages in the order of their
// keys as strings (data/0, data/1, data/10, ..., as torch.save sorts
// them), version.
func (e *encoder) write(w io.Writer) error {
	pkl := e.p.b
	bytesOf := func(b []byte) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(b); return err }
	}
	records := append([]record{{"archive/data.pkl", int64(len(pkl)), bytesOf(pkl)}}, e.storages...)
	slices.SortFunc(records[1:], func(a, b record) int { return strings.Compare(a.name, b.name) })
	records = append(records, record{"archive/version", 2, bytesOf([]byte("3\n"))})
	return writeArchive(w, records)
}

// writeArchive writes the records as a zip archive, each stored
// uncompressed and starting on a 64-byte boundary, as torch writes them.
func writeArchive(w io.Writer, records []record) error {
	cw := &count.Writer{W: w}
	zw := zip.NewWriter(cw)
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
		cw2 := &count.Writer{W: fw}
		if err := r.data(cw2); err != nil {
			return err
		}
		if cw2.N != r.size {
			panic(fmt.Sprintf("pt: record %s wrote %d bytes, want %d", r.name, cw2.N, r.size))
		}
	}
	return zw.Close()
}

// pickler appends protocol-2 pickle opcodes to b.
type pickler struct{ b []byte }

func (p *pickler) op(ops ...byte) { p.b = append(p.b, ops...) }

// global appends GLOBAL mod.name.
func (p *pickler) global(mod, name string) {
	p.b = append(p.b, 'c')
	p.b = append(p.b, mod+"\n"+name+"\n"...)
}

// str appends BINUNICODE s.
func (p *pickler) str(s string) {
	p.b = append(p.b, 'X')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
}

// integer appends x: BININT when it fits in an int32, else LONG1 of 8
// bytes.
func (p *pickler) integer(x int) {
	if x >= math.MinInt32 && x <= math.MaxInt32 {
		p.b = append(p.b, 'J')
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(x)))
		return
	}
	p.b = append(p.b, 0x8a, 8)
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(x))
}

// rebuild appends a contiguous tensor of the given shape over all numel
// elements of storage key:
//
//	_rebuild_tensor_v2(('storage', torch.<storageClass>, key, 'cpu', numel),
//	    0, shape, stride, False, OrderedDict())
//
// with torch's contiguous strides (a dimension of size 0 counts as 1).
func (p *pickler) rebuild(key, storageClass string, numel int, shape []int) {
	stride := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		stride[i] = s
		s *= max(shape[i], 1)
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(', '(') // MARK args, MARK persistent id
	p.str("storage")
	p.global("torch", storageClass)
	p.str(key)
	p.str("cpu")
	p.integer(numel)
	p.op('t', 'Q') // TUPLE, BINPERSID
	p.integer(0)
	p.op('(')
	for _, d := range shape {
		p.integer(d)
	}
	p.op('t', '(')
	for _, d := range stride {
		p.integer(d)
	}
	p.op('t', 0x89) // TUPLE, NEWFALSE
	p.global("collections", "OrderedDict")
	p.op(')', 'R', 't', 'R') // EMPTY_TUPLE REDUCE, TUPLE (args), REDUCE
}

// cooPickle returns the pickle Encode writes for a rows×cols sparse COO
// tensor of nnz entries (indices storage "0", values storage "1"); the
// tests forge files from it.
func cooPickle(rows, cols, nnz int) []byte {
	var e encoder
	e.sparse(&sparse.CSR{Rows: rows, Cols: cols, RowPtr: make([]int32, max(rows, 0)+1), ColIdx: make([]int32, nnz), Val: make([]float32, nnz)})
	return e.p.b
}
