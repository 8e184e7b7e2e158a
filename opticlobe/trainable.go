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
// gradients accumulated per neuron and per edge are reduced to them by
// FinishGrad. The input x ([batch][columns]) drives the photoreceptors,
// each with its column's value, as in Dynamics. A slot records relu(V) of
// its evaluation (and, linearised, the slope), from which VJP takes the
// recurrent weights' gradient in the fused transposed product
// sparse.MulGradRowsTo. The state starts where the caller puts it
// (package train: at 0).
type Trainable[T ode.Float] struct {
	net              *Network
	n, batch, inputs int
	p, g             [numParams][]T
	frozen           [numParams]bool

	rowPtr, col   []int32  // [neurons+1], [edges] W[post, pre] by postsynaptic neuron
	coef          []T      // [edges] sign·n_syn of each entry of W
	pair          []int32  // [edges] pair of each entry of W
	tRowPtr, tCol []int32  // Wᵀ: row pointers, postsynaptic neuron
	coefT         []T      // [edges] coef in Wᵀ order
	pairT         []int32  // [edges] pair in Wᵀ order
	w, wT, gwT    []T      // weights in W and Wᵀ order; their gradient in Wᵀ order
	typ, inCol    []int32  // [neurons] cell type; input column (-1: none)
	inRuns        [][2]int // runs [start, end) of neurons with an input column
	invTau        []T      // [neurons] 1/tau
	x             []T      // [frames][inputs][batch]
	frames, frame int      // frames set; the frame in force
	u             []T      // [neurons][batch] VJP scratch: kbar/tau
	biasN, tauN   []T      // [neurons] gradients per neuron
	act, ks       [][]T    // [slots] relu(V) [neurons][batch]; the slot's slope (the caller's)
	biasN2, bias2 []T      // VJPDual's second adjoint: resting-potential gradients per neuron, per type
	u2            []T      // VJPDual scratch [neurons][2·batch]: both adjoints over tau
	prod          [][]T    // [slots] W relu(V) of the slot's last Forward, for Replay (nil: none)
	rows          team.Ranges
	split         team.Split
	rowsW, rowsWT []int // runs of rows of W and of Wᵀ of about equal edges

	// Wᵀ's edges by pair (in Wᵀ order within a pair) for FinishGrad: pair
	// p's are pairEdge[pairPtr[p]:pairPtr[p+1]], with coefficients
	// pairCoef; rowsPair, runs of pairs of about equal edges.
	pairPtr, pairEdge []int32
	pairCoef          []T
	rowsPair          []int
}

// rowBounds divides the rows of a CSR (row pointers rowPtr) into runs of
// about equal work for the team (sparse.SplitByNNZ, four runs a worker),
// so that a product's parallel loop is balanced where rows differ (the
// optic lobe's W: a quarter of the edges in the first half of its rows).
func rowBounds(rowPtr []int32) []int {
	return sparse.SplitByNNZ(rowPtr, min(len(rowPtr)-1, 4*(team.Helpers()+1)))
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
	m := &Trainable[T]{net: net, n: n, batch: batch, inputs: ColumnCount(net.Extent),
		p: [numParams][]T{vrest, tau, strength}, typ: net.Conn.Type, inCol: make([]int32, n)}
	for i := range m.g {
		m.g[i] = make([]T, len(m.p[i]))
	}
	m.byTarget()
	w := &sparse.CSR{Rows: n, Cols: n, RowPtr: m.rowPtr, ColIdx: m.col}
	var perm []int32
	m.tRowPtr, m.tCol, perm = w.TransposeMap()
	ne := len(m.col)
	m.coefT, m.pairT = make([]T, ne), make([]int32, ne)
	for kt, k := range perm {
		m.coefT[kt], m.pairT[kt] = m.coef[k], m.pair[k]
	}
	m.w, m.wT, m.gwT = make([]T, ne), make([]T, ne), make([]T, ne)
	m.rowsW, m.rowsWT = rowBounds(m.rowPtr), rowBounds(m.tRowPtr)
	m.byPair(len(net.Pairs))
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
	m.x, m.u, m.frames = make([]T, m.inputs*batch), make([]T, n*batch), 1
	if err := m.check(); err != nil {
		return nil, err
	}
	m.Sync()
	return m, nil
}

// byTarget lays the edges out as the rows of W[post, pre] (a counting
// sort by postsynaptic neuron, edge order kept within a row), with each
// entry's sign·n_syn and pair.
func (m *Trainable[T]) byTarget() {
	e := &m.net.Edges
	m.rowPtr = make([]int32, m.n+1)
	for _, t := range e.Target {
		m.rowPtr[t+1]++
	}
	for i := 0; i < m.n; i++ {
		m.rowPtr[i+1] += m.rowPtr[i]
	}
	next := append([]int32(nil), m.rowPtr[:m.n]...)
	m.col, m.pair, m.coef = make([]int32, e.Len()), make([]int32, e.Len()), make([]T, e.Len())
	for k, t := range e.Target {
		q := next[t]
		next[t]++
		m.col[q], m.pair[q] = e.Source[k], e.Pair[k]
		m.coef[q] = T(e.Sign[k]) * T(e.NSyn[k])
	}
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

// Sync derives the weights in W and Wᵀ order and 1/tau per neuron from
// the parameters.
func (m *Trainable[T]) Sync() {
	s := m.p[ParamStrength]
	m.rows.For(len(m.coef), 1<<15, func(k0, k1 int) {
		w, coef, pair := m.w[k0:k1], m.coef[k0:k1], m.pair[k0:k1]
		for k, c := range coef {
			w[k] = c * s[pair[k]]
		}
		wT, coefT, pairT := m.wT[k0:k1], m.coefT[k0:k1], m.pairT[k0:k1] // Wᵀ's order, read in sequence
		for k, c := range coefT {
			wT[k] = c * s[pairT[k]]
		}
	})
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
// and frame as that Forward) reuses it: no sparse product.
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
		m.rows.For(m.n, rowChunk, func(r0, r1 int) {
			for q, v := range y[r0*b : r1*b] {
				act[r0*b+q] = max(v, 0)
			}
		})
	}
	vrest, x := m.p[ParamBias], m.x[m.frame*m.inputs*b:(m.frame+1)*m.inputs*b]
	m.split.For(m.rowsW, func(r0, r1 int) {
		// the product W·relu(V) in wv: replayed from prod, or computed
		// into prod (forward, kept for a replay) or into dydt
		wv := dydt
		switch {
		case replay:
			wv = prod
		case mode == model.Forward:
			wv = prod
			sparse.MulRowsTo(wv, m.rowPtr, m.col, m.w, act, b, r0, r1)
		default:
			sparse.MulRowsTo(wv, m.rowPtr, m.col, m.w, act, b, r0, r1)
		}
		// the relaxation of the neurons without input, then of the
		// photoreceptors, with their columns' input
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
	})
}

// VJP writes into dst the adjoint (∂f/∂V)ᵀ kbar of the evaluation
// recorded in slot, accumulating the gradients per neuron and per edge:
// with u = kbar/tau, ∂L/∂Vrest_i += Σ u_i, ∂L/∂tau_i −= Σ kbar_i f_i/tau_i,
// ∂L/∂w_ij += Σ u_i relu(V_j), and dst_j = relu'(V_j) Σ_i w_ij u_i − u_j.
func (m *Trainable[T]) VJP(slot int, dst, kbar []T) {
	b := m.batch
	act, k := m.act[slot], m.ks[slot]
	m.rows.For(m.n, rowChunk, func(r0, r1 int) {
		for i := r0; i < r1; i++ {
			it := m.invTau[i]
			var sb, st T
			for s := 0; s < b; s++ {
				q := i*b + s
				u := kbar[q] * it
				m.u[q] = u
				sb += u
				st -= kbar[q] * k[q]
			}
			m.biasN[i] += sb
			m.tauN[i] += st * it
		}
	})
	var gw []T
	if !m.frozen[ParamStrength] {
		gw = m.gwT
	}
	m.split.For(m.rowsWT, func(r0, r1 int) {
		sparse.MulGradRowsTo(dst, gw, m.tRowPtr, m.tCol, m.wT, m.u, act, b, r0, r1)
		for q := r0 * b; q < r1*b; q++ {
			if !(act[q] > 0) {
				dst[q] = 0
			}
			dst[q] -= m.u[q]
		}
	})
}

// VJPDual is VJP of kbar into dst, its gradients accumulated as VJP's,
// together with a second adjoint through the same evaluation, kbar2 into
// dst2, of which only the resting potentials' gradient is kept
// (SecondBiasGrad after FinishGrad): the activity penalty's. The two go
// through Wᵀ in one pass of 2·batch lanes; the recurrent weights'
// gradient reads the first batch's lanes alone, with relu(V) as recorded,
// and relu's adjoint is applied as each row is done
// (sparse.MulGradDualReluRowsTo).
func (m *Trainable[T]) VJPDual(slot int, dst, kbar, dst2, kbar2 []T) {
	b, b2 := m.batch, 2*m.batch
	if len(m.u2) != m.n*b2 {
		m.u2 = make([]T, m.n*b2)
		m.biasN2, m.bias2 = make([]T, m.n), make([]T, len(m.p[ParamBias]))
	}
	act, k := m.act[slot], m.ks[slot]
	u2 := m.u2
	m.rows.For(m.n, rowChunk, func(r0, r1 int) {
		dualScale(u2[r0*b2:r1*b2], kbar[r0*b:r1*b], kbar2[r0*b:r1*b], k[r0*b:r1*b], m.invTau[r0:r1],
			m.biasN[r0:r1], m.biasN2[r0:r1], m.tauN[r0:r1], b)
	})
	var gw []T
	if !m.frozen[ParamStrength] {
		gw = m.gwT
	}
	m.split.For(m.rowsWT, func(r0, r1 int) {
		sparse.MulGradDualReluRowsTo(dst, dst2, gw, m.tRowPtr, m.tCol, m.wT, u2, act, b, r0, r1)
	})
}

// SecondBiasGrad returns the resting potentials' gradient of the second
// adjoint of VJPDual, reduced by FinishGrad (nil before any VJPDual).
func (m *Trainable[T]) SecondBiasGrad() []T { return m.bias2 }

// ZeroGrad clears the gradients and the sums VJP and VJPDual accumulate.
func (m *Trainable[T]) ZeroGrad() {
	for _, v := range append(m.g[:], m.biasN, m.tauN, m.biasN2, m.bias2) {
		clear(v)
	}
	m.rows.For(len(m.gwT), 1<<15, func(k0, k1 int) { clear(m.gwT[k0:k1]) }) // an edge each: megabytes
}

// FinishGrad reduces the accumulated gradients to the shared parameters:
// neurons to their types, edges (through sign·n_syn) to their pairs.
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
	if !m.frozen[ParamStrength] { // pairs in parallel, each summed in Wᵀ order
		m.split.For(m.rowsPair, func(p0, p1 int) {
			for p := p0; p < p1; p++ {
				k0, k1 := m.pairPtr[p], m.pairPtr[p+1]
				s, c := gs[p], m.pairCoef[k0:k1]
				for k, kt := range m.pairEdge[k0:k1] {
					s += c[k] * m.gwT[kt]
				}
				gs[p] = s
			}
		})
	}
	for i := range m.g {
		if m.frozen[i] {
			clear(m.g[i])
		}
	}
}

// byPair sorts Wᵀ's edges by pair, stably (pairPtr, pairEdge, pairCoef,
// rowsPair).
func (m *Trainable[T]) byPair(pairs int) {
	m.pairPtr = make([]int32, pairs+1)
	for _, p := range m.pairT {
		m.pairPtr[p+1]++
	}
	for p := range pairs {
		m.pairPtr[p+1] += m.pairPtr[p]
	}
	next := append([]int32(nil), m.pairPtr[:pairs]...)
	m.pairEdge, m.pairCoef = make([]int32, len(m.pairT)), make([]T, len(m.pairT))
	for kt, p := range m.pairT {
		m.pairEdge[next[p]], m.pairCoef[next[p]] = int32(kt), m.coefT[kt]
		next[p]++
	}
	m.rowsPair = rowBounds(m.pairPtr)
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
