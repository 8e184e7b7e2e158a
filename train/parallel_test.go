package train

import (
	"math"
	"testing"
)

// clearAll zeroes every element of buffers of any lengths; firstNonFinite
// finds the first NaN or infinity wherever the parallel parts split y.
func TestParallelPasses(t *testing.T) {
	bufs := [][]float32{make([]float32, 3), nil, make([]float32, 3*parChunk+5), make([]float32, parChunk)}
	for _, b := range bufs {
		for i := range b {
			b[i] = 1
		}
	}
	clearAll(bufs)
	for k, b := range bufs {
		for i, v := range b {
			if v != 0 {
				t.Fatalf("buffer %d element %d is %v after clearAll", k, i, v)
			}
		}
	}
	y := make([]float64, 5*parChunk+3)
	if i := firstNonFinite(y); i != -1 {
		t.Fatalf("finite y: %d", i)
	}
	for _, at := range [][]int{{0}, {len(y) - 1}, {parChunk, 4 * parChunk}, {3*parChunk + 7, 2*parChunk - 1}} {
		clear(y)
		for k, i := range at {
			y[i] = []float64{math.NaN(), math.Inf(-1)}[k%2]
		}
		want := at[0]
		for _, i := range at {
			want = min(want, i)
		}
		if got := firstNonFinite(y); got != want {
			t.Errorf("non-finite at %v: first %d, want %d", at, got, want)
		}
	}
}
