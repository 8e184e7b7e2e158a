package sim

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/sparse"
)

// begin sets the output times of the result.
func (ru *runner) begin(times []float64) { ru.res.Times = times }

// record applies the readout to the states of n output times from k0 on,
// states [n][batch][dim], and keeps the last of them as the result's Last.
// single says that states holds every output time (one window).
func (ru *runner) record(states []float32, k0, n int, single bool) {
	res, dim, batch := ru.res, ru.dim, ru.batch
	if res.Last == nil {
		res.Last = make([]float32, dim*batch)
	}
	end := states[(n-1)*batch*dim : n*batch*dim] // [batch][dim]
	for b := 0; b < batch; b++ {
		for i, v := range end[b*dim : (b+1)*dim] {
			res.Last[i*batch+b] = v
		}
	}
	if single {
		res.States = states
		if ru.r.whole() && !ru.r.BatchFirst {
			res.Activity = states
			return
		}
	}
	if res.Activity == nil {
		res.Activity = make([]float32, len(res.Times)*batch*res.Width)
	}
	r := &ru.r
	for k := 0; k < n; k++ {
		for b := 0; b < batch; b++ {
			src := states[(k*batch+b)*dim : (k*batch+b+1)*dim]
			dst := res.At(k0+k, b)
			switch {
			case r.Projection != nil:
				sparse.MulTo(dst, r.Projection, src, 1)
				for j, c := range r.Bias {
					dst[j] += c
				}
			case r.Neurons != nil:
				for j, i := range r.Neurons {
					dst[j] = src[i]
				}
			default:
				copy(dst, src)
			}
		}
	}
}

// At returns the recorded values of sample b at output time k, [Width].
// It panics if k or b is out of range.
func (r *Result) At(k, b int) []float32 {
	if k < 0 || k >= len(r.Times) || b < 0 || b >= r.Batch {
		panic(fmt.Sprintf("sim: output %d of sample %d out of range %d×%d", k, b, len(r.Times), r.Batch))
	}
	o := (k*r.Batch + b) * r.Width
	if r.BatchFirst {
		o = (b*len(r.Times) + k) * r.Width
	}
	return r.Activity[o : o+r.Width]
}

// Shape returns the shape of Activity: [times, batch, width], or [batch,
// times, width] when BatchFirst.
func (r *Result) Shape() []int {
	if r.BatchFirst {
		return []int{r.Batch, len(r.Times), r.Width}
	}
	return []int{len(r.Times), r.Batch, r.Width}
}

// SampleTimes returns the output time of every sample in the layout of
// Activity without its last axis: [times][batch], or [batch][times] when
// BatchFirst (torchode's per-sample times).
func (r *Result) SampleTimes() []float32 {
	nt := len(r.Times)
	t := make([]float32, nt*r.Batch)
	for k, tk := range r.Times {
		for b := 0; b < r.Batch; b++ {
			if r.BatchFirst {
				t[b*nt+k] = float32(tk)
			} else {
				t[k*r.Batch+b] = float32(tk)
			}
		}
	}
	return t
}

// Range returns the smallest and largest recorded value (+Inf and −Inf
// for none), scanning parts of the activity in parallel: a default
// simulation records 7.6 million values. The solvers have checked that the
// states are finite.
func (r *Result) Range() (lo, hi float32) {
	const parts = 64
	v := r.Activity
	var los, his [parts]float32
	for p := range parts {
		los[p], his[p] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	team.For(parts, 1, func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			l, h := los[p], his[p]
			for _, x := range v[len(v)*p/parts : len(v)*(p+1)/parts] {
				if x < l {
					l = x
				}
				if x > h {
					h = x
				}
			}
			los[p], his[p] = l, h
		}
	})
	lo, hi = los[0], his[0]
	for p := 1; p < parts; p++ {
		lo, hi = min(lo, los[p]), max(hi, his[p])
	}
	return lo, hi
}
