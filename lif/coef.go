package lif

import "math"

// coef holds what the time loop derives from Params once (house rule 8).
type coef struct {
	p Params

	steps, delay, rfc int32 // trial length, synaptic delay and refractory period in steps

	// One step as Brian2's 'linear' state updater writes it (see liveStep).
	em1, eg1, a1, dtau float64

	// The lazy form (lazy.go): fwd[d] = (exp(−d·dt/t_mbr), exp(−d·dt/tau)),
	// inv[d] their inverses, d ≤ refTable; kappa = tau/(t_mbr − tau).
	fwd, inv []pow
	kappa    float64

	uth   float64 // v_th − v_0
	uthm  float64 // uth − 1e-9·|uth|: canCross's margin for rounding
	hmax  float64 // max over t ≥ 0 of the response h(t) of v − v0 to g = 1
	wpoi  float64 // w_syn·f_poi, the kick of one Poisson input event
	pPoi  float64 // r_poi·dt, the chance of an event per step
	pPoi2 float64 // r_poi2·dt
}

func newCoef(p Params) coef {
	c := coef{p: p, steps: int32(p.Steps()), delay: int32(p.DelaySteps()), rfc: int32(p.RefractorySteps())}
	dt, tm, tau := p.Dt, p.TMbr, p.Tau
	// Brian2 evaluates exp(-dt*int(not_refractory)/t_mbr) and friends;
	// with not_refractory = 1 these are the same operations.
	c.em1 = math.Exp(-dt * 1 / tm)
	c.eg1 = math.Exp(-dt * 1 / tau)
	c.a1 = -math.Exp(dt*1/tm) + math.Exp(dt*1/tau)
	c.dtau = tm - tau
	c.kappa = tau / (tm - tau)
	c.fwd, c.inv = make([]pow, refTable+1), make([]pow, refTable+1)
	for k := range c.fwd {
		t := float64(k) * dt
		c.fwd[k] = pow{math.Exp(-t / tm), math.Exp(-t / tau)}
		c.inv[k] = pow{math.Exp(t / tm), math.Exp(t / tau)}
	}
	c.uth = p.VTh - p.V0
	c.uthm = c.uth - 1e-9*math.Abs(c.uth)
	c.hmax = c.peak()
	c.wpoi = p.WSyn * p.FPoi
	c.pPoi = p.RPoi * dt
	c.pPoi2 = p.RPoi2 * dt
	return c
}

// peak returns the largest value of the response h(t), t ≥ 0, a little
// enlarged so that rounding cannot hide a threshold crossing.
func (c *coef) peak() float64 {
	tm, tau := c.p.TMbr, c.p.Tau
	ts := math.Log(tm/tau) / (1/tau - 1/tm) // where dh/dt = 0
	h := tau / (tm - tau) * (math.Exp(-ts/tm) - math.Exp(-ts/tau))
	return h * (1 + 1e-9)
}

// canCross reports whether a neuron at (v, g) may cross the threshold
// before its next input. v − v0 relaxes to 0 and g drives it by at most
// g·hmax, so v − v0 ≤ max(v − v0, 0) + max(g, 0)·hmax at all later times
// (refractoriness only delays the trajectory).
func (c *coef) canCross(v, g float64) bool {
	return max(v-c.p.V0, 0)+float64(max(g, 0)*c.hmax) > c.uthm
}

// liveStep is one step of Brian2's 'linear' state updater, in its own
// order of operations (numpy evaluates left to right):
//
//	_g = g*exp(-dt*nr/tau)
//	_v = g*tau*(-exp(dt*nr/t_mbr) + exp(dt*nr/tau))*exp(-dt*nr/t_mbr)*exp(-dt*nr/tau)/(t_mbr - tau)
//	     + v*exp(-dt*nr/t_mbr) + v_0 - v_0*exp(-dt*nr/t_mbr)
//
// with nr = int(not_refractory) = 1: the write of v and g is conditional
// on not_refractory, so a refractory neuron is not stepped at all.
func (c *coef) liveStep(v, g float64) (float64, float64) {
	v0 := c.p.V0
	// The conversions forbid fused multiply-adds (the Go spec allows
	// them, numpy and Brian2's generated C do not use them).
	t := g * c.p.Tau * c.a1 * c.em1 * c.eg1 / c.dtau
	return float64(float64(t+float64(v*c.em1))+v0) - float64(v0*c.em1), g * c.eg1
}
