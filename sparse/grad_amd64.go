//go:build !noasm

package sparse

import "unsafe"

// grad8AVX2 is MulGradRowsTo for float32 at batch 8 with a gradient
// (mode 0) or MulGradDualReluRowsTo at half 4 (mode 1), in AVX2 and FMA
// (grad_amd64.s); the pointers are the first elements of slices whose
// lengths the caller checked.
//
//go:noescape
func grad8AVX2(dst1, dst2 *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1, mode int)

// grad4AVX2 is grad8AVX2's mode 0 at batch 4 (grad_amd64.s).
//
//go:noescape
func grad4AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)

// mulGradFast runs rows [r0, r1) of MulGradRowsTo for float32 at batch 8
// or 4 with the assembly kernel and reports whether it could.
func mulGradFast(batch int, dst, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	if !hasAVX2 || (batch != 8 && batch != 4) {
		return false
	}
	if batch == 4 {
		grad4AVX2(unsafe.SliceData(dst), unsafe.SliceData(gw), unsafe.SliceData(rowPtr), unsafe.SliceData(col),
			unsafe.SliceData(val), unsafe.SliceData(gz), unsafe.SliceData(y), r0, r1)
		return true
	}
	grad8AVX2(unsafe.SliceData(dst), nil, unsafe.SliceData(gw), unsafe.SliceData(rowPtr), unsafe.SliceData(col),
		unsafe.SliceData(val), unsafe.SliceData(gz), unsafe.SliceData(y), r0, r1, 0)
	return true
}

// mulGradHalfReluFast runs rows [r0, r1) of MulGradDualReluRowsTo for
// float32 at half 4 with the assembly kernel and reports whether it could.
func mulGradHalfReluFast(dst1, dst2, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	if !hasAVX2 {
		return false
	}
	grad8AVX2(unsafe.SliceData(dst1), unsafe.SliceData(dst2), unsafe.SliceData(gw), unsafe.SliceData(rowPtr), unsafe.SliceData(col),
		unsafe.SliceData(val), unsafe.SliceData(gz), unsafe.SliceData(y), r0, r1, 1)
	return true
}

func hasAVX2Grad() bool { return hasAVX2 }
