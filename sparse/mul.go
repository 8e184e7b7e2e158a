package sparse

import (
	"fmt"
	"runtime"
	"sync"
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

// mulRowsGeneric is the reference kernel on rows [r0, r1).
func mulRowsGeneric(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, r0, r1 int) {
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

// Product is a prepared, parallel dst = A·x for one matrix and batch size.
// The rows are split among workers so that each gets about the same number
// of nonzeros (connectome in-degrees are skewed, so equal row counts would
// not balance). Workers are started once by NewProduct and reused; Mul and
// MulThen allocate nothing. A Product must be closed to stop its workers.
// It is not safe for concurrent use.
type Product struct {
	A     *CSR
	Batch int

	parts []int // [workers+1] row boundaries
	kern  kernel
	start []chan struct{}
	wg    sync.WaitGroup

	// per call
	dst, x []float32
	post   func(r0, r1 int)
}

// kernel computes rows [r0, r1) of dst = A·x.
type kernel func(dst []float32, rowPtr, colIdx []int32, val, x []float32, batch, r0, r1 int)

// postBlock is the number of rows a worker multiplies before it calls the
// post function on them, so that fused elementwise work finds the rows it
// reads still in cache.
const postBlock = 256

// NewProduct prepares dst = a·x for the given batch with the given number of
// workers (0 means runtime.GOMAXPROCS).
func NewProduct(a *CSR, batch, workers int) *Product {
	if batch < 1 {
		panic(fmt.Sprintf("sparse: batch %d < 1", batch))
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, a.Rows))
	p := &Product{A: a, Batch: batch, parts: SplitByNNZ(a.RowPtr, workers), kern: chooseKernel(batch)}
	p.start = make([]chan struct{}, workers-1)
	for w := 1; w < workers; w++ {
		ch := make(chan struct{})
		p.start[w-1] = ch
		go func() {
			for range ch {
				p.work(w)
				p.wg.Done()
			}
		}()
	}
	return p
}

// Workers returns the number of parts the rows are split into.
func (p *Product) Workers() int { return len(p.parts) - 1 }

// Close stops the workers. The Product must not be used afterwards.
func (p *Product) Close() {
	for _, ch := range p.start {
		close(ch)
	}
	p.start = nil
}

// Mul computes dst = A·x. dst is [Rows][Batch], x is [Cols][Batch], and
// they must not overlap.
func (p *Product) Mul(dst, x []float32) { p.MulThen(dst, x, nil) }

// MulThen computes dst = A·x and then, in the same pass, calls post on
// consecutive blocks of rows [r0, r1) as soon as they are done, from the
// worker that computed them (so post runs concurrently on disjoint rows and
// must only touch those rows). post may be nil.
func (p *Product) MulThen(dst, x []float32, post func(r0, r1 int)) {
	checkMul(dst, p.A, x, p.Batch)
	p.dst, p.x, p.post = dst, x, post
	p.wg.Add(len(p.start))
	for _, ch := range p.start {
		ch <- struct{}{}
	}
	p.work(0)
	p.wg.Wait()
	p.dst, p.x, p.post = nil, nil, nil
}

func (p *Product) work(w int) {
	a := p.A
	r0, r1 := p.parts[w], p.parts[w+1]
	if p.post == nil {
		p.kern(p.dst, a.RowPtr, a.ColIdx, a.Val, p.x, p.Batch, r0, r1)
		return
	}
	for lo := r0; lo < r1; lo += postBlock {
		hi := min(lo+postBlock, r1)
		p.kern(p.dst, a.RowPtr, a.ColIdx, a.Val, p.x, p.Batch, lo, hi)
		p.post(lo, hi)
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
