package pt

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/neuropil/neuropil/internal/budget"
)

// tensor is a strided view of a storage, as _rebuild_tensor_v2 builds it.
type tensor struct {
	storage *storageRef
	offset  int64
	shape   []int64
	stride  []int64
}

// sparseTensor is a sparse COO or CSR tensor.
type sparseTensor struct {
	layout string // "sparse_coo" or "sparse_csr"
	size   []int64
	// COO: indices [2][nnz], values [nnz].
	// CSR: crow [rows+1], col [nnz], values [nnz].
	indices, crow, col, values *tensor
}

// maxElements bounds the element count of one tensor (2^40), far above any
// real connectome, so that products of dimensions cannot overflow.
const maxElements = 1 << 40

// maxDims bounds a tensor's dimensions (PyTorch allows 64).
const maxDims = 64

func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func toInts(v any, what string) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, FormatError(fmt.Sprintf("tensor %s is a %s, want a tuple", what, kindOf(v)))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := toInt(x)
		if !ok {
			return nil, FormatError(fmt.Sprintf("tensor %s holds a %s", what, kindOf(x)))
		}
		out[i] = n
	}
	return out, nil
}

// numel returns the product of shape, or an error when a dimension is
// negative or the product exceeds maxElements.
func numel(shape []int64) (int64, error) {
	n := int64(1)
	for _, s := range shape {
		if s < 0 {
			return 0, FormatError(fmt.Sprintf("negative size in shape %v", shape))
		}
		if s > 0 && n > maxElements/s {
			return 0, FormatError(fmt.Sprintf("shape %v has too many elements", shape))
		}
		n *= s
	}
	return n, nil
}

// newTensor checks the arguments of _rebuild_tensor_v2 and returns the view.
func newTensor(storage, offset, size, stride any) (*tensor, error) {
	s, ok := storage.(*storageRef)
	if !ok {
		return nil, FormatError("tensor storage is a " + kindOf(storage))
	}
	off, ok := toInt(offset)
	if !ok || off < 0 {
		return nil, FormatError("tensor storage offset " + brief(offset))
	}
	shape, err := toInts(size, "size")
	if err != nil {
		return nil, err
	}
	st, err := toInts(stride, "stride")
	if err != nil {
		return nil, err
	}
	if len(shape) > maxDims {
		return nil, FormatError(fmt.Sprintf("tensor of %d dimensions (at most %d)", len(shape), maxDims))
	}
	if len(st) != len(shape) {
		return nil, FormatError(fmt.Sprintf("tensor size %v and stride %v differ in length", shape, st))
	}
	n, err := numel(shape)
	if err != nil {
		return nil, err
	}
	t := &tensor{storage: s, offset: off, shape: shape, stride: st}
	if n == 0 {
		return t, nil
	}
	// The last element must lie inside the storage.
	last := off
	for i, d := range shape {
		if st[i] < 0 || st[i] > maxElements || (st[i] > 0 && d-1 > maxElements/st[i]) {
			return nil, FormatError(fmt.Sprintf("tensor stride %v for size %v", st, shape))
		}
		last += (d - 1) * st[i]
		if last > maxElements {
			return nil, FormatError(fmt.Sprintf("tensor view (offset %d, size %v, stride %v) too large", off, shape, st))
		}
	}
	if last >= s.numel {
		return nil, FormatError(fmt.Sprintf("tensor view (offset %d, size %v, stride %v) reaches element %d of storage %q, which holds %d",
			off, shape, st, last, s.key, s.numel))
	}
	return t, nil
}

func (t *tensor) numel() int64 {
	n, _ := numel(t.shape)
	return n
}

// contiguous reports whether t is a row-major (C-order) view, whose
// elements are consecutive in its storage.
func (t *tensor) contiguous() bool {
	want := int64(1)
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.stride[i] != want {
			return false
		}
		want *= t.shape[i]
	}
	return true
}

func (t *tensor) describe() string {
	return fmt.Sprintf("%s %v", t.storage.dtype.name, t.shape)
}

// newSparse checks the arguments of _rebuild_sparse_tensor and
// _rebuild_sparse_csr_tensor.
func newSparse(lay, data any) (*sparseTensor, error) {
	l, ok := lay.(layout)
	if !ok {
		return nil, FormatError("sparse tensor layout is a " + kindOf(lay))
	}
	d, ok := data.(tuple)
	if !ok {
		return nil, FormatError("sparse tensor data is a " + kindOf(data))
	}
	tensors := func(n int) ([]*tensor, []int64, error) {
		// (t1, ..., tn, size[, is_coalesced])
		if len(d) != n+1 && len(d) != n+2 {
			return nil, nil, FormatError(fmt.Sprintf("%s tensor data has %d items", l, len(d)))
		}
		ts := make([]*tensor, n)
		for i := range ts {
			t, ok := d[i].(*tensor)
			if !ok {
				return nil, nil, FormatError(fmt.Sprintf("%s tensor part %d is a %s", l, i, kindOf(d[i])))
			}
			ts[i] = t
		}
		size, err := toInts(d[n], "size")
		if err != nil {
			return nil, nil, err
		}
		if len(size) != 2 {
			return nil, nil, UnsupportedError(fmt.Sprintf("%d-D %s tensor of size %v (want a 2-D matrix)", len(size), l, size))
		}
		if size[0] < 0 || size[1] < 0 {
			return nil, nil, FormatError(fmt.Sprintf("negative sparse size %v", size))
		}
		return ts, size, nil
	}
	switch l {
	case "torch.sparse_coo":
		ts, size, err := tensors(2)
		if err != nil {
			return nil, err
		}
		s := &sparseTensor{layout: "sparse_coo", size: size, indices: ts[0], values: ts[1]}
		if len(s.indices.shape) != 2 || s.indices.shape[0] != 2 {
			return nil, FormatError(fmt.Sprintf("sparse COO indices have shape %v, want [2][nnz]", s.indices.shape))
		}
		if len(s.values.shape) != 1 {
			return nil, UnsupportedError(fmt.Sprintf("hybrid sparse COO tensor (values of shape %v)", s.values.shape))
		}
		if s.values.shape[0] != s.indices.shape[1] {
			return nil, FormatError(fmt.Sprintf("sparse COO tensor has %d indices but %d values", s.indices.shape[1], s.values.shape[0]))
		}
		return s, nil
	case "torch.sparse_csr":
		ts, size, err := tensors(3)
		if err != nil {
			return nil, err
		}
		s := &sparseTensor{layout: "sparse_csr", size: size, crow: ts[0], col: ts[1], values: ts[2]}
		if len(s.crow.shape) != 1 || s.crow.shape[0] != size[0]+1 {
			return nil, FormatError(fmt.Sprintf("sparse CSR row pointers have shape %v for %d rows", s.crow.shape, size[0]))
		}
		if len(s.col.shape) != 1 || len(s.values.shape) != 1 || s.col.shape[0] != s.values.shape[0] {
			return nil, FormatError(fmt.Sprintf("sparse CSR columns %v and values %v differ", s.col.shape, s.values.shape))
		}
		return s, nil
	}
	return nil, UnsupportedError(fmt.Sprintf("sparse layout %s (known: torch.sparse_coo, torch.sparse_csr)", l))
}

// archive is an open torch zip archive.
type archive struct {
	size     int64                // bytes in the file
	prefix   string               // "archive/" or whatever directory torch.save used
	records  map[string]*zip.File // by name
	storages map[string]*storageRef
}

// storage resolves a persistent id ('storage', torch.XStorage, key,
// location, numel) to its record, checking the record's size.
func (a *archive) storage(pid any) (any, error) {
	t, ok := pid.(tuple)
	if !ok || len(t) != 5 {
		return nil, FormatError(fmt.Sprintf("persistent id is a %s, want a 5-tuple", kindOf(pid)))
	}
	if s, _ := t[0].(string); s != "storage" {
		return nil, UnsupportedError("persistent id of kind " + brief(t[0]))
	}
	g, ok := t[1].(global)
	if !ok {
		return nil, FormatError("storage type is a " + kindOf(t[1]))
	}
	var dt dtype
	for _, d := range dtypes {
		if g.module == "torch" && (g.name == d.storage || g.name == d.name) {
			dt = d
		}
	}
	if dt.size == 0 {
		return nil, UnsupportedError("storage type " + g.String())
	}
	key, ok := t[2].(string)
	if !ok {
		return nil, FormatError("storage key is a " + kindOf(t[2]))
	}
	loc, _ := t[3].(string)
	n, ok := toInt(t[4])
	if !ok || n < 0 || n > maxElements {
		return nil, FormatError(fmt.Sprintf("storage %q has %s elements", key, brief(t[4])))
	}
	if s, ok := a.storages[key]; ok {
		if s.dtype != dt || s.numel != n {
			return nil, FormatError(fmt.Sprintf("storage %q named twice with different types or sizes", key))
		}
		return s, nil
	}
	f, ok := a.records[a.prefix+"data/"+key]
	if !ok {
		return nil, FormatError(fmt.Sprintf("storage %q has no record %sdata/%s", key, a.prefix, key))
	}
	if f.UncompressedSize64 != uint64(n)*uint64(dt.size) {
		return nil, FormatError(fmt.Sprintf("storage %q of %d %s elements has a record of %d bytes, want %d",
			key, n, dt.name, f.UncompressedSize64, uint64(n)*uint64(dt.size)))
	}
	// A record cannot hold more than its compressed bytes allow: stored
	// records hold exactly their size, deflate expands at most 1032-fold.
	if f.CompressedSize64 > uint64(a.size) ||
		(f.Method == zip.Store && f.CompressedSize64 != f.UncompressedSize64) ||
		f.UncompressedSize64 > 1032*f.CompressedSize64+1024 {
		return nil, FormatError(fmt.Sprintf("storage %q record claims %d bytes from %d compressed in a file of %d",
			key, f.UncompressedSize64, f.CompressedSize64, a.size))
	}
	s := &storageRef{key: key, dtype: dt, numel: n, location: loc}
	a.storages[key] = s
	return s, nil
}

// each calls fn(k, b) for the elements of t in row-major order, b holding
// element k's little-endian bytes. A contiguous view is streamed from the
// archive; any other is read whole first.
func (a *archive) each(t *tensor, fn func(k int64, b []byte) error) error {
	n := t.numel()
	if n == 0 {
		return nil
	}
	f := a.records[a.prefix+"data/"+t.storage.key]
	rc, err := f.Open()
	if err != nil {
		return FormatError(fmt.Sprintf("storage %q: %v", t.storage.key, err))
	}
	defer rc.Close()
	es := int64(t.storage.dtype.size)
	fail := func(err error) error {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("pt: reading storage %q: %w", t.storage.key, err)
	}
	if t.contiguous() {
		if _, err := io.CopyN(io.Discard, rc, t.offset*es); err != nil {
			return fail(err)
		}
		const chunk = 1 << 16
		buf := make([]byte, chunk-chunk%es)
		k := int64(0)
		for k < n {
			m := min(int64(len(buf))/es, n-k)
			b := buf[:m*es]
			if _, err := io.ReadFull(rc, b); err != nil {
				return fail(err)
			}
			for i := int64(0); i < m; i++ {
				if err := fn(k+i, b[i*es:(i+1)*es]); err != nil {
					return err
				}
			}
			k += m
		}
		// Read to the end so that the zip reader checks the CRC.
		if _, err := io.Copy(io.Discard, rc); err != nil {
			return fail(err)
		}
		return nil
	}
	if err := budget.Check(fmt.Sprintf("pt: storage %q of %d bytes", t.storage.key, t.storage.numel*es), float64(t.storage.numel*es)); err != nil {
		return err
	}
	data := make([]byte, t.storage.numel*es)
	if _, err := io.ReadFull(rc, data); err != nil {
		return fail(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fail(err)
	}
	idx := make([]int64, len(t.shape))
	pos := t.offset
	for k := int64(0); k < n; k++ {
		if err := fn(k, data[pos*es:(pos+1)*es]); err != nil {
			return err
		}
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			pos += t.stride[d]
			if idx[d] < t.shape[d] {
				break
			}
			pos -= t.stride[d] * idx[d]
			idx[d] = 0
		}
	}
	return nil
}

// float returns the element b of type d as a float64.
func (d dtype) float(b []byte) float64 {
	switch d.kind {
	case 'f':
		switch d.size {
		case 8:
			return math.Float64frombits(binary.LittleEndian.Uint64(b))
		case 4:
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		case 2:
			h := binary.LittleEndian.Uint16(b)
			if d.name == "bfloat16" {
				return float64(math.Float32frombits(uint32(h) << 16))
			}
			return float64(halfToFloat32(h))
		}
	case 'b':
		if b[0] != 0 {
			return 1
		}
		return 0
	}
	x, _ := d.int(b)
	return float64(x)
}

// int returns the element b of an integer type d; ok is false for floats.
func (d dtype) int(b []byte) (x int64, ok bool) {
	switch d.kind {
	case 'i':
		switch d.size {
		case 8:
			return int64(binary.LittleEndian.Uint64(b)), true
		case 4:
			return int64(int32(binary.LittleEndian.Uint32(b))), true
		case 2:
			return int64(int16(binary.LittleEndian.Uint16(b))), true
		case 1:
			return int64(int8(b[0])), true
		}
	case 'u':
		return int64(b[0]), true
	case 'b':
		if b[0] != 0 {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0:
		if frac == 0 {
			return math.Float32frombits(sign)
		}
		// Subnormal: value = frac * 2^-24.
		f := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
