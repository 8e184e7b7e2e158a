package model

import "github.com/neuropil/neuropil/sparse"

// Eval writes the slope dydt = (phi(z) − y)/tau at y, z = W_eff y + W_ih x
// + b, and records z in slot (Forward) or phi'(z) (Linearize, Replay; the
// latter takes z from the slot's Forward record instead of a product).
func (m *TrainableRNN[T]) Eval(slot int, dydt, y []T, t []float64, mode EvalMode) {
	z := m.slot(slot)
	haveZ := mode == Replay
	lin := mode != Forward
	if lin {
		m.ys[slot], m.ks[slot] = y, dydt
	}
	b := m.batch
	post := func(r0, r1 int) {
		if !haveZ {
			if m.prod == nil {
				sparse.MulRowsTo(z, m.cfg.W.RowPtr, m.cfg.W.ColIdx, m.wEff, y, b, r0, r1)
			}
			zz, dr := z[r0*b:r1*b], m.drive[r0*b:r1*b]
			for q := range zz {
				zz[q] += dr[q]
			}
		}
		var d []T
		if lin {
			d = z[r0*b : r1*b] // phi'(z) replaces z
		}
		m.activate(dydt[r0*b:r1*b], z[r0*b:r1*b], d)
		kk := dydt[r0*b : r1*b]
		for i := r0; i < r1; i++ {
			it := m.invTau[i]
			o := (i - r0) * b
			for s := 0; s < b; s++ {
				kk[o+s] = (kk[o+s] - y[i*b+s]) * it
			}
		}
	}
	if m.prod != nil && !haveZ {
		m.prod.MulThen(any(z).([]float32), any(y).([]float32), post)
		return
	}
	// Blocks of rows keep the product's output in cache for the post work.
	const block = 256
	m.blocks.each(m.wParts, func(r0, r1 int) {
		for lo := r0; lo < r1; lo += block {
			post(lo, min(lo+block, r1))
		}
	})
}

// activate writes r = phi(z) (dale: relu(phi(z))) into r and, when d is
// not nil, phi'(z) into d, which may alias z.
func (m *TrainableRNN[T]) activate(r, z, d []T) {
	phi := m.cfg.Nonlinearity
	copy(r, z)
	switch {
	case d == nil:
		for _, a := range phi {
			ApplyTo(a, r)
		}
	case len(phi) == 1:
		ApplyTo(phi[0], r)
		for q := range d {
			d[q] = Slope(phi[0], z[q], r[q])
		}
	default:
		for q := range d {
			d[q] = 1
		}
		// chains: each link's pre-activation is the previous link's output
		for _, a := range phi {
			for q := range r {
				pre := r[q]
				one := []T{pre}
				ApplyTo(a, one)
				r[q] = one[0]
				d[q] *= Slope(a, pre, one[0])
			}
		}
	}
	if m.cfg.Dale {
		for q, v := range r {
			if v <= 0 {
				r[q] = 0
				if d != nil {
					d[q] = 0
				}
			}
		}
	}
}

// VJP writes into dst the adjoint (∂f/∂y)ᵀ kbar of the state slot was
// linearised at, accumulating the sums the parameter gradients need; the
// slot's phi'(z) becomes ∂L/∂z = phi'(z) ⊙ kbar/tau.
func (m *TrainableRNN[T]) VJP(slot int, dst, kbar []T) {
	b := m.batch
	gz, k, yi := m.z[slot], m.ks[slot], m.ys[slot]
	wantTau := !m.frozen[ParamTau]
	m.blocks.each(m.eParts, func(r0, r1 int) {
		for j := r0; j < r1; j++ {
			it := m.invTau[j]
			var tg T
			for s := 0; s < b; s++ {
				q := j*b + s
				g := kbar[q] * it * gz[q]
				gz[q] = g
				m.gzSum[q] += g
				tg -= kbar[q] * k[q]
			}
			if wantTau {
				m.tauN[j] += tg * it
			}
		}
	})
	var gw []T
	if !m.frozen[ParamHH] {
		gw = m.gwT
	}
	m.blocks.each(m.tParts, func(r0, r1 int) {
		sparse.MulGradRowsTo(dst, gw, m.tRowPtr, m.tCol, m.wT, gz, yi, b, r0, r1)
		for q := r0 * b; q < r1*b; q++ {
			dst[q] -= kbar[q] * m.invTau[q/b]
		}
	})
}

// ZeroGrad clears the gradients and the sums VJP accumulates.
func (m *TrainableRNN[T]) ZeroGrad() {
	for i := range m.g {
		clear(m.g[i])
	}
	clear(m.gwT)
	clear(m.tauN)
	clear(m.gzSum)
}

// FinishGrad turns the accumulated sums into parameter gradients: hh from
// Wᵀ order (dale: through the clamp and the signs), bias and ih.weight
// from Σ ∂L/∂z over the batch, tau reduced from neurons to types.
func (m *TrainableRNN[T]) FinishGrad() {
	c := &m.cfg
	b := m.batch
	if !m.frozen[ParamHH] {
		g, w := m.g[ParamHH], m.p[ParamHH]
		m.blocks.each(m.tParts, func(r0, r1 int) {
			for j := r0; j < r1; j++ {
				for kt := m.tRowPtr[j]; kt < m.tRowPtr[j+1]; kt++ {
					k := m.tPerm[kt]
					v := m.gwT[kt]
					if c.Dale {
						if w[k] < 0 {
							v = 0
						} else {
							v *= T(c.Sign[j])
						}
					}
					g[k] = v
				}
			}
		})
	}
	gb := m.g[ParamBias]
	for i := 0; i < m.n; i++ {
		var acc T
		for s := 0; s < b; s++ {
			acc += m.gzSum[i*b+s]
		}
		gb[i] = acc
	}
	inp := c.Input
	gi := m.g[ParamIH]
	for i := 0; i < m.n; i++ {
		for k := inp.RowPtr[i]; k < inp.RowPtr[i+1]; k++ {
			col := int(inp.ColIdx[k])
			var acc T
			for s := 0; s < b; s++ {
				acc += m.gzSum[i*b+s] * m.x[col*b+s]
			}
			gi[k] = acc
		}
	}
	gt := m.g[ParamTau]
	clear(gt)
	for i, v := range m.tauN {
		gt[m.tauIndex(i)] += v
	}
	for i := range m.g {
		if m.frozen[i] {
			clear(m.g[i])
		}
	}
}

// The trainable RNN is a Differentiable model.
var (
	_ Differentiable[float32] = (*TrainableRNN[float32])(nil)
	_ Differentiable[float64] = (*TrainableRNN[float64])(nil)
)
