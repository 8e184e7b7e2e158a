package membw

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

// DefaultElements is the length of each of the three arrays (128 MiB of
// float64 each): well beyond the 32 MiB L3 of the machines neuropil is
// benchmarked on, so the triad measures main memory.
const DefaultElements = 1 << 24

// Result is a bandwidth measurement.
type Result struct {
	GBps     float64       // best triad rate, 10⁹ bytes per second
	Best     time.Duration // fastest triad pass
	Elements int           // length of each array
	Workers  int           // goroutines
	Reps     int           // timed passes
}

// Triad measures the best of reps triad passes over arrays of n elements
// split among workers goroutines (0: GOMAXPROCS). It panics if n < workers
// or reps < 1.
func Triad(n, workers, reps int) Result {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if n < workers || reps < 1 {
		panic(fmt.Sprintf("membw: %d elements among %d workers, %d reps", n, workers, reps))
	}
	a := make([]float64, n)
	b := make([]float64, n)
	c := make([]float64, n)
	var wg sync.WaitGroup
	parallel := func(f func(lo, hi int)) {
		wg.Add(workers)
		for w := range workers {
			go func() {
				defer wg.Done()
				f(n*w/workers, n*(w+1)/workers)
			}()
		}
		wg.Wait()
	}
	// First touch from the workers that will use the pages.
	parallel(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			a[i], b[i], c[i] = 0, 1, 2
		}
	})
	const s = 3.0
	best := time.Duration(1<<63 - 1)
	for r := -1; r < reps; r++ { // one warm-up pass
		t0 := time.Now()
		parallel(func(lo, hi int) { triad(a[lo:hi], b[lo:hi], c[lo:hi], s) })
		if d := time.Since(t0); r >= 0 {
			best = min(best, d)
		}
	}
	return Result{GBps: 24 * float64(n) / best.Seconds() / 1e9, Best: best, Elements: n, Workers: workers, Reps: reps}
}

// triad computes a[i] = b[i] + s·c[i].
func triad(a, b, c []float64, s float64) {
	b = b[:len(a)]
	c = c[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 { // unrolled: one loop overhead per cache half-line
		aa, bb, cc := a[i:i+4:i+4], b[i:i+4:i+4], c[i:i+4:i+4]
		aa[0] = bb[0] + s*cc[0]
		aa[1] = bb[1] + s*cc[1]
		aa[2] = bb[2] + s*cc[2]
		aa[3] = bb[3] + s*cc[3]
	}
	for ; i < len(a); i++ {
		a[i] = b[i] + s*c[i]
	}
}
