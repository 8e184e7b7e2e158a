package opticflow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 convTapsPair, dotTaps and dot (the assembly kernels where
// the CPU has them) agree with their plain Go references, computed in float64, within
// float32 rounding, for every length around the kernels' blocks of 8 and
// 32 and the decoder's rows of a padded map; they touch only the first
// len(out) (len(a)) elements.
func TestDecoderKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lengths := []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 63, 64, 65, 100, 31 * 35}
	for _, n := range lengths {
		in := make([]float32, n+200)
		for i := range in {
			in[i] = float32(rng.NormFloat64())
		}
		offs := []int{0, 3, 200, 17, 100}
		out0 := make([]float32, n+3)
		for i := range out0 {
			out0[i] = float32(rng.NormFloat64())
		}
		// convTapsPair: the same taps into two rows, interleaved weights
		w2 := make([]float32, 2*len(offs))
		for j := range w2 {
			w2[j] = float32(rng.NormFloat64())
		}
		p0, p1 := append([]float32(nil), out0...), append([]float32(nil), out0...)
		convTapsPair(p0[:n], p1[:n], in, offs, w2)
		for k, row := range [2][]float32{p0, p1} {
			for p := range row {
				want, abs := float64(out0[p]), math.Abs(float64(out0[p]))
				for j, o := range offs {
					if p < n {
						want += float64(w2[2*j+k]) * float64(in[p+o])
						abs += math.Abs(float64(w2[2*j+k]) * float64(in[p+o]))
					}
				}
				if d := math.Abs(float64(row[p]) - want); d > 6e-7*abs {
					t.Fatalf("convTapsPair n=%d row %d: [%d] = %v, want %v", n, k, p, row[p], want)
				}
			}
		}
		// dotTaps: seven taps, four in assembly and three one by one
		toffs, sums := []int{0, 1, 2, 50, 100, 199, 7}, make([]float32, 7)
		for j := range sums {
			sums[j] = float32(j)
		}
		dotTaps(sums, in[:n], in, toffs)
		for j, o := range toffs {
			want, abs := float64(j), float64(j)
			for p := range n {
				want += float64(in[p]) * float64(in[p+o])
				abs += math.Abs(float64(in[p]) * float64(in[p+o]))
			}
			if d := math.Abs(float64(sums[j]) - want); d > 1.2e-7*float64(n+2)*abs {
				t.Errorf("dotTaps n=%d tap %d: %v, want %v", n, j, sums[j], want)
			}
		}
		x, y := in[:n], in[100:]
		x64, y64 := make([]float64, n), make([]float64, n)
		var abs float64
		for i := range n {
			x64[i], y64[i] = float64(x[i]), float64(y[i])
			abs += math.Abs(x64[i] * y64[i])
		}
		want := dotGo(x64, y64)
		if d := math.Abs(float64(dot(x, y)) - want); d > 1.2e-7*float64(n+1)*abs {
			t.Errorf("dot n=%d: %v, want %v", n, dot(x, y), want)
		}
		if got, want := dot(x64, y64), dotGo(x64, y64); got != want {
			t.Errorf("float64 dot n=%d: %v, want %v", n, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a tap outside the input: no panic")
		}
	}()
	convTapsPair(make([]float32, 10), make([]float32, 10), make([]float32, 10), []int{1}, []float32{1, 1})
}

func TestDotTapsBounds(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a tap outside the input: no panic")
		}
	}()
	dotTaps(make([]float32, 1), make([]float32, 10), make([]float32, 10), []int{1})
}

// BenchmarkDecoder is the decoder's share of a training step: Forward and
// Backward of 19 frames at batch 4 on the full eye (extent 15).
func BenchmarkDecoder(b *testing.B) {
	net := smallNet(b, 15)
	d := NewDecoder[float32](net, DecoderConfig{}, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	states, grads := make([][]float32, 19), make([][]float32, 19)
	for f := range states {
		states[f], grads[f] = make([]float32, net.Neurons()*4), make([]float32, net.Neurons()*4)
		for q := range states[f] {
			states[f][q] = float32(rng.NormFloat64())
		}
	}
	gflow := make([]float32, 19*4*2*721)
	for q := range gflow {
		gflow[q] = float32(rng.NormFloat64())
	}
	for b.Loop() {
		d.Forward(states, 4)
		d.ZeroGrad()
		d.Backward(grads, gflow, 4)
	}
}
