package sparse

import (
	"fmt"
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
var conformanceShapes = []conformanceShape{
	{1, 1, 1, 0}, {5, 1, 3, 0}, {1, 9, 5, 0}, {1, 200, 150, 0}, {50, 40, 0, 0},
	{100, 80, 30, 2}, {64, 64, 900, 1}, {300, 200, 5000, 1.5}, {40, 1000, 20000, 0.5},
}

// conformance checks a kernel against mulRowsGeneric on every shape and
// batch it handles: the whole matrix at once and in uneven row blocks, and
// that rows outside the block are left untouched. prep encodes a matrix
// for the kernel and returns the kernel bound to it and the CSR whose
// product the kernel must reproduce (a itself, or a with its weights
// rounded as the encoding rounds them).
func conformance(t *testing.T, name string, fixed int, shapes []conformanceShape, batches []int,
	prep func(a *CSR) (run func(dst, x []float32, batch, r0, r1 int), ref *CSR)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 12))
	if fixed != 0 {
		batches = []int{fixed}
	}
	for _, s := range shapes {
		a0 := Random(s.rows, s.cols, s.nnz, s.sigma, uint64(s.nnz+s.rows), nil)
		f, a := prep(a0)
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
				f(got, x, batch, r0, r1)
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

type conformanceShape struct {
	rows, cols, nnz int
	sigma           float64
}

// wideShapes have more than 65536 columns, so that 16-bit indices need
// several segments per row, down to one entry per segment.
var wideShapes = []conformanceShape{{3, 200000, 3000, 0}, {50, 300000, 100, 0}, {20, 70000, 0, 0}}

// allBatches are 1..33 and a few larger ones, for kernels of any batch:
// the wide kernel's passes of 128 lanes with and without remainders.
func allBatches() []int {
	var bs []int
	for b := 1; b <= 33; b++ {
		bs = append(bs, b)
	}
	return append(bs, 48, 64, 100, 128, 131, 256, 300)
}

var narrowEncodings = []encoding{
	{index16: true, weights: WeightsF32}, {weights: WeightsBF16}, {weights: WeightsF16},
	{index16: true, weights: WeightsBF16}, {index16: true, weights: WeightsF16},
}

func TestKernelsConform(t *testing.T) {
	for _, v := range allKernels() {
		if v.f != nil {
			t.Run(v.name, func(t *testing.T) {
				conformance(t, v.name, v.batch, conformanceShapes, allBatches(), func(a *CSR) (func(dst, x []float32, batch, r0, r1 int), *CSR) {
					return func(dst, x []float32, batch, r0, r1 int) { v.f(dst, a.RowPtr, a.ColIdx, a.Val, x, batch, r0, r1) }, a
				})
			})
			continue
		}
		for _, e := range narrowEncodings {
			if !v.reads(e) {
				continue
			}
			t.Run(fmt.Sprintf("%s/index16=%v/%s", v.name, e.index16, e.weights), func(t *testing.T) {
				shapes := append(append([]conformanceShape(nil), conformanceShapes...), wideShapes...)
				conformance(t, v.name, v.batch, shapes, []int{1, 3, 8, 17}, func(a *CSR) (func(dst, x []float32, batch, r0, r1 int), *CSR) {
					m, err := newNarrow(a, e.index16, e.weights)
					if err != nil {
						t.Fatal(err)
					}
					return func(dst, x []float32, batch, r0, r1 int) { v.nf(dst, m, a, x, batch, r0, r1) }, m.decoded(a)
				})
			})
		}
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
	if contains(Kernels(63), "avx512-w") {
		t.Error("avx512-w offered for batch 63")
	}
	if contains(Kernels(256), "avx512-w") && Kernels(256)[0] != "avx512-w" {
		t.Errorf("batch 256: default kernel %s, want avx512-w", Kernels(256)[0])
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

// BenchmarkNarrow times the narrow encodings at batch 8 on the
// default-size connectome with two workers.
func BenchmarkNarrow(b *testing.B) {
	a := RandomExact(47521, 47521, 4623254, 1, 1234, nil)
	for _, e := range append([]encoding{plain}, narrowEncodings...) {
		for _, name := range KernelsNarrow(8, e.index16, e.weights) {
			if strings.HasPrefix(name, "go-") {
				continue
			}
			b.Run(fmt.Sprintf("index16=%v/%s/%s", e.index16, e.weights, name), func(b *testing.B) {
				p, err := NewProductWith(a, 8, ProductOptions{Workers: 2, Kernel: name, Index16: e.index16, Weights: e.weights})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				x := benchX(a.Cols * 8)
				dst := make([]float32, a.Rows*8)
				b.SetBytes(p.MatrixBytes() + int64(len(x)+len(dst))*4)
				for b.Loop() {
					p.Mul(dst, x)
				}
			})
		}
	}
}

// BenchmarkKernels times every kernel on the default-size connectome with
// two workers, for the batches with specialised kernels and one that is not
// a multiple of any vector width.
func BenchmarkKernels(b *testing.B) {
	a := RandomExact(47521, 47521, 4623254, 1, 1234, nil)
	for _, batch := range []int{1, 4, 8, 16, 32, 13, 64, 128, 256} {
		for _, name := range Kernels(batch) {
			if batch > 64 && strings.HasPrefix(name, "go-") {
				continue // seconds per product
			}
			b.Run("batch="+itoa(batch)+"/"+name, func(b *testing.B) {
				p, err := NewProductWith(a, batch, ProductOptions{Workers: 2, Kernel: name})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				x := benchX(a.Cols * batch)
				dst := make([]float32, a.Rows*batch)
				b.SetBytes(int64(a.NNZ())*8 + int64(a.Rows+1)*4 + int64(len(x)+len(dst))*4)
				for b.Loop() {
					p.Mul(dst, x)
				}
			})
		}
	}
}

func TestHalfConversions(t *testing.T) {
	// Bit patterns from IEEE 754-2008 binary16 and the bfloat16 definition
	// (the top half of a float32).
	f16 := []struct {
		f float32
		h uint16
	}{
		{0, 0x0000}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, // rounds to Inf
		{1e6, 0x7c00}, {float32(math.Inf(-1)), 0xfc00},
		{1.0 / (1 << 24), 0x0001}, {1.0 / (1 << 14), 0x0400}, {1.0 / (1 << 25), 0x0000}, // tie to even: 0
		{1.5 / (1 << 24), 0x0002}, {0.1, 0x2e66}, {1 + 1.0/2048, 0x3c00}, {1 + 3.0/2048, 0x3c02}, // ties to even
		{float32(math.Ldexp(1, -15)), 0x0200}, // subnormal
	}
	for _, c := range f16 {
		if got := toF16(c.f); got != c.h {
			t.Errorf("toF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	for h := 0; h < 1<<16; h++ {
		f := fromF16(uint16(h))
		if f != f {
			if h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
				t.Fatalf("fromF16(%#04x) = NaN", h)
			}
			continue
		}
		if back := toF16(f); back != uint16(h) {
			t.Fatalf("toF16(fromF16(%#04x) = %v) = %#04x", h, f, back)
		}
	}
	bf := []struct {
		f float32
		h uint16
	}{{1, 0x3f80}, {-1, 0xbf80}, {0.1, 0x3dcd}, {1 + 1.0/256, 0x3f80}, {1 + 3.0/256, 0x3f82}, {3.4e38, 0x7f80}}
	for _, c := range bf {
		if got := toBF16(c.f); got != c.h {
			t.Errorf("toBF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	if f := fromBF16(toBF16(float32(math.NaN()))); f == f {
		t.Error("bf16 lost a NaN")
	}
	if f := fromF16(toF16(float32(math.NaN()))); f == f {
		t.Error("f16 lost a NaN")
	}
}

func TestIndex16Segments(t *testing.T) {
	for _, s := range append(append([]conformanceShape(nil), conformanceShapes...), wideShapes...) {
		a := Random(s.rows, s.cols, s.nnz, s.sigma, 5, nil)
		m, err := newNarrow(a, true, "")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < a.Rows; i++ {
			k := a.RowPtr[i]
			for sg := m.segPtr[i]; sg < m.segPtr[i+1]; sg++ {
				if m.segStart[sg] != k {
					t.Fatalf("%d×%d row %d segment %d starts at %d, want %d", a.Rows, a.Cols, i, sg, m.segStart[sg], k)
				}
				for ; k < m.segStart[sg+1]; k++ {
					if got := m.segBase[sg] + int32(m.off[k]); got != a.ColIdx[k] {
						t.Fatalf("%d×%d entry %d decodes to column %d, want %d", a.Rows, a.Cols, k, got, a.ColIdx[k])
					}
				}
			}
			if k != a.RowPtr[i+1] {
				t.Fatalf("%d×%d row %d: segments end at %d, row at %d", a.Rows, a.Cols, i, k, a.RowPtr[i+1])
			}
		}
		if a.Cols <= 1<<16 && len(m.segBase) > a.Rows {
			t.Errorf("%d×%d: %d segments for %d rows, want at most one a row", a.Rows, a.Cols, len(m.segBase), a.Rows)
		}
	}
}

func TestProductNarrowOptions(t *testing.T) {
	a := Random(700, 500, 20000, 1, 8, func(r *rand.Rand) float32 { return float32(0.1 * r.NormFloat64()) })
	rng := rand.New(rand.NewPCG(9, 9))
	for _, batch := range []int{8, 5} {
		x := randVec(rng, a.Cols*batch)
		want := make([]float32, a.Rows*batch)
		MulTo(want, a, x, batch)
		for _, e := range append([]encoding{plain}, narrowEncodings...) {
			for _, kern := range append(KernelsNarrow(batch, e.index16, e.weights), "tune") {
				p, err := NewProductWith(a, batch, ProductOptions{Workers: 2, Kernel: kern, Index16: e.index16, Weights: e.weights})
				if err != nil {
					t.Fatal(err)
				}
				got := make([]float32, len(want))
				p.Mul(got, x)
				p.Close()
				// Accuracy of the rounded weights: relative error of each
				// output against its scale Σ|w·x|, within the format's
				// rounding (2⁻⁸ bf16, 2⁻¹¹ f16) plus float32 rounding.
				tol := map[string]float64{WeightsF32: 1e-6, WeightsBF16: 1.0 / 256, WeightsF16: 1.0 / 2048}[e.weights]
				for i := 0; i < a.Rows; i++ {
					for b := 0; b < batch; b++ {
						var abs float64
						for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
							abs += math.Abs(float64(a.Val[k]) * float64(x[int(a.ColIdx[k])*batch+b]))
						}
						if d := math.Abs(float64(got[i*batch+b] - want[i*batch+b])); d > tol*abs+1e-6 {
							t.Fatalf("batch %d %+v kernel %s: (%d, %d) = %v, want %v", batch, e, p.Kernel(), i, b, got[i*batch+b], want[i*batch+b])
						}
					}
				}
			}
		}
	}
	if _, err := NewProductWith(a, 8, ProductOptions{Weights: "fp8"}); err == nil || !strings.Contains(err.Error(), "bf16") {
		t.Errorf("unknown weight format: error %v, want one listing the known formats", err)
	}
	if _, err := NewProductWith(a, 8, ProductOptions{Weights: "bf16", Kernel: "avx2-8"}); err == nil || !strings.Contains(err.Error(), "go-n-narrow") {
		t.Errorf("plain kernel on bf16 weights: error %v, want one listing the kernels that read it", err)
	}
}
