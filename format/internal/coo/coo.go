// Package coo builds CSR matrices from coordinate triplets read from files,
// summing duplicates in float64 (as torch's coalesce and scipy's
// sum_duplicates do for float64 data) before rounding to float32 once.
package coo

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/neuropil/neuropil/sparse"
)

// MaxDim is the largest number of rows, columns or entries a CSR with
// int32 indices can hold.
const MaxDim = math.MaxInt32

// Builder collects triplets. The zero value is not usable; call New.
type Builder struct {
	Rows, Cols int
	Row, Col   []int32   // [nnz]
	Val        []float64 // [nnz]

	// KeepZeros keeps entries that are zero (after duplicates are summed)
	// in the result, as entries of its sparsity pattern: a parameter of a
	// state dict keeps its structure. The zero value drops them.
	KeepZeros bool
}

// New returns a rows×cols builder with room for capacity triplets. It
// panics on a negative or too large shape; decoders check shapes first.
func New(rows, cols, capacity int) *Builder {
	if rows < 0 || cols < 0 || rows > MaxDim || cols > MaxDim || capacity < 0 {
		panic(fmt.Sprintf("coo: bad shape %d×%d", rows, cols))
	}
	return &Builder{Rows: rows, Cols: cols,
		Row: make([]int32, 0, capacity), Col: make([]int32, 0, capacity), Val: make([]float64, 0, capacity)}
}

// MaxShape is the largest number of rows or columns a decoder accepts
// from a file's declared shape: 2^27 (134 million neurons, twice the
// mouse brain). The row pointers alone of a larger matrix take more than
// 512 MiB, which a forged header must not make a loader allocate.
const MaxShape = 1 << 27

// CheckShape returns an error unless rows and cols are valid dimensions.
func CheckShape(rows, cols int64) error {
	if rows < 0 || cols < 0 {
		return fmt.Errorf("negative shape %d×%d", rows, cols)
	}
	if rows > MaxShape || cols > MaxShape {
		return fmt.Errorf("shape %d×%d exceeds the supported %d rows or columns", rows, cols, MaxShape)
	}
	return nil
}

// Add appends (i, j, v). It panics if (i, j) is out of range: decoders
// check indices from files and report them as errors first.
func (b *Builder) Add(i, j int32, v float64) {
	if i < 0 || int(i) >= b.Rows || j < 0 || int(j) >= b.Cols {
		panic(fmt.Sprintf("coo: index (%d, %d) out of range %d×%d", i, j, b.Rows, b.Cols))
	}
	b.Row = append(b.Row, i)
	b.Col = append(b.Col, j)
	b.Val = append(b.Val, v)
}

// CSR returns the matrix with duplicates summed in float64 in the order
// they were added, rounded to float32, zeros dropped (unless KeepZeros)
// and columns sorted.
// A value that is NaN or infinite (or overflows float32) is an error. The
// builder's slices are released (the builder is empty afterwards) so that
// their memory can be reused while the result is built: the result's
// columns and values may live in the arrays that were Row and Col, which
// the caller must not use again.
func (b *Builder) CSR() (*sparse.CSR, error) {
	rowIdx, colIdx, val := b.Row, b.Col, b.Val
	b.Row, b.Col, b.Val = nil, nil, nil
	if len(rowIdx) != len(val) || len(colIdx) != len(val) {
		panic("coo: index and value slices differ in length")
	}
	n := len(val)
	for k, v := range val {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
			return nil, fmt.Errorf("entry %d at (%d, %d) is %v: %w", k, rowIdx[k], colIdx[k], v, sparse.ErrNotFinite)
		}
	}
	out := &sparse.CSR{Rows: b.Rows, Cols: b.Cols, RowPtr: make([]int32, b.Rows+1)}
	// Fast path: already sorted by (row, col) without duplicates (a
	// coalesced tensor, a canonical scipy matrix): reuse the column slice.
	if sortedUnique(rowIdx, colIdx) {
		for _, r := range rowIdx {
			out.RowPtr[r+1]++
		}
		w := 0
		for k := 0; k < n; k++ {
			f := float32(val[k])
			if f == 0 && !b.KeepZeros {
				continue
			}
			colIdx[w] = colIdx[k]
			rowIdx[w] = rowIdx[k]
			w++
		}
		if w != n { // zeros dropped: recount rows
			clear(out.RowPtr)
			for _, r := range rowIdx[:w] {
				out.RowPtr[r+1]++
			}
		}
		for i := 0; i < b.Rows; i++ {
			out.RowPtr[i+1] += out.RowPtr[i]
		}
		out.Val = make([]float32, 0, w)
		for _, v := range val {
			if f := float32(v); f != 0 || b.KeepZeros {
				out.Val = append(out.Val, f)
			}
		}
		out.ColIdx = colIdx[:w:w]
		return out, nil
	}
	// Counting sort by row (stable), then sort each row by column. To keep
	// the peak near the input (16 bytes an entry, plus 4 for the
	// permutation) rather than twice it, the result reuses the input's
	// slices: the columns in row order go into rowIdx, which is not needed
	// once the permutation is known, and the float32 values into colIdx,
	// which is not needed once the columns are permuted.
	ptr := make([]int32, b.Rows+1)
	for _, r := range rowIdx {
		ptr[r+1]++
	}
	for i := 0; i < b.Rows; i++ {
		ptr[i+1] += ptr[i]
	}
	next := slices.Clone(ptr[:b.Rows])
	perm := make([]int32, n) // perm[p]: the entry at slot p of the row order
	for k, r := range rowIdx {
		perm[next[r]] = int32(k)
		next[r]++
	}
	next = nil
	if overlap(rowIdx, colIdx) { // the reuse below needs two arrays
		colIdx = slices.Clone(colIdx)
	}
	col := rowIdx // [slot] column
	for p, k := range perm {
		col[p] = colIdx[k]
	}
	outVal := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(colIdx))), n)
	type pair struct{ c, k int32 }
	var tmp []pair
	w := int32(0)
	for i := 0; i < b.Rows; i++ {
		lo, hi := ptr[i], ptr[i+1]
		rc, rk := col[lo:hi], perm[lo:hi]
		if !slices.IsSorted(rc) {
			tmp = tmp[:0]
			for q := range rc {
				tmp = append(tmp, pair{rc[q], rk[q]})
			}
			slices.SortStableFunc(tmp, func(a, b pair) int { return int(a.c) - int(b.c) })
			for q, e := range tmp {
				rc[q], rk[q] = e.c, e.k
			}
		}
		// Duplicates, now adjacent in the order they were added, are summed
		// in float64; w ≤ lo+q, so the writes never overtake the reads.
		for q := 0; q < len(rc); {
			j := rc[q]
			s := val[rk[q]]
			q++
			for q < len(rc) && rc[q] == j {
				s += val[rk[q]]
				q++
			}
			if f := float32(s); f != 0 || b.KeepZeros {
				col[w] = j
				outVal[w] = f
				w++
			}
		}
		out.RowPtr[i+1] = w
	}
	for k := range outVal[:w] {
		if math.IsInf(float64(outVal[k]), 0) {
			return nil, fmt.Errorf("a sum of duplicates overflows float32: %w", sparse.ErrNotFinite)
		}
	}
	out.ColIdx = col[:w:w]
	out.Val = outVal[:w:w]
	if int(w) < n/2 {
		out.ColIdx = slices.Clone(out.ColIdx)
		out.Val = slices.Clone(out.Val)
	}
	return out, nil
}

// overlap reports whether a and b share memory.
func overlap(a, b []int32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(4*len(b)) && b0 < a0+uintptr(4*len(a))
}

func sortedUnique(r, c []int32) bool {
	for k := 1; k < len(r); k++ {
		if r[k] < r[k-1] || (r[k] == r[k-1] && c[k] <= c[k-1]) {
			return false
		}
	}
	return true
}
