package opticlobe

import (
	"math/rand/v2"
	"testing"
)

// relaxRows (the kernel at batch 4, float32) equals its plain Go twin
// value for value, over odd and even runs of neurons, in place too.
func TestRelaxRowsKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vrest := make([]float32, 65)
	for k := range vrest {
		vrest[k] = float32(rng.NormFloat64())
	}
	for _, n := range []int{1, 2, 3, 16, 101} {
		typ, invTau := make([]int32, n), make([]float32, n)
		wv, y := make([]float32, 4*n), make([]float32, 4*n)
		for i := range typ {
			typ[i], invTau[i] = int32(rng.IntN(len(vrest))), float32(1/(0.01+rng.Float64()))
		}
		for q := range wv {
			wv[q], y[q] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		for _, r := range [][2]int{{0, n}, {n / 3, n}, {1, n - n/2}} {
			if r[0] > r[1] {
				continue
			}
			got, want := make([]float32, 4*n), make([]float32, 4*n)
			relaxRows(got, wv, y, vrest, typ, invTau, 4, r[0], r[1])
			relaxRowsGo(want, wv, y, vrest, typ, invTau, 4, r[0], r[1])
			inPlace := append([]float32(nil), wv...)
			relaxRows(inPlace, inPlace, y, vrest, typ, invTau, 4, r[0], r[1])
			for q := range got {
				if got[q] != want[q] || (q >= 4*r[0] && q < 4*r[1] && inPlace[q] != want[q]) {
					t.Fatalf("n %d, rows %v, value %d: %v (in place %v), want %v", n, r, q, got[q], inPlace[q], want[q])
				}
			}
		}
	}
}
