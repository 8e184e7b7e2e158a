package train

import (
	"math"

	"github.com/neuropil/neuropil/internal/team"

	"github.com/neuropil/neuropil/ode"
)

// readout is the classifier head evaluated at every output time e:
//
//	o = W_ho h + b_ho        [outputs][batch]
//	a = FC1 o + B1           [hidden][batch]
//	u = relu(a) ⊙ mask_e     (dropout, scaled by 1/(1 − p))
//	l = FC2 u + B2           [classes][batch] logits
//
// and the cross-entropy of softmax(l) against the labels, averaged over the
// batch, weighted by w[e] (1 for the last time, or 1/#times after T0).
type readout[T ode.Float] struct {
	o, a, u, l, obar [][]T
	w                []float64
	pred             []int
	fixed            []T // the output selection's fixed weights (ones) without a projection
}

func (r *readout[T]) init(h *Head, batch int) {
	r.pred = make([]int, batch)
	r.fixed = make([]T, h.Out.NNZ())
	for k, v := range h.Out.Val {
		r.fixed[k] = T(v)
	}
}

func (r *readout[T]) grow(m *Head, batch, evals int) {
	for len(r.o) < evals {
		r.o = append(r.o, make([]T, m.Outputs*batch))
		r.a = append(r.a, make([]T, m.Hidden*batch))
		r.u = append(r.u, make([]T, m.Hidden*batch))
		r.l = append(r.l, make([]T, m.Classes*batch))
		r.obar = append(r.obar, make([]T, m.Outputs*batch))
	}
	r.w = make([]float64, evals)
}

// forward evaluates the head and the loss at the output times.
func (r *readout[T]) forward(nt *net[T]) (float64, int) {
	m, b := nt.h, nt.batch
	s := nt.sol
	evals := len(s.times)
	r.grow(m, b, evals)
	after := 0
	for _, t := range s.times {
		if t > s.T0 {
			after++
		}
	}
	for e, t := range s.times {
		switch {
		case !s.LossAll && e == evals-1:
			r.w[e] = 1
		case s.LossAll && t > s.T0:
			r.w[e] = 1 / float64(after)
		default:
			r.w[e] = 0
		}
	}
	loss := 0.0
	correct := 0
	out := m.Out
	wo, bo := outWeights(nt)
	for e := range s.times {
		if r.w[e] == 0 && e != evals-1 {
			continue
		}
		o, a, u, l := r.o[e], r.a[e], r.u[e], r.l[e]
		for i := 0; i < m.Outputs; i++ {
			for sm := 0; sm < b; sm++ {
				acc := T(0)
				if bo != nil {
					acc = bo[i]
				}
				y := nt.ys[nt.outAt[e][sm]]
				for k := out.RowPtr[i]; k < out.RowPtr[i+1]; k++ {
					acc += wo[k] * y[int(out.ColIdx[k])*b+sm]
				}
				o[i*b+sm] = acc
			}
		}
		team.For(m.Hidden, 1, func(r0, r1 int) {
			dense(a[r0*b:r1*b], nt.rp(PFC1)[r0*m.Outputs:r1*m.Outputs], nt.rp(PB1)[r0:r1], o, r1-r0, m.Outputs, b)
		})
		var mask []T
		if nt.mask != nil {
			mask = nt.mask[e*m.Hidden*b : (e+1)*m.Hidden*b]
		}
		for q, v := range a {
			v = max(v, 0)
			if mask != nil {
				v *= mask[q]
			}
			u[q] = v
		}
		dense(l, nt.rp(PFC2), nt.rp(PB2), u, m.Classes, m.Hidden, b)
		for sm := 0; sm < b; sm++ {
			lse, best := logSumExp(l, sm, b, m.Classes)
			if e == evals-1 {
				r.pred[sm] = best
				if best == nt.labels[sm] {
					correct++
				}
			}
			loss += r.w[e] * (lse - float64(l[nt.labels[sm]*b+sm])) / float64(b)
		}
	}
	return loss, correct
}

// outWeights returns the output projection's values and bias: the
// trainable parameters, or fixed ones and no bias.
func outWeights[T ode.Float](nt *net[T]) (w, bias []T) {
	if nt.h.OutputProjection {
		return nt.rp(POut), nt.rp(POutBias)
	}
	return nt.rd.fixed, nil
}

// logSumExp returns log Σ_c exp(l[c][s]) and the arg max over c.
func logSumExp[T ode.Float](l []T, s, b, classes int) (float64, int) {
	best := 0
	mx := math.Inf(-1)
	for c := 0; c < classes; c++ {
		if v := float64(l[c*b+s]); v > mx {
			mx, best = v, c
		}
	}
	sum := 0.0
	for c := 0; c < classes; c++ {
		sum += math.Exp(float64(l[c*b+s]) - mx)
	}
	return mx + math.Log(sum), best
}

// dense computes dst = W x + bias for W [out][in], x [in][batch].
func dense[T ode.Float](dst, w, bias, x []T, out, in, b int) {
	for i := 0; i < out; i++ {
		d := dst[i*b : (i+1)*b]
		for s := range d {
			d[s] = bias[i]
		}
		row := w[i*in : (i+1)*in]
		for k, v := range row {
			if v == 0 {
				continue
			}
			xs := x[k*b : (k+1)*b]
			for s := range d {
				d[s] += v * xs[s]
			}
		}
	}
}

// backward computes the head's parameter gradients and the adjoints obar
// of the outputs at each output time.
func (r *readout[T]) backward(nt *net[T]) {
	m, b := nt.h, nt.batch
	evals := len(nt.sol.times)
	gl := make([]T, m.Classes*b)
	gu := make([]T, m.Hidden*b)
	wo, _ := outWeights(nt)
	out := m.Out
	for e := 0; e < evals; e++ {
		clear(r.obar[e])
		if r.w[e] == 0 {
			continue
		}
		o, a, u, l := r.o[e], r.a[e], r.u[e], r.l[e]
		scale := r.w[e] / float64(b)
		for s := 0; s < b; s++ {
			lse, _ := logSumExp(l, s, b, m.Classes)
			for c := 0; c < m.Classes; c++ {
				p := math.Exp(float64(l[c*b+s]) - lse)
				if c == nt.labels[s] {
					p--
				}
				gl[c*b+s] = T(p * scale)
			}
		}
		// fc2
		denseBack(gu, nt.rg(PFC2), nt.rg(PB2), nt.rp(PFC2), gl, u, m.Classes, m.Hidden, b)
		var mask []T
		if nt.mask != nil {
			mask = nt.mask[e*m.Hidden*b : (e+1)*m.Hidden*b]
		}
		for q := range gu {
			if !(a[q] > 0) {
				gu[q] = 0
			} else if mask != nil {
				gu[q] *= mask[q]
			}
		}
		ob := r.obar[e]
		team.For(m.Hidden, 1, func(r0, r1 int) {
			denseGrad(nt.rg(PFC1)[r0*m.Outputs:r1*m.Outputs], nt.rg(PB1)[r0:r1], gu[r0*b:r1*b], o, r1-r0, m.Outputs, b)
		})
		team.For(m.Outputs, 1, func(c0, c1 int) {
			denseInput(ob, nt.rp(PFC1), gu, m.Hidden, m.Outputs, b, c0, c1)
		})
		if m.OutputProjection {
			gw, gb := nt.rg(POut), nt.rg(POutBias)
			for i := 0; i < m.Outputs; i++ {
				for s := 0; s < b; s++ {
					g := ob[i*b+s]
					gb[i] += g
					y := nt.ys[nt.outAt[e][s]]
					for k := out.RowPtr[i]; k < out.RowPtr[i+1]; k++ {
						gw[k] += g * y[int(out.ColIdx[k])*b+s]
					}
				}
			}
		}
		_ = wo
	}
}

// denseBack accumulates the gradients of dst = W x + bias: gw += g xᵀ,
// gbias += Σ_s g, and writes gx = Wᵀ g.
func denseBack[T ode.Float](gx, gw, gbias, w, g, x []T, out, in, b int) {
	clear(gx)
	for i := 0; i < out; i++ {
		gi := g[i*b : (i+1)*b]
		var sb T
		for _, v := range gi {
			sb += v
		}
		gbias[i] += sb
		row := w[i*in : (i+1)*in]
		grow := gw[i*in : (i+1)*in]
		for k := range row {
			xs := x[k*b : (k+1)*b]
			gxs := gx[k*b : (k+1)*b]
			var acc T
			v := row[k]
			for s := range gi {
				acc += gi[s] * xs[s]
				gxs[s] += v * gi[s]
			}
			grow[k] += acc
		}
	}
}

// denseGrad accumulates gw += g xᵀ and gbias += Σ_s g for dst = W x + bias
// with W [out][in].
func denseGrad[T ode.Float](gw, gbias, g, x []T, out, in, b int) {
	for i := 0; i < out; i++ {
		gi := g[i*b : (i+1)*b]
		var sb T
		for _, v := range gi {
			sb += v
		}
		gbias[i] += sb
		if sb == 0 && allZero(gi) {
			continue
		}
		grow := gw[i*in : (i+1)*in]
		for k := range grow {
			xs := x[k*b : (k+1)*b]
			var acc T
			for s := range gi {
				acc += gi[s] * xs[s]
			}
			grow[k] += acc
		}
	}
}

// denseInput writes columns [c0, c1) of gx = Wᵀ g for W [out][in].
func denseInput[T ode.Float](gx, w, g []T, out, in, b, c0, c1 int) {
	clear(gx[c0*b : c1*b])
	for i := 0; i < out; i++ {
		gi := g[i*b : (i+1)*b]
		if allZero(gi) {
			continue
		}
		row := w[i*in : (i+1)*in]
		for k := c0; k < c1; k++ {
			v := row[k]
			gxs := gx[k*b : (k+1)*b]
			for s := range gi {
				gxs[s] += v * gi[s]
			}
		}
	}
}

func allZero[T ode.Float](v []T) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// inject adds the output adjoints of the outputs taken at checkpoint c to
// the state adjoint.
func (r *readout[T]) inject(nt *net[T], c int) {
	m, b := nt.h, nt.batch
	wo, _ := outWeights(nt)
	out := m.Out
	for e := range nt.sol.times {
		if r.w[e] == 0 {
			continue
		}
		ob := r.obar[e]
		for s := 0; s < b; s++ {
			if nt.outAt[e][s] != c {
				continue
			}
			for i := 0; i < m.Outputs; i++ {
				g := ob[i*b+s]
				for k := out.RowPtr[i]; k < out.RowPtr[i+1]; k++ {
					nt.ybar[int(out.ColIdx[k])*b+s] += wo[k] * g
				}
			}
		}
	}
}
