package sparse

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// roundingBound is the float32 rounding bound of a sum of n products whose
// magnitudes add up to abs, in any order: γ_n·abs with γ_n = n·u/(1-n·u),
// u = 2⁻²⁴, doubled for the product roundings and the final store.
func roundingBound(n int, abs float64) float64 {
	const u = 1.0 / (1 << 24)
	g := float64(n+2) * u / (1 - float64(n+2)*u)
	return 2 * g * abs
}

// conformanceShapes are the matrices every kernel is run on: empty rows,
// one column, one row, no entries at all, long rows (past every unroll),
// rows shorter than an unroll.
var conformanceShapes = []struct {
	rows, cols, nnz int
	sigma           float64
}{
	{1, 1, 1, 0}, {5, 1, 3, 0}, {1, 9, 5, 0}, {1, 200, 150, 0}, {50, 40, 0, 0},
	{100, 80, 30, 2}, {64, 64, 900, 1}, {300, 200, 5000, 1.5}, {40, 1000, 20000, 0.5},
}

// conformance checks kernel f against mulRowsGeneric on every shape and
// batch it handles: the whole matrix at once and in uneven row blocks, and
// that rows outside the block are left untouched.
func conformance(t *testing.T, name string, fixed int, f kernel) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 12))
	batches := []int{fixed}
	if fixed == 0 {
		batches = nil
		for b := 1; b <= 33; b++ {
			batches = append(batches, b)
		}
		batches = append(batches, 48, 64, 100)
	}
	for _, s := range conformanceShapes {
		a := Random(s.rows, s.cols, s.nnz, s.sigma, uint64(s.nnz+s.rows), nil)
		for _, batch := range batches {
			x := randVec(rng, a.Cols*batch)
			want := make([]float32, a.Rows*batch)
			mulRowsGeneric(want, a.RowPtr, a.ColIdx, a.Val, x, batch, 0, a.Rows)
			abs := make([]float64, a.Rows*batch)
			for i := 0; i < a.Rows; i++ {
				for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
					for b := 0; b < batch; b++ {
						abs[i*batch+b] += math.Abs(float64(a.Val[k]) * float64(x[int(a.ColIdx[k])*batch+b]))
					}
				}
			}
			got := make([]float32, a.Rows*batch)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			// Blocks of uneven length, as the workers and MulThen call them.
			for r0 := 0; r0 < a.Rows; {
				r1 := min(a.Rows, r0+1+rng.IntN(40))
				f(got, a.RowPtr, a.ColIdx, a.Val, x, batch, r0, r1)
				for i := r1 * batch; i < len(got); i++ {
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("%s %d×%d batch %d: block [%d, %d) wrote element %d beyond it", name, a.Rows, a.Cols, batch, r0, r1, i)
					}
				}
				r0 = r1
			}
			for i := range want {
				i0 := i / batch
				n := int(a.RowPtr[i0+1] - a.RowPtr[i0])
				if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= roundingBound(n, abs[i])) {
					t.Fatalf("%s %d×%d batch %d: element (%d, %d) = %v, reference %v",
						name, a.Rows, a.Cols, batch, i0, i%batch, got[i], want[i])
				}
			}
		}
	}
}

func TestKernelsConform(t *testing.T) {
	for _, v := range allKernels() {
		t.Run(v.name, func(t *testing.T) { conformance(t, v.name, v.batch, v.f) })
	}
}

func TestKernelsListed(t *testing.T) {
	for _, batch := range []int{1, 8, 16, 32, 5} {
		names := Kernels(batch)
		if len(names) == 0 || !strings.HasPrefix(names[len(names)-1], "go-") {
			t.Fatalf("batch %d: kernels %v, want at least the Go ones last", batch, names)
		}
		if !contains(names, "go-n") {
			t.Errorf("batch %d: go-n missing from %v", batch, names)
		}
	}
	if contains(Kernels(5), "go-8") {
		t.Error("go-8 offered for batch 5")
	}
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func TestProductKernelOption(t *testing.T) {
	a := Random(500, 400, 8000, 1, 3, nil)
	rng := rand.New(rand.NewPCG(4, 5))
	for _, batch := range []int{1, 3, 8, 16, 32, 40} {
		x := randVec(rng, a.Cols*batch)
		want := make([]float32, a.Rows*batch)
		MulTo(want, a, x, batch)
		for _, name := range append(Kernels(batch), "tune", "auto", "") {
			p, err := NewProductWith(a, batch, ProductOptions{Workers: 2, Kernel: name})
			if err != nil {
				t.Fatalf("batch %d kernel %q: %v", batch, name, err)
			}
			got := make([]float32, len(want))
			p.MulThen(got, x, func(r0, r1 int) {})
			p.Close()
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
					t.Fatalf("batch %d kernel %q (%s): element %d = %v, want %v", batch, name, p.Kernel(), i, got[i], want[i])
				}
			}
			if name == "tune" && len(p.Tuned()) != len(Kernels(batch)) {
				t.Errorf("tune timed %d kernels, want %d", len(p.Tuned()), len(Kernels(batch)))
			}
		}
	}
}

func TestProductRejectsBadKernel(t *testing.T) {
	a := Random(10, 10, 20, 1, 3, nil)
	for _, c := range []struct{ name, msg string }{
		{"avx9000", "unknown kernel"},
		{"go-8", "handles batch 8 only"},
	} {
		_, err := NewProductWith(a, 3, ProductOptions{Kernel: c.name})
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "go-n") {
			t.Errorf("kernel %q: error %v, want one containing %q and listing the known kernels", c.name, err, c.msg)
		}
	}
}

func TestProductPanicsOnMalformedCSR(t *testing.T) {
	a := Random(10, 10, 20, 1, 3, nil)
	a.ColIdx[3] = 10
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "sparse: ") {
			t.Errorf("recovered %v, want a sparse: panic", r)
		}
	}()
	NewProduct(a, 8, 1)
}

// BenchmarkKernels times every kernel on the default-size connectome with
// two workers, for the batches with specialised kernels and one that is not
// a multiple of any vector width.
func BenchmarkKernels(b *testing.B) {
	a := RandomExact(47521, 47521, 4623254, 1, 1234, nil)
	for _, batch := range []int{1, 8, 16, 32, 13, 64} {
		for _, name := range Kernels(batch) {
			b.Run("batch="+itoa(batch)+"/"+name, func(b *testing.B) {
				p, err := NewProductWith(a, batch, ProductOptions{Workers: 2, Kernel: name})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				x := make([]float32, a.Cols*batch)
				dst := make([]float32, a.Rows*batch)
				b.SetBytes(int64(a.NNZ())*8 + int64(a.Rows+1)*4 + int64(len(x)+len(dst))*4)
				for b.Loop() {
					p.Mul(dst, x)
				}
			})
		}
	}
}
