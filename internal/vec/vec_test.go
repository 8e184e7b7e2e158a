package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Accuracy bounds in float32 ulp of the exact (float64) result, measured
// over the inputs of testInputs with some margin: the exponential's
// polynomial is good to about 1 ulp, and the division and the final sums
// each add half an ulp.
const (
	sigmoidULP = 3
	tanhULP    = 3
)

// testInputs returns special values, a dense sweep of [-100, 100] and
// random values at all scales.
func testInputs() []float32 {
	inf := float32(math.Inf(1))
	xs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, inf, -inf,
		1e-45, -1e-45, 1e-38, -1e-38, 1e-30, -1e-30, 1e-8, -1e-8,
		0.0625, -0.0625, 0.17, -0.17, 0.35, -0.35, 9.1, -9.1, 10, -10, 20, -20,
		87.33654, -87.33654, 87.4, -87.4, 88.7, -88.7, 88.73, -88.73, 89, -89, 104, -104, 1e30, -1e30,
		math.MaxFloat32, -math.MaxFloat32}
	for x := -100.0; x <= 100; x += 1.0 / 1024 {
		xs = append(xs, float32(x))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		e := rng.Float64()*24 - 20 // |x| from 1e-20 to 1e4
		x := float32(math.Pow(10, e))
		if rng.IntN(2) == 0 {
			x = -x
		}
		xs = append(xs, x)
	}
	return xs
}

// ulpErr returns |got − want| in float32 ulp of want; results below the
// smallest normal float32 count in units of that number, as flushing them
// to 0 is no worse than their rounding.
func ulpErr(got float32, want float64) float64 {
	if math.IsNaN(want) {
		if got != got {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsInf(want, 0) {
		if float64(got) == want {
			return 0
		}
		return math.Inf(1)
	}
	w := float32(want)
	ulp := float64(math.Nextafter32(float32(math.Abs(float64(w))), float32(math.Inf(1))) - float32(math.Abs(float64(w))))
	ulp = max(ulp, 0x1p-126)
	return math.Abs(float64(got)-want) / ulp
}

func refSigmoid(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }
func refTanh(x float32) float64    { return math.Tanh(float64(x)) }

// TestNonlinearAccuracy checks the Go twins and the dispatched kernels
// (assembly where the CPU has it) against float64 references, and
// against each other.
func TestNonlinearAccuracy(t *testing.T) {
	xs := testInputs()
	nan := float32(math.NaN())
	xs = append(xs, nan, -nan)
	for _, c := range []struct {
		name   string
		kernel func(dst, x []float32)
		twin   func(float32) float32
		ref    func(float32) float64
		tol    float64
	}{
		{"Sigmoid", Sigmoid, sigmoid, refSigmoid, sigmoidULP},
		{"Tanh", Tanh, tanh, refTanh, tanhULP},
	} {
		got := make([]float32, len(xs))
		c.kernel(got, xs)
		worstGo, worstVec := 0.0, 0.0
		for i, x := range xs {
			want := c.ref(x)
			g := c.twin(x)
			eg, ev := ulpErr(g, want), ulpErr(got[i], want)
			if eg > c.tol || ev > c.tol {
				t.Errorf("%s(%v): Go %v (%.2g ulp), kernel %v (%.2g ulp), want %v", c.name, x, g, eg, got[i], ev, want)
			}
			if math.IsNaN(float64(x)) != math.IsNaN(float64(got[i])) {
				t.Errorf("%s(%v) = %v", c.name, x, got[i])
			}
			worstGo, worstVec = max(worstGo, eg), max(worstVec, ev)
		}
		t.Logf("%s: worst error %.2f ulp (Go twin), %.2f ulp (kernel, asm %v) over %d inputs", c.name, worstGo, worstVec, useAsm, len(xs))
	}
}

// TestNonlinearTails runs the kernels on every length up to 40 and on
// offsets into a longer slice, so the assembly meets lengths that are not a
// multiple of 8; the results must match the Go twin within the bounds, and
// in place use must give the same.
func TestNonlinearTails(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := make([]float32, 1003)
	for i := range src {
		src[i] = float32(rng.NormFloat64() * 5)
	}
	for _, c := range []struct {
		name   string
		kernel func(dst, x []float32)
		twin   func(float32) float32
		tol    float64
	}{
		{"Sigmoid", Sigmoid, sigmoid, 2 * sigmoidULP},
		{"Tanh", Tanh, tanh, 2 * tanhULP},
	} {
		for _, r := range [][2]int{{0, 0}, {0, 1}, {0, 7}, {0, 8}, {0, 9}, {1, 16}, {3, 20}, {5, 40}, {0, 1003}, {1, 1002}} {
			x := src[r[0]:r[1]]
			got := make([]float32, len(x))
			c.kernel(got, x)
			inplace := append([]float32(nil), x...)
			c.kernel(inplace, inplace)
			for i, v := range x {
				g := c.twin(v)
				if e := ulpErr(got[i], float64(g)); e > c.tol {
					t.Errorf("%s on [%d:%d] element %d: kernel %v, Go twin %v", c.name, r[0], r[1], i, got[i], g)
				}
				if inplace[i] != got[i] {
					t.Errorf("%s in place on [%d:%d] element %d: %v, not %v", c.name, r[0], r[1], i, inplace[i], got[i])
				}
			}
		}
	}
}

// TestReLU checks ReLU bit for bit against Go's max(x, 0), with signed
// zeros, infinities and NaN, on lengths around the vector width.
func TestReLU(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, nan, -nan, 1e-45, -1e-45, 3, -3}
	for n := 0; n <= 41; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = special[(i*7+n)%len(special)]
		}
		got := make([]float32, n)
		ReLU(got, x)
		for i, v := range x {
			if w := max(v, 0); math.Float32bits(got[i]) != math.Float32bits(w) && !(w != w && got[i] != got[i]) {
				t.Fatalf("n=%d: ReLU(%v) = %v (bits %#x), want %v (bits %#x)", n, v, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestLinearKernels checks Add, AddRows and RelaxRows (exact: the same
// operations in the same order) and AxpyPattern (within the rounding of a
// fused multiply-add) against their Go loops, over batches and lengths that
// are and are not multiples of 8.
func TestLinearKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 5, 8, 13, 64, 100, 1027} {
		x, d := randSlice(rng, n), randSlice(rng, n)
		want := append([]float32(nil), d...)
		addGo(want, x)
		got := append([]float32(nil), d...)
		Add(got, x)
		equal(t, fmt.Sprintf("Add n=%d", n), got, want)
	}
	for _, batch := range []int{1, 3, 8, 12, 16, 24} {
		for _, rows := range []int{0, 1, 7, 33} {
			n := rows * batch
			v, d, r, h := randSlice(rng, rows), randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
			want := append([]float32(nil), d...)
			for i := range v {
				for s := 0; s < batch; s++ {
					want[i*batch+s] += v[i]
				}
			}
			got := append([]float32(nil), d...)
			AddRows(got, v)
			equal(t, fmt.Sprintf("AddRows rows=%d batch=%d", rows, batch), got, want)

			for i := range v {
				for s := 0; s < batch; s++ {
					j := i*batch + s
					want[j] = (r[j] - h[j]) * v[i]
				}
			}
			RelaxRows(got, r, h, v)
			equal(t, fmt.Sprintf("RelaxRows rows=%d batch=%d", rows, batch), got, want)
			hh := append([]float32(nil), h...)
			RelaxRows(hh, r, hh, v) // in place over h, as the model does over r
			equal(t, fmt.Sprintf("RelaxRows in place rows=%d batch=%d", rows, batch), hh, want)
		}
	}
	for _, p := range []int{1, 2, 3, 4, 5, 8, 16, 24} {
		for _, rows := range []int{0, 1, 3, 7, 100} {
			n := rows * p
			coef, x, d := randSlice(rng, p), randSlice(rng, n), randSlice(rng, n)
			got := append([]float32(nil), d...)
			AxpyPattern(got, x, coef)
			twin := append([]float32(nil), d...)
			axpyPatternGo(twin, twin, x, coef)
			from := make([]float32, n) // from d into another slice: AxpyPattern's values
			AxpyPatternFrom(from, d, x, coef)
			equal(t, fmt.Sprintf("AxpyPatternFrom p=%d n=%d", p, n), from, got)
			for j := range got {
				c, xj := float64(coef[j%p]), float64(x[j])
				want := float64(d[j]) + c*xj
				// One rounding of the result, plus one of the product when
				// not fused.
				tol := 0x1p-24 * (math.Abs(want) + 2*math.Abs(c*xj))
				if math.Abs(float64(got[j])-want) > tol || math.Abs(float64(twin[j])-want) > tol {
					t.Fatalf("AxpyPattern p=%d n=%d element %d: %v (Go %v), want %v", p, n, j, got[j], twin[j], want)
				}
			}
		}
	}
}

func equal(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestErrorSq checks the error norm against a float64 loop for batch 8
// (the assembly's) and others, with a term whose coefficients are all 0
// and a sample whose coefficients are 0 (a finished sample).
func TestErrorSq(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, batch := range []int{1, 3, 8, 16} {
		for _, rows := range []int{0, 1, 5, 300} {
			n := rows * batch
			const terms = 7
			k := make([][]float32, terms)
			c := make([][]float64, terms)
			for l := range k {
				k[l] = randSlice(rng, n)
				c[l] = make([]float64, batch)
				for s := range c[l] {
					if l != 1 && s != batch-1 {
						c[l][s] = rng.NormFloat64() * 1e-2
					}
				}
			}
			y, y1 := randSlice(rng, n), randSlice(rng, n)
			const atol, rtol = 1e-6, 1e-3
			sums := make([]float64, batch)
			for s := range sums {
				sums[s] = float64(s) // added to, not overwritten
			}
			want := append([]float64(nil), sums...)
			for j := 0; j < n; j++ {
				s := j % batch
				e := 0.0
				for l := range k {
					e += c[l][s] * float64(k[l][j])
				}
				r := e / (atol + rtol*math.Max(math.Abs(float64(y[j])), math.Abs(float64(y1[j]))))
				want[s] += r * r
			}
			ErrorSq(sums, k, c, y, y1, atol, rtol)
			for s := range sums {
				if math.Abs(sums[s]-want[s]) > 1e-12*math.Abs(want[s]) {
					t.Errorf("ErrorSq batch %d rows %d sample %d: %v, want %v", batch, rows, s, sums[s], want[s])
				}
			}
		}
	}
}

// TestPanics checks that lengths that disagree panic with a vec: message.
func TestPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Sigmoid", func() { Sigmoid(make([]float32, 3), make([]float32, 4)) }},
		{"Tanh", func() { Tanh(make([]float32, 3), make([]float32, 4)) }},
		{"Add", func() { Add(make([]float32, 3), make([]float32, 4)) }},
		{"ReLU", func() { ReLU(make([]float32, 3), make([]float32, 4)) }},
		{"AddRows", func() { AddRows(make([]float32, 5), make([]float32, 2)) }},
		{"AddRows empty", func() { AddRows(make([]float32, 5), nil) }},
		{"RelaxRows", func() { RelaxRows(make([]float32, 4), make([]float32, 4), make([]float32, 3), make([]float32, 2)) }},
		{"AxpyPattern", func() { AxpyPattern(make([]float32, 5), make([]float32, 5), make([]float32, 2)) }},
		{"AxpyPattern empty", func() { AxpyPattern(make([]float32, 5), make([]float32, 5), nil) }},
		{"ErrorSq", func() {
			ErrorSq(make([]float64, 2), [][]float32{make([]float32, 4)}, [][]float64{make([]float64, 3)}, make([]float32, 4), make([]float32, 4), 1, 1)
		}},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 5 || s[:5] != "vec: " {
					t.Errorf("%s: recovered %v, want a vec: panic", c.name, r)
				}
			}()
			c.f()
		}()
	}
}

// TestAllocs checks that no kernel allocates.
func TestAllocs(t *testing.T) {
	x, d := make([]float32, 2048), make([]float32, 2048)
	w := make([]float32, 256)
	coef := make([]float32, 8)
	sums := make([]float64, 8)
	k := [][]float32{x, d}
	c := [][]float64{{1, 1, 1, 1, 1, 1, 1, 1}, make([]float64, 8)}
	if a := testing.AllocsPerRun(10, func() {
		Sigmoid(d, x)
		Tanh(d, x)
		ReLU(d, x)
		Add(d, x)
		AddRows(d, w)
		RelaxRows(d, x, d, w)
		AxpyPattern(d, x, coef)
		AxpyPattern(d, x, coef[:2])
		ErrorSq(sums, k, c, x, d, 1e-6, 1e-3)
	}); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}

// FirstNonFinite agrees with math.IsNaN || math.IsInf at every position
// and length, for the special values and for the largest finite ones.
func TestFirstNonFinite(t *testing.T) {
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for n := 0; n <= 35; n++ {
		v32 := make([]float32, n)
		v64 := make([]float64, n)
		for i := range v32 {
			v32[i], v64[i] = math.MaxFloat32*float32(1-2*(i%2)), -math.MaxFloat64*float64(1-2*(i%2))
		}
		if got := FirstNonFinite(v32); got != -1 {
			t.Fatalf("n %d: finite float32 slice: %d", n, got)
		}
		if got := FirstNonFinite(v64); got != -1 {
			t.Fatalf("n %d: finite float64 slice: %d", n, got)
		}
		for p := 0; p < n; p++ {
			for _, b := range bad {
				w32 := append([]float32(nil), v32...)
				w64 := append([]float64(nil), v64...)
				w32[p], w64[p] = float32(b), b
				if p+1 < n { // a later bad value must not be reported first
					w32[n-1], w64[n-1] = float32(math.NaN()), math.NaN()
				}
				if got := FirstNonFinite(w32); got != p {
					t.Fatalf("n %d: float32 %v at %d: got %d", n, b, p, got)
				}
				if got := FirstNonFinite(w64); got != p {
					t.Fatalf("n %d: float64 %v at %d: got %d", n, b, p, got)
				}
			}
		}
	}
}
