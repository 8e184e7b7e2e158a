//go:build !noasm

package opticflow

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasFMA reports whether the CPU runs the AVX2 and FMA kernels of
// decoder_amd64.s.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 returns the dot product of n elements of a and b.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// convAVX2 adds Σ_j w[j]·in[p+offs[j]] to out[p] for p < n, j < nt.
//
//go:noescape
func convAVX2(out, in *float32, offs *int, w *float32, nt, n int)

// convTaps32 runs convTaps in assembly (the caller checked the bounds)
// and reports whether it could.
func convTaps32(out, in []float32, offs []int, w []float32) bool {
	if !hasFMA || len(out) == 0 || len(offs) == 0 {
		return hasFMA
	}
	convAVX2(unsafe.SliceData(out), unsafe.SliceData(in), unsafe.SliceData(offs), unsafe.SliceData(w), len(offs), len(out))
	return true
}

// dot32 runs dot in assembly (b as long as a) and reports whether it
// could.
func dot32(a, b []float32) (float32, bool) {
	if !hasFMA || len(a) == 0 {
		return 0, hasFMA
	}
	return dotAVX2(unsafe.SliceData(a), unsafe.SliceData(b), len(a)), true
}
