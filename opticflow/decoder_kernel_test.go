package opticflow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 axpy and dot (the assembly kernels where the CPU has them)
// agree with their plain Go references, computed in float64, within
// float32 rounding, for every length around the kernels' blocks of 8 and
// 32 and the decoder's rows of a padded map; they touch only the first
// len(dst) (len(a)) elements.
func TestDecoderKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lengths := []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 63, 64, 65, 100, 31 * 35}
	for _, n := range lengths {
		x, y := make([]float32, n+3), make([]float32, n+3)
		for i := range x {
			x[i], y[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		a := float32(rng.NormFloat64())
		got := append([]float32(nil), y...)
		axpy(got[:n], x, a)
		var abs float64
		for i := range got {
			want := float64(y[i])
			if i < n {
				want += float64(a) * float64(x[i])
			}
			if d := math.Abs(float64(got[i]) - want); d > 2e-7*(math.Abs(want)+math.Abs(float64(a*x[i]))) {
				t.Fatalf("axpy n=%d: [%d] = %v, want %v", n, i, got[i], want)
			}
			if i < n {
				abs += math.Abs(float64(x[i]) * float64(y[i]))
			}
		}
		x64, y64 := make([]float64, n), make([]float64, n)
		for i := range n {
			x64[i], y64[i] = float64(x[i]), float64(y[i])
		}
		want := dotGo(x64, y64)
		if d := math.Abs(float64(dot(x[:n], y)) - want); d > 1.2e-7*float64(n+1)*abs {
			t.Errorf("dot n=%d: %v, want %v", n, dot(x[:n], y), want)
		}
		if got, want := dot(x64, y64), dotGo(x64, y64); got != want {
			t.Errorf("float64 dot n=%d: %v, want %v", n, got, want)
		}
	}
}
