//go:build !noasm

package opticlobe

import "unsafe"

// stencilRunAVX2 is stencilRun for n values, n a multiple of 4, at src's
// base (stencil_amd64.s).
//
//go:noescape
func stencilRunAVX2(dst *float32, n int, src *float32, off *int, w *float32, k int)

// stencilRunFast runs stencilRun on the leading multiple of 4 of dst's
// values in assembly (stencilRun has checked the reads) and returns how
// many values it wrote.
func stencilRunFast(dst, src []float32, base int, off []int, w []float32) int {
	n := len(dst) &^ 3
	if !hasAVX2 || n == 0 || len(off) == 0 {
		return 0
	}
	stencilRunAVX2(unsafe.SliceData(dst), n, &src[base], unsafe.SliceData(off), unsafe.SliceData(w), len(off))
	return n
}

// termDots8AVX2 is termDots for eight terms at 4 lanes (stencil_amd64.s).
//
//go:noescape
func termDots8AVX2(u *float32, us int, a *float32, off *int, n int, out *float32)

// termDots4Fast runs termDots at 4 lanes in assembly, eight terms at a
// time (termDots has checked the reads), and reports whether it could.
func termDots4Fast(out, u []float32, us int, a []float32, ab int, off []int, n int) bool {
	if !hasAVX2 {
		return false
	}
	var o [8]int
	var s [8]float32
	for j := 0; j < len(off); j += 8 {
		k := copy(o[:], off[j:])
		if k == 8 {
			termDots8AVX2(unsafe.SliceData(u), us, &a[ab], &o[0], n, &out[j])
			continue
		}
		for i := k; i < 8; i++ {
			o[i] = o[0]
		}
		s = [8]float32{}
		termDots8AVX2(unsafe.SliceData(u), us, &a[ab], &o[0], n, &s[0])
		for i := range k {
			out[j+i] += s[i]
		}
	}
	return true
}

// dualRelu4AVX2 is dualRelu at 4 lanes for n neurons (stencil_amd64.s).
//
//go:noescape
func dualRelu4AVX2(dst1, ybar2, d, own, a *float32, n int)

// dualRelu4 runs dualRelu at 4 lanes in assembly and reports whether it
// could (dualRelu has checked the lengths).
func dualRelu4(dst1, ybar2, d, own, a []float32) bool {
	if !hasAVX2 {
		return false
	}
	if n := len(a) / 4; n > 0 {
		dualRelu4AVX2(unsafe.SliceData(dst1), unsafe.SliceData(ybar2), unsafe.SliceData(d), unsafe.SliceData(own), unsafe.SliceData(a), n)
	}
	return true
}
