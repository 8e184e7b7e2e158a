package vec

import (
	"fmt"
	"math"
	"unsafe"
)

// Constants of the exponential (see the package doc), shared by the Go
// twins and, through expTab, the assembly.
const (
	log2e = 1.44269504088896341
	magic = 12582912 // 1.5·2^23: adding it rounds to an integer in the low mantissa bits
	// ln2 = c1 + c2 with c1 exact in few bits, so n·c1 is exact (Cody & Waite).
	c1 = 0.693359375
	c2 = -2.12194440e-4
	// P(r) ≈ (e^r − 1 − r)/r² on |r| ≤ ln2/2, highest degree first: the
	// minimax coefficients of Cephes expf.
	p0 = 1.9875691500e-4
	p1 = 1.3981999507e-3
	p2 = 8.3334519073e-3
	p3 = 4.1665795894e-2
	p4 = 1.6666665459e-1
	p5 = 5.0000001201e-1
	// expLo: e^expLo is the smallest normal float32; below it Sigmoid
	// takes e^x as 0.
	expLo = -87.33654
	// tanhMin bounds −2|x| in Tanh: e^−20 < 2^−28, so tanh rounds to ±1
	// beyond it.
	tanhMin = -20
	// expBias turns the bits of t = n + magic into those of 2^n once
	// shifted left by 23: bits(t) − 0x4B400000 + 127.
	expBias = 0x4B400000 - 127
)

// Rows of expTab, each one constant in 8 lanes; the assembly addresses them
// by these indices times 32 bytes.
const (
	tabLog2e = iota
	tabMagic
	tabC1
	tabC2
	tabP0
	tabP1
	tabP2
	tabP3
	tabP4
	tabP5
	tabOne
	tabTwo
	tabLo
	tabTanhMin
	tabAbs
	tabSign
	tabBias
	tabRows
)

// expTab holds the constants of the assembly kernels as bits, 8 lanes
// each (one YMM register).
var expTab = func() (t [tabRows][8]uint32) {
	f := map[int]float32{tabLog2e: log2e, tabMagic: magic, tabC1: c1, tabC2: c2,
		tabP0: p0, tabP1: p1, tabP2: p2, tabP3: p3, tabP4: p4, tabP5: p5,
		tabOne: 1, tabTwo: 2, tabLo: expLo, tabTanhMin: tanhMin}
	for i := range t {
		var v uint32
		switch i {
		case tabAbs:
			v = 0x7fffffff
		case tabSign:
			v = 0x80000000
		case tabBias:
			v = expBias
		default:
			v = math.Float32bits(f[i])
		}
		for l := range t[i] {
			t[i][l] = v
		}
	}
	return t
}()

// absTab64 is the float64 mask of everything but the sign, 4 lanes.
var absTab64 = [4]uint64{1<<63 - 1, 1<<63 - 1, 1<<63 - 1, 1<<63 - 1}

// The exponential: for y = n·ln2 + r with |r| ≤ ln2/2 and s = 2^n,
// e^y = s·q + s and e^y − 1 = s·q + (s − 1) with q = expm1(r), y within
// [expLo, −expLo] (NaN passes through q). Its parts are small enough for
// the compiler to inline.

// exp2n returns 2^n from t = n + magic.
func exp2n(t float32) float32 { return math.Float32frombits((math.Float32bits(t) - expBias) << 23) }

// expReduce returns t = n + magic, whose low mantissa bits hold n, and
// r = y − n·ln2.
func expReduce(y float32) (t, r float32) {
	t = y*log2e + magic
	n := t - magic
	r = y - n*c1
	r -= n * c2
	return t, r
}

// expm1Poly returns e^r − 1 = r + r²·P(r) for |r| ≤ ln2/2.
func expm1Poly(r float32) float32 {
	p := float32(p0)
	p = p*r + p1
	p = p*r + p2
	p = p*r + p3
	p = p*r + p4
	p = p*r + p5
	return p*(r*r) + r
}

// sigmoid is the scalar Go twin of Sigmoid. It selects with bit masks
// rather than branches on the sign, which random inputs would mispredict.
func sigmoid(x float32) float32 {
	bx := math.Float32bits(x)
	y := math.Float32frombits(bx | 1<<31) // −|x|
	t, r := expReduce(max(y, expLo))      // max keeps NaN
	s, q := exp2n(t), expm1Poly(r)
	e := s*q + s // e^−|x|
	if y < expLo {
		e = 0
	}
	neg := uint32(int32(bx) >> 31) // all ones for x < 0
	num := math.Float32frombits(math.Float32bits(e)&neg | math.Float32bits(1)&^neg)
	return num / (1 + e)
}

// tanh is the scalar Go twin of Tanh.
func tanh(x float32) float32 {
	y := math.Float32frombits(math.Float32bits(x) | 1<<31)
	t, r := expReduce(max(y+y, tanhMin)) // −2|x|, NaN kept
	s, q := exp2n(t), expm1Poly(r)
	m := s*q + (s - 1) // e^−2|x| − 1
	th := m / (m + 2)  // −tanh|x|
	return math.Float32frombits(math.Float32bits(th)&^(1<<31) | math.Float32bits(x)&(1<<31))
}

// Sigmoid sets dst[i] = 1/(1 + e^−x[i]). dst and x have the same length
// and may be the same slice.
//
//	for i, v := range x {
//		dst[i] = sigmoid(v)
//	}
func Sigmoid(dst, x []float32) {
	checkLen("Sigmoid", len(dst), len(x))
	n := sigmoidArch(dst, x)
	for i, v := range x[n:] {
		dst[n+i] = sigmoid(v)
	}
}

// Tanh sets dst[i] = tanh(x[i]). dst and x have the same length and may be
// the same slice.
//
//	for i, v := range x {
//		dst[i] = tanh(v)
//	}
func Tanh(dst, x []float32) {
	checkLen("Tanh", len(dst), len(x))
	n := tanhArch(dst, x)
	for i, v := range x[n:] {
		dst[n+i] = tanh(v)
	}
}

// ReLU sets dst[i] = max(x[i], 0) (NaN stays NaN, −0 becomes 0). dst and x
// have the same length and may be the same slice.
//
//	for i, v := range x {
//		dst[i] = max(v, 0)
//	}
func ReLU(dst, x []float32) {
	checkLen("ReLU", len(dst), len(x))
	n := reluArch(dst, x)
	for i, v := range x[n:] {
		dst[n+i] = max(v, 0)
	}
}

// Add adds x to dst elementwise.
//
//	for i, v := range x {
//		dst[i] += v
//	}
func Add(dst, x []float32) {
	checkLen("Add", len(dst), len(x))
	n := addArch(dst, x)
	addGo(dst[n:], x[n:])
}

func addGo(dst, x []float32) {
	for i, v := range x {
		dst[i] += v
	}
}

// AddRows adds v[i] to row i of dst, [rows][batch] with rows = len(v):
//
//	for i := range v {
//		for s := 0; s < batch; s++ {
//			dst[i*batch+s] += v[i]
//		}
//	}
func AddRows(dst, v []float32) {
	batch := rowBatch("AddRows", len(dst), len(v))
	if !addRowsArch(dst, v, batch) {
		addRowsGo(dst, v, batch)
	}
}

func addRowsGo(dst, v []float32, batch int) {
	for i, vi := range v {
		row := dst[i*batch : (i+1)*batch]
		for s := range row {
			row[s] += vi
		}
	}
}

// RelaxRows sets dst = (r − h)·w with w one factor per row: dst, r and h
// are [rows][batch] with rows = len(w) (the relaxation (phi(z) − h)/tau
// with w = 1/tau). dst may be r or h.
//
//	for i := range w {
//		for s := 0; s < batch; s++ {
//			j := i*batch + s
//			dst[j] = (r[j] - h[j]) * w[i]
//		}
//	}
func RelaxRows(dst, r, h, w []float32) {
	batch := rowBatch("RelaxRows", len(dst), len(w))
	checkLen("RelaxRows", len(dst), len(r))
	checkLen("RelaxRows", len(dst), len(h))
	if !relaxRowsArch(dst, r, h, w, batch) {
		relaxRowsGo(dst, r, h, w, batch)
	}
}

func relaxRowsGo(dst, r, h, w []float32, batch int) {
	for i, wi := range w {
		o := i * batch
		d, rr, hr := dst[o:o+batch], r[o:o+batch], h[o:o+batch]
		for s := range d {
			d[s] = (rr[s] - hr[s]) * wi
		}
	}
}

// AxpyPattern adds coef ⊙ x to dst with coef repeated along dst: with
// p = len(coef), dst[j] += coef[j%p]·x[j]. Over a [rows][batch] state with
// one coefficient per sample (p = batch) it is a stage term y + c·k of a
// solver with per-sample step sizes. len(dst) must be a multiple of p.
//
//	for j, v := range x {
//		dst[j] += coef[j%len(coef)] * v
//	}
func AxpyPattern(dst, x, coef []float32) { axpyPattern("AxpyPattern", dst, dst, x, coef) }

// AxpyPatternFrom is AxpyPattern into dst from src, in one pass:
// dst[j] = src[j] + coef[j%len(coef)]·x[j] (src may be dst; otherwise it
// must not overlap it). It is copy(dst, src) then AxpyPattern(dst, x,
// coef), the same values, without the copy's pass.
func AxpyPatternFrom(dst, src, x, coef []float32) { axpyPattern("AxpyPatternFrom", dst, src, x, coef) }

func axpyPattern(fn string, dst, src, x, coef []float32) {
	checkLen(fn, len(dst), len(x))
	checkLen(fn, len(dst), len(src))
	if len(coef) == 0 || len(dst)%len(coef) != 0 {
		panic(fmt.Sprintf("vec: %s: length %d is not a multiple of the pattern's %d", fn, len(dst), len(coef)))
	}
	n := axpyPatternArch(dst, src, x, coef)
	axpyPatternGo(dst[n:], src[n:], x[n:], coef)
}

func axpyPatternGo(dst, src, x, coef []float32) {
	p := len(coef)
	for j := 0; j < len(dst); j += p {
		o, s, xx := dst[j:j+p], src[j:j+p], x[j:j+p]
		for b, c := range coef {
			o[b] = s[b] + c*xx[b]
		}
	}
}

// MaxTerms is the most terms ErrorSq takes.
const MaxTerms = 8

// ErrorSq adds to sums[s] the squared scaled errors of sample s over the
// rows of [rows][batch] arrays, batch = len(sums): the error of an element
// is e = Σ_l c[l][s]·k[l][j] and its scale atol + rtol·max(|y[j]|, |y1[j]|),
// all in float64. Terms whose coefficient is 0 are skipped. It is the
// local error norm of an embedded Runge–Kutta pair; len(k) = len(c) ≤
// MaxTerms.
//
//	for j := range y {
//		s := j % batch
//		e := 0.0
//		for l := range k {
//			if c[l][s] != 0 {
//				e += c[l][s] * float64(k[l][j])
//			}
//		}
//		r := e / (atol + rtol*max(|y[j]|, |y1[j]|))
//		sums[s] += r * r
//	}
func ErrorSq(sums []float64, k [][]float32, c [][]float64, y, y1 []float32, atol, rtol float64) {
	batch := len(sums)
	if batch == 0 || len(y)%batch != 0 {
		panic(fmt.Sprintf("vec: ErrorSq: length %d is not a multiple of the batch %d", len(y), batch))
	}
	checkLen("ErrorSq", len(y1), len(y))
	if len(k) != len(c) || len(k) > MaxTerms {
		panic(fmt.Sprintf("vec: ErrorSq: %d stages and %d coefficient vectors (at most %d)", len(k), len(c), MaxTerms))
	}
	for l := range k {
		checkLen("ErrorSq", len(k[l]), len(y))
		checkLen("ErrorSq", len(c[l]), batch)
	}
	if !errorSqArch(sums, k, c, y, y1, atol, rtol) {
		errorSqGo(sums, k, c, y, y1, atol, rtol)
	}
}

func errorSqGo(sums []float64, k [][]float32, c [][]float64, y, y1 []float32, atol, rtol float64) {
	batch := len(sums)
	for j := 0; j < len(y); j += batch {
		for s := range sums {
			e := 0.0
			for l, kl := range k {
				if cl := c[l][s]; cl != 0 {
					e += cl * float64(kl[j+s])
				}
			}
			sc := atol + rtol*max(math.Abs(float64(y[j+s])), math.Abs(float64(y1[j+s])))
			r := e / sc
			sums[s] += r * r
		}
	}
}

func checkLen(fn string, n, want int) {
	if n != want {
		panic(fmt.Sprintf("vec: %s: length %d, want %d", fn, n, want))
	}
}

// rowBatch returns the batch of a [rows][batch] array of length n, panicking
// if n is not a multiple of rows.
func rowBatch(fn string, n, rows int) int {
	if rows == 0 {
		if n != 0 {
			panic(fmt.Sprintf("vec: %s: %d elements for 0 rows", fn, n))
		}
		return 0
	}
	if n%rows != 0 {
		panic(fmt.Sprintf("vec: %s: length %d is not a multiple of the %d rows", fn, n, rows))
	}
	return n / rows
}

// FirstNonFinite returns the index of the first NaN or infinite element of
// v, or -1 when every element is finite. A float is non-finite exactly when
// its exponent bits are all ones; the scan tests eight elements per
// iteration with integer operations and no branch per element, a few times
// faster than math.IsNaN and math.IsInf on each.
func FirstNonFinite[T ~float32 | ~float64](v []T) int {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return firstNonFinite32(unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(v))), len(v)))
	}
	return firstNonFinite64(unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(v))), len(v)))
}

func firstNonFinite32(u []uint32) int {
	const e = 0x7f800000
	i := 0
	for ; i+8 <= len(u); i += 8 {
		b := u[i : i+8 : i+8]
		// x&e == e for a non-finite x; (x&e)+(1<<23) then carries out of
		// the exponent field into bit 31 only for such an x.
		m := ((b[0] & e) + 1<<23) | ((b[1] & e) + 1<<23) | ((b[2] & e) + 1<<23) | ((b[3] & e) + 1<<23) |
			((b[4] & e) + 1<<23) | ((b[5] & e) + 1<<23) | ((b[6] & e) + 1<<23) | ((b[7] & e) + 1<<23)
		if m&(1<<31) != 0 {
			break
		}
	}
	for ; i < len(u); i++ {
		if u[i]&e == e {
			return i
		}
	}
	return -1
}

func firstNonFinite64(u []uint64) int {
	const e = 0x7ff0000000000000
	for i, x := range u {
		if x&e == e {
			return i
		}
	}
	return -1
}
