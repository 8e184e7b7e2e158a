package opticflow

import "github.com/neuropil/neuropil/ode"

// axpy adds a·src to dst (src at least as long as dst): float32 in
// assembly where there is a kernel (decoder_amd64.s), else axpyGo.
func axpy[T ode.Float](dst, src []T, a T) {
	if d, ok := any(dst).([]float32); ok && axpy32(d, any(src).([]float32)[:len(d)], float32(a)) {
		return
	}
	axpyGo(dst, src, a)
}

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

// axpyGo is the plain Go axpy, the reference of the kernels.
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
