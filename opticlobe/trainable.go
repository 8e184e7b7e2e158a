package opticlobe

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// The parameters of a Trainable in the order of its Params, by the names
// of flyvis's Network state dict.
const (
	ParamBias      = iota // nodes_bias: [types] resting potential (Params.Vrest)
	ParamTimeConst        // nodes_time_const: [types] membrane time constant, s (Params.Tau)
	ParamStrength         // edges_syn_strength: [pairs] synaptic strength (Params.Strength)
	numParams
)

// paramNames are the flyvis names of a Trainable's parameters, in the
// order of Params.
var paramNames = [numParams]string{"nodes_bias", "nodes_time_const", "edges_syn_strength"}

// rowChunk is the smallest number of rows a worker takes in the parallel
// loops: below it the loops run serially.
const rowChunk = 256

// Trainable is the flyvis voltage model of a Network (the right-hand side
// of Dynamics) as a model.Differentiable, generic over the element type,
// with a constant input or (model.Framed) a movie of frames:
//
//	tau_T dV_i/dt = −V_i + Vrest_T + Σ_e w_e relu(V_src(e)) + x_i
//	w_e = sign_e · n_syn_e · strength_pair(e)
//
// Its parameters are shared per cell type T (nodes_bias = Vrest,
// nodes_time_const = tau) and per type pair (edges_syn_strength): the
// gradients accumulated per neuron and per term of the stencil (a pair
// and a column offset; see the package documentation) are reduced to them
// by FinishGrad. The input x ([batch][columns]) drives the photoreceptors,
// each with its column's value, as in Dynamics. A slot records relu(V) of
// its evaluation (and, linearised, the slope), from which VJP takes the
// terms' gradients, one dot product each, beside the transposed product.
// The state starts where the caller puts it (package train: at 0).
type Trainable[T ode.Float] struct {
	net              *Network
	n, batch, inputs int
	p, g             [numParams][]T
	frozen           [numParams]bool

	st           *stencil // W as terms shifted over the lattice
	fOff, bOff   []int    // the terms' offsets: forward at batch lanes, transposed at batch lanes
	bOff2        []int    // transposed at 2·batch lanes (VJPDual)
	fw, bw       []T      // the terms' weights sign·n_syn·strength in fwd and in bwd order
	tg           []T      // [terms] the terms' gradients Σ u_target·relu(V_source) in fwd order, accumulated
	actMap       []T      // [types][cells][batch] relu(V) on the maps (zero margins)
	uMap, u2Map  []T      // [types][cells][batch or 2·batch] adjoints over tau on the maps
	scratch      [][]T    // [types] a run of 2·batch lanes: VJPDual's transposed stencil
	typ, inCol   []int32  // [neurons] cell type; input column (-1: none)
	inRuns       [][2]int // runs [start, end) of neurons with an input column
	invTau       []T      // [neurons] 1/tau
	x            []T      // [frames][inputs][batch]
	frames       int      // frames set
	frame        int      // the frame in force
	biasN, tauN  []T      // [neurons] gradients per neuron
	act, ks      [][]T    // [slots] relu(V) [neurons][batch]; the slot's slope (the caller's)
	biasN2       []T      // VJPDual's second adjoint: resting-potential gradients per neuron
	bias2        []T      // and per type
	prod         [][]T    // [slots] W relu(V) of the slot's last Forward, for Replay (nil: none)
	rows         team.Ranges
	split        team.Split
	byNeurons    []int // runs of types of about equal neurons
	byFwd, byBwd []int // runs of types of about equal forward, and transposed and gradient, work
}

// typeBounds divides items (types, rows) into runs of about equal work
// (work[i] for item i) for the team, four runs a worker.
func typeBounds(work []int) []int {
	ptr := make([]int32, len(work)+1)
	for t, w := range work {
		ptr[t+1] = ptr[t] + int32(w)
	}
	return sparse.SplitByNNZ(ptr, min(len(work), 4*(team.Helpers()+1)))
}

// NewTrainable prepares the model of net with parameter values vrest
// ([types], nodes_bias), tau ([types], nodes_time_const) and strength
// ([pairs], edges_syn_strength) for the given batch size. For float32 the
// slices of a Params (Vrest, Tau, Strength) may be passed: the model reads
// and trains them in place. It returns an error for values that do not fit
// net and panics if batch < 1.
func NewTrainable[T ode.Float](net *Network, vrest, tau, strength []T, batch int) (*Trainable[T], error) {
	if batch < 1 {
		panic(fmt.Sprintf("opticlobe: batch %d < 1", batch))
	}
	nt, np := len(net.Spec.Types), len(net.Pairs)
	if len(vrest) != nt || len(tau) != nt || len(strength) != np {
		return nil, fmt.Errorf("opticlobe: trainable parameters have %d, %d, %d values; want %d, %d, %d",
			len(vrest), len(tau), len(strength), nt, nt, np)
	}
	n := net.Neurons()
	st, err := newStencil(net)
	if err != nil {
		return nil, err
	}
	m := &Trainable[T]{net: net, n: n, batch: batch, inputs: ColumnCount(net.Extent),
		p: [numParams][]T{vrest, tau, strength}, typ: net.Conn.Type, inCol: make([]int32, n), st: st}
	for i := range m.g {
		m.g[i] = make([]T, len(m.p[i]))
	}
	m.fOff, m.bOff = st.offsets(st.fwd, true, batch), st.offsets(st.bwd, false, batch)
	m.fw, m.bw, m.tg = make([]T, len(st.fwd)), make([]T, len(st.bwd)), make([]T, len(st.pair))
	m.actMap = make([]T, nt*st.cells*batch)
	m.scratch = make([][]T, nt)
	nw, fw, bw := make([]int, nt), make([]int, nt), make([]int, nt)
	for t, runs := range st.runs {
		long := 0
		for _, r := range runs {
			nw[t] += r.n
			long = max(long, r.n)
		}
		m.scratch[t] = make([]T, long*2*batch)
		nf, nb := int(st.fwdPtr[t+1]-st.fwdPtr[t]), int(st.bwdPtr[t+1]-st.bwdPtr[t])
		fw[t] = nw[t] * (nf + 1)
		bw[t] = nw[t] * (nb + nf + 1) // the transposed product and the term gradients
	}
	m.byNeurons, m.byFwd, m.byBwd = typeBounds(nw), typeBounds(fw), typeBounds(bw)
	for i := range m.inCol {
		m.inCol[i] = -1
	}
	for _, name := range net.Spec.InputUnits {
		s, e, _ := net.TypeNeurons(name)
		for i := s; i < e; i++ {
			m.inCol[i] = int32(ColumnIndex(net.Extent, int(net.U[i]), int(net.V[i])))
		}
	}
	for i, c := range m.inCol { // the runs of photoreceptors
		switch {
		case c < 0:
		case len(m.inRuns) > 0 && m.inRuns[len(m.inRuns)-1][1] == i:
			m.inRuns[len(m.inRuns)-1][1]++
		default:
			m.inRuns = append(m.inRuns, [2]int{i, i + 1})
		}
	}
	m.invTau, m.biasN, m.tauN = make([]T, n), make([]T, n), make([]T, n)
	m.x, m.frames = make([]T, m.inputs*batch), 1
	if err := m.check(); err != nil {
		return nil, err
	}
	m.Sync()
	return m, nil
}

// check returns an error for time constants that are not positive and
// finite, or other values that are not finite.
func (m *Trainable[T]) check() error {
	for k, t := range m.p[ParamTimeConst] {
		if !(t > 0) || math.IsInf(float64(t), 0) {
			return fmt.Errorf("opticlobe: time constant of type %s is %v, want a positive finite number", m.net.Spec.Types[k].Name, t)
		}
	}
	for i, v := range m.p {
		for k, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("opticlobe: %s[%d] is %v", paramNames[i], k, x)
			}
		}
	}
	return nil
}

// Dim returns the number of neurons.
func (m *Trainable[T]) Dim() int { return m.n }

// Batch returns the batch size.
func (m *Trainable[T]) Batch() int { return m.batch }

// Inputs returns the input values per sample: one per column.
func (m *Trainable[T]) Inputs() int { return m.inputs }

// Close releases nothing: the model's loops run on the shared team.
func (m *Trainable[T]) Close() {}

// Params returns nodes_bias, nodes_time_const and edges_syn_strength.
func (m *Trainable[T]) Params() []model.Parameter[T] {
	ps := make([]model.Parameter[T], numParams)
	for i := range ps {
		ps[i] = model.Parameter[T]{Name: paramNames[i], Shape: []int{len(m.p[i])}, Value: m.p[i], Grad: m.g[i]}
	}
	return ps
}

// SetFrozen marks the parameters whose gradients are not computed.
func (m *Trainable[T]) SetFrozen(frozen []bool) {
	for i := range m.frozen {
		m.frozen[i] = i < len(frozen) && frozen[i]
	}
}

// Sync derives the terms' weights and 1/tau per neuron from the
// parameters.
func (m *Trainable[T]) Sync() {
	s, st := m.p[ParamStrength], m.st
	for k, q := range st.fwd {
		m.fw[k] = T(st.coef[q]) * s[st.pair[q]]
	}
	for k, q := range st.bwd {
		m.bw[k] = T(st.coef[q]) * s[st.pair[q]]
	}
	tau := m.p[ParamTimeConst]
	for i, t := range m.typ {
		m.invTau[i] = 1 / tau[t]
	}
}

// SetInput stores x ([batch][columns]) transposed, as a single frame.
func (m *Trainable[T]) SetInput(x []T) { m.SetFrames(x, 1) }

// SetFrames stores the frames x ([frames][batch][columns]) transposed to
// [frames][columns][batch] and makes frame 0 the input.
func (m *Trainable[T]) SetFrames(x []T, frames int) {
	b, in := m.batch, m.inputs
	if frames < 1 || len(x) != frames*b*in {
		panic(fmt.Sprintf("opticlobe: input has %d values, want frames×batch×columns = %d×%d×%d", len(x), frames, b, in))
	}
	if len(m.x) != len(x) {
		m.x = make([]T, len(x))
	}
	for f := 0; f < frames; f++ {
		src, dst := x[f*b*in:(f+1)*b*in], m.x[f*b*in:(f+1)*b*in]
		for s := 0; s < b; s++ {
			for c := 0; c < in; c++ {
				dst[c*b+s] = src[s*in+c]
			}
		}
	}
	m.frames, m.frame = frames, 0
}

// SetFrame makes frame k the input of the evaluations that follow. It
// panics if k is not a frame of the last SetFrames.
func (m *Trainable[T]) SetFrame(k int) {
	if k < 0 || k >= m.frames {
		panic(fmt.Sprintf("opticlobe: frame %d of %d", k, m.frames))
	}
	m.frame = k
}

// slot returns slot i's record, growing the list.
func (m *Trainable[T]) slot(i int) []T {
	for len(m.act) <= i {
		m.act = append(m.act, make([]T, m.n*m.batch))
		m.ks = append(m.ks, nil)
		m.prod = append(m.prod, nil)
	}
	return m.act[i]
}

// Eval writes dydt = (−V + Vrest + W relu(V) + x)/tau and records relu(V)
// in slot; linearised (any mode but Forward), also dydt by reference.
// Forward keeps the slot's W relu(V), and Replay (the same V, parameters
// and frame as that Forward) reuses it: no product.
func (m *Trainable[T]) Eval(slot int, dydt, y []T, t []float64, mode model.EvalMode) {
	act := m.slot(slot)
	if mode != model.Forward {
		m.ks[slot] = dydt
	}
	b := m.batch
	if mode == model.Forward && m.prod[slot] == nil {
		m.prod[slot] = make([]T, m.n*b)
	}
	prod := m.prod[slot]
	replay := mode == model.Replay && prod != nil // act already holds relu(V)
	if !replay {
		m.split.For(m.byNeurons, func(t0, t1 int) {
			for t := t0; t < t1; t++ {
				i0, i1 := m.net.TypeStart[t], m.net.TypeStart[t+1]
				relu(act[i0*b:i1*b], y[i0*b:i1*b])
				for _, r := range m.st.runs[t] {
					copy(m.actMap[m.st.mapIndex(t, r.cell, b):], act[r.neuron*b:(r.neuron+r.n)*b])
				}
			}
		})
	}
	wv := dydt // the product W·relu(V): replayed from prod, or computed into prod (forward, kept for a replay) or into dydt
	if mode == model.Forward || replay {
		wv = prod
	}
	m.split.For(m.byFwd, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			if !replay {
				f0, f1 := m.st.fwdPtr[t], m.st.fwdPtr[t+1]
				for _, r := range m.st.runs[t] {
					stencilRunTo(wv[r.neuron*b:(r.neuron+r.n)*b], m.actMap, r.cell*b, m.fOff[f0:f1], m.fw[f0:f1])
				}
			}
			m.relax(dydt, wv, y, m.net.TypeStart[t], m.net.TypeStart[t+1])
		}
	})
}

// relax writes dydt = (wv − V + Vrest + x)/tau for the neurons [r0, r1):
// those without input, then the photoreceptors, with their columns' input.
func (m *Trainable[T]) relax(dydt, wv, y []T, r0, r1 int) {
	b := m.batch
	vrest, x := m.p[ParamBias], m.x[m.frame*m.inputs*b:(m.frame+1)*m.inputs*b]
	i := r0
	for _, run := range m.inRuns {
		s, e := max(run[0], r0), min(run[1], r1)
		if s >= e {
			continue
		}
		relaxRows(dydt, wv, y, vrest, m.typ, m.invTau, b, i, s)
		for ; s < e; s++ {
			rest, it, c := vrest[m.typ[s]], m.invTau[s], int(m.inCol[s])
			for k := 0; k < b; k++ {
				q := s*b + k
				dydt[q] = (wv[q] - y[q] + rest + x[c*b+k]) * it
			}
		}
		i = e
	}
	relaxRows(dydt, wv, y, vrest, m.typ, m.invTau, b, i, r1)
}

// VJP writes into dst the adjoint (∂f/∂V)ᵀ kbar of the evaluation
// recorded in slot, accumulating the gradients per neuron and per term:
// with u = kbar/tau, ∂L/∂Vrest_i += Σ u_i, ∂L/∂tau_i −= Σ kbar_i f_i/tau_i,
// the term's Σ u_target relu(V_source) for the strengths, and
// dst_j = relu'(V_j) Σ_i w_ij u_i − u_j.
func (m *Trainable[T]) VJP(slot int, dst, kbar []T) {
	b := m.batch
	act, k := m.act[slot], m.ks[slot]
	if m.uMap == nil {
		m.uMap = make([]T, len(m.actMap))
	}
	m.split.For(m.byNeurons, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			for _, r := range m.st.runs[t] {
				u := m.uMap[m.st.mapIndex(t, r.cell, b):]
				for j := range r.n {
					i := r.neuron + j
					it := m.invTau[i]
					var sb, st T
					for s := 0; s < b; s++ {
						q := i*b + s
						v := kbar[q] * it
						u[j*b+s] = v
						sb += v
						st -= kbar[q] * k[q]
					}
					m.biasN[i] += sb
					m.tauN[i] += st * it
				}
				copy(m.actMap[m.st.mapIndex(t, r.cell, b):], act[r.neuron*b:(r.neuron+r.n)*b])
			}
		}
	})
	m.split.For(m.byBwd, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			for _, r := range m.st.runs[t] {
				r := typeRun{r, int32(t)}
				b0, b1 := m.st.bwdPtr[r.t], m.st.bwdPtr[r.t+1]
				d := dst[r.neuron*b : (r.neuron+r.n)*b]
				stencilRunTo(d, m.uMap, r.cell*b, m.bOff[b0:b1], m.bw[b0:b1])
				a, u := act[r.neuron*b:], m.uMap[m.st.mapIndex(int(r.t), r.cell, b):]
				for q := range d {
					if !(a[q] > 0) {
						d[q] = 0
					}
					d[q] -= u[q]
				}
				m.termGrads(r, m.uMap, b)
			}
		}
	})
}

// termGrads adds to the gradients of the terms into r's type (tg, in
// fwd order: each type's terms are its own, so types run in parallel) Σ u·relu(V_source) over r's neurons and the batch, u on maps
// of lanes values a cell (the first batch of them read), relu(V) on
// actMap.
func (m *Trainable[T]) termGrads(r typeRun, u []T, lanes int) {
	if m.frozen[ParamStrength] {
		return
	}
	st, b := m.st, m.batch
	f0, f1 := st.fwdPtr[r.t], st.fwdPtr[r.t+1]
	termDotsTo(m.tg[f0:f1], u, st.mapIndex(int(r.t), r.cell, lanes), lanes, m.actMap, r.cell*b, m.fOff[f0:f1], b, r.n)
}

// VJPDual is VJP of kbar into dst, its gradients accumulated as VJP's,
// together with a second adjoint through the same evaluation (the
// train.DualVJP of a one-stage step): its slope's adjoint is coef2 ⊙ ybar2
// (coef2 [batch]), and VJP's dst of it is added into ybar2 in place. Of
// the second adjoint only the resting potentials' gradient is kept
// (SecondBiasGrad after FinishGrad): the activity penalty's. The two go
// through Wᵀ in one pass of 2·batch lanes; the strengths' gradient reads
// the first batch's lanes alone, with relu(V) as recorded.
func (m *Trainable[T]) VJPDual(slot int, dst, kbar, ybar2, coef2 []T) {
	b, b2 := m.batch, 2*m.batch
	if len(coef2) != b {
		panic(fmt.Sprintf("opticlobe: VJPDual with %d coefficients for batch %d", len(coef2), b))
	}
	if m.u2Map == nil {
		m.u2Map = make([]T, 2*len(m.actMap))
		m.biasN2, m.bias2 = make([]T, m.n), make([]T, len(m.p[ParamBias]))
		m.bOff2 = m.st.offsets(m.st.bwd, false, b2)
	}
	act, k := m.act[slot], m.ks[slot]
	m.split.For(m.byNeurons, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			for _, r := range m.st.runs[t] {
				i0, i1 := r.neuron, r.neuron+r.n
				dualScale(m.u2Map[m.st.mapIndex(t, r.cell, b2):m.st.mapIndex(t, r.cell+r.n, b2)], kbar[i0*b:i1*b], ybar2[i0*b:i1*b], coef2,
					k[i0*b:i1*b], m.invTau[i0:i1], m.biasN[i0:i1], m.biasN2[i0:i1], m.tauN[i0:i1], b)
				copy(m.actMap[m.st.mapIndex(t, r.cell, b):], act[i0*b:i1*b])
			}
		}
	})
	m.split.For(m.byBwd, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			b0, b1 := m.st.bwdPtr[t], m.st.bwdPtr[t+1]
			sc := m.scratch[t]
			for _, r := range m.st.runs[t] {
				i0, i1 := r.neuron, r.neuron+r.n
				stencilRunTo(sc[:r.n*b2], m.u2Map, r.cell*b2, m.bOff2[b0:b1], m.bw[b0:b1])
				m.termGrads(typeRun{r, int32(t)}, m.u2Map, b2)
				own := m.u2Map[m.st.mapIndex(t, r.cell, b2):m.st.mapIndex(t, r.cell+r.n, b2)]
				dualRelu(dst[i0*b:i1*b], ybar2[i0*b:i1*b], sc, own, act[i0*b:i1*b], b)
			}
		}
	})
}

// SecondBiasGrad returns the resting potentials' gradient of the second
// adjoint of VJPDual, reduced by FinishGrad (nil before any VJPDual).
func (m *Trainable[T]) SecondBiasGrad() []T { return m.bias2 }

// ZeroGrad clears the gradients and the sums VJP and VJPDual accumulate.
func (m *Trainable[T]) ZeroGrad() {
	for _, v := range append(m.g[:], m.biasN, m.tauN, m.biasN2, m.bias2, m.tg) {
		clear(v)
	}
}

// FinishGrad reduces the accumulated gradients to the shared parameters:
// neurons to their types, terms (through sign·n_syn) to their pairs.
func (m *Trainable[T]) FinishGrad() {
	gb, gt, gs := m.g[ParamBias], m.g[ParamTimeConst], m.g[ParamStrength]
	for i, t := range m.typ {
		gb[t] += m.biasN[i]
		gt[t] += m.tauN[i]
	}
	if m.bias2 != nil {
		for i, t := range m.typ {
			m.bias2[t] += m.biasN2[i]
		}
	}
	if !m.frozen[ParamStrength] {
		for k, q := range m.st.fwd {
			gs[m.st.pair[q]] += T(m.st.coef[q]) * m.tg[k]
		}
	}
	for i := range m.g {
		if m.frozen[i] {
			clear(m.g[i])
		}
	}
}

// RecordBytes returns the bytes held by the slots' records.
func (m *Trainable[T]) RecordBytes() int64 {
	var e T
	n := len(m.act)
	for _, p := range m.prod {
		if p != nil {
			n++
		}
	}
	return int64(n) * int64(m.n*m.batch) * int64(unsafe.Sizeof(e))
}

// The trainable optic lobe is a Differentiable model.
var (
	_ model.Differentiable[float32] = (*Trainable[float32])(nil)
	_ model.Differentiable[float64] = (*Trainable[float64])(nil)
	_ model.Framed[float32]         = (*Trainable[float32])(nil)
)
