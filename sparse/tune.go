package sparse

import (
	"math/rand/v2"
	"slices"
	"time"
)

// KernelTime is the measured time of one kernel in an autotune step.
type KernelTime struct {
	Kernel string
	Time   time.Duration // fastest of the timed products
}

// tuneReps is the number of timed products per kernel in the autotune
// step, after one untimed warm-up product.
const tuneReps = 5

// tune times every kernel that handles p's batch on p's matrix, with random
// inputs, and keeps the fastest.
func (p *Product) tune() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, p.A.Cols*p.Batch)
	for i := range x {
		x[i] = float32(rng.Float64() - 0.5)
	}
	dst := make([]float32, p.A.Rows*p.Batch)
	var times []KernelTime
	for _, name := range kernelsFor(p.Batch, p.enc) {
		v, err := kernelNamed(name, p.Batch, p.enc)
		if err != nil {
			panic("sparse: " + err.Error()) // Kernels lists only usable kernels
		}
		p.kern = v
		p.Mul(dst, x)
		best := time.Duration(1<<63 - 1)
		for range tuneReps {
			t0 := time.Now()
			p.Mul(dst, x)
			best = min(best, time.Since(t0))
		}
		times = append(times, KernelTime{Kernel: name, Time: best})
	}
	slices.SortStableFunc(times, func(a, b KernelTime) int { return int(a.Time - b.Time) })
	p.tuned = times
	p.kern, _ = kernelNamed(times[0].Kernel, p.Batch, p.enc)
}

// Tuned returns the timings of the autotune step, fastest first, or nil if
// the Product was not made with Kernel "tune".
func (p *Product) Tuned() []KernelTime { return p.tuned }
