package connectome

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

func TestDescribe(t *testing.T) {
	coo := sparse.NewCOO(3, 4, 5)
	coo.Add(0, 0, 2)  // self-loop
	coo.Add(0, 3, -1) // row 0: 2 entries
	coo.Add(2, 3, 0.5)
	coo.Add(2, 1, -4)
	coo.Add(2, 2, 1) // self-loop
	c := &Connectome{W: coo.ToCSR(), Sign: []int8{1, -1, 1}, Type: []int32{0, 1, 1}, TypeNames: []string{"a", "b"}}
	s := Describe(c)
	if s.Rows != 3 || s.Cols != 4 || s.NNZ != 5 || s.Density != 5.0/12 || *s.Min != -4 || *s.Max != 2 || s.Positive != 3 || s.Negative != 2 {
		t.Errorf("shape and weights: %+v", s)
	}
	if s.SelfLoops != 2 || s.IDs || s.Excitatory != 2 || s.Inhibitory != 1 || s.Types != 2 {
		t.Errorf("loops and table: %+v", s)
	}
	// Rows hold 2, 0, 3 entries; columns 1, 1, 1, 2.
	if d := s.InDegree; d != (Degrees{Min: 0, Median: 2, Mean: 5.0 / 3, Max: 3}) {
		t.Errorf("in-degree %+v", d)
	}
	if d := s.OutDegree; d != (Degrees{Min: 1, Median: 1, Mean: 1.25, Max: 2}) {
		t.Errorf("out-degree %+v", d)
	}
	if e := Describe(&Connectome{W: sparse.NewCOO(0, 0, 0).ToCSR()}); e.Min != nil || e.InDegree != (Degrees{}) {
		t.Errorf("empty: %+v", e)
	}
}

// Degrees come from the entries: a matrix of 2^22 × 2^22 with 3 entries
// (issue 11: 2^27 took 4 GB in info) allocates little, and the summary
// equals the one of the full count per row and column.
func TestDescribeAllocatesByEntries(t *testing.T) {
	const n = 1 << 22
	m := &sparse.CSR{Rows: n, Cols: n, RowPtr: make([]int32, n+1), ColIdx: []int32{5, 5, 9}, Val: []float32{1, 2, 3}}
	for i := 8; i <= n; i++ {
		m.RowPtr[i] = 3
	}
	m.RowPtr[6], m.RowPtr[7] = 1, 2
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := Describe(&Connectome{W: m})
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("Describe allocated %d bytes for 3 entries", grew)
	}
	if s.InDegree != (Degrees{Min: 0, Median: 0, Mean: 3.0 / n, Max: 1}) || s.OutDegree != (Degrees{Min: 0, Median: 0, Mean: 3.0 / n, Max: 2}) || s.SelfLoops != 1 {
		t.Errorf("stats %+v", s)
	}
	// Against the count of every row and column on small random matrices.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		rows, cols := 1+rng.IntN(6), 1+rng.IntN(6)
		b := sparse.NewCOO(rows, cols, 0)
		for range rng.IntN(12) {
			b.Add(rng.IntN(rows), rng.IntN(cols), 1)
		}
		w := b.ToCSR()
		in, out := make([]int, rows), make([]int, cols)
		for i := range rows {
			in[i] = int(w.RowPtr[i+1] - w.RowPtr[i])
			for _, j := range w.ColIdx[w.RowPtr[i]:w.RowPtr[i+1]] {
				out[j]++
			}
		}
		got := Describe(&Connectome{W: w})
		if got.InDegree != degrees(in, rows) || got.OutDegree != degrees(out, cols) {
			t.Fatalf("%v: %+v %+v, want %+v %+v", w, got.InDegree, got.OutDegree, degrees(in, rows), degrees(out, cols))
		}
	}
}
