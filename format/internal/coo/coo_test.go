package coo

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

func TestCSRSumsInFloat64(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		b := New(3, 4, 0)
		if sorted {
			b.Add(0, 1, 1)
			b.Add(1, 0, 2)
			b.Add(1, 3, 0) // explicit zero dropped
			b.Add(2, 2, 5)
		} else {
			b.Add(2, 2, 5)
			b.Add(1, 0, 1e8)
			b.Add(0, 1, 1)
			b.Add(1, 0, 1)    // float32(1e8)+1 == 1e8, but the float64 sum
			b.Add(1, 0, -1e8) // cancels exactly to 1
			b.Add(1, 0, 1)
			b.Add(1, 3, 0.5)
			b.Add(1, 3, -0.5)
		}
		m, err := b.CSR()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		want := []float32{0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 5, 0}
		for k, v := range m.Dense() {
			if v != want[k] {
				t.Fatalf("sorted=%v: dense %v, want %v", sorted, m.Dense(), want)
			}
		}
		if m.NNZ() != 3 {
			t.Errorf("sorted=%v: nnz %d, want 3", sorted, m.NNZ())
		}
	}
}

func TestCSRRejectsNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), 1e39} {
		b := New(2, 2, 0)
		b.Add(0, 0, v)
		if _, err := b.CSR(); !errors.Is(err, sparse.ErrNotFinite) {
			t.Errorf("%v: err %v", v, err)
		}
	}
	b := New(2, 2, 0)
	b.Add(0, 1, 3e38)
	b.Add(0, 1, 3e38)
	b.Add(0, 0, 1)
	if _, err := b.CSR(); !errors.Is(err, sparse.ErrNotFinite) {
		t.Errorf("overflowing sum: err %v", err)
	}
}

func TestCheckShape(t *testing.T) {
	for _, s := range [][2]int64{{-1, 2}, {2, -1}, {MaxShape + 1, 1}, {1, 1 << 40}} {
		if CheckShape(s[0], s[1]) == nil {
			t.Errorf("%v accepted", s)
		}
	}
	if err := CheckShape(47521, MaxShape); err != nil {
		t.Error(err)
	}
}

// With KeepZeros, explicit zeros and duplicates that cancel stay entries,
// on the sorted fast path and on the sorting path.
func TestCSRKeepZeros(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		b := New(2, 3, 0)
		b.KeepZeros = true
		if sorted {
			b.Add(0, 0, 0)
			b.Add(0, 2, 1)
			b.Add(1, 1, 0)
		} else {
			b.Add(1, 1, 0.5)
			b.Add(0, 2, 1)
			b.Add(0, 0, 0)
			b.Add(1, 1, -0.5)
		}
		m, err := b.CSR()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		want := &sparse.CSR{Rows: 2, Cols: 3, RowPtr: []int32{0, 2, 3}, ColIdx: []int32{0, 2, 1}, Val: []float32{0, 1, 0}}
		if !slices.Equal(m.RowPtr, want.RowPtr) || !slices.Equal(m.ColIdx, want.ColIdx) || !slices.Equal(m.Val, want.Val) {
			t.Errorf("sorted %v: %+v, want %+v", sorted, m, want)
		}
	}
}
