package train

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// pool runs a function on a fixed set of worker goroutines, started once.
type pool struct {
	start []chan struct{}
	wg    sync.WaitGroup
	fn    func(w int)
}

func newPool(workers int) *pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &pool{start: make([]chan struct{}, workers-1)}
	for w := 1; w < workers; w++ {
		ch := make(chan struct{})
		p.start[w-1] = ch
		go func() {
			for range ch {
				p.fn(w)
				p.wg.Done()
			}
		}()
	}
	return p
}

func (p *pool) workers() int { return len(p.start) + 1 }

// run calls fn(w) for every worker w concurrently and waits for all.
func (p *pool) run(fn func(w int)) {
	p.fn = fn
	p.wg.Add(len(p.start))
	for _, ch := range p.start {
		ch <- struct{}{}
	}
	fn(0)
	p.wg.Wait()
	p.fn = nil
}

// each calls f on the pieces [parts[i], parts[i+1]) concurrently. There
// may be more pieces than workers: each worker claims the next piece until
// none is left, so a core slowed by other work takes fewer.
func (p *pool) each(parts []int, f func(r0, r1 int)) {
	if len(parts)-1 == p.workers() {
		p.run(func(w int) { f(parts[w], parts[w+1]) })
		return
	}
	var next atomic.Int32
	p.run(func(int) {
		for {
			i := int(next.Add(1)) - 1
			if i >= len(parts)-1 {
				return
			}
			f(parts[i], parts[i+1])
		}
	})
}

// partsPerWorker is the number of pieces per worker for the large row
// loops: enough for dynamic claims to even out a slowed core.
const partsPerWorker = 4

func (p *pool) close() {
	for _, ch := range p.start {
		close(ch)
	}
	p.start = nil
}

// evenParts splits n rows into equal contiguous parts.
func evenParts(n, parts int) []int {
	b := make([]int, parts+1)
	for i := range b {
		b[i] = n * i / parts
	}
	return b
}

// spmmRows computes rows [r0, r1) of dst = A·x for [rows][batch] layouts:
//
//	dst[i*batch+b] = Σ_k val[k] * x[col[k]*batch+b]
func spmmRows[T ode.Float](dst []T, rowPtr, col []int32, val, x []T, batch, r0, r1 int) {
	if batch == 8 {
		for i := r0; i < r1; i++ {
			var s [8]T
			lo, hi := rowPtr[i], rowPtr[i+1]
			cols := col[lo:hi]
			vals := val[lo:hi][:len(cols)]
			for k, j := range cols {
				v := vals[k]
				xs := (*[8]T)(x[int(j)*8:])
				s[0] += v * xs[0]
				s[1] += v * xs[1]
				s[2] += v * xs[2]
				s[3] += v * xs[3]
				s[4] += v * xs[4]
				s[5] += v * xs[5]
				s[6] += v * xs[6]
				s[7] += v * xs[7]
			}
			*(*[8]T)(dst[i*8:]) = s
		}
		return
	}
	for i := r0; i < r1; i++ {
		d := dst[i*batch : (i+1)*batch]
		clear(d)
		for k := rowPtr[i]; k < rowPtr[i+1]; k++ {
			v := val[k]
			xs := x[int(col[k])*batch:][:batch]
			for b, xv := range xs {
				d[b] += v * xv
			}
		}
	}
}

// backRows computes rows [r0, r1) of the transposed product and the weight
// gradient in one pass over Aᵀ (rows of Aᵀ are presynaptic neurons j, its
// entries kt the synapses j → i = col[kt]):
//
//	dst[j*batch+b] = Σ_kt val[kt] * gz[col[kt]*batch+b]
//	gw[kt]        += Σ_b gz[col[kt]*batch+b] * y[j*batch+b]     (when gw != nil)
func backRows[T ode.Float](dst, gw []T, rowPtr, col []int32, val, gz, y []T, batch, r0, r1 int) {
	if gw == nil { // the transposed product alone
		spmmRows(dst, rowPtr, col, val, gz, batch, r0, r1)
		return
	}
	if batch == 8 {
		for j := r0; j < r1; j++ {
			var s [8]T
			lo, hi := rowPtr[j], rowPtr[j+1]
			cols := col[lo:hi]
			vals := val[lo:hi][:len(cols)]
			yj := *(*[8]T)(y[j*8:])
			g := gw[lo:hi][:len(cols)]
			for k, i := range cols {
				v := vals[k]
				zs := (*[8]T)(gz[int(i)*8:])
				s[0] += v * zs[0]
				s[1] += v * zs[1]
				s[2] += v * zs[2]
				s[3] += v * zs[3]
				s[4] += v * zs[4]
				s[5] += v * zs[5]
				s[6] += v * zs[6]
				s[7] += v * zs[7]
				g[k] += (zs[0]*yj[0] + zs[1]*yj[1] + zs[2]*yj[2] + zs[3]*yj[3]) +
					(zs[4]*yj[4] + zs[5]*yj[5] + zs[6]*yj[6] + zs[7]*yj[7])
			}
			*(*[8]T)(dst[j*8:]) = s
		}
		return
	}
	for j := r0; j < r1; j++ {
		d := dst[j*batch : (j+1)*batch]
		clear(d)
		yj := y[j*batch : (j+1)*batch]
		for k := rowPtr[j]; k < rowPtr[j+1]; k++ {
			v := val[k]
			zs := gz[int(col[k])*batch:][:batch]
			var acc T
			for b, z := range zs {
				d[b] += v * z
				acc += z * yj[b]
			}
			gw[k] += acc
		}
	}
}

// applyAct replaces v with a(v) in place: model's float32 kernels for
// float32, float64 math for float64.
func applyAct[T ode.Float](a model.Activation, v []T) {
	if v32, ok := any(v).([]float32); ok {
		model.Nonlinearity{a}.Apply(v32)
		return
	}
	for i, x := range v {
		f := float64(x)
		switch a {
		case model.Sigmoid:
			f = 1 / (1 + math.Exp(-f))
		case model.Tanh:
			f = math.Tanh(f)
		case model.ReLU:
			f = max(f, 0)
		case model.Softplus:
			if f <= 20 {
				f = math.Log1p(math.Exp(f))
			}
		case model.ELU:
			if f < 0 {
				f = math.Expm1(f)
			}
		case model.LeakyReLU:
			if f < 0 {
				f *= 0.01
			}
		}
		v[i] = T(f)
	}
}

// actDeriv returns d a(z)/dz given z and y = a(z).
func actDeriv[T ode.Float](a model.Activation, z, y T) T {
	switch a {
	case model.Sigmoid:
		return y * (1 - y)
	case model.Tanh:
		return 1 - y*y
	case model.ReLU:
		if z > 0 {
			return 1
		}
		return 0
	case model.Softplus:
		if z > 20 {
			return 1
		}
		return T(-math.Expm1(-float64(y))) // sigmoid(z) = 1 − exp(−softplus(z))
	case model.ELU:
		if z < 0 {
			return y + 1
		}
		return 1
	case model.LeakyReLU:
		if z < 0 {
			return 0.01
		}
		return 1
	}
	return 1
}
