package opticlobe

import "github.com/neuropil/neuropil/ode"

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
