package opticflow

import (
	"fmt"

	"github.com/neuropil/neuropil/ode"
)

// dot returns Σ a[i]·b[i] over a (b at least as long): float32 in
// assembly where there is a kernel, else dotGo.
func dot[T ode.Float](a, b []T) T {
	if a32, ok := any(a).([]float32); ok {
		if s, ok := dot32(a32, any(b).([]float32)[:len(a)]); ok {
			return T(s)
		}
	}
	return dotGo(a, b)
}

// dotTaps adds to sums[j] the dot product of g with in at offset offs[j]
// (the weight gradients of one output and input channel of a
// convolution): float32 in assembly where there is a kernel, else
// dotTapsGo. It panics if a tap reads outside in.
func dotTaps[T ode.Float](sums, g, in []T, offs []int) {
	sums = sums[:len(offs)]
	for _, o := range offs {
		if o < 0 || o+len(g) > len(in) {
			panic(fmt.Sprintf("opticflow: tap offset %d of %d values outside %d inputs", o, len(g), len(in)))
		}
	}
	if s32, ok := any(sums).([]float32); ok && dotTaps32(s32, any(g).([]float32), any(in).([]float32), offs) {
		return
	}
	dotTapsGo(sums, g, in, offs)
}

// dotTapsGo is the plain Go dotTaps, the reference of the kernel.
func dotTapsGo[T ode.Float](sums, g, in []T, offs []int) {
	for j, o := range offs {
		sums[j] += dotGo(g, in[o:])
	}
}

// convTapsPair adds Σ_j w2[2j]·in[p+offs[j]] to out0[p] and
// Σ_j w2[2j+1]·in[p+offs[j]] to out1[p] for every p < len(out0) (two
// output rows of a convolution whose taps j read in at offsets offs[j]):
// float32 in assembly where there is a kernel, reading in once for both,
// else the plain Go loops, tap after tap. It panics if a tap reads
// outside in.
func convTapsPair[T ode.Float](out0, out1, in []T, offs []int, w2 []T) {
	w2 = w2[:2*len(offs)]
	out1 = out1[:len(out0)]
	for _, o := range offs {
		if o < 0 || o+len(out0) > len(in) {
			panic(fmt.Sprintf("opticflow: tap offset %d of %d outputs outside %d inputs", o, len(out0), len(in)))
		}
	}
	if o32, ok := any(out0).([]float32); ok && convPair32(o32, any(out1).([]float32), any(in).([]float32), offs, any(w2).([]float32)) {
		return
	}
	for k, out := range [2][]T{out0, out1} {
		for j, o := range offs {
			axpyGo(out, in[o:], w2[2*j+k])
		}
	}
}

// axpyGo adds a·src to dst (src at least as long).
func axpyGo[T ode.Float](dst, src []T, a T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += a * v
	}
}

// dotGo is the plain Go dot, summing in order, the reference of the
// kernels.
func dotGo[T ode.Float](a, b []T) T {
	b = b[:len(a)]
	var s T
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
