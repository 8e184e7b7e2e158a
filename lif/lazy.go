package lif

// A trial keeps each neuron in one of two forms, in the same 16-byte slot:
//
//   - live (open has liveBit): (v, g) at the current step, stepped every
//     step with Brian2's one-step formula;
//   - lazy: (A, G), coefficients of the exact solution relative to the
//     trial's reference step r:
//     g(n) = G·exp(−(n−r)·dt/tau),
//     v(n) − v_0 = A·exp(−(n−r)·dt/t_mbr) − κ·G·exp(−(n−r)·dt/tau),
//     κ = tau/(t_mbr − tau).
//
// A synaptic input w at step s adds w·exp((s−r)·dt/tau) to G and
// κ·w·exp((s−r)·dt/t_mbr) to A; nothing else of the neuron is read or
// written, and no per-neuron time is kept. Every refTable steps all lazy
// neurons are rebased to the current step, so that the growing factors
// stay below exp(refTable·dt/tau).

// state is one neuron's slot: (v, g) when live, (A, G) when lazy.
type state struct{ a, g float64 }

// liveBit marks open values of live neurons; steps stay below it.
const liveBit = 1 << 30

// refTable is the longest distance to the reference step (e^41 for the
// defaults: far from overflow, rounding relative to the newest input).
const refTable = 2048

// pow holds exp(−k·dt/t_mbr) and exp(−k·dt/tau) (fwd) and their inverses.
type pow struct{ em, eg float64 }

// toLive converts lazy slot a at distance d from the reference into (v, g).
func (c *coef) toLive(a *state, d int32) {
	f := c.fwd[d]
	g := a.g * f.eg
	u := a.a*f.em - c.kappa*g
	a.a, a.g = c.p.V0+u, g
}

// toLazy converts live slot a, current at distance d from the reference,
// into (A, G).
func (c *coef) toLazy(a *state, d int32) {
	i := c.inv[d]
	u := a.a - c.p.V0
	a.a, a.g = (u+c.kappa*a.g)*i.em, a.g*i.eg
}

// lazyState returns v and g of a lazy slot at distance d.
func (c *coef) lazyState(a state, d int32) (v, g float64) {
	f := c.fwd[d]
	g = a.g * f.eg
	return c.p.V0 + (a.a*f.em - c.kappa*g), g
}

// update steps the live neurons, returns those that can no longer cross
// the threshold to the lazy form, and collects the ones that spike in
// tr.fired.
func (s *Sim) update(tr *trial, n int32) {
	tr.fired = tr.fired[:0]
	c := &s.c
	w := 0
	for _, i := range tr.live {
		a := &tr.ag[i]
		open := tr.open[i] &^ liveBit
		if !c.canCross(a.a, a.g) && (n >= open || (a.a == c.p.V0 && a.g == 0)) {
			c.toLazy(a, n-1-tr.ref)
			tr.open[i] = open
			continue
		}
		tr.live[w] = i
		w++
		if n < open {
			continue // refractory: Brian2 does not write v and g
		}
		a.a, a.g = c.liveStep(a.a, a.g)
		if a.a > c.p.VTh {
			tr.open[i] = (n + max(s.rfc[i], 1)) | liveBit
			tr.fired = append(tr.fired, i)
		}
	}
	tr.live = tr.live[:w]
}

// deliver adds the synaptic input of the spikes in pre at step n. Input
// to a neuron that is refractory or spiked this step is dropped (Brian2's
// conditional write on not_refractory).
func (s *Sim) deliver(tr *trial, pre []int32, n int32) {
	out := s.net.Out
	c := &s.c
	wsyn, v0, hmax, uth, kappa := c.p.WSyn, c.p.V0, c.hmax, c.uthm, c.kappa
	d := n - tr.ref
	f, iv := c.fwd[d], c.inv[d]
	kemi, kegf := kappa*iv.em, kappa*f.eg
	ag, opens := tr.ag, tr.open
	for _, i := range pre {
		lo, hi := out.RowPtr[i], out.RowPtr[i+1]
		cols, vals := out.ColIdx[lo:hi], out.Val[lo:hi]
		for k, j := range cols {
			open := opens[j]
			w := float64(vals[k]) * wsyn
			a := &ag[j]
			if open&liveBit != 0 {
				if n >= open&^liveBit {
					a.g += w
				}
				continue
			}
			if n < open {
				continue
			}
			a.g += w * iv.eg
			a.a += w * kemi
			u := a.a*f.em - a.g*kegf
			if max(u, 0)+float64(max(a.g*f.eg, 0)*hmax) > uth {
				a.a, a.g = v0+u, a.g*f.eg
				opens[j] = open | liveBit
				tr.live = append(tr.live, j)
			}
		}
	}
}

// kick adds one Poisson (or replayed) input event to v of neuron j.
func (s *Sim) kick(tr *trial, j, n int32) {
	c := &s.c
	open := tr.open[j]
	a := &tr.ag[j]
	if open&liveBit != 0 {
		if n >= open&^liveBit {
			a.a += c.wpoi
		}
		return
	}
	if n < open {
		return
	}
	d := n - tr.ref
	a.a += c.wpoi * c.inv[d].em
	if v, g := c.lazyState(*a, d); c.canCross(v, g) {
		a.a, a.g = v, g
		tr.open[j] = open | liveBit
		tr.live = append(tr.live, j)
	}
}

// rebase moves the reference of the lazy neurons to step n.
func (s *Sim) rebase(tr *trial, n int32) {
	f := s.c.fwd[n-tr.ref]
	for j, open := range tr.open {
		if open&liveBit == 0 {
			a := &tr.ag[j]
			a.a *= f.em
			a.g *= f.eg
		}
	}
	tr.ref = n
}
