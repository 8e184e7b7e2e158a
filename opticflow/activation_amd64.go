//go:build !noasm

package opticflow

import "unsafe"

// softplusAffineAVX2 writes softplus(gamma·x[i] + beta)·m[i] to dst[i] for i < n,
// n a multiple of 8 (activation_amd64.s).
//
//go:noescape
func softplusAffineAVX2(dst, x, m *float32, n int, gamma, beta float32)

// sigmoidGradAVX2 multiplies gr[i] by m[i]·σ(gamma·x[i] + beta) for i < n, n a
// multiple of 8 (activation_amd64.s).
//
//go:noescape
func sigmoidGradAVX2(gr, x, m *float32, n int, gamma, beta float32)

// softplusAffine32 runs softplusAffine's multiple of eight values in
// assembly (the caller checked the lengths) and returns how many it did.
func softplusAffine32(dst, x, m []float32, g, b float32) int {
	n := len(dst) &^ 7
	if !hasFMA || n == 0 {
		return 0
	}
	softplusAffineAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), unsafe.SliceData(m), n, g, b)
	return n
}

// sigmoidGrad32 is softplusAffine32 for sigmoidGrad.
func sigmoidGrad32(gr, x, m []float32, g, b float32) int {
	n := len(gr) &^ 7
	if !hasFMA || n == 0 {
		return 0
	}
	sigmoidGradAVX2(unsafe.SliceData(gr), unsafe.SliceData(x), unsafe.SliceData(m), n, g, b)
	return n
}
