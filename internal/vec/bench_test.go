package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The benchmarks compare each kernel as dispatched (asm where the CPU has
// it) with its Go twin, on one block of the sparse product's fused post
// (256 rows × batch 8 = 2048 elements, in L1) and on the whole default
// state (47,521 × 8 = 380,168 elements). They report ns per element.

var benchSizes = []int{2048, 380168}

func benchElems(b *testing.B, n int, f func()) {
	b.SetBytes(int64(4 * n))
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

func benchPair(b *testing.B, kernel, twin func(n int) func()) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d/go", n), func(b *testing.B) { benchElems(b, n, twin(n)) })
		b.Run(fmt.Sprintf("n=%d/vec", n), func(b *testing.B) { benchElems(b, n, kernel(n)) })
	}
}

func benchData(n int) (x, d []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	return randSlice(rng, n), randSlice(rng, n)
}

func BenchmarkSigmoid(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { Sigmoid(d, x) } },
		func(n int) func() {
			x, d := benchData(n)
			return func() {
				for i, v := range x {
					d[i] = sigmoid(v)
				}
			}
		})
}

func BenchmarkTanh(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { Tanh(d, x) } },
		func(n int) func() {
			x, d := benchData(n)
			return func() {
				for i, v := range x {
					d[i] = tanh(v)
				}
			}
		})
}

func BenchmarkReLU(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { ReLU(d, x) } },
		func(n int) func() {
			x, d := benchData(n)
			return func() {
				for i, v := range x {
					d[i] = max(v, 0)
				}
			}
		})
}

func BenchmarkAdd(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { Add(d, x) } },
		func(n int) func() { x, d := benchData(n); return func() { addGo(d, x) } })
}

func BenchmarkAddRows(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { AddRows(d, x[:n/8]) } },
		func(n int) func() { x, d := benchData(n); return func() { addRowsGo(d, x[:n/8], 8) } })
}

func BenchmarkRelaxRows(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { RelaxRows(d, d, x, x[:n/8]) } },
		func(n int) func() { x, d := benchData(n); return func() { relaxRowsGo(d, d, x, x[:n/8], 8) } })
}

func BenchmarkAxpyPattern(b *testing.B) {
	benchPair(b,
		func(n int) func() { x, d := benchData(n); return func() { AxpyPattern(d, x, x[:8]) } },
		func(n int) func() { x, d := benchData(n); return func() { axpyPatternGo(d, d, x, x[:8]) } })
}

// BenchmarkErrorSq has the six nonzero terms of dopri5's error estimate.
func BenchmarkErrorSq(b *testing.B) {
	setup := func(n int) ([]float64, [][]float32, [][]float64, []float32, []float32) {
		rng := rand.New(rand.NewPCG(2, 2))
		k := make([][]float32, 6)
		c := make([][]float64, 6)
		for l := range k {
			k[l] = randSlice(rng, n)
			c[l] = []float64{1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 7e-3, 8e-3}
		}
		return make([]float64, 8), k, c, randSlice(rng, n), randSlice(rng, n)
	}
	benchPair(b,
		func(n int) func() {
			s, k, c, y, y1 := setup(n)
			return func() { ErrorSq(s, k, c, y, y1, 1e-6, 1e-3) }
		},
		func(n int) func() {
			s, k, c, y, y1 := setup(n)
			return func() { errorSqGo(s, k, c, y, y1, 1e-6, 1e-3) }
		})
}
