package opticlobe

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/train"
)

// smallLobe returns the network of the real spec on a lattice of extent 2
// and its default parameters.
func smallLobe(t testing.TB) (*Network, Params) {
	t.Helper()
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, 2)
	if err != nil {
		t.Fatal(err)
	}
	return net, net.DefaultParams(DefaultSeed)
}

func to64(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

// The trainable model's right-hand side is Dynamics' with a constant
// input.
func TestTrainableMatchesDynamics(t *testing.T) {
	net, p := smallLobe(t)
	const batch = 3
	d, err := NewDynamics(net, p, batch, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m, err := NewTrainable(net, p.Vrest, p.Tau, p.Strength, batch)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	nc := ColumnCount(net.Extent)
	x := make([]float32, batch*nc)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	if err := d.SetInput(x, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	m.SetInput(x)
	n := net.Neurons()
	v := make([]float32, n*batch)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	want, got := make([]float32, len(v)), make([]float32, len(v))
	ts := make([]float64, batch)
	d.RHS(want, v, ts)
	m.Eval(0, got, v, ts, model.Forward)
	for q := range want {
		if math.Abs(float64(got[q]-want[q])) > 1e-4*(1+math.Abs(float64(want[q]))) {
			t.Fatalf("entry %d: %v trainable, %v Dynamics", q, got[q], want[q])
		}
	}
}

// Finite-difference tolerances in float64 (as package train's checks):
// central differences with step fdEps have truncation error ~eps²·f”' and
// rounding error ~1e-16/eps.
const (
	fdEps = 1e-6
	fdAbs = 1e-7
	fdRel = 1e-5
)

// Every parameter's gradient, through four euler steps and train's
// classifier head (the generic path any Differentiable model takes),
// agrees with central finite differences in float64.
func TestTrainableGradientFiniteDifferences(t *testing.T) {
	s := train.Solve{Method: "euler", Steps: 4, T1: 0.1, LossAll: true}
	checkLobeGradients(t, s, 1)
}

// With a movie of four frames (one per euler step), the gradients through
// the steps are exact too.
func TestTrainableFramesGradientFiniteDifferences(t *testing.T) {
	s := train.Solve{Method: "euler", Steps: 4, T1: 0.1, LossAll: true, Frames: 4}
	checkLobeGradients(t, s, 4)
}

// checkLobeGradients compares every parameter's gradient through the
// solve s of a random input of the given frames with central finite
// differences in float64.
func checkLobeGradients(t *testing.T, s train.Solve, frames int) {
	net, p := smallLobe(t)
	const batch = 2
	m, err := NewTrainable(net, to64(p.Vrest), to64(p.Tau), to64(p.Strength), batch)
	if err != nil {
		t.Fatal(err)
	}
	head, err := train.NewHead(net.Neurons(), train.HeadConfig{Hidden: 4, Classes: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range head.FC1 {
		head.FC1[i] *= 20 // the states are small: make the loss feel them
	}
	r := train.NewRunnerOf[float64](m, head)
	defer r.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, frames*batch*m.Inputs())
	for i := range x {
		x[i] = rng.Float64()
	}
	labels := []int{0, 2}
	if _, err := r.Forward(x, labels, nil, s); err != nil {
		t.Fatal(err)
	}
	r.Backward()
	checked, nonzero := 0, 0
	for _, q := range r.Params()[:numParams] {
		g := append([]float64(nil), q.Grad...)
		for k, v := range q.Value {
			q.Value[k] = v + fdEps
			lp, err1 := r.Forward(x, labels, nil, s)
			q.Value[k] = v - fdEps
			lm, err2 := r.Forward(x, labels, nil, s)
			q.Value[k] = v
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			fd := (lp.Loss - lm.Loss) / (2 * fdEps)
			if math.Abs(fd-g[k]) > fdAbs+fdRel*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %.10g, finite difference %.10g", q.Name, k, g[k], fd)
			}
			checked++
			if math.Abs(g[k]) > 1e-6 {
				nonzero++
			}
		}
	}
	// Pairs without edges, and those whose sources stay at rest through
	// the few steps, have no gradient; the others must.
	if checked != 2*len(net.Spec.Types)+len(net.Pairs) || nonzero < checked/3 {
		t.Fatalf("%d entries checked, %d with a gradient", checked, nonzero)
	}
	t.Logf("%d entries checked, %d with a gradient above 1e-6", checked, nonzero)
}

// Each euler step of a movie sees its own frame: the state after the
// framed solve equals a step-by-step integration with SetInput of each
// frame, and differs from holding the first frame.
func TestTrainableFramesPerStep(t *testing.T) {
	net, p := smallLobe(t)
	const batch, frames = 2, 3
	m, err := NewTrainable(net, to64(p.Vrest), to64(p.Tau), to64(p.Strength), batch)
	if err != nil {
		t.Fatal(err)
	}
	nc, n := m.Inputs(), m.Dim()
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, frames*batch*nc)
	for i := range x {
		x[i] = rng.Float64()
	}
	const h = 0.01
	step := func(y []float64, k int, framed bool) {
		if framed {
			m.SetFrame(k)
		} else {
			m.SetInput(x[k*batch*nc : (k+1)*batch*nc])
		}
		d := make([]float64, len(y))
		m.Eval(0, d, y, make([]float64, batch), model.Forward)
		for q := range y {
			y[q] += h * d[q]
		}
	}
	a, b, c := make([]float64, n*batch), make([]float64, n*batch), make([]float64, n*batch)
	m.SetFrames(x, frames)
	for k := range frames {
		step(a, k, true)
	}
	for k := range frames {
		step(b, k, false)
	}
	for range frames {
		step(c, 0, false)
	}
	same := true
	for q := range a {
		if a[q] != b[q] {
			t.Fatalf("state %d: %v framed, %v frame by frame", q, a[q], b[q])
		}
		same = same && a[q] == c[q]
	}
	if same {
		t.Fatal("the frames after the first changed nothing")
	}
}

// train.Fit trains the optic lobe through the same code as the connectome
// RNN: with the head frozen, only the flyvis parameters learn, and the
// loss of a toy task (is the stimulus dark or bright?) goes down.
func TestTrainableFit(t *testing.T) {
	net, p := smallLobe(t)
	before := p.Strength[0]
	nc := ColumnCount(net.Extent)
	data := func(n int, seed uint64) *train.Dataset {
		rng := rand.New(rand.NewPCG(seed, 1))
		d := &train.Dataset{X: make([]float32, n*nc), Labels: make([]int, n), Inputs: nc}
		for i := range d.Labels {
			d.Labels[i] = i % 2
			for c := 0; c < nc; c++ {
				d.X[i*nc+c] = float32(0.3*float64(i%2) + 0.1*rng.Float64())
			}
		}
		return d
	}
	head, err := train.NewHead(net.Neurons(), train.HeadConfig{Hidden: 8, Classes: 2, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := &train.Composed{
		Recurrent: func(batch, _ int) (model.Differentiable[float32], error) {
			return NewTrainable(net, p.Vrest, p.Tau, p.Strength, batch)
		},
		Head: head,
		Constrain: func() {
			for k, v := range p.Tau {
				p.Tau[k] = max(v, 0.005)
			}
		},
	}
	r := train.NewRunner(c, 4, 1)
	var params [][]float32
	for _, q := range r.Params() {
		params = append(params, q.Value)
	}
	r.Close()
	opt, err := train.NewOptimizer(train.OptimConfig{Method: "adam", LR: 3e-3}, params)
	if err != nil {
		t.Fatal(err)
	}
	var st train.State
	rc := train.RunConfig{Epochs: 3, Batch: 4, Seed: 1, Solve: train.Solve{Steps: 4, T1: 0.1, LossAll: true},
		Frozen: []string{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}}
	if err := train.Fit(c, opt, &st, data(16, 1), nil, rc); err != nil {
		t.Fatal(err)
	}
	h := st.History
	if !(h[2].TrainLoss < h[1].TrainLoss && h[1].TrainLoss < h[0].TrainLoss) {
		t.Errorf("training loss does not go down: %+v", h)
	}
	if p.Strength[0] == before {
		t.Error("edges_syn_strength did not change")
	}
	t.Logf("train loss by epoch: %.5f %.5f %.5f", h[0].TrainLoss, h[1].TrainLoss, h[2].TrainLoss)
}

// With StoreZ the backward pass replays each step's stored product
// instead of recomputing it: the loss and every gradient are the same,
// bit for bit, and a second backward pass (as the activity penalty's)
// replays the same records.
func TestTrainableReplay(t *testing.T) {
	net, p := smallLobe(t)
	const batch, frames = 2, 4
	var grads [2][][]float32
	var losses [2]float64
	for k, store := range []bool{false, true} {
		m, err := NewTrainable(net, p.Vrest, p.Tau, p.Strength, batch)
		if err != nil {
			t.Fatal(err)
		}
		head, err := train.NewHead(net.Neurons(), train.HeadConfig{Hidden: 4, Classes: 3, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		r := train.NewRunnerOf[float32](m, head)
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float32, frames*batch*m.Inputs())
		for i := range x {
			x[i] = rng.Float32()
		}
		s := train.Solve{Method: "euler", Steps: frames, T1: 0.1, LossAll: true, Frames: frames, StoreZ: store}
		res, err := r.Forward(x, []int{0, 2}, nil, s)
		if err != nil {
			t.Fatal(err)
		}
		losses[k] = res.Loss
		for range 2 {
			r.Backward()
			var g [][]float32
			for _, q := range r.Params()[:numParams] {
				g = append(g, append([]float32(nil), q.Grad...))
			}
			if grads[k] != nil && !reflect.DeepEqual(g, grads[k]) {
				t.Errorf("StoreZ %v: a second backward pass differs from the first", store)
			}
			grads[k] = g
		}
		r.Close()
	}
	if losses[0] != losses[1] || !reflect.DeepEqual(grads[0], grads[1]) {
		t.Errorf("StoreZ changes the loss (%v, %v) or the gradients", losses[0], losses[1])
	}
}

// VJPDual takes two adjoints through one evaluation: the first as VJP
// takes it (dst and every gradient), the second, whose slope's adjoint is
// coef2 ⊙ ybar2, as VJP of that with time constants and strengths frozen
// (its dst added into ybar2, and the resting potentials' gradient), in
// float64 to rounding.
func TestTrainableVJPDual(t *testing.T) {
	net, p := smallLobe(t)
	const batch = 3
	m, err := NewTrainable(net, to64(p.Vrest), to64(p.Tau), to64(p.Strength), batch)
	if err != nil {
		t.Fatal(err)
	}
	n := net.Neurons()
	rng := rand.New(rand.NewPCG(5, 6))
	random := func(scale, shift float64) []float64 {
		v := make([]float64, n*batch)
		for i := range v {
			v[i] = scale*rng.Float64() + shift
		}
		return v
	}
	y, kbar, ybar2 := random(1, -0.3), random(1, -0.5), random(1, -0.5) // some voltages below 0
	coef2 := []float64{0.02, -0.3, 1.5}
	kbar2 := make([]float64, n*batch)
	for q, v := range ybar2 {
		kbar2[q] = coef2[q%batch] * v
	}
	x := make([]float64, m.Inputs()*batch)
	m.SetInput(x)
	dydt := make([]float64, n*batch)
	m.Eval(0, dydt, y, nil, model.Linearize)
	grads := func() [][]float64 {
		m.FinishGrad()
		var g [][]float64
		for _, q := range m.Params() {
			g = append(g, append([]float64(nil), q.Grad...))
		}
		return g
	}
	dst, dst2 := make([]float64, n*batch), make([]float64, n*batch)
	m.ZeroGrad()
	m.VJP(0, dst, kbar)
	want := grads()
	m.ZeroGrad()
	m.SetFrozen([]bool{ParamTimeConst: true, ParamStrength: true})
	m.VJP(0, dst2, kbar2)
	want2 := grads()[ParamBias]
	m.SetFrozen(nil)
	gotDst, gotYbar2 := make([]float64, n*batch), append([]float64(nil), ybar2...)
	m.ZeroGrad()
	m.VJPDual(0, gotDst, kbar, gotYbar2, coef2)
	for q := range dst2 {
		dst2[q] += ybar2[q]
	}
	got := grads()
	close := func(what string, a, b []float64) {
		t.Helper()
		var d, s float64
		for k := range a {
			d, s = max(d, math.Abs(a[k]-b[k])), max(s, math.Abs(b[k]))
		}
		if !(d <= 1e-12*s) || s == 0 {
			t.Errorf("%s: difference %.3g, largest value %.3g", what, d, s)
		}
	}
	close("dst", gotDst, dst)
	close("ybar2", gotYbar2, dst2)
	for i := range want {
		close(m.Params()[i].Name, got[i], want[i])
	}
	close("second nodes_bias", m.SecondBiasGrad(), want2)
}
