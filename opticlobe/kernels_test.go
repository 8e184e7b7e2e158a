package opticlobe

import (
	"math"
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

// dualScale (the kernel at batch 4, float32) equals its plain Go twin
// value for value, zeros and signed zeros included.
func TestDualScaleKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 100} {
		kbar, kbar2, k := make([]float32, 4*n), make([]float32, 4*n), make([]float32, 4*n)
		invTau := make([]float32, n)
		for q := range kbar {
			kbar[q], kbar2[q], k[q] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
			if q%7 == 0 {
				kbar[q], kbar2[q] = 0, float32(math.Copysign(0, -1))
			}
		}
		for i := range invTau {
			invTau[i] = float32(1 / (0.01 + rng.Float64()))
		}
		sums := func() (b, b2, tau []float32) {
			b, b2, tau = make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range b {
				b[i], b2[i], tau[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
			}
			return
		}
		gb, gb2, gt := sums()
		wb, wb2, wt := append([]float32(nil), gb...), append([]float32(nil), gb2...), append([]float32(nil), gt...)
		got, want := make([]float32, 8*n), make([]float32, 8*n)
		c2 := []float32{0.02, -0.5, 3, float32(math.Copysign(0, -1))}
		dualScale(got, kbar, kbar2, c2, k, invTau, gb, gb2, gt, 4)
		dualScaleGo(want, kbar, kbar2, c2, k, invTau, wb, wb2, wt, 4)
		bits := math.Float32bits
		for q := range got {
			if bits(got[q]) != bits(want[q]) {
				t.Fatalf("n %d: u2[%d] = %v, want %v", n, q, got[q], want[q])
			}
		}
		for i := range gb {
			if bits(gb[i]) != bits(wb[i]) || bits(gb2[i]) != bits(wb2[i]) || bits(gt[i]) != bits(wt[i]) {
				t.Fatalf("n %d, neuron %d: sums %v %v %v, want %v %v %v", n, i, gb[i], gb2[i], gt[i], wb[i], wb2[i], wt[i])
			}
		}
	}
}
