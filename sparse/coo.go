package sparse

import (
	"fmt"
	"slices"
)

// COO is a matrix under construction in coordinate form: a list of
// (row, col, value) triplets in any order, with duplicates allowed.
// The zero value is an empty 0×0 matrix; set Rows and Cols before Add.
type COO struct {
	Rows, Cols int
	Row, Col   []int32   // [nnz] indices of each triplet
	Val        []float32 // [nnz] values of each triplet
}

// NewCOO returns an empty rows×cols builder with room for capacity triplets.
func NewCOO(rows, cols, capacity int) *COO {
	if rows < 0 || cols < 0 || rows > maxIndex || cols > maxIndex {
		panic(fmt.Sprintf("sparse: bad shape %d×%d", rows, cols))
	}
	return &COO{
		Rows: rows, Cols: cols,
		Row: make([]int32, 0, capacity),
		Col: make([]int32, 0, capacity),
		Val: make([]float32, 0, capacity),
	}
}

// maxIndex is the largest dimension an int32 index can address.
const maxIndex = 1<<31 - 1

// Add appends the triplet (i, j, v). It panics if (i, j) is outside the shape.
func (c *COO) Add(i, j int, v float32) {
	if i < 0 || i >= c.Rows || j < 0 || j >= c.Cols {
		panic(fmt.Sprintf("sparse: index (%d, %d) out of range %d×%d", i, j, c.Rows, c.Cols))
	}
	c.Row = append(c.Row, int32(i))
	c.Col = append(c.Col, int32(j))
	c.Val = append(c.Val, v)
}

// Len returns the number of triplets, duplicates included.
func (c *COO) Len() int { return len(c.Val) }

// ToCSR returns the matrix in CSR form: duplicate (row, col) entries summed
// (as torch's coalesce does), explicit zeros (including sums that cancel)
// dropped, and the columns of each row sorted. The builder is not modified.
// Sums are taken in float64 then rounded once.
func (c *COO) ToCSR() *CSR {
	if len(c.Row) != len(c.Val) || len(c.Col) != len(c.Val) {
		panic("sparse: COO index and value slices differ in length")
	}
	n := len(c.Val)
	// Counting sort by row.
	ptr := make([]int32, c.Rows+1)
	for _, r := range c.Row {
		ptr[r+1]++
	}
	for i := 0; i < c.Rows; i++ {
		ptr[i+1] += ptr[i]
	}
	next := slices.Clone(ptr[:c.Rows])
	col := make([]int32, n)
	val := make([]float32, n)
	for k, r := range c.Row {
		p := next[r]
		next[r]++
		col[p] = c.Col[k]
		val[p] = c.Val[k]
	}
	// Sort each row by column, sum duplicates, drop zeros, compact in place.
	out := &CSR{Rows: c.Rows, Cols: c.Cols, RowPtr: make([]int32, c.Rows+1)}
	w := int32(0)
	var idx []int
	for i := 0; i < c.Rows; i++ {
		lo, hi := ptr[i], ptr[i+1]
		rc, rv := col[lo:hi], val[lo:hi]
		if !slices.IsSorted(rc) {
			idx = idx[:0]
			for k := range rc {
				idx = append(idx, k)
			}
			slices.SortStableFunc(idx, func(a, b int) int { return int(rc[a]) - int(rc[b]) })
			tc := make([]int32, len(rc))
			tv := make([]float32, len(rv))
			for k, o := range idx {
				tc[k], tv[k] = rc[o], rv[o]
			}
			copy(rc, tc)
			copy(rv, tv)
		}
		for k := 0; k < len(rc); {
			j := rc[k]
			s := float64(rv[k])
			dup := false
			k++
			for k < len(rc) && rc[k] == j {
				s += float64(rv[k])
				dup = true
				k++
			}
			v := rv[k-1]
			if dup {
				v = float32(s)
			}
			if v != 0 {
				col[w] = j
				val[w] = v
				w++
			}
		}
		out.RowPtr[i+1] = w
	}
	out.ColIdx = slices.Clip(col[:w])
	out.Val = slices.Clip(val[:w])
	if int(w) < n/2 {
		out.ColIdx = slices.Clone(out.ColIdx)
		out.Val = slices.Clone(out.Val)
	}
	return out
}
