package train

import (
	"sync/atomic"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/internal/vec"
	"github.com/neuropil/neuropil/ode"
)

// parChunk is the elements a part of the parallel passes below takes at
// least.
const parChunk = 1 << 14

// clearAll zeroes the buffers, in parallel (a backward pass clears one
// adjoint per output time, megabytes a step).
func clearAll[T ode.Float](bufs [][]T) {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	team.For(n, parChunk, func(lo, hi int) {
		off := 0
		for _, b := range bufs {
			if s, e := max(lo-off, 0), min(hi-off, len(b)); s < e {
				clear(b[s:e])
			}
			off += len(b)
		}
	})
}

// firstNonFinite returns the index of y's first NaN or infinity, or −1,
// scanning parts of y in parallel.
func firstNonFinite[T ode.Float](y []T) int {
	var first atomic.Int64
	first.Store(int64(len(y)))
	team.For(len(y), parChunk, func(lo, hi int) {
		if i := vec.FirstNonFinite(y[lo:hi]); i >= 0 {
			for {
				cur := first.Load()
				if int64(lo+i) >= cur || first.CompareAndSwap(cur, int64(lo+i)) {
					break
				}
			}
		}
	})
	if f := int(first.Load()); f < len(y) {
		return f
	}
	return -1
}
