package npy

import (
	"fmt"
	"io"
	"slices"

	"github.com/neuropil/neuropil/format/internal/check"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/sparse"
)

// Decode reads a dense 2-D .npy array of any float, integer or bool dtype
// as a sparse matrix (zeros dropped; NaN or infinite values are an error).
func Decode(r io.Reader) (*sparse.CSR, error) {
	h, err := DecodeHeader(r)
	if err != nil {
		return nil, err
	}
	e, err := newElemReader(r, h)
	if err != nil {
		return nil, err
	}
	return decodeDense(e, h, budgetCheck)
}

// nonzeroBytes is about what one nonzero costs while a dense matrix is
// read: its column and value in a block, then in the CSR.
const nonzeroBytes = 16

// budgetCheck refuses a dense matrix whose nonzeros so far exceed the
// memory budget (--max-memory).
func budgetCheck(nonzeros int) error {
	return budget.Check(fmt.Sprintf("npy: a dense matrix of more than %d nonzeros", nonzeros), nonzeroBytes*float64(nonzeros))
}

// checkEvery is how many nonzeros a dense decode adds between calls of
// its guard.
const checkEvery = 1 << 20

// EncodeMatrix writes m as a dense float32 [rows][cols] .npy array. A
// matrix of more than 2^30 elements is an error (write .npz instead).
func EncodeMatrix(w io.Writer, m *sparse.CSR) error {
	if int64(m.Rows)*int64(m.Cols) > 1<<30 {
		return fmt.Errorf("npy: %d×%d matrix too large for a dense .npy; write a sparse .npz", m.Rows, m.Cols)
	}
	return Encode(w, []int{m.Rows, m.Cols}, m.Dense())
}

// notFinite is the error for entry k at (i, j), worded as check.CSR
// words it for the entries that go through the builder.
func notFinite(k, i, j int, v float64) error {
	return fmt.Errorf("npy: %w", check.NotFinite(k, i, j, v))
}

// tooMany reports a matrix of more entries than int32 indices reach.
func tooMany(n int) error {
	return UnsupportedError(fmt.Sprintf("matrix of %d entries (a CSR with int32 offsets holds at most %d)", n, check.MaxEntries))
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
// column and is scattered into rows. guard(n) is called as the nonzeros
// grow past each multiple of checkEvery, to refuse what would not fit.
func decodeDense(e *elemReader, h Header, guard func(nonzeros int) error) (*sparse.CSR, error) {
	if len(h.Shape) != 2 {
		return nil, FormatError(fmt.Sprintf("array of shape %v, want a 2-D matrix", h.Shape))
	}
	if err := check.Shape(int64(h.Shape[0]), int64(h.Shape[1])); err != nil {
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
				f, ok := check.Float32(v)
				if !ok {
					r, c := i, j
					if h.Fortran {
						r, c = j, i
					}
					return nil, notFinite(added, r, c, v)
				}
				added++
				if f != 0 {
					if b.n == check.MaxEntries {
						return nil, tooMany(b.n + 1)
					}
					if b.n%checkEvery == checkEvery-1 {
						if err := guard(b.n + 1); err != nil {
							return nil, err
						}
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
