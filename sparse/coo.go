package sparse

import (
	"fmt"
	"slices"
	"unsafe"
)

// COO is a matrix under construction in coordinate form: a list of
// (row, col, value) triplets in any order, with duplicates allowed. It is
// the one builder of CSR matrices from triplets, for code and file
// decoders alike. The zero value is an empty 0×0 matrix; set Rows and
// Cols (or call NewCOO) before Add. Row, Col and Val may also be set
// directly (a decoder fills them from a file); Row and Col may then share
// one array.
type COO struct {
	Rows, Cols int
	Row, Col   []int32   // [nnz] indices of each triplet
	Val        []float64 // [nnz] values of each triplet

	// KeepZeros keeps entries that are zero (after duplicates are summed)
	// in the result, as entries of its sparsity pattern: a parameter of a
	// state dict keeps its structure. The zero value drops them.
	KeepZeros bool
}

// NewCOO returns an empty rows×cols builder with room for capacity
// triplets. It panics on a negative shape or one beyond MaxIndex.
func NewCOO(rows, cols, capacity int) *COO {
	if rows < 0 || cols < 0 || rows > MaxIndex || cols > MaxIndex || capacity < 0 {
		panic(fmt.Sprintf("sparse: bad shape %d×%d", rows, cols))
	}
	return &COO{
		Rows: rows, Cols: cols,
		Row: make([]int32, 0, capacity),
		Col: make([]int32, 0, capacity),
		Val: make([]float64, 0, capacity),
	}
}

// MaxIndex is the largest number of rows, columns or entries a CSR with
// int32 indices and offsets can hold.
const MaxIndex = 1<<31 - 1

// Add appends the triplet (i, j, v). It panics if (i, j) is outside the
// shape: decoders check indices read from files and report them as errors
// first.
func (c *COO) Add(i, j int, v float64) {
	if i < 0 || i >= c.Rows || j < 0 || j >= c.Cols {
		panic(fmt.Sprintf("sparse: index (%d, %d) out of range %d×%d", i, j, c.Rows, c.Cols))
	}
	c.Row = append(c.Row, int32(i))
	c.Col = append(c.Col, int32(j))
	c.Val = append(c.Val, v)
}

// Len returns the number of triplets, duplicates included.
func (c *COO) Len() int { return len(c.Val) }

// ToCSR returns the matrix in CSR form: duplicate (row, col) entries
// summed in float64 in the order they were added and rounded to float32
// once (as torch's coalesce and scipy's sum_duplicates do for float64
// data), zeros dropped unless KeepZeros, the columns of each row sorted.
// Values are not checked: NaN stays NaN and a sum beyond float32 becomes
// ±Inf (decoders check both; see CheckFinite).
//
// The builder's slices are released (the builder is empty afterwards) so
// that their memory holds the result while it is built: the result's
// columns and values may live in the arrays that were Row and Col, which
// the caller must not use again. Triplets already sorted by (row, col)
// without duplicates (a coalesced tensor, a canonical scipy matrix) are
// compacted in place; others are sorted through a permutation (counting
// sort by row, then each row by column), so that the peak stays near the
// input (16 bytes a triplet, plus 4 for the permutation) rather than
// twice it.
func (c *COO) ToCSR() *CSR {
	rowIdx, colIdx, val := c.Row, c.Col, c.Val
	c.Row, c.Col, c.Val = nil, nil, nil
	if len(rowIdx) != len(val) || len(colIdx) != len(val) {
		panic("sparse: COO index and value slices differ in length")
	}
	if sortedUnique(rowIdx, colIdx) {
		return c.compact(rowIdx, colIdx, val)
	}
	return c.sort(rowIdx, colIdx, val)
}

// compact builds the CSR of triplets sorted by (row, col) without
// duplicates, reusing colIdx for its columns.
func (c *COO) compact(rowIdx, colIdx []int32, val []float64) *CSR {
	n := len(val)
	out := &CSR{Rows: c.Rows, Cols: c.Cols, RowPtr: make([]int32, c.Rows+1)}
	w := 0
	for k := 0; k < n; k++ {
		if float32(val[k]) == 0 && !c.KeepZeros {
			continue
		}
		colIdx[w] = colIdx[k]
		rowIdx[w] = rowIdx[k]
		w++
	}
	for _, r := range rowIdx[:w] {
		out.RowPtr[r+1]++
	}
	for i := 0; i < c.Rows; i++ {
		out.RowPtr[i+1] += out.RowPtr[i]
	}
	out.Val = make([]float32, 0, w)
	for _, v := range val {
		if f := float32(v); f != 0 || c.KeepZeros {
			out.Val = append(out.Val, f)
		}
	}
	out.ColIdx = colIdx[:w:w]
	return out
}

// sort builds the CSR of triplets in any order. The columns in row order
// go into rowIdx, which is not needed once the permutation is known, and
// the float32 values into colIdx, which is not needed once the columns
// are permuted.
func (c *COO) sort(rowIdx, colIdx []int32, val []float64) *CSR {
	n := len(val)
	ptr := make([]int32, c.Rows+1)
	for _, r := range rowIdx {
		ptr[r+1]++
	}
	for i := 0; i < c.Rows; i++ {
		ptr[i+1] += ptr[i]
	}
	next := slices.Clone(ptr[:c.Rows])
	perm := make([]int32, n) // perm[p]: the triplet at slot p of the row order
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
	out := &CSR{Rows: c.Rows, Cols: c.Cols, RowPtr: make([]int32, c.Rows+1)}
	w := int32(0)
	for i := 0; i < c.Rows; i++ {
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
			if f := float32(s); f != 0 || c.KeepZeros {
				col[w] = j
				outVal[w] = f
				w++
			}
		}
		out.RowPtr[i+1] = w
	}
	out.ColIdx = col[:w:w]
	out.Val = outVal[:w:w]
	if int(w) < n/2 {
		out.ColIdx = slices.Clone(out.ColIdx)
		out.Val = slices.Clone(out.Val)
	}
	return out
}

// overlap reports whether a and b share memory.
func overlap(a, b []int32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(4*len(b)) && b0 < a0+uintptr(4*len(a))
}

// sortedUnique reports whether the triplets are sorted by (row, col)
// without duplicates.
func sortedUnique(r, c []int32) bool {
	for k := 1; k < len(r); k++ {
		if r[k] < r[k-1] || (r[k] == r[k-1] && c[k] <= c[k-1]) {
			return false
		}
	}
	return true
}
