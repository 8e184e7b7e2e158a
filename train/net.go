package train

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/internal/vec"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// net is the differentiable forward and backward pass of a Model for one
// batch size, generic over the element type. Parameters live in p (for
// float32 they alias the Model's slices); gradients are written to g.
type net[T ode.Float] struct {
	m         *Model
	n, batch  int
	inputs    int
	p, g      [numParams][]T
	wantGrad  [numParams]bool
	pool      *pool
	wParts    []int // row split of W by nonzeros
	tParts    []int // row split of Wᵀ by nonzeros
	eParts    []int // even row split of [neurons]
	tRowPtr   []int32
	tCol      []int32 // postsynaptic neuron of each transposed entry
	tPerm     []int32 // W entry of each transposed entry
	wEff, wT  []T     // effective recurrent values (dale: signs, clamp) in W and Wᵀ order
	gwT       []T     // gradient of the effective values, Wᵀ order
	invTau    []T     // [neurons]
	tauN      []T     // [neurons] gradient of tau per neuron
	x         []T     // [inputs][batch]
	drive     []T     // [neurons][batch] W_ih x + b
	gzSum     []T     // [neurons][batch] Σ over stages of ∂L/∂z
	ys        [][]T   // checkpoints [steps+1][neurons][batch]
	zs        [][][]T // StoreZ: [steps][stages][neurons][batch]
	hs        [][]float64
	outAt     [][]int // [evals][batch] checkpoint of each output
	sol       resolved
	Y, Z, K   [][]T // [stages][neurons][batch] one step's stages
	D         [][]T // [stages] phi'(z)
	kbar      [][]T // [stages] adjoints of the stages' slopes
	ybar, tmp []T
	dp5       *dopri5State[T]
	prod      *sparse.Product // float32: the package sparse's product (assembly kernels) on wEff
	rd        readout[T]
	labels    []int
	mask      []T // [evals][hidden][batch] dropout scale or nil
	ran       bool
}

// newNet prepares the pass for m with parameter values p (converted to T
// by the caller; for float32 the model's own slices).
func newNet[T ode.Float](m *Model, p [numParams][]T, batch, workers int) *net[T] {
	if batch < 1 {
		panic(fmt.Sprintf("train: batch %d < 1", batch))
	}
	n := m.Neurons
	nt := &net[T]{m: m, n: n, batch: batch, inputs: m.Inputs, p: p, pool: newPool(workers)}
	for i := range nt.wantGrad {
		nt.wantGrad[i] = true
		nt.g[i] = make([]T, len(p[i]))
	}
	w := nt.pool.workers()
	if w > 1 {
		w *= partsPerWorker
	}
	w = max(1, min(w, n))
	nt.wParts = sparse.SplitByNNZ(m.W.RowPtr, w)
	nt.tRowPtr, nt.tCol, nt.tPerm = m.W.TransposeMap()
	nt.tParts = sparse.SplitByNNZ(nt.tRowPtr, w)
	nt.eParts = evenParts(n, w)
	nt.wEff = make([]T, len(m.W.ColIdx))
	if w32, ok := any(nt.wEff).([]float32); ok {
		a := &sparse.CSR{Rows: n, Cols: n, RowPtr: m.W.RowPtr, ColIdx: m.W.ColIdx, Val: w32}
		nt.prod = sparse.NewProduct(a, batch, workers)
	}
	nt.wT = make([]T, len(m.W.ColIdx))
	nt.gwT = make([]T, len(m.W.ColIdx))
	nt.invTau = make([]T, n)
	nt.tauN = make([]T, n)
	nt.x = make([]T, m.Inputs*batch)
	nt.drive = make([]T, n*batch)
	nt.gzSum = make([]T, n*batch)
	nt.ybar = make([]T, n*batch)
	nt.tmp = make([]T, n*batch)
	nt.rd.init(m, batch)
	return nt
}

func (nt *net[T]) close() {
	nt.pool.close()
	if nt.prod != nil {
		nt.prod.Close()
	}
}

// sync derives the effective weights and 1/tau from the parameters.
func (nt *net[T]) sync() {
	m := nt.m
	w := nt.p[PW]
	nt.pool.each(evenParts(len(w), nt.pool.workers()), func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			v := w[k]
			if m.Dale {
				v = T(m.Sign[m.W.ColIdx[k]]) * max(v, 0)
			}
			nt.wEff[k] = v
		}
	})
	nt.pool.each(evenParts(len(w), nt.pool.workers()), func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			nt.wT[k] = nt.wEff[nt.tPerm[k]]
		}
	})
	tau := nt.p[PTau]
	for i := range nt.invTau {
		t := i
		if m.NeuronType != nil {
			t = int(m.NeuronType[i])
		}
		nt.invTau[i] = 1 / tau[t]
	}
}

// setInput stores x ([batch][inputs]) transposed and computes the drive
// W_ih x + b.
func (nt *net[T]) setInput(x []T) {
	b, in := nt.batch, nt.inputs
	if len(x) != b*in {
		panic(fmt.Sprintf("train: input has %d values, want batch×inputs = %d×%d", len(x), b, in))
	}
	for s := 0; s < b; s++ {
		for k := 0; k < in; k++ {
			nt.x[k*b+s] = x[s*in+k]
		}
	}
	inp := nt.m.Input
	sparse.MulRowsTo(nt.drive, inp.RowPtr, inp.ColIdx, nt.p[PInput], nt.x, b, 0, nt.n)
	bias := nt.p[PBias]
	for i := 0; i < nt.n; i++ {
		for s := 0; s < b; s++ {
			nt.drive[i*b+s] += bias[i]
		}
	}
}

// stageBuffers makes sure there are buffers for s stages.
func (nt *net[T]) stageBuffers(s int) {
	nb := nt.n * nt.batch
	for len(nt.Z) < s+1 {
		nt.Y = append(nt.Y, make([]T, nb))
		nt.Z = append(nt.Z, make([]T, nb))
		nt.K = append(nt.K, make([]T, nb))
		nt.D = append(nt.D, make([]T, nb))
		nt.kbar = append(nt.kbar, make([]T, nb))
	}
}

// checkpoint returns buffer c for a state, growing the list.
func (nt *net[T]) checkpoint(c int) []T {
	for len(nt.ys) <= c {
		nt.ys = append(nt.ys, make([]T, nt.n*nt.batch))
	}
	return nt.ys[c]
}

// combine writes dst = y + h_b Σ_l coef[l]·k[l] (per sample step h).
func (nt *net[T]) combine(dst, y []T, k [][]T, coef []float64, h []float64) {
	b := nt.batch
	nt.pool.each(nt.eParts, func(r0, r1 int) {
		for o := r0 * b; o < r1*b; o += b {
			for s := 0; s < b; s++ {
				acc := 0.0
				for l, c := range coef {
					if c != 0 {
						acc += c * float64(k[l][o+s])
					}
				}
				dst[o+s] = y[o+s] + T(h[s]*acc)
			}
		}
	})
}

// eval computes the slope k = (phi(z) − y)/tau at y. z = W_eff y + drive is
// computed unless haveZ (then z holds it already); d receives phi'(z) when
// not nil.
func (nt *net[T]) eval(k, z, d, y []T, haveZ bool) {
	b := nt.batch
	phi := nt.m.Nonlinearity
	dale := nt.m.Dale
	fused := nt.prod != nil && !haveZ
	post := func(r0, r1 int) {
		if !haveZ {
			if !fused {
				sparse.MulRowsTo(z, nt.m.W.RowPtr, nt.m.W.ColIdx, nt.wEff, y, b, r0, r1)
			}
			zz, dr := z[r0*b:r1*b], nt.drive[r0*b:r1*b]
			for q := range zz {
				zz[q] += dr[q]
			}
		}
		kk := k[r0*b : r1*b]
		copy(kk, z[r0*b:r1*b])
		var dd []T
		if d != nil {
			dd = d[r0*b : r1*b]
			for q := range dd {
				dd[q] = 1
			}
		}
		for ai, a := range phi {
			if dd == nil {
				applyAct(a, kk)
				continue
			}
			if ai == 0 && len(phi) == 1 {
				applyAct(a, kk)
				zz := z[r0*b : r1*b]
				for q := range dd {
					dd[q] = actDeriv(a, zz[q], kk[q])
				}
				continue
			}
			// chains: the pre-activation of this link is kept in the
			// slope buffer of the stage before applying
			for q := range kk {
				pre := kk[q]
				one := []T{pre}
				applyAct(a, one)
				kk[q] = one[0]
				dd[q] *= actDeriv(a, pre, one[0])
			}
		}
		if dale {
			for q, v := range kk {
				if v <= 0 {
					kk[q] = 0
					if dd != nil {
						dd[q] = 0
					}
				}
			}
		}
		for i := r0; i < r1; i++ {
			it := nt.invTau[i]
			o := i * b
			for s := 0; s < b; s++ {
				kk[o-r0*b+s] = (kk[o-r0*b+s] - y[o+s]) * it
			}
		}
	}
	if fused {
		nt.prod.MulThen(any(z).([]float32), any(y).([]float32), post)
		return
	}
	// Blocks of rows keep the product's output in cache for the post work.
	const block = 256
	nt.pool.each(nt.wParts, func(r0, r1 int) {
		for lo := r0; lo < r1; lo += block {
			post(lo, min(lo+block, r1))
		}
	})
}

// forward integrates the batch x ([batch][inputs]) and evaluates the loss
// against labels. mask is the dropout scale [evals][hidden][batch] or nil.
// It returns the mean loss and the number of correct predictions at the
// last output time.
func (nt *net[T]) forward(x []T, labels []int, mask []T, s resolved) (float64, int, error) {
	nt.ran = false
	nt.sol = s
	nt.labels = labels
	nt.mask = mask
	if len(labels) != nt.batch {
		panic(fmt.Sprintf("train: %d labels for batch %d", len(labels), nt.batch))
	}
	for _, l := range labels {
		if l < 0 || l >= nt.m.Classes {
			return 0, 0, fmt.Errorf("label %d outside [0, %d)", l, nt.m.Classes)
		}
	}
	if mask != nil && len(mask) != s.Evals*nt.m.Hidden*nt.batch {
		panic(fmt.Sprintf("train: dropout mask has %d values, want evals×hidden×batch = %d×%d×%d", len(mask), s.Evals, nt.m.Hidden, nt.batch))
	}
	nt.sync()
	nt.setInput(x)
	stages := len(nt.sol.tab.b)
	nt.stageBuffers(stages + 1)
	clear(nt.checkpoint(0))
	var err error
	switch {
	case s.replay:
		err = nt.fixed(true)
	case s.adapt:
		err = nt.adaptive()
	default:
		err = nt.fixed(false)
	}
	if err != nil {
		return 0, 0, err
	}
	loss, correct := nt.rd.forward(nt)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, correct, fmt.Errorf("loss is %v", loss)
	}
	nt.ran = true
	return loss, correct, nil
}

// fixed runs a fixed-step method, keeping a checkpoint per step. With
// replay it takes the steps already in hs and outAt (those of an earlier
// adaptive pass) instead of the uniform grid.
func (nt *net[T]) fixed(replay bool) error {
	if !replay {
		hs, at := nt.sol.fixedGrid()
		nt.hs = nt.hs[:0]
		nt.outAt = nt.outAt[:0]
		for _, c := range at {
			row := make([]int, nt.batch)
			for b := range row {
				row[b] = c
			}
			nt.outAt = append(nt.outAt, row)
		}
		for _, h := range hs {
			hv := make([]float64, nt.batch)
			for b := range hv {
				hv[b] = h
			}
			nt.hs = append(nt.hs, hv)
		}
	}
	tab := nt.sol.tab
	t := nt.sol.T0
	for c, hv := range nt.hs {
		y := nt.ys[c]
		var zs [][]T
		if nt.sol.StoreZ {
			for len(nt.zs) <= c {
				nt.zs = append(nt.zs, nil)
			}
			for len(nt.zs[c]) < len(tab.b) {
				nt.zs[c] = append(nt.zs[c], make([]T, nt.n*nt.batch))
			}
			zs = nt.zs[c]
		}
		for i := range tab.b {
			yi := y
			if i > 0 {
				yi = nt.Y[i]
				nt.combine(yi, y, nt.K, tab.a[i], hv)
			}
			z := nt.Z[i]
			if zs != nil {
				z = zs[i]
			}
			nt.eval(nt.K[i], z, nil, yi, false)
		}
		next := nt.checkpoint(c + 1)
		nt.combine(next, y, nt.K, tab.b, hv)
		t += hv[0]
		if err := checkFinite(next, t); err != nil {
			return err
		}
	}
	return nil
}

func checkFinite[T ode.Float](y []T, t float64) error {
	if i := vec.FirstNonFinite(y); i >= 0 {
		return fmt.Errorf("state of neuron %d is %v at t = %g", i, y[i], t)
	}
	return nil
}

// backward computes the gradients of the last forward pass's loss into g.
func (nt *net[T]) backward() {
	if !nt.ran {
		panic("train: backward without a successful forward pass")
	}
	for i := range nt.g {
		clear(nt.g[i])
	}
	clear(nt.gwT)
	clear(nt.tauN)
	clear(nt.gzSum)
	clear(nt.ybar)
	nt.rd.backward(nt)
	tab := nt.sol.tab
	stages := len(tab.b)
	b := nt.batch
	for c := len(nt.hs); c >= 1; c-- {
		nt.rd.inject(nt, c)
		h := nt.hs[c-1]
		y := nt.ys[c-1]
		// Recompute the step's stages.
		for i := 0; i < stages; i++ {
			yi := y
			if i > 0 {
				yi = nt.Y[i]
				nt.combine(yi, y, nt.K, tab.a[i], h)
			} else {
				copy(nt.Y[0], y)
			}
			if nt.sol.StoreZ {
				nt.eval(nt.K[i], nt.zs[c-1][i], nt.D[i], yi, true)
			} else {
				nt.eval(nt.K[i], nt.Z[i], nt.D[i], yi, false)
			}
		}
		// Adjoints of the slopes from the step's output.
		for i := 0; i < stages; i++ {
			kb := nt.kbar[i]
			bi := tab.b[i]
			nt.pool.each(nt.eParts, func(r0, r1 int) {
				for o := r0 * b; o < r1*b; o += b {
					for s := 0; s < b; s++ {
						kb[o+s] = T(h[s] * bi * float64(nt.ybar[o+s]))
					}
				}
			})
		}
		for i := stages - 1; i >= 0; i-- {
			gz := nt.Z[i]
			if nt.sol.StoreZ {
				gz = nt.zs[c-1][i]
			}
			nt.vjp(nt.tmp, gz, i)
			ai := tab.a[i]
			nt.pool.each(nt.eParts, func(r0, r1 int) {
				for o := r0 * b; o < r1*b; o += b {
					for s := 0; s < b; s++ {
						v := nt.tmp[o+s]
						nt.ybar[o+s] += v
						for l, a := range ai {
							if a != 0 {
								nt.kbar[l][o+s] += T(h[s] * a * float64(v))
							}
						}
					}
				}
			})
		}
	}
	nt.finish()
}

// vjp writes into dst the adjoint of stage i's input given the adjoint
// kbar[i] of its slope, and accumulates the parameter gradients.
// gz receives ∂L/∂z (the stage's z buffer, no longer needed).
func (nt *net[T]) vjp(dst, gz []T, i int) {
	b := nt.batch
	kb, d, k, yi := nt.kbar[i], nt.D[i], nt.K[i], nt.Y[i]
	wantTau := nt.wantGrad[PTau]
	nt.pool.each(nt.eParts, func(r0, r1 int) {
		for j := r0; j < r1; j++ {
			it := nt.invTau[j]
			var tg T
			for s := 0; s < b; s++ {
				q := j*b + s
				u := kb[q] * it
				g := u * d[q]
				gz[q] = g
				nt.gzSum[q] += g
				tg -= kb[q] * k[q]
			}
			if wantTau {
				nt.tauN[j] += tg * it
			}
		}
	})
	var gw []T
	if nt.wantGrad[PW] {
		gw = nt.gwT
	}
	nt.pool.each(nt.tParts, func(r0, r1 int) {
		sparse.MulGradRowsTo(dst, gw, nt.tRowPtr, nt.tCol, nt.wT, gz, yi, b, r0, r1)
		for q := r0 * b; q < r1*b; q++ {
			dst[q] -= kb[q] * nt.invTau[q/b]
		}
	})
}

// finish turns the accumulated sums into parameter gradients.
func (nt *net[T]) finish() {
	m := nt.m
	b := nt.batch
	if nt.wantGrad[PW] {
		g := nt.g[PW]
		w := nt.p[PW]
		nt.pool.each(nt.tParts, func(r0, r1 int) {
			for j := r0; j < r1; j++ {
				for kt := nt.tRowPtr[j]; kt < nt.tRowPtr[j+1]; kt++ {
					k := nt.tPerm[kt]
					v := nt.gwT[kt]
					if m.Dale {
						if w[k] < 0 {
							v = 0
						} else {
							v *= T(m.Sign[j])
						}
					}
					g[k] = v
				}
			}
		})
	}
	gb := nt.g[PBias]
	for i := 0; i < nt.n; i++ {
		var acc T
		for s := 0; s < b; s++ {
			acc += nt.gzSum[i*b+s]
		}
		gb[i] = acc
	}
	inp := m.Input
	gi := nt.g[PInput]
	for i := 0; i < nt.n; i++ {
		for k := inp.RowPtr[i]; k < inp.RowPtr[i+1]; k++ {
			c := int(inp.ColIdx[k])
			var acc T
			for s := 0; s < b; s++ {
				acc += nt.gzSum[i*b+s] * nt.x[c*b+s]
			}
			gi[k] = acc
		}
	}
	gt := nt.g[PTau]
	clear(gt)
	for i, v := range nt.tauN {
		t := i
		if m.NeuronType != nil {
			t = int(m.NeuronType[i])
		}
		gt[t] += v
	}
	for i := range nt.g {
		if !nt.wantGrad[i] {
			clear(nt.g[i])
		}
	}
}
