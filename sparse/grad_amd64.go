//go:build !noasm

package sparse

import "unsafe"

// grad8AVX2 is MulGradRowsTo for float32 at batch 8 with a gradient, in
// AVX2 and FMA (grad_amd64.s); the pointers are the first elements of
// slices whose lengths the caller checked.
//
//go:noescape
func grad8AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)

// grad4AVX2 is grad8AVX2 at batch 4 (grad_amd64.s).
//
//go:noescape
func grad4AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)

// mulGradFast runs rows [r0, r1) of MulGradRowsTo for float32 at batch 8
// or 4 with the assembly kernel and reports whether it could.
func mulGradFast(batch int, dst, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	if !hasAVX2 || (batch != 8 && batch != 4) {
		return false
	}
	f := grad8AVX2
	if batch == 4 {
		f = grad4AVX2
	}
	f(unsafe.SliceData(dst), unsafe.SliceData(gw), unsafe.SliceData(rowPtr), unsafe.SliceData(col),
		unsafe.SliceData(val), unsafe.SliceData(gz), unsafe.SliceData(y), r0, r1)
	return true
}

// gradHalf8AVX2 is grad8AVX2 with y of four lanes a row (grad_amd64.s).
//
//go:noescape
func gradHalf8AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)

// mulGradHalfFast runs rows [r0, r1) of MulGradDualRowsTo for float32 at
// half 4 with the assembly kernel and reports whether it could.
func mulGradHalfFast(dst, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	if !hasAVX2 {
		return false
	}
	gradHalf8AVX2(unsafe.SliceData(dst), unsafe.SliceData(gw), unsafe.SliceData(rowPtr), unsafe.SliceData(col),
		unsafe.SliceData(val), unsafe.SliceData(gz), unsafe.SliceData(y), r0, r1)
	return true
}

// gradHalfRelu8AVX2 is gradHalf8AVX2 with MulGradDualReluRowsTo's
// epilogue (grad_amd64.s).
//
//go:noescape
func gradHalfRelu8AVX2(dst1, dst2 *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)

// mulGradHalfReluFast runs rows [r0, r1) of MulGradDualReluRowsTo for
// float32 at half 4 with the assembly kernel and reports whether it could.
func mulGradHalfReluFast(dst1, dst2, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	if !hasAVX2 {
		return false
	}
	gradHalfRelu8AVX2(unsafe.SliceData(dst1), unsafe.SliceData(dst2), unsafe.SliceData(gw), unsafe.SliceData(rowPtr), unsafe.SliceData(col),
		unsafe.SliceData(val), unsafe.SliceData(gz), unsafe.SliceData(y), r0, r1)
	return true
}

func hasAVX2Grad() bool { return hasAVX2 }
