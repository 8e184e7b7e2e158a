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
