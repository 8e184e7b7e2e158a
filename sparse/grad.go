package sparse

import (
	"fmt"
	"sync"
)

// Float is the element type of the generic kernels: float32 for
// simulation and training, float64 for checks that need more precision.
type Float interface{ ~float32 | ~float64 }

// mulRowsGeneric is the reference kernel on rows [r0, r1) of dst = A·x,
// for A given by its row pointers, columns and values, in any element
// type; every product kernel is held to it:
//
//	for i := r0; i < r1; i++
//		for b := range batch
//			dst[i*batch+b] = Σ_k val[k] * x[colIdx[k]*batch+b]
func mulRowsGeneric[T Float](dst []T, rowPtr, colIdx []int32, val, x []T, batch, r0, r1 int) {
	for i := r0; i < r1; i++ {
		d := dst[i*batch : (i+1)*batch]
		clear(d)
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			v := val[k]
			xs := x[int(colIdx[k])*batch:][:batch]
			for b, xv := range xs {
				d[b] += v * xv
			}
		}
	}
}

// mulGradRowsGeneric is the reference of MulGradRowsTo with a gradient:
//
//	for j := r0; j < r1; j++
//		for k := rowPtr[j]; k < rowPtr[j+1]; k++
//			dst[j*batch+b] += val[k] * gz[colIdx[k]*batch+b]     (dst's rows cleared first)
//			gw[k]          += Σ_b gz[colIdx[k]*batch+b] * y[j*batch+b]
func mulGradRowsGeneric[T Float](dst, gw []T, rowPtr, colIdx []int32, val, gz, y []T, batch, r0, r1 int) {
	for j := r0; j < r1; j++ {
		gradRow(dst[j*batch:(j+1)*batch], gw, rowPtr, colIdx, val, gz, y[j*batch:(j+1)*batch], j)
	}
}

// gradRow writes row j of the product, d = Σ_k val[k]·gz[colIdx[k]] over
// len(d) lanes, and adds to gw[k] (unless nil) the dot product of
// gz[colIdx[k]]'s first len(yj) lanes with yj.
func gradRow[T Float](d, gw []T, rowPtr, colIdx []int32, val, gz, yj []T, j int) {
	batch := len(d)
	clear(d)
	for k := rowPtr[j]; k < rowPtr[j+1]; k++ {
		v := val[k]
		zs := gz[int(colIdx[k])*batch:][:batch]
		var acc T
		for b, z := range zs {
			d[b] += v * z
			if b < len(yj) {
				acc += z * yj[b]
			}
		}
		if gw != nil {
			gw[k] += acc
		}
	}
}

// MulRowsTo computes rows [r0, r1) of dst = A·x for [rows][batch] layouts,
// A given by its row pointers, columns and values in any element type
// (the building block of products whose values are not a CSR's float32
// Val, as in training). float32 runs the product's default kernel for the
// batch (up to 64); other types and batches the plain Go reference.
func MulRowsTo[T Float](dst []T, rowPtr, colIdx []int32, val, x []T, batch, r0, r1 int) {
	checkRows(len(dst), len(rowPtr), batch, r0, r1)
	if d32, ok := any(dst).([]float32); ok && batch < len(defaultKernels()) {
		defaultKernels()[batch](d32, rowPtr, colIdx, any(val).([]float32), any(x).([]float32), batch, r0, r1)
		return
	}
	mulRowsGeneric(dst, rowPtr, colIdx, val, x, batch, r0, r1)
}

// defaultKernels holds the default plain-CSR kernel of each batch size up
// to 64, chosen once (MulRowsTo runs in hot loops); larger batches take the
// reference.
var defaultKernels = sync.OnceValue(func() []kernel {
	ks := make([]kernel, 65)
	for b := 1; b < len(ks); b++ {
		ks[b] = chooseKernel(b, plain).f
	}
	return ks
})

// MulGradRowsTo computes rows [r0, r1) of the product by a matrix B and
// the gradient of a loss with respect to B's values in one pass over B.
// In training B is Aᵀ for the recurrent weights A (rows of B are
// presynaptic neurons j, its entries k the synapses j → i = colIdx[k]):
// dst = Aᵀ·gz is the adjoint of A's input y given the adjoint gz of A·y,
// and gw the gradient of the loss with respect to A's values, in B's
// order:
//
//	dst[j*batch+b] = Σ_k val[k] * gz[colIdx[k]*batch+b]
//	gw[k]        += Σ_b gz[colIdx[k]*batch+b] * y[j*batch+b]     (when gw != nil)
//
// float32 at batch 8 or 4 runs an assembly kernel where the CPU has AVX2 and
// FMA (grad_amd64.s); otherwise the plain Go reference. Without gw it is
// MulRowsTo.
func MulGradRowsTo[T Float](dst, gw []T, rowPtr, colIdx []int32, val, gz, y []T, batch, r0, r1 int) {
	if gw == nil {
		MulRowsTo(dst, rowPtr, colIdx, val, gz, batch, r0, r1)
		return
	}
	checkRows(len(dst), len(rowPtr), batch, r0, r1)
	if len(y) < r1*batch || len(gw) < int(rowPtr[r1]) {
		panic(fmt.Sprintf("sparse: y has %d values and gw %d, want %d and %d for rows [%d, %d)", len(y), len(gw), r1*batch, rowPtr[r1], r0, r1))
	}
	if (batch == 8 || batch == 4) && r0 < r1 && rowPtr[r0] < rowPtr[r1] {
		if d32, ok := any(dst).([]float32); ok && mulGradFast(batch, d32, any(gw).([]float32), rowPtr, colIdx,
			any(val).([]float32), any(gz).([]float32), any(y).([]float32), r0, r1) {
			return
		}
	}
	mulGradRowsGeneric(dst, gw, rowPtr, colIdx, val, gz, y, batch, r0, r1)
}

// MulGradDualReluRowsTo is the fused transposed product (MulGradRowsTo)
// of two adjoints at once through a square B (rows and columns both
// neurons), gz of 2·half lanes a row (the first adjoint's, then the
// second's), whose weight gradient only the first is wanted, y of half
// lanes, followed by the adjoint of relu minus the identity, row by row,
// into two outputs of half lanes: with d the row j of Bᵀ·gz,
//
//	gw[k]          += Σ_{b<half} gz[colIdx[k]*2half+b] * y[j*half+b]   (unless gw is nil)
//	dst1[j*half+b]  = [y[j*half+b] > 0]·d[b]      − gz[j*2half+b]
//	dst2[j*half+b]  = [y[j*half+b] > 0]·d[half+b] − gz[j*2half+half+b]
//
// (the adjoints of the state of dV/dt = W·relu(V) − V + … for two adjoints
// at once, y = relu(V)), without writing d. It is MulGradRowsTo at batch
// 2·half with y padded by zeros, then that loop, the same values. float32
// at half 4 with a gradient runs an assembly kernel where the CPU has AVX2
// and FMA; otherwise the plain Go reference.
func MulGradDualReluRowsTo[T Float](dst1, dst2, gw []T, rowPtr, colIdx []int32, val, gz, y []T, half, r0, r1 int) {
	batch := 2 * half
	checkRows(len(dst1), len(rowPtr), half, r0, r1)
	checkRows(len(dst2), len(rowPtr), half, r0, r1)
	if len(y) < r1*half || len(gz) < r1*batch || (gw != nil && len(gw) < int(rowPtr[r1])) {
		panic(fmt.Sprintf("sparse: y has %d values, gz %d and gw %d, want %d, %d and %d for rows [%d, %d)",
			len(y), len(gz), len(gw), r1*half, r1*batch, rowPtr[r1], r0, r1))
	}
	if half == 4 && r0 < r1 && gw != nil {
		if d32, ok := any(dst1).([]float32); ok && mulGradHalfReluFast(d32, any(dst2).([]float32), any(gw).([]float32), rowPtr, colIdx,
			any(val).([]float32), any(gz).([]float32), any(y).([]float32), r0, r1) {
			return
		}
	}
	d := make([]T, batch)
	for j := r0; j < r1; j++ {
		yj, own := y[j*half:(j+1)*half], gz[j*batch:(j+1)*batch]
		gradRow(d, gw, rowPtr, colIdx, val, gz, yj, j)
		for b, a := range yj {
			e1, e2 := d[b], d[half+b]
			if !(a > 0) {
				e1, e2 = 0, 0
			}
			dst1[j*half+b] = e1 - own[b]
			dst2[j*half+b] = e2 - own[half+b]
		}
	}
}

// checkRows panics if rows [r0, r1) are not within dst or the row
// pointers.
func checkRows(nDst, nRowPtr, batch, r0, r1 int) {
	if batch < 1 || r0 < 0 || r1 < r0 || r1 >= nRowPtr || nDst < r1*batch {
		panic(fmt.Sprintf("sparse: rows [%d, %d) at batch %d of dst with %d values and %d row pointers", r0, r1, batch, nDst, nRowPtr))
	}
}

// TransposeMap returns the structure of aᵀ: its row pointers, its column
// indices (rows of a) and, for each of its entries, the index of that
// entry in a, so that aᵀ's values are a.Val[perm[k]].
func (a *CSR) TransposeMap() (rowPtr, colIdx, perm []int32) {
	rowPtr = make([]int32, a.Cols+1)
	colIdx = make([]int32, len(a.ColIdx))
	perm = make([]int32, len(a.ColIdx))
	for _, j := range a.ColIdx {
		rowPtr[j+1]++
	}
	for j := 0; j < a.Cols; j++ {
		rowPtr[j+1] += rowPtr[j]
	}
	next := append([]int32(nil), rowPtr[:a.Cols]...)
	for i := 0; i < a.Rows; i++ {
		for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
			j := a.ColIdx[k]
			q := next[j]
			next[j]++
			colIdx[q] = int32(i)
			perm[q] = k
		}
	}
	return rowPtr, colIdx, perm
}
