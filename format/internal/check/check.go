package check

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/sparse"
)

// MaxEntries is the largest number of rows, columns or entries a CSR with
// int32 indices can hold.
const MaxEntries = sparse.MaxIndex

// MaxShape is the largest number of rows or columns a decoder accepts
// from a file's declared shape: 2^27 (134 million neurons, twice the
// mouse brain). The row pointers alone of a larger matrix take more than
// 512 MiB, which a forged header must not make a loader allocate.
const MaxShape = 1 << 27

// Shape returns an error unless rows and cols are valid dimensions.
func Shape(rows, cols int64) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("negative shape %d×%d", rows, cols)
	}
	if rows > MaxShape || cols > MaxShape {
		return fmt.Errorf("shape %d×%d exceeds the supported %d rows or columns", rows, cols, MaxShape)
	}
	return nil
}

// CSR returns b.ToCSR() (duplicates summed in float64 in the order they
// were added, rounded to float32, zeros dropped unless b.KeepZeros,
// columns sorted; b is emptied). A value that is NaN, infinite or beyond
// float32, and a sum of duplicates that overflows float32, are errors
// wrapping sparse.ErrNotFinite.
func CSR(b *sparse.COO) (*sparse.CSR, error) {
	for k, v := range b.Val {
		if _, ok := Float32(v); !ok {
			return nil, NotFinite(k, int(b.Row[k]), int(b.Col[k]), v)
		}
	}
	n := b.Len()
	m := b.ToCSR()
	if m.NNZ() == n {
		return m, nil // no duplicates were summed: nothing could overflow
	}
	for _, v := range m.Val {
		if math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("a sum of duplicates overflows float32: %w", sparse.ErrNotFinite)
		}
	}
	return m, nil
}

// Float32 rounds v to float32: false for NaN, infinite and beyond-float32
// values.
func Float32(v float64) (float32, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
		return 0, false
	}
	return float32(v), true
}

// NotFinite is the error for the value v of entry k at (i, j), wrapping
// sparse.ErrNotFinite.
func NotFinite(k, i, j int, v float64) error {
	return fmt.Errorf("entry %d at (%d, %d) is %v: %w", k, i, j, v, sparse.ErrNotFinite)
}
