package npy

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/neuropil/neuropil/format/internal/coo"
	"github.com/neuropil/neuropil/sparse"
)

// Matrices are decoded straight into their CSR: the elements of each
// array are converted a chunk at a time (elemReader) into int32 indices,
// checked against the shape, and float32 values, checked finite, with no
// whole copy of the file's bytes or of a wider typed array. What the
// result costs beyond its own size:
//
//	canonical csr     nothing: indptr, indices and data decode into the CSR's slices
//	canonical coo     nothing: the rows are counted into row pointers
//	canonical csc     the per-row cursors of a counting scatter ([rows] int32)
//	other sparse      the COO builder: [nnz] int32 rows and columns, float64 values
//	dense             the nonzeros collected in blocks before they are counted
//
// Canonical means scipy's has_canonical_format: indices strictly
// increasing within each row (csr) or column (csc), coo sorted by row and
// column without duplicates; the decoders check it as they read.

// finite32 rounds v to float32 as the COO builder does: false for NaN,
// infinite and beyond-float32 values.
func finite32(v float64) (float32, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
		return 0, false
	}
	return float32(v), true
}

// notFinite is the error for entry k at (i, j); the COO builder words it
// the same way.
func notFinite(k, i, j int, v float64) error {
	return fmt.Errorf("npy: entry %d at (%d, %d) is %v: %w", k, i, j, v, sparse.ErrNotFinite)
}

// tooMany reports a matrix of more entries than int32 indices reach.
func tooMany(n int) error {
	return UnsupportedError(fmt.Sprintf("matrix of %d entries (a CSR with int32 offsets holds at most %d)", n, coo.MaxDim))
}

// blockLen is the number of entries in each block of a dense decode.
const blockLen = 1 << 16

// blocks collects entries of unknown count in fixed-size blocks, so that
// gathering them costs their size once, not the doubling of append.
type blocks struct {
	idx [][]int32
	val [][]float32
	n   int
}

func (b *blocks) add(j int32, v float32) {
	if b.n%blockLen == 0 {
		b.idx = append(b.idx, make([]int32, 0, blockLen))
		b.val = append(b.val, make([]float32, 0, blockLen))
	}
	last := len(b.idx) - 1
	b.idx[last] = append(b.idx[last], j)
	b.val[last] = append(b.val[last], v)
	b.n++
}

// decodeDense reads the elements of the 2-D numeric array of header h
// from e as a CSR, zeros dropped. A Fortran-order array arrives column by
// column and is scattered into rows.
func decodeDense(e *elemReader, h Header) (*sparse.CSR, error) {
	if len(h.Shape) != 2 {
		return nil, FormatError(fmt.Sprintf("array of shape %v, want a 2-D matrix", h.Shape))
	}
	if err := coo.CheckShape(int64(h.Shape[0]), int64(h.Shape[1])); err != nil {
		return nil, FormatError(err.Error())
	}
	if !e.numeric() {
		return nil, FormatError(fmt.Sprintf("array of dtype %s is not numeric", h.DType))
	}
	rows, cols := h.Shape[0], h.Shape[1]
	major, minor := rows, cols
	if h.Fortran {
		major, minor = cols, rows
	}
	lines := make([]int32, major+1) // entries of line i at [i+1], then offsets
	var b blocks
	buf := make([]float64, e.chunk())
	i, j := 0, 0 // line and position in it of the next element
	added := 0   // nonzeros before rounding: the builder's entry count
	for e.left() > 0 {
		m, err := e.floats(buf)
		if err != nil {
			return nil, err
		}
		for _, v := range buf[:m] {
			if v != 0 {
				f, ok := finite32(v)
				if !ok {
					r, c := i, j
					if h.Fortran {
						r, c = j, i
					}
					return nil, notFinite(added, r, c, v)
				}
				added++
				if f != 0 {
					if b.n == coo.MaxDim {
						return nil, tooMany(b.n + 1)
					}
					b.add(int32(j), f)
					lines[i+1]++
				}
			}
			if j++; j == minor {
				i, j = i+1, 0
			}
		}
	}
	for i := 0; i < major; i++ {
		lines[i+1] += lines[i]
	}
	m := &sparse.CSR{Rows: rows, Cols: cols, ColIdx: make([]int32, b.n), Val: make([]float32, b.n)}
	if !h.Fortran {
		m.RowPtr = lines
		p := 0
		for k := range b.idx {
			copy(m.ColIdx[p:], b.idx[k])
			p += copy(m.Val[p:], b.val[k])
			b.idx[k], b.val[k] = nil, nil
		}
		return m, nil
	}
	// Column-major: count the rows, then scatter column by column, which
	// leaves every row's columns in increasing order.
	m.RowPtr = make([]int32, rows+1)
	for _, blk := range b.idx {
		for _, r := range blk {
			m.RowPtr[r+1]++
		}
	}
	for r := 0; r < rows; r++ {
		m.RowPtr[r+1] += m.RowPtr[r]
	}
	next := slices.Clone(m.RowPtr[:rows])
	c, k := 0, int32(0)
	for bi := range b.idx {
		for t, r := range b.idx[bi] {
			for lines[c+1] <= k {
				c++
			}
			p := next[r]
			next[r]++
			m.ColIdx[p], m.Val[p] = int32(c), b.val[bi][t]
			k++
		}
		b.idx[bi], b.val[bi] = nil, nil
	}
	return m, nil
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

// sparse decodes the scipy csr, csc or coo matrix of header h. A matrix
// in canonical form is assembled directly when direct is true; any other
// goes through the COO builder, which sorts and sums duplicates. It
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
	if h.NNZ > coo.MaxDim {
		return nil, false, tooMany(h.NNZ)
	}
	if h.Format == "coo" {
		return z.coo(h, data, direct)
	}
	return z.compressed(h, data, direct)
}

// indexError reports entry k's index x outside the shape.
func indexError(h MatrixHeader, k int, what string, x int64) error {
	return FormatError(fmt.Sprintf("scipy %s entry %d has %s index %d, outside the shape %d×%d", h.Format, k, what, x, h.Rows, h.Cols))
}

// compressed decodes a csr or csc matrix: indptr [major+1] into row (or
// column) offsets, indices [nnz] checked against the minor dimension and
// for order, then the values.
func (z *npz) compressed(h MatrixHeader, data *entry, direct bool) (*sparse.CSR, bool, error) {
	csr := h.Format == "csr"
	major, minor := h.Rows, h.Cols
	majName, minName := "row", "column"
	if !csr {
		major, minor = h.Cols, h.Rows
		majName, minName = "column", "row"
	}
	nnz := h.NNZ
	ptrE, err := z.ints("indptr", major+1)
	if err != nil {
		return nil, false, err
	}
	idxE, err := z.ints("indices", nnz)
	if err != nil {
		return nil, false, err
	}
	// The whole indptr first: its span, then its order, as a pointer
	// beyond nnz followed by a decrease back to nnz would index past the
	// indices. A value outside [0, nnz] breaks one or the other.
	ptr := make([]int32, major+1)
	var first, last, prev int64
	dec := -1
	err = ptrE.eachInt(func(k int, v []int64) error {
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
		return nil, false, err
	}
	last = prev
	if first != 0 || last != int64(nnz) {
		return nil, false, FormatError(fmt.Sprintf("scipy indptr spans [%d, %d], want [0, %d]", first, last, nnz))
	}
	if dec >= 0 {
		return nil, false, FormatError(fmt.Sprintf("scipy indptr decreases at %s %d", majName, dec))
	}
	// The indices: into the column indices of a csr; counted by row for
	// a csc, whose second pass scatters them.
	var idx, cnt []int32
	if csr {
		idx = make([]int32, nnz)
	} else {
		cnt = make([]int32, minor+1)
	}
	canonical := true
	line, prevX := 0, int64(-1)
	err = idxE.eachInt(func(k0 int, v []int64) error {
		for t, x := range v {
			k := k0 + t
			if x < 0 || x >= int64(minor) {
				return indexError(h, k, minName, x)
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
			if csr {
				idx[k] = int32(x)
			} else {
				cnt[x+1]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !direct || !canonical {
		// The builder's triplets: the line of each entry and its index.
		lines := make([]int32, nnz)
		for i := 0; i < major; i++ {
			for k := ptr[i]; k < ptr[i+1]; k++ {
				lines[k] = int32(i)
			}
		}
		if !csr {
			cnt = nil
			idx = make([]int32, nnz)
			err := idxE.eachInt(func(k int, v []int64) error {
				return reread(idx[k:], v, minor, h, k, minName)
			})
			if err != nil {
				return nil, false, err
			}
		}
		b := &coo.Builder{Rows: h.Rows, Cols: h.Cols, Row: lines, Col: idx}
		if !csr {
			b.Row, b.Col = idx, lines
		}
		return build(b, data)
	}
	m := &sparse.CSR{Rows: h.Rows, Cols: h.Cols}
	if csr {
		m.RowPtr, m.ColIdx = ptr, idx
		return m, true, values(m, data)
	}
	// csc: scatter column by column into the rows counted above.
	for r := 0; r < h.Rows; r++ {
		cnt[r+1] += cnt[r]
	}
	m.RowPtr, m.ColIdx, m.Val = cnt, make([]int32, nnz), make([]float32, nnz)
	next := slices.Clone(m.RowPtr[:h.Rows])
	is, err := idxE.open()
	if err != nil {
		return nil, false, err
	}
	defer is.close()
	vs, err := data.open()
	if err != nil {
		return nil, false, err
	}
	defer vs.close()
	ib, vb := make([]int64, is.chunk()), make([]float64, is.chunk())
	zeros, c := 0, 0
	for k0 := 0; k0 < nnz; {
		rs, err := is.readInts(ib)
		if err != nil {
			return nil, false, err
		}
		vals, err := vs.readFloats(vb[:len(rs)])
		if err != nil {
			return nil, false, err
		}
		for t, v := range vals {
			k := k0 + t
			for int(ptr[c+1]) <= k {
				c++
			}
			r := rs[t]
			if r < 0 || r >= int64(h.Rows) { // checked in the first pass: a file changed since
				return nil, false, indexError(h, k, "row", r)
			}
			f, ok := finite32(v)
			if !ok {
				return nil, false, notFinite(k, int(r), c, v)
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
		return nil, false, err
	}
	if err := vs.finish(); err != nil {
		return nil, false, err
	}
	if zeros > 0 {
		compact(m)
	}
	return m, true, nil
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
		return build(&coo.Builder{Rows: h.Rows, Cols: h.Cols, Row: row, Col: col}, data)
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
func build(b *coo.Builder, data *entry) (*sparse.CSR, bool, error) {
	b.Val = make([]float64, data.n)
	err := data.eachFloat(func(k int, v []float64) error {
		copy(b.Val[k:], v)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	m, err := b.CSR()
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
			f, ok := finite32(x)
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

// compact drops the zero values of m in place; like the COO builder it
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
