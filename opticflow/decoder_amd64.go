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

// conv2AVX2 adds Σ_j w[2j+k]·in[p+offs[j]] to outk[p] for p < n, j < nt,
// k = 0, 1.
//
//go:noescape
func conv2AVX2(out0, out1, in *float32, offs *int, w *float32, nt, n int)

// convPair32 runs convTapsPair in assembly (the caller checked the bounds)
// and reports whether it could.
func convPair32(out0, out1, in []float32, offs []int, w2 []float32) bool {
	if !hasFMA || len(out0) == 0 || len(offs) == 0 {
		return hasFMA
	}
	conv2AVX2(unsafe.SliceData(out0), unsafe.SliceData(out1), unsafe.SliceData(in), unsafe.SliceData(offs),
		unsafe.SliceData(w2), len(offs), len(out0))
	return true
}

// dot4AVX2 writes to sums[0:4] the dot products of n elements of gr (n a
// multiple of 8) with in at the four offsets offs[0:4].
//
//go:noescape
func dot4AVX2(sums *float32, gr, in *float32, offs *int, n int)

// dotTaps32 runs dotTaps in assembly, four taps at a time (the caller
// checked the bounds), and reports whether it could.
func dotTaps32(sums, g, in []float32, offs []int) bool {
	if !hasFMA {
		return false
	}
	n8 := len(g) &^ 7
	var s [4]float32
	j := 0
	for ; j+4 <= len(offs) && n8 > 0; j += 4 {
		dot4AVX2(&s[0], unsafe.SliceData(g), unsafe.SliceData(in), &offs[j], n8)
		for q := range 4 {
			sums[j+q] += s[q] + dotGo(g[n8:], in[offs[j+q]+n8:])
		}
	}
	for ; j < len(offs); j++ {
		sums[j] += dot(g, in[offs[j]:])
	}
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
