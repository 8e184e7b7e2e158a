//go:build !noasm

package opticflow

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasFMA reports whether the CPU runs the AVX2 and FMA kernels of
// decoder_amd64.s.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// axpyAVX2 adds a·src to dst for n elements.
//
//go:noescape
func axpyAVX2(dst, src *float32, a float32, n int)

// dotAVX2 returns the dot product of n elements of a and b.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// axpy32 runs axpy in assembly (src as long as dst) and reports whether
// it could.
func axpy32(dst, src []float32, a float32) bool {
	if !hasFMA || len(dst) == 0 {
		return hasFMA
	}
	axpyAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), a, len(dst))
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
