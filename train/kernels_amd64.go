//go:build !noasm

package train

import "golang.org/x/sys/cpu"

// back8AVX2 is backRows for batch 8 in AVX2 and FMA (kernels_amd64.s);
// the pointers are the first elements of slices whose lengths the caller
// checked.
//
//go:noescape
func back8AVX2(dst *float32, gw *float32, rowPtr *int32, col *int32, val *float32, gz *float32, y *float32, r0, r1 int)

var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// backRows8Fast runs rows [r0, r1) of backRows for float32 at batch 8 with
// the assembly kernel and reports whether it could.
func backRows8Fast(dst, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	if !hasAVX2 || gw == nil || r0 >= r1 || len(val) == 0 {
		return false
	}
	back8AVX2(&dst[0], &gw[0], &rowPtr[0], &col[0], &val[0], &gz[0], &y[0], r0, r1)
	return true
}
