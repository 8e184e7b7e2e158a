//go:build !noasm

package sparse

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Assembly kernels (kernel_amd64.s). Each computes rows [r0, r1) of
// dst = A·x like mulRowsGeneric; the pointers are the first elements of
// the slices, whose lengths the Product checked once.

//go:noescape
func rows1FMA(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows1AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows4AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows8AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows16AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows16AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows32AVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows32AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)

//go:noescape
func rowsNAVX2(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, batch, r0, r1 int, mask *int32)

//go:noescape
func rowsNAVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, batch, lanes, r0, r1 int, tail uint16)

//go:noescape
func rows64AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, stride, r0, r1 int)

//go:noescape
func rows128AVX512(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, stride, r0, r1 int)

//go:noescape
func rows8BF16AVX2(dst *float32, rowPtr *int32, colIdx *int32, val16 *uint16, x *float32, r0, r1 int)

//go:noescape
func rows8F16AVX2(dst *float32, rowPtr *int32, colIdx *int32, val16 *uint16, x *float32, r0, r1 int)

//go:noescape
func rows8SegF32AVX2(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *float32, x *float32, r0, r1 int)

//go:noescape
func rows8SegBF16AVX2(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *uint16, x *float32, r0, r1 int)

//go:noescape
func rows8SegF16AVX2(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *uint16, x *float32, r0, r1 int)

var (
	hasF16C   = cpu.X86.HasF16C
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ
)

// asmFixed wraps an assembly kernel for a fixed batch as a kernel.
func asmFixed(f func(dst *float32, rowPtr *int32, colIdx *int32, val *float32, x *float32, r0, r1 int)) kernel {
	return func(dst []float32, rowPtr, colIdx []int32, val, x []float32, _, r0, r1 int) {
		if r0 >= r1 {
			return
		}
		f(unsafe.SliceData(dst), unsafe.SliceData(rowPtr), unsafe.SliceData(colIdx),
			unsafe.SliceData(val), unsafe.SliceData(x), r0, r1)
	}
}

// avx2Masks holds, at avx2Masks[8-r:], the lane mask of a final chunk of
// r < 8 lanes: r entries of -1 followed by zeros.
var avx2Masks = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

func rowsNAVX2Kernel(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, r0, r1 int) {
	if r0 >= r1 {
		return
	}
	rem := batch % 8
	mask := &avx2Masks[8-rem] // rem 0: all zeros, never used
	if rem == 0 {
		mask = &avx2Masks[8]
	}
	rowsNAVX2(unsafe.SliceData(dst), unsafe.SliceData(rowPtr), unsafe.SliceData(colIdx),
		unsafe.SliceData(val), unsafe.SliceData(x), batch, r0, r1, mask)
}

func rowsNAVX512Kernel(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, r0, r1 int) {
	if r0 >= r1 {
		return
	}
	lanesNAVX512(dst, rowPtr, colIdx, val, x, batch, 0, batch, r0, r1)
}

// lanesNAVX512 computes lanes [c0, c0+lanes) of rows [r0, r1) with
// rowsNAVX512.
func lanesNAVX512(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, c0, lanes, r0, r1 int) {
	tail := uint16(0xffff)
	if rem := lanes % 16; rem != 0 {
		tail = uint16(1)<<rem - 1
	}
	rowsNAVX512(&dst[c0], unsafe.SliceData(rowPtr), unsafe.SliceData(colIdx),
		unsafe.SliceData(val), &x[c0], batch, lanes, r0, r1, tail)
}

// rowsWideAVX512Kernel walks the batch in passes of 128 lanes with
// rows128AVX512 and leaves the remaining lanes to rowsNAVX512.
func rowsWideAVX512Kernel(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, r0, r1 int) {
	if r0 >= r1 {
		return
	}
	c0 := 0
	for ; c0+128 <= batch; c0 += 128 {
		rows128AVX512(&dst[c0], unsafe.SliceData(rowPtr), unsafe.SliceData(colIdx),
			unsafe.SliceData(val), &x[c0], batch, r0, r1)
	}
	if c0+64 <= batch {
		rows64AVX512(&dst[c0], unsafe.SliceData(rowPtr), unsafe.SliceData(colIdx),
			unsafe.SliceData(val), &x[c0], batch, r0, r1)
		c0 += 64
	}
	if c0 < batch {
		lanesNAVX512(dst, rowPtr, colIdx, val, x, batch, c0, batch-c0, r0, r1)
	}
}

// narrowHalf wraps a batch-8 kernel for int32 columns and 16-bit weights.
func narrowHalf(f func(dst *float32, rowPtr *int32, colIdx *int32, val16 *uint16, x *float32, r0, r1 int)) narrowKernel {
	return func(dst []float32, m *narrow, a *CSR, x []float32, _, r0, r1 int) {
		if r0 >= r1 {
			return
		}
		f(unsafe.SliceData(dst), unsafe.SliceData(a.RowPtr), unsafe.SliceData(a.ColIdx),
			unsafe.SliceData(m.val16), unsafe.SliceData(x), r0, r1)
	}
}

// narrowSeg wraps a batch-8 kernel for 16-bit column offsets; val points
// at the float32 or the 16-bit weights.
func narrowSeg[T float32 | uint16](f func(dst *float32, segPtr *int32, segStart *int32, segBase *int32, off *uint16, val *T, x *float32, r0, r1 int),
	val func(m *narrow, a *CSR) []T) narrowKernel {
	return func(dst []float32, m *narrow, a *CSR, x []float32, _, r0, r1 int) {
		if r0 >= r1 {
			return
		}
		f(unsafe.SliceData(dst), unsafe.SliceData(m.segPtr), unsafe.SliceData(m.segStart), unsafe.SliceData(m.segBase),
			unsafe.SliceData(m.off), unsafe.SliceData(val(m, a)), unsafe.SliceData(x), r0, r1)
	}
}

func valF32(_ *narrow, a *CSR) []float32 { return a.Val }
func val16(m *narrow, _ *CSR) []uint16   { return m.val16 }

// archKernels returns the assembly kernels this CPU can run, fastest
// first within each batch class.
func archKernels() []variant {
	var ks []variant
	if hasAVX512 {
		ks = append(ks,
			variant{name: "avx512-16", batch: 16, f: asmFixed(rows16AVX512)},
			variant{name: "avx512-32", batch: 32, f: asmFixed(rows32AVX512)},
			variant{name: "avx512-n", f: rowsNAVX512Kernel},
			variant{name: "avx512-w", minBatch: 64, f: rowsWideAVX512Kernel},
			variant{name: "avx512-1", batch: 1, f: asmFixed(rows1AVX512)},
		)
	}
	if hasAVX2 {
		ks = append(ks,
			variant{name: "avx2-1", batch: 1, f: asmFixed(rows1FMA)},
			variant{name: "avx2-4", batch: 4, f: asmFixed(rows4AVX2)},
			variant{name: "avx2-8", batch: 8, f: asmFixed(rows8AVX2)},
			variant{name: "avx2-16", batch: 16, f: asmFixed(rows16AVX2)},
			variant{name: "avx2-32", batch: 32, f: asmFixed(rows32AVX2)},
			variant{name: "avx2-n", f: rowsNAVX2Kernel},
			variant{name: "avx2-8-i16", batch: 8, nf: narrowSeg(rows8SegF32AVX2, valF32), index16: true, weights: WeightsF32},
			variant{name: "avx2-8-bf16", batch: 8, nf: narrowHalf(rows8BF16AVX2), weights: WeightsBF16},
			variant{name: "avx2-8-i16-bf16", batch: 8, nf: narrowSeg(rows8SegBF16AVX2, val16), index16: true, weights: WeightsBF16},
		)
		if hasF16C {
			ks = append(ks,
				variant{name: "avx2-8-f16", batch: 8, nf: narrowHalf(rows8F16AVX2), weights: WeightsF16},
				variant{name: "avx2-8-i16-f16", batch: 8, nf: narrowSeg(rows8SegF16AVX2, val16), index16: true, weights: WeightsF16},
			)
		}
	}
	return ks
}
