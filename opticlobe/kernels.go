package opticlobe

import (
	"github.com/neuropil/neuropil/internal/vec"
	"github.com/neuropil/neuropil/ode"
)

// relaxRows writes the right-hand side of neurons [r0, r1) without input,
// dydt = (wv − y + Vrest)/tau per sample, at batch b: wv holds W·relu(V),
// vrest the resting potentials by type, typ each neuron's type, invTau
// each neuron's 1/tau. float32 at batch 4 in assembly where there is a
// kernel (pairs of neurons), the rest by relaxRowsGo; the same values
// either way (the same operations in the same order).
func relaxRows[T ode.Float](dydt, wv, y, vrest []T, typ []int32, invTau []T, b, r0, r1 int) {
	if b == 4 && r1-r0 >= 2 {
		if d32, ok := any(dydt).([]float32); ok {
			r0 += relax4(d32[r0*4:r1*4], any(wv).([]float32)[r0*4:r1*4], any(y).([]float32)[r0*4:r1*4],
				any(vrest).([]float32), typ[r0:r1], any(invTau).([]float32)[r0:r1])
		}
	}
	relaxRowsGo(dydt, wv, y, vrest, typ, invTau, b, r0, r1)
}

// relaxRowsGo is the plain Go relaxRows, the kernel's reference.
func relaxRowsGo[T ode.Float](dydt, wv, y, vrest []T, typ []int32, invTau []T, b, r0, r1 int) {
	for i := r0; i < r1; i++ {
		rest, it := vrest[typ[i]], invTau[i]
		d, w, yy := dydt[i*b:(i+1)*b], wv[i*b:(i+1)*b:(i+1)*b], y[i*b:(i+1)*b:(i+1)*b]
		for s := range d {
			d[s] = (w[s] - yy[s] + rest) * it
		}
	}
}

// dualScale is the first loop of VJPDual over neurons of invTau (the
// slices start at the same neuron; batch b): u = kbar·it and v =
// (c2·ybar2)·it (c2 per sample) into u2 ([neurons][2b]: u then v), Σu
// into biasN, Σv into biasN2 and −Σ kbar·k, times it, into tauN, each sum
// lane after lane. float32 at batch 4 in assembly where there is a kernel,
// the same values (dualScaleGo, the reference, otherwise).
func dualScale[T ode.Float](u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN []T, b int) {
	if b == 4 {
		if u32, ok := any(u2).([]float32); ok && dualScale4(u32, any(kbar).([]float32), any(ybar2).([]float32), any(c2).([]float32), any(k).([]float32),
			any(invTau).([]float32), any(biasN).([]float32), any(biasN2).([]float32), any(tauN).([]float32)) {
			return
		}
	}
	dualScaleGo(u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN, b)
}

// dualScaleGo is the plain Go dualScale, the kernel's reference.
func dualScaleGo[T ode.Float](u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN []T, b int) {
	b2 := 2 * b
	c2 = c2[:b]
	for i, it := range invTau {
		kb, y2, kk := kbar[i*b:i*b+b], ybar2[i*b:i*b+b:i*b+b], k[i*b:i*b+b:i*b+b]
		w2 := u2[i*b2 : i*b2+b2 : i*b2+b2]
		var sb, sb2, st T
		for s, x := range kb {
			kb2 := c2[s] * y2[s]
			u, v := x*it, kb2*it
			w2[s], w2[b+s] = u, v
			sb += u
			sb2 += v
			st -= x * kk[s]
		}
		biasN[i] += sb
		biasN2[i] += sb2
		tauN[i] += st * it
	}
}

// relu writes dst = max(x, 0), float32 by vec.ReLU.
func relu[T ode.Float](dst, x []T) {
	if d32, ok := any(dst).([]float32); ok {
		vec.ReLU(d32, any(x).([]float32))
		return
	}
	for q, v := range x {
		dst[q] = max(v, 0)
	}
}
