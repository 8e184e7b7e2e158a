package pt

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/format/internal/check"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/sparse"
)

// Header describes the matrix a .pt file holds, read from its pickle
// alone, without the tensor data.
type Header struct {
	Layout     string // "sparse_coo", "sparse_csr" or "strided" (dense)
	DType      string // torch dtype of the values: "float64", "float32", "int64", ...
	IndexDType string // dtype of the indices of a sparse tensor; "" when dense
	Rows, Cols int
	NNZ        int    // stored entries, duplicates counted; Rows*Cols when dense
	Key        string // the dict key or list index chosen; "" for a bare tensor
}

// maxPickle bounds the size of data.pkl read into memory (32 MiB; the
// pickle of a large state_dict is a few MB, the tensor data lies apart),
// and with it the memo and stack a forged pickle can build.
const maxPickle = 32 << 20

// legacyMagic starts files of the format torch.save wrote before 1.6.
var legacyMagic = []byte("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19")

// open reads the archive's directory and unpickles data.pkl.
func open(r io.ReaderAt, size int64) (*archive, any, error) {
	var head [16]byte
	n, _ := r.ReadAt(head[:], 0)
	if bytes.HasPrefix(head[:n], legacyMagic) {
		return nil, nil, UnsupportedError("legacy torch.save format (PyTorch before 1.6); load and save it again with a newer PyTorch")
	}
	if n < 4 {
		if n == 0 {
			return nil, nil, fmt.Errorf("pt: empty file: %w", io.ErrUnexpectedEOF)
		}
		return nil, nil, fmt.Errorf("pt: %d bytes: %w", n, io.ErrUnexpectedEOF)
	}
	if string(head[:4]) != "PK\x03\x04" {
		return nil, nil, FormatError(fmt.Sprintf("not a zip archive (torch.save format since PyTorch 1.6): starts with %q", head[:4]))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, FormatError(fmt.Sprintf("zip directory unreadable (file truncated?): %v", err))
	}
	a := &archive{size: size, records: map[string]*zip.File{}, storages: map[string]*storageRef{}}
	var pkl *zip.File
	for _, f := range zr.File {
		a.records[f.Name] = f
		if pkl == nil && (f.Name == "data.pkl" || strings.HasSuffix(f.Name, "/data.pkl")) &&
			strings.Count(f.Name, "/") <= 1 {
			pkl = f
			a.prefix = strings.TrimSuffix(f.Name, "data.pkl")
		}
	}
	if pkl == nil {
		if _, ok := a.records["constants.pkl"]; ok {
			return nil, nil, UnsupportedError("TorchScript archive (torch.jit.save); save the tensors with torch.save")
		}
		return nil, nil, FormatError("zip archive has no data.pkl: not written by torch.save")
	}
	// PyTorch 2 records the byte order of the storages; older files are
	// little-endian.
	if bo, ok := a.records[a.prefix+"byteorder"]; ok {
		rc, err := bo.Open()
		if err != nil {
			return nil, nil, FormatError(fmt.Sprintf("byteorder: %v", err))
		}
		order, err := io.ReadAll(io.LimitReader(rc, 16))
		rc.Close()
		if err != nil {
			return nil, nil, FormatError(fmt.Sprintf("byteorder: %v", err))
		}
		if s := strings.TrimSpace(string(order)); s != "little" {
			return nil, nil, UnsupportedError(fmt.Sprintf("storages of byte order %q (known: little)", s))
		}
	}
	if pkl.UncompressedSize64 > maxPickle {
		return nil, nil, UnsupportedError(fmt.Sprintf("data.pkl of %d bytes", pkl.UncompressedSize64))
	}
	rc, err := pkl.Open()
	if err != nil {
		return nil, nil, FormatError(fmt.Sprintf("data.pkl: %v", err))
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPickle+1))
	if err != nil {
		return nil, nil, FormatError(fmt.Sprintf("data.pkl: %v", err))
	}
	obj, err := unpickle(data, a.storage)
	if err != nil {
		return nil, nil, err
	}
	return a, obj, nil
}

// selectMatrix picks the tensor named by key from obj.
func selectMatrix(obj any, key string) (any, string, error) {
	isMatrix := func(v any) bool {
		switch t := v.(type) {
		case *sparseTensor:
			return true
		case *tensor:
			return len(t.shape) == 2
		}
		return false
	}
	var names []string
	var vals []any
	switch o := obj.(type) {
	case *tensor, *sparseTensor:
		if key != "" {
			return nil, "", fmt.Errorf("pt: file holds a single tensor, not a dict: no key %q", key)
		}
		return o, "", nil
	case *dict:
		for i, k := range o.keys {
			names = append(names, fmt.Sprint(k))
			vals = append(vals, o.vals[i])
		}
		if key != "" {
			if v, ok := o.get(key); ok {
				return v, key, nil
			}
		}
	case *list:
		for i, v := range o.items {
			names = append(names, strconv.Itoa(i))
			vals = append(vals, v)
		}
	case tuple:
		for i, v := range o {
			names = append(names, strconv.Itoa(i))
			vals = append(vals, v)
		}
	default:
		return nil, "", UnsupportedError(fmt.Sprintf("file holds a %s, not a tensor", kindOf(obj)))
	}
	if key == "" {
		found := -1
		for i, v := range vals {
			if isMatrix(v) {
				if found >= 0 {
					found = -2
					break
				}
				found = i
			}
		}
		if found >= 0 {
			return vals[found], names[found], nil
		}
	} else {
		for i, n := range names {
			if n == key {
				return vals[i], key, nil
			}
		}
	}
	var known []string
	for i, n := range names {
		known = append(known, fmt.Sprintf("%q (%s)", n, describe(vals[i])))
	}
	sort.Strings(known)
	if key == "" {
		return nil, "", fmt.Errorf("pt: file holds a %s of %d entries; name the matrix with a key (keys: %s)",
			kindOf(obj), len(names), strings.Join(known, ", "))
	}
	return nil, "", fmt.Errorf("pt: no key %q in the file (keys: %s)", key, strings.Join(known, ", "))
}

func describe(v any) string {
	switch t := v.(type) {
	case *tensor:
		return "dense " + t.describe()
	case *sparseTensor:
		return fmt.Sprintf("%s %s %d×%d", t.layout, t.values.storage.dtype.name, t.size[0], t.size[1])
	}
	return kindOf(v)
}

func header(v any, key string) (Header, error) {
	switch t := v.(type) {
	case *tensor:
		if len(t.shape) != 2 {
			if key != "" { // the file is fine: the chosen entry is not a matrix
				return Header{}, fmt.Errorf("pt: tensor %q is %d-D (%s), not a matrix", key, len(t.shape), t.describe())
			}
			return Header{}, FormatError(fmt.Sprintf("tensor %q is %d-D (%s), want a 2-D matrix", key, len(t.shape), t.describe()))
		}
		if err := check.Shape(t.shape[0], t.shape[1]); err != nil {
			return Header{}, FormatError(err.Error())
		}
		return Header{Layout: "strided", DType: t.storage.dtype.name, Rows: int(t.shape[0]), Cols: int(t.shape[1]),
			NNZ: int(t.numel()), Key: key}, nil
	case *sparseTensor:
		if err := check.Shape(t.size[0], t.size[1]); err != nil {
			return Header{}, FormatError(err.Error())
		}
		h := Header{Layout: t.layout, DType: t.values.storage.dtype.name, Rows: int(t.size[0]), Cols: int(t.size[1]),
			NNZ: int(t.values.shape[0]), Key: key}
		idx := t.indices
		if t.layout == "sparse_csr" {
			idx = t.col
			if t.crow.storage.dtype.kind != 'i' {
				return Header{}, FormatError("sparse CSR row pointers of dtype " + t.crow.storage.dtype.name)
			}
		}
		h.IndexDType = idx.storage.dtype.name
		if idx.storage.dtype.kind != 'i' {
			return Header{}, FormatError("sparse indices of dtype " + h.IndexDType)
		}
		if h.NNZ > check.MaxEntries {
			return Header{}, UnsupportedError(fmt.Sprintf("%d entries exceed the int32 limit", h.NNZ))
		}
		return h, nil
	}
	return Header{}, UnsupportedError(fmt.Sprintf("entry %q is a %s, not a tensor", key, kindOf(v)))
}

// DecodeHeader reads the pickle of the .pt file r of size bytes and
// describes the matrix named by key (a dict key or list index; "" for a
// bare tensor, or for the only 2-D tensor of a dict or list).
func DecodeHeader(r io.ReaderAt, size int64, key string) (Header, error) {
	_, obj, err := open(r, size)
	if err != nil {
		return Header{}, err
	}
	v, k, err := selectMatrix(obj, key)
	if err != nil {
		return Header{}, err
	}
	return header(v, k)
}

// Decode reads the matrix named by key (see DecodeHeader) from the .pt
// file r of size bytes: a sparse COO or CSR tensor, or a dense 2-D
// tensor, of any float, integer or bool dtype. Duplicates are summed in
// float64 and rounded to float32, zeros dropped. Indices outside the
// tensor's size, a view outside its storage and NaN or infinite values
// are errors.
func Decode(r io.ReaderAt, size int64, key string) (*sparse.CSR, error) {
	a, obj, err := open(r, size)
	if err != nil {
		return nil, err
	}
	v, k, err := selectMatrix(obj, key)
	if err != nil {
		return nil, err
	}
	h, err := header(v, k)
	if err != nil {
		return nil, err
	}
	if err := a.plan(v, h.NNZ, h.Rows); err != nil {
		return nil, err
	}
	var b *sparse.COO
	switch t := v.(type) {
	case *tensor:
		b, err = a.dense(t, h)
	case *sparseTensor:
		if t.layout == "sparse_coo" {
			b, err = a.sparseCOO(t, h)
		} else {
			b, err = a.sparseCSR(t, h)
		}
	}
	if err != nil {
		return nil, err
	}
	m, err := check.CSR(b)
	if err != nil {
		return nil, fmt.Errorf("pt: %w", err)
	}
	return m, nil
}

// entryBytes is about what one entry costs while a matrix is read: its
// row, column and float64 value in the COO, then its column and float32
// value in the CSR.
const entryBytes = 24

// maxExpansion bounds the bytes an expanded view (a stride of 0, as
// torch's expand() makes) may materialise per byte of the file: 4096,
// four times what deflate can reach, so that a few hundred bytes cannot
// ask for gigabytes. Real files store expanded views rarely and small.
const maxExpansion = 4096

// parts returns the tensors that hold the data of v.
func parts(v any) []*tensor {
	switch t := v.(type) {
	case *tensor:
		return []*tensor{t}
	case *sparseTensor:
		if t.layout == "sparse_csr" {
			return []*tensor{t.crow, t.col, t.values}
		}
		return []*tensor{t.indices, t.values}
	}
	return nil
}

// expanded reports whether t has more elements than its storage: a view
// with a stride of 0 that repeats elements.
func (t *tensor) expanded() bool { return t.numel() > t.storage.numel }

// plan checks, before anything is allocated, that reading v, of n
// entries in rows rows, fits the memory budget (row pointers take 12
// bytes a row while a CSR is read), and that an expanded view of v does
// not materialise more than maxExpansion bytes per byte of the file.
func (a *archive) plan(v any, n, rows int) error {
	for _, t := range parts(v) {
		if t.expanded() && float64(t.numel())*entryBytes > maxExpansion*float64(a.size) {
			return UnsupportedError(fmt.Sprintf("expanded view (size %v, stride %v) of %d elements over a storage of %d: %s from a file of %d bytes",
				t.shape, t.stride, t.numel(), t.storage.numel, budget.Bytes(float64(t.numel())*entryBytes), a.size))
		}
	}
	return budget.Check(fmt.Sprintf("pt: a matrix of %d entries in %d rows", n, rows), float64(n)*entryBytes+12*float64(rows))
}

// capacity returns how many entries to allocate up front: all nnz when
// the records holding them are stored uncompressed and no view repeats
// elements (the records' sizes, checked against the file's, then bound
// nnz), else a modest start that grows as data actually arrives, so that
// a forged size cannot exhaust memory.
func (a *archive) capacity(nnz int, ts ...*tensor) int {
	for _, t := range ts {
		if a.records[a.prefix+"data/"+t.storage.key].Method != zip.Store || t.expanded() {
			return min(nnz, 1<<20)
		}
	}
	return nnz
}

func (a *archive) dense(t *tensor, h Header) (*sparse.COO, error) {
	b := sparse.NewCOO(h.Rows, h.Cols, 0)
	dt := t.storage.dtype
	cols := int64(h.Cols)
	err := a.each(t, func(k int64, e []byte) error {
		if v := dt.float(e); v != 0 {
			b.Add(int(k/cols), int(k%cols), v)
		}
		return nil
	})
	return b, err
}

func (a *archive) sparseCOO(t *sparseTensor, h Header) (*sparse.COO, error) {
	nnz := int64(h.NNZ)
	b := sparse.NewCOO(h.Rows, h.Cols, a.capacity(h.NNZ, t.indices, t.values))
	it := t.indices.storage.dtype
	rows, cols := int64(h.Rows), int64(h.Cols)
	// Elements come in row-major order: all row indices, then all columns.
	err := a.each(t.indices, func(k int64, e []byte) error {
		x, _ := it.int(e)
		if k < nnz {
			if x < 0 || x >= rows {
				return FormatError(fmt.Sprintf("sparse COO entry %d has row index %d, outside the size %d×%d", k, x, rows, cols))
			}
			b.Row = append(b.Row, int32(x))
			return nil
		}
		if x < 0 || x >= cols {
			return FormatError(fmt.Sprintf("sparse COO entry %d has column index %d, outside the size %d×%d", k-nnz, x, rows, cols))
		}
		b.Col = append(b.Col, int32(x))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, a.appendValues(b, t.values)
}

// appendValues appends the elements of values, as float64, to b.Val.
func (a *archive) appendValues(b *sparse.COO, values *tensor) error {
	vt := values.storage.dtype
	return a.each(values, func(k int64, e []byte) error {
		b.Val = append(b.Val, vt.float(e))
		return nil
	})
}

func (a *archive) sparseCSR(t *sparseTensor, h Header) (*sparse.COO, error) {
	crow := make([]int64, 0, h.Rows+1)
	ct := t.crow.storage.dtype
	err := a.each(t.crow, func(k int64, e []byte) error {
		x, _ := ct.int(e)
		if (k == 0 && x != 0) || (k > 0 && x < crow[k-1]) || x > int64(h.NNZ) {
			return FormatError(fmt.Sprintf("sparse CSR row pointer %d is %d: not increasing from 0 to nnz = %d", k, x, h.NNZ))
		}
		crow = append(crow, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if crow[h.Rows] != int64(h.NNZ) {
		return nil, FormatError(fmt.Sprintf("sparse CSR row pointers end at %d, want nnz = %d", crow[h.Rows], h.NNZ))
	}
	b := sparse.NewCOO(h.Rows, h.Cols, a.capacity(h.NNZ, t.col, t.values))
	for i := 0; i < h.Rows; i++ {
		for k := crow[i]; k < crow[i+1]; k++ {
			b.Row = append(b.Row, int32(i))
		}
	}
	it := t.col.storage.dtype
	err = a.each(t.col, func(k int64, e []byte) error {
		x, _ := it.int(e)
		if x < 0 || x >= int64(h.Cols) {
			return FormatError(fmt.Sprintf("sparse CSR entry %d has column index %d, outside the size %d×%d", k, x, h.Rows, h.Cols))
		}
		b.Col = append(b.Col, int32(x))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, a.appendValues(b, t.values)
}

// DecodeStateDict reads every entry of the dict (a state dict: an
// OrderedDict or dict of tensors by name) in the .pt file r of size
// bytes, in the file's order. A sparse COO or CSR matrix becomes Sparse,
// its duplicates summed and its explicit zeros kept (they belong to the
// parameter's sparsity pattern); a dense tensor of any shape becomes Data
// (float dtypes, rounded to float32) or Int (integer and bool dtypes,
// which must fit in an int32). NaN or infinite values are errors, as is
// an entry that is not a tensor.
func DecodeStateDict(r io.ReaderAt, size int64) ([]Tensor, error) {
	return DecodeStateDictIn(r, size, "")
}

// DecodeStateDictIn is DecodeStateDict for a state dict stored under key
// in a dict (a training checkpoint's "network"); key "" is the file's
// object itself. The rest of the file is unpickled under the same rules
// (other entries may hold plain data, numpy scalars, other state dicts)
// but not read further. A missing key is an error naming it.
func DecodeStateDictIn(r io.ReaderAt, size int64, key string) ([]Tensor, error) {
	a, obj, err := open(r, size)
	if err != nil {
		return nil, err
	}
	if key != "" {
		top, ok := obj.(*dict)
		if !ok {
			return nil, UnsupportedError(fmt.Sprintf("file holds a %s, not a dict with %q", kindOf(obj), key))
		}
		if obj, ok = top.get(key); !ok {
			return nil, FormatError(fmt.Sprintf("no entry %q in the file's dict", key))
		}
	}
	d, ok := obj.(*dict)
	if !ok {
		return nil, UnsupportedError(fmt.Sprintf("file holds a %s, not a state dict", kindOf(obj)))
	}
	out := make([]Tensor, 0, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, UnsupportedError(fmt.Sprintf("state dict key %v is a %s, not a string", k, kindOf(k)))
		}
		t, err := a.entry(name, d.vals[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// entry reads the state dict entry v named name.
func (a *archive) entry(name string, v any) (Tensor, error) {
	switch t := v.(type) {
	case *sparseTensor:
		h, err := header(t, name)
		if err != nil {
			return Tensor{}, err
		}
		if err := a.plan(t, h.NNZ, h.Rows); err != nil {
			return Tensor{}, err
		}
		var b *sparse.COO
		if t.layout == "sparse_coo" {
			b, err = a.sparseCOO(t, h)
		} else {
			b, err = a.sparseCSR(t, h)
		}
		if err != nil {
			return Tensor{}, err
		}
		b.KeepZeros = true
		m, err := check.CSR(b)
		if err != nil {
			return Tensor{}, fmt.Errorf("pt: %q: %w", name, err)
		}
		return Tensor{Name: name, Sparse: m}, nil
	case *tensor:
		out := Tensor{Name: name, Shape: make([]int, len(t.shape))}
		for i, d := range t.shape {
			out.Shape[i] = int(d)
		}
		n := t.numel()
		if n > check.MaxEntries {
			return Tensor{}, UnsupportedError(fmt.Sprintf("tensor %q of %d elements", name, n))
		}
		if err := a.plan(t, int(n), 0); err != nil {
			return Tensor{}, err
		}
		dt := t.storage.dtype
		c := a.capacity(int(n), t)
		if dt.kind == 'f' {
			out.Data = make([]float32, 0, c)
			err := a.each(t, func(k int64, e []byte) error {
				x := dt.float(e)
				if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > math.MaxFloat32 {
					return fmt.Errorf("pt: tensor %q element %d is %v: %w", name, k, x, sparse.ErrNotFinite)
				}
				out.Data = append(out.Data, float32(x))
				return nil
			})
			return out, err
		}
		out.Int = make([]int32, 0, c)
		err := a.each(t, func(k int64, e []byte) error {
			x, _ := dt.int(e)
			if x < math.MinInt32 || x > math.MaxInt32 {
				return UnsupportedError(fmt.Sprintf("tensor %q element %d is %d, outside int32", name, k, x))
			}
			out.Int = append(out.Int, int32(x))
			return nil
		})
		return out, err
	}
	return Tensor{}, UnsupportedError(fmt.Sprintf("state dict entry %q is a %s, not a tensor", name, kindOf(v)))
}
