//go:build !noasm

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Assembly kernels (vec_amd64.s). Pointers are the first elements of
// slices whose lengths the callers checked; counts are in elements and
// positive.

//go:noescape
func sigmoidAVX2(dst, x *float32, n int)

//go:noescape
func tanhAVX2(dst, x *float32, n int)

//go:noescape
func reluAVX2(dst, x *float32, n int)

//go:noescape
func addAVX2(dst, x *float32, n int)

//go:noescape
func addRowsAVX2(dst, v *float32, rows, batch int)

//go:noescape
func relaxRowsAVX2(dst, r, h, w *float32, rows, batch int)

//go:noescape
func axpyPatternAVX2(dst, src, x, coef *float32, n, p int)

//go:noescape
func errorSq8AVX2(sums *float64, k **float32, c *float64, terms int, y, y1 *float32, rows int, atol, rtol float64)

// useAsm says whether this CPU runs the assembly kernels (AVX2 and FMA).
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The arch functions do what they can in assembly and return how many
// leading elements they did (the rest is the Go twin's), or whether they
// did everything.

func sigmoidArch(dst, x []float32) int {
	n := len(x) &^ 7
	if !useAsm || n == 0 {
		return 0
	}
	sigmoidAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), n)
	return n
}

func tanhArch(dst, x []float32) int {
	n := len(x) &^ 7
	if !useAsm || n == 0 {
		return 0
	}
	tanhAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), n)
	return n
}

func reluArch(dst, x []float32) int {
	n := len(x) &^ 7
	if !useAsm || n == 0 {
		return 0
	}
	reluAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), n)
	return n
}

func addArch(dst, x []float32) int {
	n := len(x) &^ 7
	if !useAsm || n == 0 {
		return 0
	}
	addAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), n)
	return n
}

func addRowsArch(dst, v []float32, batch int) bool {
	if !useAsm || batch%8 != 0 {
		return false
	}
	if batch > 0 && len(v) > 0 {
		addRowsAVX2(unsafe.SliceData(dst), unsafe.SliceData(v), len(v), batch)
	}
	return true
}

func relaxRowsArch(dst, r, h, w []float32, batch int) bool {
	if !useAsm || batch%8 != 0 {
		return false
	}
	if batch > 0 && len(w) > 0 {
		relaxRowsAVX2(unsafe.SliceData(dst), unsafe.SliceData(r), unsafe.SliceData(h), unsafe.SliceData(w), len(w), batch)
	}
	return true
}

// axpyPatternArch covers patterns of a multiple of 8 (whole) and those of
// 1, 2 or 4 (repeated to 8 lanes, on the leading multiple of 8).
func axpyPatternArch(dst, src, x, coef []float32) int {
	p := len(coef)
	if !useAsm {
		return 0
	}
	switch {
	case p%8 == 0:
		if len(dst) > 0 {
			axpyPatternAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), unsafe.SliceData(x), unsafe.SliceData(coef), len(dst), p)
		}
		return len(dst)
	case 8%p == 0:
		n := len(dst) &^ 7
		if n == 0 {
			return 0
		}
		var c8 [8]float32
		for l := range c8 {
			c8[l] = coef[l%p]
		}
		axpyPatternAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), unsafe.SliceData(x), &c8[0], n, 8)
		return n
	}
	return 0
}

// errorSqArch covers batch 8, whose sums sit in two registers of 4 float64.
func errorSqArch(sums []float64, k [][]float32, c [][]float64, y, y1 []float32, atol, rtol float64) bool {
	if !useAsm || len(sums) != 8 {
		return false
	}
	var kp [MaxTerms]*float32
	var cf [MaxTerms * 8]float64
	terms := 0
	for l, cl := range c {
		nz := false
		for _, v := range cl {
			nz = nz || v != 0
		}
		if !nz {
			continue
		}
		kp[terms] = unsafe.SliceData(k[l])
		copy(cf[terms*8:], cl)
		terms++
	}
	if terms == 0 || len(y) == 0 {
		return true // every error is 0
	}
	errorSq8AVX2(&sums[0], &kp[0], &cf[0], terms, unsafe.SliceData(y), unsafe.SliceData(y1), len(y)/8, atol, rtol)
	return true
}
