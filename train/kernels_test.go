package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

// The assembly backward kernel agrees with the plain Go loop of backRows on
// the same inputs, including empty rows and rows of every length.
func TestBackRowsFastMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ n, deg int }{{7, 3}, {64, 3}, {300, 3}, {200, 41}, {50, 50}} {
		n := c.n // rows of 0 to ~100 entries: blocks of eight and the rest
		a := sparse.Random(n, n, c.deg*n, 1, uint64(n+c.deg), nil)
		rowPtr, col, _ := transposeMap(a)
		val := make([]float32, a.NNZ())
		for k := range val {
			val[k] = float32(rng.NormFloat64())
		}
		gz := make([]float32, n*8)
		y := make([]float32, n*8)
		for i := range gz {
			gz[i], y[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		want, got := make([]float32, n*8), make([]float32, n*8)
		gwWant, gwGot := make([]float32, a.NNZ()), make([]float32, a.NNZ())
		for k := range gwWant {
			gwWant[k] = float32(k % 3)
			gwGot[k] = gwWant[k]
		}
		backRows(want, gwWant, rowPtr, col, val, gz, y, 8, 0, n)
		if !backRows8Fast(got, gwGot, rowPtr, col, val, gz, y, 0, n) {
			t.Skip("no assembly kernel on this CPU or build")
		}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("n %d: dst[%d] = %v, Go %v", n, i, got[i], want[i])
			}
		}
		for k := range gwWant {
			if math.Abs(float64(gwGot[k]-gwWant[k])) > 1e-5*(1+math.Abs(float64(gwWant[k]))) {
				t.Fatalf("n %d: gw[%d] = %v, Go %v", n, k, gwGot[k], gwWant[k])
			}
		}
	}
}
