package sparse

import (
	"fmt"
	"github.com/neuropil/neuropil/internal/team"
	"runtime"
)

// MulTo computes dst = a·x for a batch of vectors, serially, with the plain
// reference loop. dst is [a.Rows][batch] and x is [a.Cols][batch]; dst must
// not alias x. It is the definition every faster kernel is held to:
//
//	for i := range rows
//		for b := range batch
//			dst[i*batch+b] = Σ_k Val[k] * x[ColIdx[k]*batch+b]
func MulTo(dst []float32, a *CSR, x []float32, batch int) {
	checkMul(dst, a, x, batch)
	mulRowsGeneric(dst, a.RowPtr, a.ColIdx, a.Val, x, batch, 0, a.Rows)
}

func checkMul(dst []float32, a *CSR, x []float32, batch int) {
	if batch < 1 {
		panic(fmt.Sprintf("sparse: batch %d < 1", batch))
	}
	if len(dst) != a.Rows*batch {
		panic(fmt.Sprintf("sparse: dst has %d elements, want rows×batch = %d×%d", len(dst), a.Rows, batch))
	}
	if len(x) != a.Cols*batch {
		panic(fmt.Sprintf("sparse: x has %d elements, want cols×batch = %d×%d", len(x), a.Cols, batch))
	}
}

// Product is a prepared, parallel dst = A·x for one matrix and batch size.
// The rows are split into parts with about the same number of nonzeros
// (connectome in-degrees are skewed, so equal row counts would not
// balance), partsPerWorker per worker; the calling goroutine and the shared
// team of helper goroutines (internal/team) claim the parts as they go, so a
// core slowed by another process does not hold the others up. Mul and
// MulThen allocate nothing. A Product is not safe for concurrent use;
// distinct Products may be used concurrently (one at a time gets the
// helpers, the others run on their calling goroutine).
type Product struct {
	A     *CSR
	Batch int

	workers int
	parts   []int // [parts+1] row boundaries
	kern    variant
	tuned   []KernelTime // timings of the autotune step, nil without one
	job     team.Job
	closed  bool
	enc     encoding
	nar     *narrow // the narrow form of A, nil for the plain CSR

	// per call
	dst, x []float32
	post   func(r0, r1 int)
}

// kernel computes rows [r0, r1) of dst = A·x.
type kernel func(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, r0, r1 int)

// postBlockBytes sets the number of rows a worker multiplies before it
// calls the post function on them: about this many bytes of dst, so that
// fused elementwise work finds the rows it reads still in L2 (64 KiB per
// vector; a solver stage reads up to nine such vectors). At batch 8 that
// is 2048 rows; 256 rows, the first choice, made the default solve about
// 8 % slower, the post's many short streams interrupting the product's.
const postBlockBytes = 64 << 10

// postRows returns the rows per post block for a batch.
func postRows(batch int) int { return max(64, postBlockBytes/(4*batch)) }

// NewProduct prepares dst = a·x for the given batch with the given number of
// workers (0 means runtime.GOMAXPROCS) and the default kernel for the batch.
// It panics if a is structurally invalid (see NewProductWith).
func NewProduct(a *CSR, batch, workers int) *Product {
	p, err := NewProductWith(a, batch, ProductOptions{Workers: workers})
	if err != nil {
		panic("sparse: " + err.Error()) // unreachable: the default options are valid
	}
	return p
}

// ProductOptions are the settings of a Product. The zero value means the
// defaults: one worker per GOMAXPROCS and the default kernel for the batch.
type ProductOptions struct {
	// Workers is the number of goroutines the rows are split among;
	// 0 means runtime.GOMAXPROCS(0).
	Workers int

	// Kernel names the kernel: "" or "auto" for the default choice for
	// the batch on this CPU, "tune" to time every kernel that handles the
	// batch on the actual matrix once and keep the fastest (the analogue of
	// torch.compile(mode="max-autotune")), or one of the names listed by
	// Kernels (KernelsNarrow with the options below). An unknown name is
	// an error.
	Kernel string

	// Index16 stores columns as 16-bit offsets within row segments (see
	// narrow), 2 bytes per synapse instead of 4; the result is unchanged.
	Index16 bool

	// Weights is the weight format the product reads: "" or "f32" (the
	// CSR's float32 values), "bf16" or "f16" (rounded once, 2 bytes per
	// synapse; the product then computes with the rounded weights).
	Weights string
}

// NewProductWith prepares dst = a·x for the given batch with the given
// options. It returns an error for an unknown or unsuitable kernel name.
// It panics if a is structurally invalid (row pointers not monotone or not
// spanning the entries, a column out of range): the product reads memory by
// those indices, and a matrix from outside the program must pass Validate
// first.
func NewProductWith(a *CSR, batch int, opt ProductOptions) (*Product, error) {
	if batch < 1 {
		panic(fmt.Sprintf("sparse: batch %d < 1", batch))
	}
	checkStructure(a)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, a.Rows))
	parts := workers
	if workers > 1 {
		parts = min(a.Rows, partsPerWorker*workers)
	}
	p := &Product{A: a, Batch: batch, workers: workers, parts: SplitByNNZ(a.RowPtr, parts)}
	if opt.Weights == "" {
		opt.Weights = WeightsF32
	}
	p.enc = encoding{index16: opt.Index16, weights: opt.Weights}
	if p.enc != plain {
		m, err := newNarrow(a, opt.Index16, opt.Weights)
		if err != nil {
			return nil, err
		}
		p.nar = m
	}
	switch opt.Kernel {
	case "", "auto", "tune":
		p.kern = chooseKernel(batch, p.enc)
	default:
		v, err := kernelNamed(opt.Kernel, batch, p.enc)
		if err != nil {
			return nil, err
		}
		p.kern = v
	}
	p.job.F, p.job.Parts = p.work, len(p.parts)-1
	if opt.Kernel == "tune" {
		p.tune()
	}
	return p, nil
}

// checkStructure panics unless a's row pointers and column indices are
// safe to read by: the kernels index memory with them unchecked.
func checkStructure(a *CSR) {
	if a.Rows < 0 || a.Cols < 0 || len(a.RowPtr) != a.Rows+1 || len(a.ColIdx) != len(a.Val) ||
		a.RowPtr[0] != 0 || int(a.RowPtr[a.Rows]) != len(a.Val) {
		panic(fmt.Sprintf("sparse: malformed CSR %d×%d (row pointers or entry counts inconsistent; call Validate)", a.Rows, a.Cols))
	}
	for i := 0; i < a.Rows; i++ {
		if a.RowPtr[i+1] < a.RowPtr[i] {
			panic(fmt.Sprintf("sparse: malformed CSR: row pointer decreases at row %d (call Validate)", i))
		}
	}
	for k, j := range a.ColIdx {
		if uint32(j) >= uint32(a.Cols) {
			panic(fmt.Sprintf("sparse: malformed CSR: entry %d has column %d outside [0, %d) (call Validate)", k, j, a.Cols))
		}
	}
}

// MatrixBytes returns the bytes of matrix data (row pointers, indices,
// weights, in the encoding in use) that one product reads.
func (p *Product) MatrixBytes() int64 {
	if p.nar != nil {
		return p.nar.bytes(p.A)
	}
	return int64(p.A.Rows+1)*4 + int64(p.A.NNZ())*8
}

// Kernel returns the name of the kernel in use.
func (p *Product) Kernel() string { return p.kern.name }

// Workers returns the number of goroutines the product is meant to run on
// (at most the calling goroutine and the helpers).
func (p *Product) Workers() int { return min(p.workers, team.Helpers()+1) }

// partsPerWorker is the number of nonzero-balanced parts per worker: enough
// for the dynamic claims to even out a core slowed by other work, few enough
// that claiming costs nothing.
const partsPerWorker = 4

// Close releases the Product, which must not be used afterwards. (The
// helper goroutines are shared by all Products and stay.)
func (p *Product) Close() { p.closed = true }

// Mul computes dst = A·x. dst is [Rows][Batch], x is [Cols][Batch], and
// they must not overlap.
func (p *Product) Mul(dst, x []float32) { p.MulThen(dst, x, nil) }

// MulThen computes dst = A·x and then, in the same pass, calls post on
// consecutive blocks of rows [r0, r1) as soon as they are done, from the
// worker that computed them (so post runs concurrently on disjoint rows and
// must only touch those rows). post may be nil.
func (p *Product) MulThen(dst, x []float32, post func(r0, r1 int)) {
	if p.closed {
		panic("sparse: Product used after Close")
	}
	checkMul(dst, p.A, x, p.Batch)
	p.dst, p.x, p.post = dst, x, post
	team.Run(&p.job)
	p.dst, p.x, p.post = nil, nil, nil
}

func (p *Product) work(w int) {
	a := p.A
	r0, r1 := p.parts[w], p.parts[w+1]
	step := r1 - r0
	if p.post != nil {
		step = postRows(p.Batch)
	}
	for lo := r0; lo < r1; lo += step {
		hi := min(lo+step, r1)
		if p.nar != nil {
			p.kern.nf(p.dst, p.nar, a, p.x, p.Batch, lo, hi)
		} else {
			p.kern.f(p.dst, a.RowPtr, a.ColIdx, a.Val, p.x, p.Batch, lo, hi)
		}
		if p.post != nil {
			p.post(lo, hi)
		}
	}
}

// SplitByNNZ splits rows into parts contiguous ranges with about equal
// numbers of nonzeros (each row also counts as one unit of work, so that
// empty rows are shared too). It returns the parts+1 boundaries.
func SplitByNNZ(rowPtr []int32, parts int) []int {
	rows := len(rowPtr) - 1
	b := make([]int, parts+1)
	total := int64(rowPtr[rows]) + int64(rows)
	i := 0
	for p := 1; p < parts; p++ {
		target := total * int64(p) / int64(parts)
		for i < rows && int64(rowPtr[i])+int64(i) < target {
			i++
		}
		b[p] = i
	}
	b[parts] = rows
	return b
}
