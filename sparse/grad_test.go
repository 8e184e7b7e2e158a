package sparse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The fused transposed product and gradient (the assembly kernel where
// there is one, else the Go reference) agree with the float64 reference
// on matrices with empty rows, rows of every length around the kernel's
// blocks of eight (four at batch 4), and batches that are not eight or
// four (which take the Go loop), computed in uneven row blocks as the workers call it.
func TestMulGradRowsConform(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range conformanceShapes {
		for _, batch := range []int{1, 3, 4, 8, 9} {
			t.Run(fmt.Sprintf("%dx%d/nnz%d/batch%d", s.rows, s.cols, s.nnz, batch), func(t *testing.T) {
				a := Random(s.rows, s.cols, s.nnz, s.sigma, uint64(s.nnz+s.rows), nil)
				checkMulGrad(t, rng, a, batch)
			})
		}
	}
}

func checkMulGrad(t *testing.T, rng *rand.Rand, a *CSR, batch int) {
	// B = a: rows of B are a's rows (the transposed matrix's, in training).
	gz := randVec(rng, a.Cols*batch)
	y := randVec(rng, a.Rows*batch)
	gw0 := randVec(rng, a.NNZ())
	got, gw := make([]float32, a.Rows*batch), append([]float32(nil), gw0...)
	for r0 := 0; r0 < a.Rows; {
		r1 := min(a.Rows, r0+1+rng.IntN(40))
		MulGradRowsTo(got, gw, a.RowPtr, a.ColIdx, a.Val, gz, y, batch, r0, r1)
		r0 = r1
	}
	want, gwWant := make([]float64, a.Rows*batch), toF64(gw0)
	mulGradRowsGeneric(want, gwWant, a.RowPtr, a.ColIdx, toF64(a.Val), toF64(gz), toF64(y), batch, 0, a.Rows)
	for j := 0; j < a.Rows; j++ {
		n := int(a.RowPtr[j+1] - a.RowPtr[j])
		for b := 0; b < batch; b++ {
			abs := 0.0
			for k := a.RowPtr[j]; k < a.RowPtr[j+1]; k++ {
				abs += math.Abs(float64(a.Val[k]) * float64(gz[int(a.ColIdx[k])*batch+b]))
			}
			q := j*batch + b
			if d := math.Abs(float64(got[q]) - want[q]); !(d <= roundingBound(n, abs)) {
				t.Fatalf("dst (%d, %d) = %v, reference %v", j, b, got[q], want[q])
			}
		}
		for k := a.RowPtr[j]; k < a.RowPtr[j+1]; k++ {
			abs := math.Abs(float64(gw0[k]))
			for b := 0; b < batch; b++ {
				abs += math.Abs(float64(gz[int(a.ColIdx[k])*batch+b]) * float64(y[j*batch+b]))
			}
			if d := math.Abs(float64(gw[k]) - gwWant[k]); !(d <= roundingBound(batch+1, abs)) {
				t.Fatalf("gw[%d] = %v, reference %v", k, gw[k], gwWant[k])
			}
		}
	}
}

// The assembly kernels (batch 8 and 4) run where the CPU has it: the conformance test
// above would otherwise only check the reference against itself.
func TestMulGradAssemblyRuns(t *testing.T) {
	if len(archKernels()) == 0 || !hasAVX2Grad() {
		t.Skip("no assembly kernels in this build or on this CPU")
	}
	a := Random(20, 20, 100, 1, 1, nil)
	dst := make([]float32, 20*8)
	gw := make([]float32, a.NNZ())
	x := make([]float32, 20*8)
	if !mulGradFast(8, dst, gw, a.RowPtr, a.ColIdx, a.Val, x, x, 0, 20) {
		t.Fatal("the AVX2 kernel did not run")
	}
	if !mulGradFast(4, dst[:20*4], gw, a.RowPtr, a.ColIdx, a.Val, x[:20*4], x[:20*4], 0, 20) {
		t.Fatal("the batch-4 AVX2 kernel did not run")
	}
}

func TestMulRowsToMatchesMulTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := Random(300, 200, 5000, 1.5, 9, nil)
	for _, batch := range []int{1, 5, 8, 16} {
		x := randVec(rng, a.Cols*batch)
		want := make([]float32, a.Rows*batch)
		MulTo(want, a, x, batch)
		got := make([]float32, a.Rows*batch)
		MulRowsTo(got, a.RowPtr, a.ColIdx, a.Val, x, batch, 0, 150)
		MulRowsTo(got, a.RowPtr, a.ColIdx, a.Val, x, batch, 150, a.Rows)
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
				t.Fatalf("batch %d: element %d = %v, MulTo %v", batch, i, got[i], want[i])
			}
		}
		g64 := make([]float64, a.Rows*batch)
		MulRowsTo(g64, a.RowPtr, a.ColIdx, toF64(a.Val), toF64(x), batch, 0, a.Rows)
		for i := range want {
			if d := math.Abs(g64[i] - float64(want[i])); d > 1e-4 {
				t.Fatalf("float64 batch %d: element %d = %v, MulTo %v", batch, i, g64[i], want[i])
			}
		}
	}
}

func toF64(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

func TestTransposeMap(t *testing.T) {
	a := Random(30, 40, 200, 1, 5, nil)
	rowPtr, col, perm := a.TransposeMap()
	at := a.T()
	for j := 0; j < a.Cols; j++ {
		for q := rowPtr[j]; q < rowPtr[j+1]; q++ {
			i := int(col[q])
			if got := a.Val[perm[q]]; got != a.At(i, j) || at.Val[q] != got || at.ColIdx[q] != col[q] {
				t.Fatalf("entry %d of row %d of the transpose: %v, want a(%d, %d) = %v", q, j, got, i, j, a.At(i, j))
			}
		}
	}
}

// MulGradDualReluRowsTo equals MulGradRowsTo at twice the batch with y
// padded by zeros, followed by relu's adjoint minus the identity, value for
// value, kernel against kernel and reference against reference, with y ≤ 0
// (and NaN) in places and empty rows, in uneven row blocks.
func TestMulGradDualReluRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range conformanceShapes {
		if s.rows != s.cols {
			continue
		}
		for _, half := range []int{1, 4} {
			a := Random(s.rows, s.cols, s.nnz, s.sigma, uint64(s.nnz+s.rows), nil)
			batch := 2 * half
			gz, y := randVec(rng, a.Cols*batch), randVec(rng, a.Rows*half)
			if len(y) > 3 {
				y[3] = float32(math.NaN())
			}
			gw0 := randVec(rng, a.NNZ())
			d1, d2, gw := make([]float32, a.Rows*half), make([]float32, a.Rows*half), append([]float32(nil), gw0...)
			d, gwWant := make([]float32, a.Rows*batch), append([]float32(nil), gw0...)
			padded := make([]float32, a.Rows*batch) // y with zeros in the second adjoint's lanes
			for j := range a.Rows {
				copy(padded[j*batch:], y[j*half:(j+1)*half])
			}
			for r0 := 0; r0 < a.Rows; {
				r1 := min(a.Rows, r0+1+rng.IntN(40))
				MulGradDualReluRowsTo(d1, d2, gw, a.RowPtr, a.ColIdx, a.Val, gz, y, half, r0, r1)
				MulGradRowsTo(d, gwWant, a.RowPtr, a.ColIdx, a.Val, gz, padded, batch, r0, r1)
				r0 = r1
			}
			for j := range a.Rows {
				for b := range half {
					e1, e2 := d[j*batch+b], d[j*batch+half+b]
					if !(y[j*half+b] > 0) {
						e1, e2 = 0, 0
					}
					w1, w2 := e1-gz[j*batch+b], e2-gz[j*batch+half+b]
					if !same32(d1[j*half+b], w1) || !same32(d2[j*half+b], w2) {
						t.Fatalf("%dx%d half %d row %d lane %d: %v, %v, want %v, %v", s.rows, s.cols, half, j, b, d1[j*half+b], d2[j*half+b], w1, w2)
					}
				}
			}
			for k := range gw {
				if !same32(gw[k], gwWant[k]) {
					t.Fatalf("%dx%d half %d: gw[%d] = %v, want %v", s.rows, s.cols, half, k, gw[k], gwWant[k])
				}
			}
			// without a gradient (frozen weights): the same adjoints, up to
			// the order of the sums (the Go loop's, the kernel's two
			// accumulators)
			n1, n2 := make([]float32, a.Rows*half), make([]float32, a.Rows*half)
			MulGradDualReluRowsTo(n1, n2, nil, a.RowPtr, a.ColIdx, a.Val, gz, y, half, 0, a.Rows)
			near := func(u, v float32) bool {
				return same32(u, v) || math.Abs(float64(u-v)) <= 1e-5*(1+math.Abs(float64(v)))
			}
			for q := range n1 {
				if !near(n1[q], d1[q]) || !near(n2[q], d2[q]) {
					t.Fatalf("%dx%d half %d, no gradient: %d: %v, %v, want %v, %v", s.rows, s.cols, half, q, n1[q], n2[q], d1[q], d2[q])
				}
			}
		}
	}
	if hasAVX2Grad() {
		a := Random(20, 20, 100, 1, 1, nil)
		x := make([]float32, 20*8)
		if !mulGradHalfReluFast(x[:80], x[80:], make([]float32, a.NNZ()), a.RowPtr, a.ColIdx, a.Val, make([]float32, 160), x[:80], 0, 20) {
			t.Fatal("the AVX2 kernel did not run")
		}
	}
}

// same32 reports whether a and b are equal or both NaN.
func same32(a, b float32) bool { return a == b || (a != a && b != b) }
