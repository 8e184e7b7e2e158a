package ode

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tanhNet is the right-hand side dy/dt = tanh(W y) + t·u for a batch of
// float64 states, with its vector–Jacobian products, to differentiate
// steps through.
type tanhNet struct {
	dim, batch int
	w          []float64 // [dim][dim]
	u          []float64 // [dim]
}

func newTanhNet(dim, batch int, seed uint64) *tanhNet {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := &tanhNet{dim: dim, batch: batch, w: make([]float64, dim*dim), u: make([]float64, dim)}
	for i := range n.w {
		n.w[i] = rng.NormFloat64()
	}
	for i := range n.u {
		n.u[i] = rng.NormFloat64()
	}
	return n
}

// pre writes z = W y, [dim][batch].
func (n *tanhNet) pre(z, y []float64) {
	for i := range n.dim {
		for b := range n.batch {
			s := 0.0
			for j := range n.dim {
				s += n.w[i*n.dim+j] * y[j*n.batch+b]
			}
			z[i*n.batch+b] = s
		}
	}
}

func (n *tanhNet) f(k, y []float64, t []float64) {
	n.pre(k, y)
	for i := range n.dim {
		for b := range n.batch {
			k[i*n.batch+b] = math.Tanh(k[i*n.batch+b]) + t[b]*n.u[i]
		}
	}
}

// vjp writes dst = Wᵀ(kbar ⊙ tanh'(W y)) and adds the gradients of W and u
// (the latter through the stage times t) to gw and gu.
func (n *tanhNet) vjp(dst, kbar, y []float64, t []float64, gw, gu []float64) {
	z := make([]float64, len(y))
	n.pre(z, y)
	g := make([]float64, len(y))
	for i := range n.dim {
		for b := range n.batch {
			th := math.Tanh(z[i*n.batch+b])
			g[i*n.batch+b] = kbar[i*n.batch+b] * (1 - th*th)
			gu[i] += kbar[i*n.batch+b] * t[b]
		}
	}
	clear(dst)
	for i := range n.dim {
		for j := range n.dim {
			for b := range n.batch {
				dst[j*n.batch+b] += n.w[i*n.dim+j] * g[i*n.batch+b]
				gw[i*n.dim+j] += g[i*n.batch+b] * y[j*n.batch+b]
			}
		}
	}
}

// TestStepperAdjoint checks Stepper.Adjoint of every method against
// central finite differences of Stepper.Step, in float64, with a different
// step size for each sample (one of them 0, a sample that rejected): the
// gradient of L = Σ c·y1 with respect to y, W and u.
func TestStepperAdjoint(t *testing.T) {
	const dim, batch = 5, 3
	// Central differences with step 1e-6 on terms of order one: truncation
	// error ~1e-12, rounding ~1e-10.
	const eps, tol = 1e-6, 1e-7
	for _, name := range Names() {
		m, _ := Lookup(name)
		net := newTanhNet(dim, batch, 7)
		rng := rand.New(rand.NewPCG(3, 4))
		y := make([]float64, dim*batch)
		c := make([]float64, dim*batch)
		for i := range y {
			y[i], c[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		ts, hs := []float64{0.1, 0.7, 0.3}, []float64{0.3, 0.05, 0}
		st := NewStepper[float64](m, dim, batch)
		y1 := make([]float64, len(y))
		loss := func() float64 {
			st.Step(y1, y, ts, hs, func(_ int, k, y []float64, t []float64) { net.f(k, y, t) })
			l := 0.0
			for i, v := range y1 {
				l += c[i] * v
			}
			return l
		}
		loss()
		ybar := append([]float64(nil), c...)
		gw, gu := make([]float64, len(net.w)), make([]float64, len(net.u))
		calls := 0
		st.Adjoint(ybar, hs, func(i int, dst, kbar []float64) {
			calls++
			stageT := make([]float64, batch)
			for b := range stageT {
				stageT[b] = ts[b] + m.C[i]*hs[b]
			}
			net.vjp(dst, kbar, st.Y[i], stageT, gw, gu)
		})
		if calls != m.evaluated() {
			t.Errorf("%s: %d vector–Jacobian products, want %d", name, calls, m.evaluated())
		}
		fd := func(v []float64, j int) float64 {
			old := v[j]
			v[j] = old + eps
			up := loss()
			v[j] = old - eps
			down := loss()
			v[j] = old
			return (up - down) / (2 * eps)
		}
		for _, c := range []struct {
			what string
			v    []float64
			grad []float64
		}{{"y", y, ybar}, {"W", net.w, gw}, {"u", net.u, gu}} {
			for j := range c.v {
				want := fd(c.v, j)
				if math.Abs(c.grad[j]-want) > tol*(1+math.Abs(want)) {
					t.Errorf("%s: ∂L/∂%s[%d] = %.10g, finite differences %.10g", name, c.what, j, c.grad[j], want)
				}
			}
		}
		// The sample with h = 0 does not move: its gradient is c itself.
		for i := range dim {
			if j := i*batch + 2; ybar[j] != c[j] {
				t.Errorf("%s: sample with h = 0: ∂L/∂y = %v, want %v", name, ybar[j], c[j])
			}
		}
	}
}

// Stepper.Step of every method in float32 (the vec kernels) agrees with
// float64 (the loops) to float32 rounding, and allocates nothing.
func TestStepperFloat32(t *testing.T) {
	const dim, batch = 37, 5
	for _, name := range Names() {
		m, _ := Lookup(name)
		s32, s64 := NewStepper[float32](m, dim, batch), NewStepper[float64](m, dim, batch)
		y32, y64 := make([]float32, dim*batch), make([]float64, dim*batch)
		for i := range y64 {
			y64[i] = math.Sin(float64(i))
			y32[i] = float32(y64[i])
		}
		o32, o64 := make([]float32, dim*batch), make([]float64, dim*batch)
		ts, hs := []float64{0, 0.1, 0.2, 0.3, 0.4}, []float64{0.1, 0.2, 0.05, 0, 0.3}
		f32 := func(_ int, k, y []float32, t []float64) {
			for j := range k {
				k[j] = -y[j] + float32(t[j%batch])
			}
		}
		s64.Step(o64, y64, ts, hs, func(_ int, k, y []float64, t []float64) {
			for j := range k {
				k[j] = -y[j] + t[j%batch]
			}
		})
		allocs := testing.AllocsPerRun(5, func() { s32.Step(o32, y32, ts, hs, f32) })
		if allocs > 0 {
			t.Errorf("%s: %v allocations per step", name, allocs)
		}
		for j := range o64 {
			if d := math.Abs(float64(o32[j]) - o64[j]); d > 1e-6 {
				t.Errorf("%s: element %d: %v in float32, %v in float64", name, j, o32[j], o64[j])
				break
			}
		}
	}
}

// Stages evaluates what Step evaluates, without writing y1: the same
// slopes, stage inputs and times for every method, stage 0's input the
// step's y itself (not a copy), and y left as it was.
func TestStepperStages(t *testing.T) {
	const dim, batch = 5, 3
	net := newTanhNet(dim, batch, 7)
	rng := rand.New(rand.NewPCG(8, 9))
	y := make([]float64, dim*batch)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	keep := append([]float64(nil), y...)
	t0, h := []float64{0, 0.5, 1}, []float64{0.1, 0.02, 0}
	for _, name := range Names() {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		type stage struct {
			k, y []float64
			t    []float64
		}
		record := func(into *[]stage) func(i int, k, y []float64, ts []float64) {
			return func(i int, k, y []float64, ts []float64) {
				net.f(k, y, ts)
				*into = append(*into, stage{append([]float64(nil), k...), append([]float64(nil), y...), append([]float64(nil), ts...)})
			}
		}
		var want, got []stage
		step := NewStepper[float64](m, dim, batch)
		y1 := make([]float64, len(y))
		step.Step(y1, y, t0, h, record(&want))
		st := NewStepper[float64](m, dim, batch)
		st.Stages(y, t0, h, record(&got))
		if len(got) != len(want) {
			t.Fatalf("%s: %d stages, Step evaluated %d", name, len(got), len(want))
		}
		for i := range got {
			for q := range got[i].k {
				if got[i].k[q] != want[i].k[q] || got[i].y[q] != want[i].y[q] {
					t.Fatalf("%s stage %d: slope or input differs at %d", name, i, q)
				}
			}
			for b := range got[i].t {
				if got[i].t[b] != want[i].t[b] {
					t.Fatalf("%s stage %d: time %v, want %v", name, i, got[i].t, want[i].t)
				}
			}
		}
		if &st.Y[0][0] != &y[0] {
			t.Errorf("%s: stage 0's input is a copy of y", name)
		}
		for q := range y {
			if y[q] != keep[q] {
				t.Fatalf("%s: y changed at %d", name, q)
			}
		}
	}
}
