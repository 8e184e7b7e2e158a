package opticflow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 softplus and sigmoid (expNeg, log1pUnit) against the math
// package in float64, over the range the decoder meets and beyond.
func TestFastSoftplus(t *testing.T) {
	var xs []float64
	for x := -120.0; x <= 30; x += 0.001953125 {
		xs = append(xs, x)
	}
	xs = append(xs, 0, -0.0, 1e-8, -1e-8, 20, 20.0001, -745, -746, -1000, math.Inf(-1))
	for _, x := range xs {
		want := math.Log1p(math.Exp(x))
		if x > 20 {
			want = x
		}
		got := float64(softplus(float32(x)))
		// at most one float32 step from the exact value of the float32
		// argument, rounded
		exact := math.Log1p(math.Exp(float64(float32(x))))
		if float32(x) > 20 {
			exact = float64(float32(x))
		}
		if !withinULP(float32(got), float32(exact)) {
			t.Fatalf("softplus(%v) = %v, want %v (float64 %v)", x, got, exact, want)
		}
		sx := float64(float32(x))
		sig := 1 / (1 + math.Exp(-sx))
		if g := sigmoid(float32(x)); !withinULP(g, float32(sig)) {
			t.Fatalf("sigmoid(%v) = %v, want %v", x, g, float32(sig))
		}
	}
	for _, x := range []float64{0, -1e-300, -0.3, -0.35, -1, -10, -100, -700, -708.4, -709, -744, -745} {
		if got, want := expNeg(x), math.Exp(x); math.Abs(got-want) > 1e-8*want {
			t.Errorf("expNeg(%v) = %v, want %v", x, got, want)
		}
	}
	for _, e := range []float64{0, 1e-300, 1e-20, 1e-8, 0.1, 0.5, 0.999, 1} {
		if got, want := log1pUnit(e), math.Log1p(e); math.Abs(got-want) > 2e-8*want {
			t.Errorf("log1pUnit(%v) = %v, want %v", e, got, want)
		}
	}
	if softplus(float32(math.NaN())) == softplus(float32(math.NaN())) {
		t.Error("softplus(NaN) is not NaN")
	}
}

// withinULP reports whether a and b are equal or neighbouring float32s.
func withinULP(a, b float32) bool {
	return a == b || math.Nextafter32(b, a) == a
}

func BenchmarkSoftplus32(b *testing.B) {
	xs := make([]float32, 4096)
	for i := range xs {
		xs[i] = float32(i)/512 - 4
	}
	var s float32
	for b.Loop() {
		for _, x := range xs {
			s += softplus(x)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/value")
	sinkF32 = s
}

var sinkF32 float32

// The activation kernels against their plain Go twins: random arguments
// over [−120, 40] (most of them in the decoder's [−6, 6]), a dropout mask
// of 0 and 2, lengths that leave a tail, NaN and infinities.
func TestActivationKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 7, 8, 9, 961, 4096} {
		x, m := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 3)
			if i%5 == 0 {
				x[i] = float32(-120 + 160*rng.Float64())
			}
			if rng.IntN(2) == 0 {
				m[i] = 2
			}
		}
		if n > 8 {
			x[1], x[2], x[3], m[1], m[2], m[3] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 2, 2, 2
		}
		g, b := float32(1.3), float32(-0.2)
		got, want := make([]float32, n), make([]float32, n)
		softplusAffine(got, x, m, g, b)
		softplusAffineGo(want, x, m, g, b)
		close := func(what string, i int, a, w float32) {
			t.Helper()
			nan := func(v float32) bool { return v != v }
			switch {
			case nan(a) || nan(w):
				if !nan(a) || !nan(w) {
					t.Fatalf("%s n=%d [%d] (x %v, m %v): %v, want %v", what, n, i, x[i], m[i], a, w)
				}
			case math.IsInf(float64(w), 0):
				if a != w {
					t.Fatalf("%s n=%d [%d] (x %v): %v, want %v", what, n, i, x[i], a, w)
				}
			case math.Abs(float64(a-w)) > 1e-6*math.Abs(float64(w))+1e-36: // measured: 4.3 and 2.9 units of 2⁻²⁴; below exp(−87.34) the kernels clamp
				t.Fatalf("%s n=%d [%d] (x %v, m %v): %v, want %v", what, n, i, x[i], m[i], a, w)
			}
		}
		for i := range got {
			close("softplus", i, got[i], want[i])
		}
		for i := range got {
			got[i], want[i] = float32(rng.NormFloat64()), 0
			want[i] = got[i]
		}
		sigmoidGrad(got, x, m, g, b)
		sigmoidGradGo(want, x, m, g, b)
		for i := range got {
			close("sigmoid", i, got[i], want[i])
		}
	}
}
