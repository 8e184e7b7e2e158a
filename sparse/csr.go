package sparse

import (
	"errors"
	"fmt"

	"github.com/neuropil/neuropil/internal/vec"
)

// CSR is a matrix in compressed sparse row form. Row i holds the entries
// ColIdx[RowPtr[i]:RowPtr[i+1]] with values Val[RowPtr[i]:RowPtr[i+1]].
// Matrices built by this package have sorted, unique columns in each row
// and no explicit zeros; a CSR assembled by hand should pass Validate.
type CSR struct {
	Rows, Cols int
	RowPtr     []int32   // [Rows+1] offsets into ColIdx and Val
	ColIdx     []int32   // [nnz] column of each entry
	Val        []float32 // [nnz] value of each entry
}

// NNZ returns the number of stored entries.
func (a *CSR) NNZ() int { return len(a.Val) }

// Validate checks the structure of a: offsets monotone and consistent with
// the slices, columns in range and strictly increasing within each row, and
// finite values. It returns an error describing the first problem found.
func (a *CSR) Validate() error {
	if a.Rows < 0 || a.Cols < 0 {
		return fmt.Errorf("negative shape %d×%d", a.Rows, a.Cols)
	}
	if len(a.RowPtr) != a.Rows+1 {
		return fmt.Errorf("row pointer has %d entries, want rows+1 = %d", len(a.RowPtr), a.Rows+1)
	}
	if len(a.ColIdx) != len(a.Val) {
		return fmt.Errorf("%d column indices but %d values", len(a.ColIdx), len(a.Val))
	}
	if a.RowPtr[0] != 0 || int(a.RowPtr[a.Rows]) != len(a.Val) {
		return fmt.Errorf("row pointer spans [%d, %d], want [0, %d]", a.RowPtr[0], a.RowPtr[a.Rows], len(a.Val))
	}
	for i := 0; i < a.Rows; i++ {
		lo, hi := a.RowPtr[i], a.RowPtr[i+1]
		if hi < lo {
			return fmt.Errorf("row pointer decreases at row %d", i)
		}
		if int(hi) > len(a.Val) { // before a later row's decrease would show it
			return fmt.Errorf("row pointer %d at row %d is past the %d entries", hi, i+1, len(a.Val))
		}
		prev := int32(-1)
		for k := lo; k < hi; k++ {
			j := a.ColIdx[k]
			if j < 0 || int(j) >= a.Cols {
				return fmt.Errorf("column index %d out of range [0, %d) in row %d", j, a.Cols, i)
			}
			if j <= prev {
				return fmt.Errorf("columns not strictly increasing in row %d", i)
			}
			prev = j
		}
	}
	return CheckFinite(a.Val)
}

// ErrNotFinite is wrapped by errors about NaN or infinite values.
var ErrNotFinite = errors.New("value is NaN or infinite")

// CheckFinite returns an error wrapping ErrNotFinite naming the first
// non-finite element of v.
func CheckFinite(v []float32) error {
	if k := vec.FirstNonFinite(v); k >= 0 {
		return fmt.Errorf("element %d is %v: %w", k, v[k], ErrNotFinite)
	}
	return nil
}

// At returns element (i, j), zero when not stored.
func (a *CSR) At(i, j int) float32 {
	if i < 0 || i >= a.Rows || j < 0 || j >= a.Cols {
		panic(fmt.Sprintf("sparse: index (%d, %d) out of range %d×%d", i, j, a.Rows, a.Cols))
	}
	lo, hi := int(a.RowPtr[i]), int(a.RowPtr[i+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := int(a.ColIdx[m]); {
		case c == j:
			return a.Val[m]
		case c < j:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0
}

// T returns the transpose of a as a new CSR (equivalently, a in CSC form).
func (a *CSR) T() *CSR {
	rowPtr, colIdx, perm := a.TransposeMap()
	t := &CSR{Rows: a.Cols, Cols: a.Rows, RowPtr: rowPtr, ColIdx: colIdx, Val: make([]float32, len(a.Val))}
	for q, k := range perm {
		t.Val[q] = a.Val[k]
	}
	return t
}

// Clone returns a deep copy of a.
func (a *CSR) Clone() *CSR {
	return &CSR{Rows: a.Rows, Cols: a.Cols,
		RowPtr: append([]int32(nil), a.RowPtr...),
		ColIdx: append([]int32(nil), a.ColIdx...),
		Val:    append([]float32(nil), a.Val...)}
}

// Dense returns a as a dense row-major [Rows][Cols] slice. Meant for tests
// and small blocks; it panics if the result would exceed 1<<28 elements.
func (a *CSR) Dense() []float32 {
	if a.Rows*a.Cols > 1<<28 {
		panic("sparse: Dense of a matrix too large")
	}
	d := make([]float32, a.Rows*a.Cols)
	for i := 0; i < a.Rows; i++ {
		for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
			d[i*a.Cols+int(a.ColIdx[k])] = a.Val[k]
		}
	}
	return d
}

// Block returns the dense row-major block rows [0, r) × cols [0, c).
func (a *CSR) Block(r, c int) []float32 {
	r, c = min(r, a.Rows), min(c, a.Cols)
	d := make([]float32, r*c)
	for i := 0; i < r; i++ {
		for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
			if j := int(a.ColIdx[k]); j < c {
				d[i*c+j] = a.Val[k]
			}
		}
	}
	return d
}

// Identity returns the rows×len(indices) projection with a 1 at
// (indices[k], k) for every k, the identity input projection of bioplnn
// (create_identity_ih_connectivity). Two inputs mapped to one row both
// appear in that row. It panics if an index is out of range.
func Identity(rows int, indices []int) *CSR {
	c := NewCOO(rows, len(indices), len(indices))
	for k, i := range indices {
		c.Add(i, k, 1)
	}
	return c.ToCSR()
}
