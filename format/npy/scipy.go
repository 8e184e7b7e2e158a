package npy

import (
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/neuropil/neuropil/format/internal/check"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/sparse"
)

// EncodeNPZ writes m as scipy.sparse.save_npz writes a csr_matrix
// (uncompressed; see NPZWriter.AddCSR). scipy.sparse.load_npz reads it
// back.
func EncodeNPZ(w io.Writer, m *sparse.CSR) error {
	z := NewNPZWriter(w)
	if err := z.AddCSR("", m); err != nil {
		return err
	}
	return z.Close()
}

// AddCSR stores m in the layout of scipy.sparse.save_npz for a csr_matrix:
// indices int32 [nnz], indptr int32 [rows+1], format b'csr' (0-d),
// shape int64 [2] and data float32 [nnz], in scipy's order. With a prefix,
// the records are PREFIX/indices, PREFIX/indptr, PREFIX/shape and
// PREFIX/data, without a format record, so that one archive holds several
// matrices and
// scipy.sparse.csr_matrix((z["P/data"], z["P/indices"], z["P/indptr"]), shape=z["P/shape"])
// rebuilds each (DecodeNPZ reads one back by its prefix as the key).
func (z *NPZWriter) AddCSR(prefix string, m *sparse.CSR) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("npy: encode: %w", err)
	}
	p := ""
	if prefix != "" {
		p = prefix + "/"
	}
	if err := z.Add(p+"indices", []int{len(m.ColIdx)}, m.ColIdx); err != nil {
		return err
	}
	if err := z.Add(p+"indptr", []int{len(m.RowPtr)}, m.RowPtr); err != nil {
		return err
	}
	if prefix == "" {
		if err := z.Add("format", nil, []string{"csr"}); err != nil {
			return err
		}
	}
	if err := z.Add(p+"shape", []int{2}, []int64{int64(m.Rows), int64(m.Cols)}); err != nil {
		return err
	}
	return z.Add(p+"data", []int{len(m.Val)}, m.Val)
}

// Matrices are decoded straight into their CSR: the elements of each
// array are converted a chunk at a time (elemReader) into int32 indices,
// checked against the shape, and float32 values, checked finite, with no
// whole copy of the file's bytes or of a wider typed array. What the
// result costs beyond its own size:
//
//	canonical csr     nothing: indptr, indices and data decode into the CSR's slices
//	canonical coo     nothing: the rows are counted into row pointers
//	canonical csc     the per-row cursors of a counting scatter ([rows] int32)
//	other sparse      a sparse.COO: [nnz] int32 rows and columns, float64 values
//	dense             the nonzeros collected in blocks before they are counted
//
// Canonical means scipy's has_canonical_format: indices strictly
// increasing within each row (csr) or column (csc), coo sorted by row and
// column without duplicates; the decoders check it as they read.

// scipyFormat returns the save_npz format ("csr", "csc", "coo") or "" for
// a plain np.savez archive.
func (z *npz) scipyFormat() (string, error) {
	if _, ok := z.records["format"]; !ok {
		return z.implied, nil
	}
	a, err := z.array("format")
	if err != nil {
		return "", err
	}
	s, ok := a.Data.([]string)
	if !ok || len(s) != 1 {
		return "", FormatError(fmt.Sprintf("scipy format entry is %s %v, want a string", a.DType, a.Shape))
	}
	switch s[0] {
	case "csr", "csc", "coo":
		return s[0], nil
	}
	return "", UnsupportedError(fmt.Sprintf("scipy sparse format %q (known: csr, csc, coo)", s[0]))
}

func (z *npz) shape() (rows, cols int, err error) {
	a, err := z.array("shape")
	if err != nil {
		return 0, 0, err
	}
	s, err := a.Int64()
	if err != nil || len(s) != 2 {
		return 0, 0, FormatError(fmt.Sprintf("scipy shape is %s %v, want 2 integers", a.DType, a.Shape))
	}
	if err := check.Shape(s[0], s[1]); err != nil {
		return 0, 0, FormatError(err.Error())
	}
	return int(s[0]), int(s[1]), nil
}

// sparse decodes the scipy csr, csc or coo matrix of header h. A matrix
// in canonical form is assembled directly when direct is true; any other
// goes through sparse.COO (check.CSR), which sorts and sums duplicates. It
// reports whether it took the direct path.
func (z *npz) sparse(h MatrixHeader, direct bool) (*sparse.CSR, bool, error) {
	data, err := z.entry("data")
	if err != nil {
		return nil, false, err
	}
	if len(data.h.Shape) != 1 || data.n != h.NNZ {
		return nil, false, FormatError(fmt.Sprintf("scipy data has shape %v", data.h.Shape))
	}
	if data.dt.kind == 'S' || data.dt.kind == 'U' {
		return nil, false, FormatError(fmt.Sprintf("scipy data of dtype %s is not numeric", data.h.DType))
	}
	if h.NNZ > check.MaxEntries {
		return nil, false, tooMany(h.NNZ)
	}
	need := nonzeroBytes*float64(h.NNZ) + 12*float64(h.Rows) // entries, and row pointers while they are built
	if err := budget.Check(fmt.Sprintf("npz: a scipy %s matrix of %d entries in %d×%d", h.Format, h.NNZ, h.Rows, h.Cols), need); err != nil {
		return nil, false, err
	}
	if h.Format == "coo" {
		return z.coo(h, data, direct)
	}
	return z.compressed(h, data, direct)
}

// ints returns the entry name, checked to be a 1-D integer array of n
// elements.
func (z *npz) ints(name string, n int) (*entry, error) {
	e, err := z.entry(name)
	if err != nil {
		return nil, err
	}
	if e.dt.kind != 'i' && e.dt.kind != 'u' && e.dt.kind != 'b' {
		return nil, FormatError(fmt.Sprintf("scipy %s: npy: array of dtype %s, want integers", name, e.h.DType))
	}
	if len(e.h.Shape) != 1 || e.n != n {
		return nil, FormatError(fmt.Sprintf("scipy %s has shape %v, want [%d]", name, e.h.Shape, n))
	}
	return e, nil
}

// indexError reports entry k's index x outside the shape.
func indexError(h MatrixHeader, k int, what string, x int64) error {
	return FormatError(fmt.Sprintf("scipy %s entry %d has %s index %d, outside the shape %d×%d", h.Format, k, what, x, h.Rows, h.Cols))
}

// axes names the dimensions of a csr or csc matrix: the major one, which
// indptr indexes (rows of a csr, columns of a csc), and the minor one,
// which indices holds.
type axes struct {
	csr              bool
	major, minor     int
	majName, minName string
}

func axesOf(h MatrixHeader) axes {
	if h.Format == "csr" {
		return axes{true, h.Rows, h.Cols, "row", "column"}
	}
	return axes{false, h.Cols, h.Rows, "column", "row"}
}

// compressed decodes a csr or csc matrix: indptr [major+1] into row (or
// column) offsets, indices [nnz] checked against the minor dimension and
// for order, then the values.
func (z *npz) compressed(h MatrixHeader, data *entry, direct bool) (*sparse.CSR, bool, error) {
	a := axesOf(h)
	ptrE, err := z.ints("indptr", a.major+1)
	if err != nil {
		return nil, false, err
	}
	idxE, err := z.ints("indices", h.NNZ)
	if err != nil {
		return nil, false, err
	}
	ptr, err := readIndptr(ptrE, a, h.NNZ)
	if err != nil {
		return nil, false, err
	}
	idx, cnt, canonical, err := readIndices(idxE, ptr, a, h)
	if err != nil {
		return nil, false, err
	}
	if !direct || !canonical {
		return buildCompressed(idxE, data, ptr, idx, a, h)
	}
	if a.csr {
		m := &sparse.CSR{Rows: h.Rows, Cols: h.Cols, RowPtr: ptr, ColIdx: idx}
		return m, true, values(m, data)
	}
	m, err := scatterCSC(idxE, data, ptr, cnt, h)
	if err != nil {
		return nil, false, err
	}
	return m, true, nil
}

// readIndptr reads the whole indptr first: its span, then its order, as a
// pointer beyond nnz followed by a decrease back to nnz would index past
// the indices. A value outside [0, nnz] breaks one or the other.
func readIndptr(ptrE *entry, a axes, nnz int) ([]int32, error) {
	ptr := make([]int32, a.major+1)
	var first, last, prev int64
	dec := -1
	err := ptrE.eachInt(func(k int, v []int64) error {
		for t, x := range v {
			p := k + t
			if p == 0 {
				first = x
			} else if x < prev && dec < 0 {
				dec = p - 1
			}
			if x >= 0 && x <= int64(nnz) {
				ptr[p] = int32(x)
			}
			prev = x
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	last = prev
	if first != 0 || last != int64(nnz) {
		return nil, FormatError(fmt.Sprintf("scipy indptr spans [%d, %d], want [0, %d]", first, last, nnz))
	}
	if dec >= 0 {
		return nil, FormatError(fmt.Sprintf("scipy indptr decreases at %s %d", a.majName, dec))
	}
	return ptr, nil
}

// readIndices reads the indices, checked against the minor dimension:
// into the column indices of a csr (idx); counted by row for a csc (cnt
// [rows+1]), whose second pass scatters them. canonical reports whether
// they increase strictly within each line.
func readIndices(idxE *entry, ptr []int32, a axes, h MatrixHeader) (idx, cnt []int32, canonical bool, err error) {
	if a.csr {
		idx = make([]int32, h.NNZ)
	} else {
		cnt = make([]int32, a.minor+1)
	}
	canonical = true
	line, prevX := 0, int64(-1)
	err = idxE.eachInt(func(k0 int, v []int64) error {
		for t, x := range v {
			k := k0 + t
			if x < 0 || x >= int64(a.minor) {
				return indexError(h, k, a.minName, x)
			}
			if int(ptr[line+1]) <= k {
				for int(ptr[line+1]) <= k {
					line++
				}
				prevX = -1
			}
			if x <= prevX {
				canonical = false
			}
			prevX = x
			if a.csr {
				idx[k] = int32(x)
			} else {
				cnt[x+1]++
			}
		}
		return nil
	})
	return idx, cnt, canonical, err
}

// buildCompressed hands a csr or csc that is not canonical (or when the
// direct path is off) to the builder: the line of each entry and its
// index, read again for a csc.
func buildCompressed(idxE, data *entry, ptr, idx []int32, a axes, h MatrixHeader) (*sparse.CSR, bool, error) {
	lines := make([]int32, h.NNZ)
	for i := 0; i < a.major; i++ {
		for k := ptr[i]; k < ptr[i+1]; k++ {
			lines[k] = int32(i)
		}
	}
	if !a.csr {
		idx = make([]int32, h.NNZ)
		err := idxE.eachInt(func(k int, v []int64) error {
			return reread(idx[k:], v, a.minor, h, k, a.minName)
		})
		if err != nil {
			return nil, false, err
		}
	}
	b := &sparse.COO{Rows: h.Rows, Cols: h.Cols, Row: lines, Col: idx}
	if !a.csr {
		b.Row, b.Col = idx, lines
	}
	return build(b, data)
}

// scatterCSC assembles a canonical csc as a CSR: column by column, each
// entry into the next slot of its row, whose counts (cnt [rows+1]) the
// first pass over the indices took.
func scatterCSC(idxE, data *entry, ptr, cnt []int32, h MatrixHeader) (*sparse.CSR, error) {
	nnz := h.NNZ
	for r := 0; r < h.Rows; r++ {
		cnt[r+1] += cnt[r]
	}
	m := &sparse.CSR{Rows: h.Rows, Cols: h.Cols, RowPtr: cnt, ColIdx: make([]int32, nnz), Val: make([]float32, nnz)}
	next := slices.Clone(m.RowPtr[:h.Rows])
	is, err := idxE.open()
	if err != nil {
		return nil, err
	}
	defer is.close()
	vs, err := data.open()
	if err != nil {
		return nil, err
	}
	defer vs.close()
	ib, vb := make([]int64, is.chunk()), make([]float64, is.chunk())
	zeros, c := 0, 0
	for k0 := 0; k0 < nnz; {
		rs, err := is.readInts(ib)
		if err != nil {
			return nil, err
		}
		vals, err := vs.readFloats(vb[:len(rs)])
		if err != nil {
			return nil, err
		}
		for t, v := range vals {
			k := k0 + t
			for int(ptr[c+1]) <= k {
				c++
			}
			r := rs[t]
			if r < 0 || r >= int64(h.Rows) { // checked in the first pass: a file changed since
				return nil, indexError(h, k, "row", r)
			}
			f, ok := check.Float32(v)
			if !ok {
				return nil, notFinite(k, int(r), c, v)
			}
			if f == 0 {
				zeros++
			}
			p := next[r]
			next[r]++
			m.ColIdx[p], m.Val[p] = int32(c), f
		}
		k0 += len(rs)
	}
	if err := is.finish(); err != nil {
		return nil, err
	}
	if err := vs.finish(); err != nil {
		return nil, err
	}
	if zeros > 0 {
		compact(m)
	}
	return m, nil
}

// coo decodes a coo matrix: row and col [nnz] checked against the shape
// together, the columns kept, the rows counted and checked for order.
func (z *npz) coo(h MatrixHeader, data *entry, direct bool) (*sparse.CSR, bool, error) {
	nnz := h.NNZ
	rowE, err := z.ints("row", nnz)
	if err != nil {
		return nil, false, err
	}
	colE, err := z.ints("col", nnz)
	if err != nil {
		return nil, false, err
	}
	ptr := make([]int32, h.Rows+1)
	col := make([]int32, nnz)
	canonical := true
	rs, err := rowE.open()
	if err != nil {
		return nil, false, err
	}
	defer rs.close()
	cs, err := colE.open()
	if err != nil {
		return nil, false, err
	}
	defer cs.close()
	rb, cb := make([]int64, rs.chunk()), make([]int64, rs.chunk())
	pr, pc := int64(-1), int64(-1)
	for k0 := 0; k0 < nnz; {
		r, err := rs.readInts(rb)
		if err != nil {
			return nil, false, err
		}
		c, err := cs.readInts(cb[:len(r)])
		if err != nil {
			return nil, false, err
		}
		for t := range r {
			k := k0 + t
			if r[t] < 0 || r[t] >= int64(h.Rows) {
				return nil, false, indexError(h, k, "row", r[t])
			}
			if c[t] < 0 || c[t] >= int64(h.Cols) {
				return nil, false, indexError(h, k, "column", c[t])
			}
			if r[t] < pr || r[t] == pr && c[t] <= pc {
				canonical = false
			}
			pr, pc = r[t], c[t]
			ptr[r[t]+1]++
			col[k] = int32(c[t])
		}
		k0 += len(r)
	}
	if err := rs.finish(); err != nil {
		return nil, false, err
	}
	if err := cs.finish(); err != nil {
		return nil, false, err
	}
	if !direct || !canonical {
		ptr = nil
		row := make([]int32, nnz)
		err := rowE.eachInt(func(k int, v []int64) error {
			return reread(row[k:], v, h.Rows, h, k, "row")
		})
		if err != nil {
			return nil, false, err
		}
		return build(&sparse.COO{Rows: h.Rows, Cols: h.Cols, Row: row, Col: col}, data)
	}
	for i := 0; i < h.Rows; i++ {
		ptr[i+1] += ptr[i]
	}
	m := &sparse.CSR{Rows: h.Rows, Cols: h.Cols, RowPtr: ptr, ColIdx: col}
	return m, true, values(m, data)
}

// reread stores the indices v, read a second time, into dst, checking
// them against lim again in case the file changed since the first pass.
func reread(dst []int32, v []int64, lim int, h MatrixHeader, k int, what string) error {
	for t, x := range v {
		if x < 0 || x >= int64(lim) {
			return indexError(h, k+t, what, x)
		}
		dst[t] = int32(x)
	}
	return nil
}

// build reads the values of data as float64 into b and returns its CSR.
func build(b *sparse.COO, data *entry) (*sparse.CSR, bool, error) {
	b.Val = make([]float64, data.n)
	err := data.eachFloat(func(k int, v []float64) error {
		copy(b.Val[k:], v)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	m, err := check.CSR(b)
	if err != nil {
		return nil, false, fmt.Errorf("npy: %w", err)
	}
	return m, false, nil
}

// values reads the values of data into m.Val, its offsets and indices set
// and canonical, then drops the zeros.
func values(m *sparse.CSR, data *entry) error {
	m.Val = make([]float32, len(m.ColIdx))
	zeros := 0
	err := data.eachFloat(func(k int, v []float64) error {
		for t, x := range v {
			f, ok := check.Float32(x)
			if !ok {
				i := sort.Search(m.Rows, func(i int) bool { return int(m.RowPtr[i+1]) > k+t })
				return notFinite(k+t, i, int(m.ColIdx[k+t]), x)
			}
			if f == 0 {
				zeros++
			}
			m.Val[k+t] = f
		}
		return nil
	})
	if err != nil {
		return err
	}
	if zeros > 0 {
		compact(m)
	}
	return nil
}

// compact drops the zero values of m in place; like sparse.COO.ToCSR it
// copies the slices when they would waste more than half their room.
func compact(m *sparse.CSR) {
	n := len(m.Val)
	w, lo := int32(0), int32(0)
	for i := 0; i < m.Rows; i++ {
		hi := m.RowPtr[i+1]
		for k := lo; k < hi; k++ {
			if m.Val[k] != 0 {
				m.ColIdx[w], m.Val[w] = m.ColIdx[k], m.Val[k]
				w++
			}
		}
		lo = hi
		m.RowPtr[i+1] = w
	}
	m.ColIdx, m.Val = m.ColIdx[:w:w], m.Val[:w:w]
	if int(w) < n/2 {
		m.ColIdx, m.Val = slices.Clone(m.ColIdx), slices.Clone(m.Val)
	}
}
