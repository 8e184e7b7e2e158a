package sparse

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// denseMul is the dense reference: y[i][b] = Σ_j A[i][j] x[j][b], in float64.
func denseMul(a []float32, rows, cols int, x []float32, batch int) []float64 {
	y := make([]float64, rows*batch)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := float64(a[i*cols+j])
			if v == 0 {
				continue
			}
			for b := 0; b < batch; b++ {
				y[i*batch+b] += v * float64(x[j*batch+b])
			}
		}
	}
	return y
}

// mulTol is the tolerance of a float32 dot product of up to ~100 terms of
// magnitude ≤ 1 against a float64 reference (n·eps32 with slack).
const mulTol = 1e-4

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(2*rng.Float64() - 1)
	}
	return v
}

func TestTranspose(t *testing.T) {
	a := Random(37, 53, 400, 1, 1, nil)
	at := a.T()
	if err := at.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < a.Rows; i++ {
		for j := 0; j < a.Cols; j++ {
			if a.At(i, j) != at.At(j, i) {
				t.Fatalf("T mismatch at (%d, %d)", i, j)
			}
		}
	}
	if att := at.T(); !equalCSR(att, a) {
		t.Error("T(T(a)) != a")
	}
}

func equalCSR(a, b *CSR) bool {
	if a.Rows != b.Rows || a.Cols != b.Cols || len(a.Val) != len(b.Val) {
		return false
	}
	for i := range a.RowPtr {
		if a.RowPtr[i] != b.RowPtr[i] {
			return false
		}
	}
	for k := range a.Val {
		if a.ColIdx[k] != b.ColIdx[k] || a.Val[k] != b.Val[k] {
			return false
		}
	}
	return true
}

// shapes covers empty rows, a single column, batch 1, batches that are not
// a multiple of any vector width, and a matrix with no entries.
var shapes = []struct{ rows, cols, nnz int }{
	{1, 1, 1}, {5, 1, 3}, {1, 9, 5}, {50, 40, 0}, {100, 80, 30}, {64, 64, 900}, {300, 200, 5000},
}
var batches = []int{1, 2, 3, 7, 8, 9, 16, 17, 32}

func TestMulAgainstDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for _, s := range shapes {
		a := Random(s.rows, s.cols, s.nnz, 1.5, uint64(s.nnz), nil)
		d := a.Dense()
		for _, batch := range batches {
			x := randVec(rng, s.cols*batch)
			want := denseMul(d, s.rows, s.cols, x, batch)
			got := make([]float32, s.rows*batch)
			MulTo(got, a, x, batch)
			compare(t, "MulTo", got, want, s.rows, s.cols, batch)
			for _, workers := range []int{1, 2, 3, 7} {
				p := NewProduct(a, batch, workers)
				for i := range got {
					got[i] = float32(math.NaN())
				}
				p.Mul(got, x)
				compare(t, "Product", got, want, s.rows, s.cols, batch)
				p.Close()
			}
		}
	}
}

func compare(t *testing.T, name string, got []float32, want []float64, rows, cols, batch int) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= mulTol) {
			t.Fatalf("%s %d×%d batch %d: element %d = %v, want %v", name, rows, cols, batch, i, got[i], want[i])
		}
	}
}

func TestMulThenVisitsEveryRowOnce(t *testing.T) {
	a := Random(1000, 1000, 20000, 2, 5, nil)
	for _, w := range []int{1, 2, 4} {
		p := NewProduct(a, 8, w)
		dst := make([]float32, a.Rows*8)
		x := make([]float32, a.Cols*8)
		seen := make([]int32, a.Rows)
		p.MulThen(dst, x, func(r0, r1 int) {
			for i := r0; i < r1; i++ {
				seen[i]++
			}
		})
		p.Close()
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("workers %d: row %d visited %d times", w, i, n)
			}
		}
	}
}

func TestSplitByNNZBalances(t *testing.T) {
	a := Random(10000, 10000, 500000, 2, 7, nil)
	parts := SplitByNNZ(a.RowPtr, 4)
	for p := 0; p < 4; p++ {
		n := int(a.RowPtr[parts[p+1]] - a.RowPtr[parts[p]])
		if n < 500000/4*8/10 || n > 500000/4*12/10 {
			t.Errorf("part %d has %d nonzeros", p, n)
		}
	}
}

func TestProductAllocatesNothing(t *testing.T) {
	a := Random(2000, 2000, 40000, 1, 9, nil)
	for _, opt := range []ProductOptions{{Workers: 2}, {Workers: 2, Index16: true, Weights: WeightsBF16}, {Workers: 1}} {
		p, err := NewProductWith(a, 8, opt)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, a.Rows*8)
		x := make([]float32, a.Cols*8)
		post := func(r0, r1 int) {}
		if n := testing.AllocsPerRun(20, func() { p.MulThen(dst, x, post) }); n != 0 {
			t.Errorf("%+v: MulThen allocates %v times per call", opt, n)
		}
		p.Close()
	}
}

func TestProductsConcurrentAndNested(t *testing.T) {
	a := Random(3000, 3000, 60000, 1, 4, nil)
	b := Random(3000, 3000, 30000, 1, 5, nil)
	rng := rand.New(rand.NewPCG(1, 1))
	x := randVec(rng, 3000*8)
	wantA, wantB := make([]float32, 3000*8), make([]float32, 3000*8)
	MulTo(wantA, a, x, 8)
	MulTo(wantB, b, x, 8)
	check := func(name string, got, want []float32) {
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
				t.Errorf("%s: element %d = %v, want %v", name, i, got[i], want[i])
				return
			}
		}
	}
	// Two goroutines, each with its own Product, at the same time.
	done := make(chan struct{})
	for _, c := range []struct {
		m    *CSR
		want []float32
	}{{a, wantA}, {b, wantB}} {
		go func() {
			defer func() { done <- struct{}{} }()
			p := NewProduct(c.m, 8, 2)
			defer p.Close()
			got := make([]float32, len(c.want))
			for range 50 {
				p.Mul(got, x)
			}
			check("concurrent", got, c.want)
		}()
	}
	<-done
	<-done
	// A product inside another product's post function.
	pa, pb := NewProduct(a, 8, 2), NewProduct(b, 8, 2)
	gotA, gotB := make([]float32, len(wantA)), make([]float32, len(wantB))
	calls := 0
	pa.MulThen(gotA, x, func(r0, r1 int) {
		if r0 == 0 {
			pb.Mul(gotB, x)
			calls++
		}
	})
	if calls != 1 {
		t.Fatalf("post saw row 0 %d times", calls)
	}
	check("outer", gotA, wantA)
	check("nested", gotB, wantB)
}

func TestRandomExact(t *testing.T) {
	a := RandomExact(500, 400, 12345, 1.2, 3, nil)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.NNZ() != 12345 {
		t.Fatalf("nnz %d", a.NNZ())
	}
}

func TestIdentity(t *testing.T) {
	p := Identity(10, []int{3, 3, 0})
	if p.At(3, 0) != 1 || p.At(3, 1) != 1 || p.At(0, 2) != 1 || p.NNZ() != 3 {
		t.Fatalf("identity wrong: %+v", p)
	}
}

func BenchmarkProduct(b *testing.B) {
	a := RandomExact(47521, 47521, 4623254, 1, 1234, nil)
	for _, batch := range []int{1, 8, 32} {
		b.Run("batch="+itoa(batch), func(b *testing.B) {
			p := NewProduct(a, batch, 0)
			defer p.Close()
			x := benchX(a.Cols * batch)
			dst := make([]float32, a.Rows*batch)
			b.SetBytes(int64(a.NNZ()) * 8)
			for b.Loop() {
				p.Mul(dst, x)
			}
		})
	}
}

// benchX returns a written random x for benchmarks: a fresh make([]float32)
// that is never written reads the kernel's shared zero page, so every
// gather would hit L1 and the timing would flatter the product.
func benchX(n int) []float32 { return randVec(rand.New(rand.NewPCG(7, 7)), n) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestRandomTooManyEntriesPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Random(1, 1, 5, 0, 1, nil)
}

// Validate rejects malformed matrices with an error, never a panic: these
// are the shapes a corrupt file can take.
func TestValidateRejectsMalformed(t *testing.T) {
	ok := func() *CSR {
		return &CSR{Rows: 2, Cols: 3, RowPtr: []int32{0, 2, 3}, ColIdx: []int32{0, 2, 1}, Val: []float32{1, 2, 3}}
	}
	if err := ok().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(a *CSR){
		"negative shape":            func(a *CSR) { a.Rows = -1 },
		"short row pointer":         func(a *CSR) { a.RowPtr = a.RowPtr[:2] },
		"values and columns differ": func(a *CSR) { a.Val = a.Val[:2] },
		"first pointer not zero":    func(a *CSR) { a.RowPtr[0] = 1 },
		"last pointer not nnz":      func(a *CSR) { a.RowPtr[2] = 2 },
		"middle pointer past nnz":   func(a *CSR) { a.RowPtr[1] = 9; a.ColIdx = []int32{0, 1, 2} }, // then decreases: must not read past the end first
		"pointer decreases":         func(a *CSR) { a.RowPtr = []int32{0, 3, 2} },
		"column out of range":       func(a *CSR) { a.ColIdx[2] = 3 },
		"negative column":           func(a *CSR) { a.ColIdx[0] = -1 },
		"columns not increasing":    func(a *CSR) { a.ColIdx[1] = 0 },
		"NaN":                       func(a *CSR) { a.Val[1] = float32(math.NaN()) },
	} {
		a := ok()
		mod(a)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: Validate panicked: %v", name, r)
				}
			}()
			if err := a.Validate(); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}()
	}
}

// radixSort agrees with slices.Sort for every number of bytes and lengths
// on both sides of its insertion-sort cutoff.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	var buf []int32
	for _, passes := range []int{1, 2, 3, 4} {
		limit := int64(1) << (8 * passes)
		if passes == 4 {
			limit = 1 << 31
		}
		for _, n := range []int{0, 1, 5, 63, 64, 65, 97, 500, 3000} {
			v := make([]int32, n)
			for i := range v {
				v[i] = int32(rng.Int64N(limit))
			}
			want := slices.Clone(v)
			slices.Sort(want)
			buf = radixSort(v, buf, passes)
			if !slices.Equal(v, want) {
				t.Fatalf("passes %d, n %d: not sorted like slices.Sort", passes, n)
			}
		}
	}
}
