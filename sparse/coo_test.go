package sparse

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

func TestCOOSumsInFloat64(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		b := NewCOO(3, 4, 0)
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
		m := b.ToCSR()
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

// With KeepZeros, explicit zeros and duplicates that cancel stay entries,
// on the sorted fast path and on the sorting path.
func TestCOOKeepZeros(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		b := NewCOO(2, 3, 0)
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
		m := b.ToCSR()
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		want := &CSR{Rows: 2, Cols: 3, RowPtr: []int32{0, 2, 3}, ColIdx: []int32{0, 2, 1}, Val: []float32{0, 1, 0}}
		if !slices.Equal(m.RowPtr, want.RowPtr) || !slices.Equal(m.ColIdx, want.ColIdx) || !slices.Equal(m.Val, want.Val) {
			t.Errorf("sorted %v: %+v, want %+v", sorted, m, want)
		}
	}
}

// The general path (unsorted, duplicates) equals a plain reference: sums
// of each position's values in float64 in the order added, rounded once,
// zeros dropped unless kept, columns sorted; for inputs whose Row and Col
// share an array too.
func TestCOOMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		rows, cols := 1+rng.IntN(30), 1+rng.IntN(30)
		n := rng.IntN(300)
		b := NewCOO(rows, cols, n)
		type key struct{ i, j int32 }
		sums := map[key]float64{}
		for range n {
			i, j := int32(rng.IntN(rows)), int32(rng.IntN(cols))
			v := float64(rng.IntN(7)-3) * math.Pow(10, float64(rng.IntN(17)-8))
			b.Add(int(i), int(j), v)
			sums[key{i, j}] += v
		}
		keep := trial%3 == 0
		b.KeepZeros = keep
		m := b.ToCSR()
		if err := m.Validate(); err != nil && !keep {
			t.Fatal(err)
		}
		got := map[key]float32{}
		for i := 0; i < m.Rows; i++ {
			for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
				got[key{int32(i), m.ColIdx[k]}] = m.Val[k]
				if k > m.RowPtr[i] && m.ColIdx[k] <= m.ColIdx[k-1] {
					t.Fatalf("trial %d: row %d not sorted", trial, i)
				}
			}
		}
		for kk, s := range sums {
			f := float32(s)
			g, ok := got[kk]
			if f == 0 && !keep {
				if ok {
					t.Fatalf("trial %d: zero at %v kept", trial, kk)
				}
				continue
			}
			if !ok || g != f {
				t.Fatalf("trial %d: %v = %v (present %v), want %v", trial, kk, g, ok, f)
			}
		}
		if len(got) > len(sums) {
			t.Fatalf("trial %d: %d entries for %d positions", trial, len(got), len(sums))
		}
	}
	// Row and Col in one array (a diagonal written as (k, k)).
	idx := []int32{2, 0, 1, 2}
	b := &COO{Rows: 3, Cols: 3, Row: idx, Col: idx, Val: []float64{1, 2, 3, 4}}
	m := b.ToCSR()
	if want := []float32{2, 0, 0, 0, 3, 0, 0, 0, 5}; !slices.Equal(m.Dense(), want) {
		t.Errorf("shared Row/Col: %v, want %v", m.Dense(), want)
	}
}

// The general path allocates little beyond its input: the permutation and
// the row pointers, not a second copy of the entries.
func TestCOOReusesItsInput(t *testing.T) {
	const rows, n = 1000, 200000
	rng := rand.New(rand.NewPCG(7, 8))
	b := NewCOO(rows, rows, n)
	for range n {
		b.Add(rng.IntN(rows), rng.IntN(rows), 1+rng.Float64())
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m := b.ToCSR()
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if limit := uint64(6*n + 16*rows + 1<<16); alloc > limit {
		t.Errorf("ToCSR allocated %d bytes for %d entries (limit %d): it copies the entries", alloc, n, limit)
	}
	if m.NNZ() == 0 {
		t.Fatal("empty result")
	}
}

func TestCOOToCSRSumsDuplicatesDropsZeros(t *testing.T) {
	c := NewCOO(3, 4, 0)
	c.Add(2, 1, 1.5)
	c.Add(0, 3, 2)
	c.Add(2, 1, 0.5)
	c.Add(1, 0, 0)    // explicit zero
	c.Add(0, 0, 1)    // cancels
	c.Add(0, 0, -1)   // with this one
	c.Add(0, 2, -3.0) // kept
	a := c.ToCSR()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.NNZ() != 3 {
		t.Fatalf("nnz = %d, want 3", a.NNZ())
	}
	want := map[[2]int]float32{{2, 1}: 2, {0, 3}: 2, {0, 2}: -3}
	for k, v := range want {
		if got := a.At(k[0], k[1]); got != v {
			t.Errorf("At%v = %v, want %v", k, got, v)
		}
	}
	if a.At(1, 0) != 0 || a.At(0, 0) != 0 {
		t.Error("zeros kept")
	}
}

// ToCSR does not check values: a NaN stays NaN and a sum of duplicates
// beyond float32 becomes +Inf, on both paths (the decoders' checks in
// format/internal/check rely on this).
func TestCOONonFinitePassThrough(t *testing.T) {
	for _, sorted := range []bool{false, true} {
		c := NewCOO(2, 2, 0)
		if sorted {
			c.Add(0, 0, math.NaN())
			c.Add(1, 1, math.Inf(1))
		} else {
			c.Add(1, 1, 3e38)
			c.Add(0, 0, math.NaN())
			c.Add(1, 1, 3e38)
		}
		a := c.ToCSR()
		if v := a.At(0, 0); !math.IsNaN(float64(v)) {
			t.Errorf("sorted %v: NaN became %v", sorted, v)
		}
		if v := a.At(1, 1); !math.IsInf(float64(v), 1) {
			t.Errorf("sorted %v: %v, want +Inf", sorted, v)
		}
		if c.Len() != 0 {
			t.Errorf("sorted %v: builder holds %d triplets after ToCSR", sorted, c.Len())
		}
	}
}
