package opticlobe

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// Defaults of the flyvis dynamics (flyvis PPNeuronIGRSynapses).
const (
	DefaultTau       = 0.05 // s: flyvis time constant, shared by every cell type
	DefaultVrestMean = 0.5  // flyvis resting potential: Normal(0.5, 0.05) per type
	DefaultVrestStd  = 0.05
	DefaultSeed      = 0 // seed of the resting potentials drawn by DefaultParams
)

// Params are the parameters of the flyvis dynamics, stored once per cell
// type and per type pair (flyvis's parameter sharing) and expanded to
// neurons and edges by NewDynamics.
type Params struct {
	Tau      []float32 // [types] membrane time constant, s; 0.05 s (flyvis default)
	Vrest    []float32 // [types] resting potential, arbitrary units; flyvis init Normal(0.5, 0.05)
	Strength []float32 // [pairs] synaptic strength; init 0.01 / mean(n_syn over the pair's edges)

	// Coef, when not nil, is sign·n_syn of every edge (Network.Edges
	// order) in place of the network's: a flyvis checkpoint's
	// edges_sign · exp(edges_syn_count) (see Flyvis).
	Coef []float32 // [edges]
}

// DefaultParams returns the flyvis initial parameters: Tau 0.05 s for every
// type, Vrest drawn per type from Normal(0.5, 0.05) with the given seed
// (PCG), and the network's initial pair strengths.
func (net *Network) DefaultParams(seed uint64) Params {
	nt := len(net.Spec.Types)
	p := Params{Tau: make([]float32, nt), Vrest: make([]float32, nt), Strength: make([]float32, len(net.Pairs))}
	r := rand.New(rand.NewPCG(seed, 0x6f70746963))
	for k := range p.Tau {
		p.Tau[k] = DefaultTau
		p.Vrest[k] = float32(DefaultVrestMean + DefaultVrestStd*r.NormFloat64())
	}
	for i, pr := range net.Pairs {
		p.Strength[i] = pr.Strength
	}
	return p
}

// Validate checks that p has one value per type and per pair of net, time
// constants positive and every value finite.
func (p Params) Validate(net *Network) error {
	nt, np := len(net.Spec.Types), len(net.Pairs)
	if len(p.Tau) != nt || len(p.Vrest) != nt || len(p.Strength) != np {
		return fmt.Errorf("opticlobe: params have %d tau, %d vrest, %d strengths; want %d, %d, %d",
			len(p.Tau), len(p.Vrest), len(p.Strength), nt, nt, np)
	}
	for k, t := range p.Tau {
		if !(t > 0) || math.IsInf(float64(t), 0) {
			return fmt.Errorf("opticlobe: time constant of type %s is %v, want a positive finite number", net.Spec.Types[k].Name, t)
		}
	}
	if err := sparse.CheckFinite(p.Vrest); err != nil {
		return fmt.Errorf("opticlobe: resting potentials: %w", err)
	}
	if err := sparse.CheckFinite(p.Strength); err != nil {
		return fmt.Errorf("opticlobe: strengths: %w", err)
	}
	if p.Coef != nil {
		if len(p.Coef) != net.Edges.Len() {
			return fmt.Errorf("opticlobe: params have %d edge coefficients, want %d", len(p.Coef), net.Edges.Len())
		}
		if err := sparse.CheckFinite(p.Coef); err != nil {
			return fmt.Errorf("opticlobe: edge coefficients: %w", err)
		}
	}
	return nil
}

// Dynamics is the flyvis voltage model of a Network prepared for a batch
// size: per neuron i of type T,
//
//	tau_T dV_i/dt = −V_i + Vrest_T + Σ_e w_e relu(V_src(e)) + x_i(t)
//
// with w_e = sign·n_syn·strength of the edge's pair, and x the input to
// the photoreceptors (the spec's input units, R1–R8): each of them receives
// the value of its column. All per-neuron and per-edge values are expanded
// once by NewDynamics. It must be closed after use.
type Dynamics struct {
	Net   *Network
	batch int

	w      *sparse.CSR // [neurons][neurons] expanded weights
	invTau []float32   // [neurons]
	vrest  []float32   // [neurons]
	inCol  []int32     // [neurons] column whose input the neuron receives, -1: none
	prod   *sparse.Product
	act    []float32 // [neurons][batch] relu(V)

	// input: [frames][batch][columns], piecewise constant over [t0, t1]
	frames    int
	t0, t1    float64
	x         []float32
	bins      []int // [batch] current frame of each sample
	bySegment bool

	postFn func(r0, r1 int)
	next   func(r0, r1 int) // the caller's post, per call
	dv, v  []float32        // per call
}

// NewDynamics expands p over net for the given batch size, with workers
// goroutines for the sparse product (0: GOMAXPROCS). It returns an error
// for parameters that do not fit net, and panics if batch < 1.
func NewDynamics(net *Network, p Params, batch, workers int) (*Dynamics, error) {
	if batch < 1 {
		panic(fmt.Sprintf("opticlobe: batch %d < 1", batch))
	}
	if err := p.Validate(net); err != nil {
		return nil, err
	}
	n := net.Neurons()
	d := &Dynamics{Net: net, batch: batch, w: net.weights(p.Coef, p.Strength),
		invTau: make([]float32, n), vrest: make([]float32, n), inCol: make([]int32, n),
		act: make([]float32, n*batch), bins: make([]int, batch)}
	for i, t := range net.Conn.Type {
		d.invTau[i] = 1 / p.Tau[t]
		d.vrest[i] = p.Vrest[t]
		d.inCol[i] = -1
	}
	for _, name := range net.Spec.InputUnits {
		s, e, _ := net.TypeNeurons(name)
		for i := s; i < e; i++ {
			d.inCol[i] = int32(ColumnIndex(net.Extent, int(net.U[i]), int(net.V[i])))
		}
	}
	d.prod = sparse.NewProduct(d.w, batch, workers)
	d.postFn = d.post
	return d, nil
}

// Close releases the workers of the sparse product.
func (d *Dynamics) Close() { d.prod.Close() }

// Neurons returns the number of state variables per sample.
func (d *Dynamics) Neurons() int { return len(d.vrest) }

// Weights returns the expanded weight matrix W[post, pre].
func (d *Dynamics) Weights() *sparse.CSR { return d.w }

// Rest returns the state [neurons][batch] with every neuron at its
// resting potential, the flyvis initial state.
func (d *Dynamics) Rest() []float32 {
	b := d.batch
	y := make([]float32, len(d.vrest)*b)
	for i, v := range d.vrest {
		for s := 0; s < b; s++ {
			y[i*b+s] = v
		}
	}
	return y
}

// SetInput sets the input over [t0, t1]: x is [frames][batch][columns]
// (columns = ColumnCount(Net.Extent), the order of Columns), held piecewise
// constant: at time t the frame is floor((t − t0)/(t1 − t0)·frames), t1
// uses the last. One frame is a constant input; no input (frames 0, x nil)
// removes it. x is kept, not copied, until the next SetInput. It returns an
// error for a length that disagrees with the shape, non-finite values or
// an empty interval.
func (d *Dynamics) SetInput(x []float32, frames int, t0, t1 float64) error {
	if frames == 0 && len(x) == 0 {
		d.frames, d.x = 0, nil
		return nil
	}
	nc := ColumnCount(d.Net.Extent)
	if frames < 1 || len(x) != frames*d.batch*nc {
		return fmt.Errorf("opticlobe: input has %d values, want frames×batch×columns = %d×%d×%d", len(x), frames, d.batch, nc)
	}
	if err := sparse.CheckFinite(x); err != nil {
		return fmt.Errorf("opticlobe: input: %w", err)
	}
	if !(t1 > t0) {
		return fmt.Errorf("opticlobe: empty time interval [%v, %v]", t0, t1)
	}
	d.frames, d.t0, d.t1, d.x = frames, t0, t1, x
	d.bySegment = false
	clear(d.bins)
	return nil
}

// Breaks returns the times inside (t0, t1) where the input changes frame,
// for ode.Problem.Breaks.
func (d *Dynamics) Breaks() []float64 {
	return ode.FrameBreaks(d.t0, d.t1, d.frames)
}

// SetSegment is the ode.Problem.Segment of the model: sample b is about to
// integrate over frame k. From the first call on, frames are chosen by
// segment rather than from t.
func (d *Dynamics) SetSegment(b, k int) {
	d.bySegment = true
	d.bins[b] = max(0, min(k, d.frames-1))
}

// frame returns the input frame at time t.
func (d *Dynamics) frame(t float64) int {
	return ode.FrameAt(t, d.t0, d.t1, d.frames)
}

// RHS is the ode.Func of the model: dvdt = (−V + Vrest + W relu(V) + x(t))/tau
// for v and dvdt [neurons][batch] and t [batch]. It allocates nothing.
func (d *Dynamics) RHS(dvdt, v []float32, t []float64) {
	if len(v) != len(d.act) || len(dvdt) != len(d.act) || len(t) != d.batch {
		panic(fmt.Sprintf("opticlobe: RHS of %d and %d values at %d times, want %d and %d", len(dvdt), len(v), len(t), len(d.act), d.batch))
	}
	if d.frames > 0 && !d.bySegment {
		for s, ts := range t {
			d.bins[s] = d.frame(ts)
		}
	}
	for k, x := range v {
		d.act[k] = max(x, 0)
	}
	d.dv, d.v = dvdt, v
	d.prod.MulThen(dvdt, d.act, d.postFn)
	d.dv, d.v = nil, nil
}

// post finishes rows [r0, r1): the product wrote W relu(V) there.
func (d *Dynamics) post(r0, r1 int) {
	b := d.batch
	nc := 0
	if d.frames > 0 {
		nc = ColumnCount(d.Net.Extent)
	}
	for i := r0; i < r1; i++ {
		row := d.dv[i*b : (i+1)*b]
		vi := d.v[i*b : (i+1)*b]
		rest, it := d.vrest[i], d.invTau[i]
		if c := d.inCol[i]; c >= 0 && d.frames > 0 {
			for s := range row {
				x := d.x[(d.bins[s]*b+s)*nc+int(c)]
				row[s] = (row[s] - vi[s] + rest + x) * it
			}
			continue
		}
		for s := range row {
			row[s] = (row[s] - vi[s] + rest) * it
		}
	}
	if d.next != nil {
		d.next(r0, r1)
	}
}

// Dim returns the number of neurons, the state of one sample.
func (d *Dynamics) Dim() int { return len(d.vrest) }

// Batch returns the batch size the dynamics were prepared for.
func (d *Dynamics) Batch() int { return d.batch }

// Inputs returns the input values per sample and frame: one per column.
func (d *Dynamics) Inputs() int { return ColumnCount(d.Net.Extent) }

// Derivative is RHS with a post hook on finished blocks of rows (model.ODE).
func (d *Dynamics) Derivative(dvdt, v []float32, t []float64, post func(r0, r1 int)) {
	d.next = post
	d.RHS(dvdt, v, t)
	d.next = nil
}

// Interfaces the dynamics implement.
var (
	_ model.ODE    = (*Dynamics)(nil)
	_ model.Driven = (*Dynamics)(nil)
)
