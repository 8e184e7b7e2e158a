package sparse

import (
	"fmt"
	"slices"
	"strings"
)

// A variant is one named kernel: a way to compute rows [r0, r1) of
// dst = A·x. batch is the only batch size it handles, 0 for any; minBatch,
// if set, is the smallest batch it is offered for (it computes any, but
// below that it is no different from a general kernel). A kernel
// for the plain CSR has f; a kernel for a narrow encoding has nf and the
// encoding it reads (index16, weights), or anyNarrow for every one.
type variant struct {
	name     string
	batch    int
	minBatch int
	f        kernel

	nf        narrowKernel
	index16   bool
	weights   string
	anyNarrow bool
}

// narrowKernel computes rows [r0, r1) of dst = A·x from the narrow form m
// of a.
type narrowKernel func(dst []float32, m *narrow, a *CSR, x []float32, batch, r0, r1 int)

// encoding is the matrix form a kernel reads.
type encoding struct {
	index16 bool
	weights string // one of weightFormats
}

// plain is the CSR itself: int32 columns, float32 weights.
var plain = encoding{weights: WeightsF32}

func (v variant) reads(e encoding) bool {
	if e == plain {
		return v.f != nil
	}
	return v.nf != nil && (v.anyNarrow || v.index16 == e.index16 && v.weights == e.weights)
}

// goKernels are the plain Go kernels, available everywhere.
var goKernels = []variant{
	{name: "go-1", batch: 1, f: mulRows1},
	{name: "go-8", batch: 8, f: mulRows8},
	{name: "go-n", f: mulRowsGeneric[float32]},
	{name: "go-n-narrow", nf: mulNarrowGeneric, anyNarrow: true},
}

// preference orders the kernels for the default choice: the first one that
// exists on this CPU and handles the batch wins. The order comes from
// BenchmarkKernels on an AMD EPYC (Zen 5, AVX-512) with the default
// connectome, after the streams were prefetched: batch 1 avx512-1 1.01 ms
// against avx2-1 1.11; batch 8 avx2-8 1.56 against avx512-n 2.06; batch
// 16 avx512-16 1.57 against avx512-n 1.60; batch 32 avx512-32 3.10 against
// avx512-n 3.54; batch 128 avx512-w 20 against avx512-n 40.
// Batch 4 (the optic lobe's training): avx2-4 against avx512-n, timed
// alternately four times on a loaded 2-core EPYC, 6.5–11.9 ms against
// 12.8–22.2.
var preference = []string{
	"avx512-1", "avx2-1", "avx2-4", "avx2-8", "avx512-16", "avx512-32", "avx512-w", "avx512-n",
	"avx2-16", "avx2-32", "avx2-n",
	"avx2-8-i16", "avx2-8-bf16", "avx2-8-f16", "avx2-8-i16-bf16", "avx2-8-i16-f16",
	"go-1", "go-8", "go-n", "go-n-narrow",
}

// allKernels returns every kernel this build and CPU can run.
func allKernels() []variant {
	return append(archKernels(), goKernels...)
}

// Kernels returns the names of the kernels that can compute a product with
// the given batch on this machine, the default choice first. The names are
// "ISA-batch" ("avx2-8", "avx512-16", "go-1") or "ISA-n" for any batch.
// These read the plain CSR; see KernelsNarrow for the narrow encodings.
func Kernels(batch int) []string { return kernelsFor(batch, plain) }

// KernelsNarrow is Kernels for a Product with the given ProductOptions
// Index16 and Weights.
func KernelsNarrow(batch int, index16 bool, weights string) []string {
	if weights == "" {
		weights = WeightsF32
	}
	return kernelsFor(batch, encoding{index16: index16, weights: weights})
}

func kernelsFor(batch int, e encoding) []string {
	var names []string
	for _, v := range allKernels() {
		if v.handles(batch) && v.reads(e) {
			names = append(names, v.name)
		}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		return rank(a) - rank(b)
	})
	return names
}

// handles reports whether the kernel is offered for the batch.
func (v variant) handles(batch int) bool {
	return (v.batch == 0 || v.batch == batch) && batch >= v.minBatch
}

func rank(name string) int {
	if i := slices.Index(preference, name); i >= 0 {
		return i
	}
	return len(preference)
}

// chooseKernel returns the default kernel for the batch size and encoding.
func chooseKernel(batch int, e encoding) variant {
	v, err := kernelNamed(kernelsFor(batch, e)[0], batch, e)
	if err != nil {
		panic("sparse: " + err.Error())
	}
	return v
}

// kernelNamed returns the kernel called name if it exists here and handles
// the batch and encoding.
func kernelNamed(name string, batch int, e encoding) (variant, error) {
	all := allKernels()
	for _, v := range all {
		if v.name != name {
			continue
		}
		if !v.handles(batch) {
			what := fmt.Sprintf("batch %d only", v.batch)
			if v.batch == 0 {
				what = fmt.Sprintf("batches of %d or more", v.minBatch)
			}
			return variant{}, fmt.Errorf("kernel %q handles %s, not %d (kernels for batch %d: %s)",
				name, what, batch, batch, strings.Join(kernelsFor(batch, e), ", "))
		}
		if !v.reads(e) {
			return variant{}, fmt.Errorf("kernel %q does not read this encoding (index16 %v, weights %s; kernels for it: %s)",
				name, e.index16, e.weights, strings.Join(kernelsFor(batch, e), ", "))
		}
		return v, nil
	}
	names := make([]string, len(all))
	for i, v := range all {
		names[i] = v.name
	}
	return variant{}, fmt.Errorf("unknown kernel %q (known on this machine: %s)", name, strings.Join(names, ", "))
}

// mulRows1 is the reference kernel specialised to batch 1 (a plain SpMV),
// with four partial sums to hide the latency of the additions:
//
//	for i := range rows
//		dst[i] = Σ_k Val[k] * x[ColIdx[k]]
func mulRows1(dst []float32, rowPtr, colIdx []int32, val, x []float32, _, r0, r1 int) {
	for i := r0; i < r1; i++ {
		lo, hi := rowPtr[i], rowPtr[i+1]
		cols := colIdx[lo:hi]
		vals := val[lo:hi][:len(cols)]
		var s0, s1, s2, s3 float32
		k := 0
		for ; k+4 <= len(cols); k += 4 {
			c := cols[k : k+4 : k+4]
			v := vals[k : k+4 : k+4]
			s0 += v[0] * x[c[0]]
			s1 += v[1] * x[c[1]]
			s2 += v[2] * x[c[2]]
			s3 += v[3] * x[c[3]]
		}
		for ; k < len(cols); k++ {
			s0 += vals[k] * x[cols[k]]
		}
		dst[i] = (s0 + s1) + (s2 + s3)
	}
}

// mulRows8 is the reference kernel specialised to batch 8, with the eight
// accumulators held in registers.
func mulRows8(dst []float32, rowPtr, colIdx []int32, val, x []float32, _, r0, r1 int) {
	for i := r0; i < r1; i++ {
		lo, hi := rowPtr[i], rowPtr[i+1]
		var s0, s1, s2, s3, s4, s5, s6, s7 float32
		cols := colIdx[lo:hi]
		vals := val[lo:hi][:len(cols)]
		for k, j := range cols {
			v := vals[k]
			xs := x[int(j)*8:][:8]
			s0 += v * xs[0]
			s1 += v * xs[1]
			s2 += v * xs[2]
			s3 += v * xs[3]
			s4 += v * xs[4]
			s5 += v * xs[5]
			s6 += v * xs[6]
			s7 += v * xs[7]
		}
		d := dst[i*8:][:8]
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s0, s1, s2, s3, s4, s5, s6, s7
	}
}
