package opticflow

import (
	"math"
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
