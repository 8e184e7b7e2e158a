package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/progress"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/plot"
	"github.com/neuropil/neuropil/sim"
	"github.com/neuropil/neuropil/sparse"
	"gonum.org/v1/plot/vg"
)

func init() { families = append(families, func() family { return &network{} }) }

// network is the family of the connectome ODE RNN of bioplnn (--model
// ode) and its discrete twin (--model rnn): a connectome, an input
// projection and a readout, read from files.
type network struct {
	connectome, inputIndices, inputProjection, input            string
	bias, tauFile, tauType, outputNeurons, outputProjection, h0 string
	outputBias, kernel, weights, nonlinearity                   string
	load                                                        *loadFlags
	steps, maxSteps                                             int
	t0, t1, tau                                                 float64
	batchFirst, shared, dale, index16                           bool

	c        *common
	discrete bool // --model rnn
}

func (f *network) title() string {
	return "ode and rnn: bioplnn's connectome ODE RNN and its discrete twin"
}

func (f *network) models() map[string]string {
	return map[string]string{
		"ode": "bioplnn's ConnectomeODERNN, tau dh/dt = −h + phi(W_ih x + W_hh h + b)",
		"rnn": "its discrete ConnectomeRNN, one step per input frame; output times are 1..frames",
	}
}

func (f *network) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.connectome, "connectome", "", "connectome file (.pt, .npz, .npy, .csv, ...); default: the built-in random connectome of the tutorial's size")
	f.load = addLoadFlags(fs)
	fs.StringVar(&f.inputIndices, "input-indices", "", "int .npy: the neuron each input drives (identity projection); default: uniform random neurons, seeded")
	fs.StringVar(&f.inputProjection, "input-projection", "", "sparse or dense input projection W_ih [neurons][inputs] (any matrix format)")
	fs.StringVar(&f.input, "input", "", "float .npy input [batch][inputs] (constant) or [L][batch][inputs] (L frames over [t0, t1]); default: MNIST digits")
	fs.StringVar(&f.bias, "bias", "", "float .npy bias [neurons]")
	fs.StringVar(&f.tauFile, "tau-file", "", "float .npy time constants [neurons]")
	fs.StringVar(&f.tauType, "tau-type", "", "float .npy time constants per neuron type [types] (the connectome must carry neuron types)")
	fs.StringVar(&f.outputProjection, "output-projection", "", "record W_ho·h instead of h: a matrix [outputs][neurons] in any format")
	fs.StringVar(&f.outputBias, "output-bias", "", "float .npy bias [outputs] added to W_ho·h (with --output-projection)")
	fs.StringVar(&f.outputNeurons, "output-neurons", "", "int .npy: record only these neurons")
	fs.StringVar(&f.h0, "h0", "", "float .npy initial state [batch][neurons]; default zeros")
	fs.IntVar(&f.steps, "steps", 0, "fixed-step solvers: number of steps (default: one per output interval)")
	fs.IntVar(&f.maxSteps, "max-steps", 0, "step budget per sample, every solver (default 100000)")
	fs.StringVar(&f.kernel, "kernel", "auto", "sparse product kernel: auto, tune (time each kernel once on this matrix, keep the fastest) or a name (see neuropil bench)")
	fs.BoolVar(&f.index16, "index16", false, "store columns as 16-bit offsets within row segments (fewer bytes per synapse, same result)")
	fs.StringVar(&f.weights, "weights", "f32", "weight format the product reads: f32, bf16 or f16 (rounded once; fewer bytes, less accurate)")
	fs.Float64Var(&f.t0, "t0", 0, "start time")
	fs.Float64Var(&f.t1, "t1", 1, "end time")
	fs.Float64Var(&f.tau, "tau", 1, "time constant (all neurons)")
	fs.StringVar(&f.nonlinearity, "nonlinearity", "sigmoid", "nonlinearity or comma-separated chain: identity, sigmoid, tanh, relu, softplus, elu, leakyrelu")
	fs.BoolVar(&f.batchFirst, "batch-first", false, "write activity as [batch][evals][neurons] instead of [evals][batch][neurons]")
	fs.BoolVar(&f.shared, "shared-step", false, "dopri5: one step size for the whole batch (default: one per sample, as torchode)")
	fs.BoolVar(&f.dale, "dale", false, "dale variant: weights are magnitudes, signs from the connectome's neuron table")
}

// check validates flag values before any work starts, and fills in the
// defaults of the common flags.
func (f *network) check() error {
	c := f.c
	if !c.set["batch"] {
		c.batch = 8
	}
	if !c.set["evals"] && !f.discrete {
		c.evals = 20 // rnn: one per input frame, known once the input is read
	}
	c.solver = c.solverOr(ode.DefaultMethod)
	if c.batch < 1 {
		return fmt.Errorf("--batch %d: must be at least 1", c.batch)
	}
	if c.set["evals"] && c.evals < 1 {
		return fmt.Errorf("--evals %d: must be at least 1", c.evals)
	}
	if !(f.t1 > f.t0) || math.IsInf(f.t1-f.t0, 0) {
		return fmt.Errorf("--t0 %v, --t1 %v: need finite t0 < t1", f.t0, f.t1)
	}
	if f.steps < 0 || c.dt < 0 || math.IsNaN(c.dt) || math.IsInf(c.dt, 0) {
		return fmt.Errorf("--steps %d, --dt %v: must be positive and finite", f.steps, c.dt)
	}
	// Package ode reads a zero tolerance as its default, so 0 cannot mean
	// zero here: it is refused rather than replaced behind the user's back.
	if !(c.rtol > 0) || !(c.atol > 0) || math.IsInf(c.rtol+c.atol, 0) {
		return fmt.Errorf("--rtol %v, --atol %v: must be positive and finite", c.rtol, c.atol)
	}
	if f.maxSteps < 0 {
		return fmt.Errorf("--max-steps %d: must be positive (0: the default)", f.maxSteps)
	}
	if !(f.tau > 0) || math.IsInf(f.tau, 0) {
		return fmt.Errorf("--tau %v: must be positive", f.tau)
	}
	for _, p := range []struct{ a, b, na, nb string }{{f.input, c.mnistDir, "input", "mnist"},
		{f.inputIndices, f.inputProjection, "input-indices", "input-projection"},
		{f.outputProjection, f.outputNeurons, "output-projection", "output-neurons"}} {
		if p.a != "" && p.b != "" {
			return fmt.Errorf("--%s and --%s both given: choose one", p.na, p.nb)
		}
	}
	if f.outputBias != "" && f.outputProjection == "" {
		return errors.New("--output-bias needs --output-projection")
	}
	return nil
}

// loaded is what a network run reads before it builds the model.
type loaded struct {
	conn           *connectome.Connectome
	connName       string
	x              []float32 // [frames][batch][inputs]
	frames, inputs int
	labels         []uint8
	inputName      string
	rng            *rand.Rand
}

func (f *network) run(name string, c *common, stdout, stderr io.Writer) (err error) {
	f.c, f.discrete = c, name == "rnn"
	if err := f.check(); err != nil {
		return err
	}
	phi, err := model.ParseNonlinearity(f.nonlinearity)
	if err != nil {
		return fmt.Errorf("--nonlinearity: %w", err)
	}
	out, err := openOut(c.out)
	if err != nil {
		return err
	}
	defer out.DiscardOnError(&err)
	start := time.Now()
	in, err := f.loadData()
	if err != nil {
		return err
	}
	m, readout, y0, err := f.build(in, phi)
	if err != nil {
		return err
	}
	defer m.Close()
	loadSeconds := time.Since(start).Seconds()
	// Construction garbage (the connectome builder's and the readers' buffers)
	// is collected now, so the activity and the solver reuse its memory.
	debug.FreeOSMemory() // a GC that also returns the freed pages
	res, err := f.simulate(m, in, readout, y0, stderr)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	// The solver's buffers are garbage now: collect them and return their
	// pages, so that writing and plotting do not raise the peak.
	debug.FreeOSMemory()
	var fig figures
	if !c.noPlots { // the figures' data is small: take it before the activity goes
		fig = figureData(in.conn, res, in.rng)
	}
	lo, hi := res.Range()
	if err := out.WriteResult(res); err != nil {
		return err
	}
	if err := out.WriteLabels(in.labels); err != nil {
		return err
	}
	if !c.noPlots {
		// The activity is written: return its pages before the plotting
		// library loads its fonts, so that drawing does not raise the peak.
		res.Activity, res.States = nil, nil
		debug.FreeOSMemory()
		if err := drawSimulation(out, &fig); err != nil {
			return err
		}
	}
	return f.report(out, in, res, summary{Nonlinearity: phi.String(), LoadSeconds: loadSeconds, ActivityRange: []float32{lo, hi}}, stdout)
}

// loadData reads the input (--input, or a batch of MNIST) and the
// connectome at the same time: the default run spends about as long
// gunzipping MNIST on one core as drawing the connectome on the other.
// loadInput is the only user of the seeded generator until it returns, so
// the draws are the same as in sequence.
func (f *network) loadData() (*loaded, error) {
	in := &loaded{rng: rand.New(rand.NewPCG(f.c.seed, 0x73696d))}
	inputDone := make(chan error, 1)
	go func() { inputDone <- f.loadInput(in) }()
	var err error
	in.conn, in.connName, err = loadConnectome(f.connectome, f.load.options())
	if errIn := <-inputDone; err == nil {
		err = errIn
	}
	if err != nil {
		return nil, err
	}
	n := in.conn.Neurons()
	if n == 0 {
		return nil, fmt.Errorf("%s: the connectome has no neurons", in.connName)
	}
	if f.discrete && !f.c.set["evals"] {
		f.c.evals = in.frames
	}
	if f.discrete && f.c.evals != in.frames {
		return nil, fmt.Errorf("--model rnn: the input has %d frames, so --evals must be %d, not %d", in.frames, in.frames, f.c.evals)
	}
	// The run holds every neuron at every output time, whatever it records.
	return in, checkMemory(f.c.evals, f.c.batch, n, n)
}

// loadInput reads --input, [batch][inputs] or [frames][batch][inputs], or a
// batch of MNIST digits (normalized as the tutorial's).
func (f *network) loadInput(in *loaded) error {
	batch := f.c.batch
	if f.input == "" {
		im, labels, name, err := loadMNISTBatch(f.c.mnistDir, f.c.split, batch, in.rng)
		if err != nil {
			return err
		}
		in.x = make([]float32, len(im.Pix))
		mnist.NormalizeTo(in.x, im.Pix)
		in.frames, in.inputs, in.labels, in.inputName = 1, im.Rows*im.Cols, labels, name
		return nil
	}
	shape, data, err := loadArray(f.input)
	if err != nil {
		return err
	}
	switch {
	case len(shape) == 2:
		in.frames, in.inputs = 1, shape[1]
	case len(shape) == 3 && shape[0] == 0:
		return fmt.Errorf("--input %s: shape %v holds no frames", f.input, shape)
	case len(shape) == 3:
		in.frames, in.inputs = shape[0], shape[2]
	default:
		return fmt.Errorf("--input %s: shape %v, want [batch][inputs] or [L][batch][inputs]", f.input, shape)
	}
	if b := shape[len(shape)-2]; b != batch {
		return fmt.Errorf("--input %s: batch of %d samples, but --batch is %d", f.input, b, batch)
	}
	if err := sparse.CheckFinite(data); err != nil {
		return fmt.Errorf("--input %s: %w", f.input, err)
	}
	in.x, in.inputName = data, f.input
	return nil
}

// build makes the model from the loaded connectome and input and the
// parameter files, and the readout and initial state of the run.
func (f *network) build(in *loaded, phi model.Nonlinearity) (m model.Model, r sim.Readout, y0 []float32, err error) {
	conn, n := in.conn, in.conn.Neurons()
	cfg := model.Config{W: conn.W, Nonlinearity: phi, Tau: float32(f.tau), Dale: f.dale, Sign: conn.Sign,
		Product: sparse.ProductOptions{Workers: f.c.workers, Kernel: f.kernel, Index16: f.index16, Weights: f.weights}}
	if cfg.Input, err = f.inputWeights(in); err != nil {
		return nil, r, nil, err
	}
	if f.dale && conn.Sign == nil {
		return nil, r, nil, fmt.Errorf("--dale: the connectome %s has no neuron signs", in.connName)
	}
	if f.bias != "" {
		if cfg.Bias, err = loadFloats(f.bias, n); err != nil {
			return nil, r, nil, fmt.Errorf("--bias %w", err)
		}
	}
	if f.tauFile != "" {
		if cfg.TauNeuron, err = loadFloats(f.tauFile, n); err != nil {
			return nil, r, nil, fmt.Errorf("--tau-file %w", err)
		}
	}
	if f.tauType != "" {
		if conn.Type == nil {
			return nil, r, nil, fmt.Errorf("--tau-type: the connectome %s has no neuron types", in.connName)
		}
		if cfg.TauType, err = loadFloats(f.tauType, len(conn.TypeNames)); err != nil {
			return nil, r, nil, fmt.Errorf("--tau-type %w", err)
		}
		cfg.NeuronType = conn.Type
	}
	if r, err = f.readout(n); err != nil {
		return nil, r, nil, err
	}
	if y0, err = f.initialState(n); err != nil {
		return nil, r, nil, err
	}
	if f.discrete {
		m, err = model.NewRNN(cfg, f.c.batch)
	} else {
		m, err = model.New(cfg, f.c.batch)
	}
	return m, r, y0, err
}

// inputWeights returns the input projection W_ih [neurons][inputs]: from
// --input-projection, from --input-indices, or the tutorial's
// torch.randint(high=num_neurons, size=(input_size,)) from the seeded
// generator.
func (f *network) inputWeights(in *loaded) (*sparse.CSR, error) {
	n := in.conn.Neurons()
	if f.inputProjection != "" {
		win, err := loadMatrix(f.inputProjection, format.Options{})
		if err != nil {
			return nil, err
		}
		if win.Rows != n {
			return nil, fmt.Errorf("--input-projection %s: %d rows, want one per neuron (%d)", f.inputProjection, win.Rows, n)
		}
		if win.Cols != in.inputs {
			return nil, fmt.Errorf("--input-projection %s: %d columns, but the input has %d values per sample", f.inputProjection, win.Cols, in.inputs)
		}
		return win, nil
	}
	idx := make([]int, in.inputs)
	if f.inputIndices == "" {
		for k := range idx {
			idx[k] = in.rng.IntN(n)
		}
		return sparse.Identity(n, idx), nil
	}
	idx, err := loadIndices("--input-indices", f.inputIndices, n)
	if err != nil {
		return nil, err
	}
	if len(idx) != in.inputs {
		return nil, fmt.Errorf("--input-indices %s: %d indices, but the input has %d values per sample", f.inputIndices, len(idx), in.inputs)
	}
	return sparse.Identity(n, idx), nil
}

// loadIndices reads an int .npy of neuron indices, each in [0, n).
func loadIndices(flagName, path string, n int) ([]int, error) {
	idx, err := loadInts(path)
	if err != nil {
		return nil, err
	}
	for k, i := range idx {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%s %s: index %d is %d, outside [0, %d)", flagName, path, k, i, n)
		}
	}
	return idx, nil
}

// readout returns what the run records: --output-projection (with
// --output-bias), --output-neurons, or every neuron; batch-first or not.
func (f *network) readout(n int) (r sim.Readout, err error) {
	r.BatchFirst = f.batchFirst
	if f.outputProjection != "" {
		if r.Projection, err = loadMatrix(f.outputProjection, format.Options{}); err != nil {
			return r, err
		}
		if r.Projection.Cols != n {
			return r, fmt.Errorf("--output-projection %s: %d columns, want one per neuron (%d)", f.outputProjection, r.Projection.Cols, n)
		}
	}
	if f.outputBias != "" {
		if r.Bias, err = loadFloats(f.outputBias, r.Projection.Rows); err != nil {
			return r, fmt.Errorf("--output-bias: %w", err)
		}
	}
	if f.outputNeurons != "" {
		r.Neurons, err = loadIndices("--output-neurons", f.outputNeurons, n)
	}
	return r, err
}

// initialState returns --h0, [batch][neurons] in the file, as the state
// [neurons][batch]; nil (zeros) without it.
func (f *network) initialState(n int) ([]float32, error) {
	if f.h0 == "" {
		return nil, nil
	}
	batch := f.c.batch
	v, err := loadFloats(f.h0, batch, n)
	if err != nil {
		return nil, fmt.Errorf("--h0 %w", err)
	}
	h0 := make([]float32, n*batch)
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			h0[i*batch+b] = v[b*n+i]
		}
	}
	return h0, nil
}

// solver returns the ode settings of the flags.
func (f *network) solver() ode.Settings {
	c := f.c
	return ode.Settings{Method: c.solver, Steps: f.steps, Dt: c.dt, Atol: c.atol, Rtol: c.rtol, MaxSteps: f.maxSteps, Shared: f.shared}
}

// simulate runs the model with a progress bar on a terminal. A discrete
// run counts time in frames.
func (f *network) simulate(m model.Model, in *loaded, r sim.Readout, y0 []float32, stderr io.Writer) (*sim.Result, error) {
	s := sim.Settings{Solver: f.solver(), Times: ode.Linspace(f.t0, f.t1, f.c.evals), Y0: y0}
	t0, t1 := f.t0, f.t1
	if f.discrete {
		s.Times, t0, t1 = nil, 0, float64(in.frames)
	}
	bar := progress.New(stderr, "simulate", t1-t0)
	if bar != nil {
		s.Progress = func(t float64, evals int) { bar.Set(t-t0, fmt.Sprintf("t = %.3g, %d evaluations", t, evals)) }
	}
	res, err := sim.Run(m, sim.Input{X: in.x, Frames: in.frames, T0: f.t0, T1: f.t1}, r, s)
	bar.Done()
	return res, err
}

// summary is written to DIR/summary.json, last: its presence marks a
// complete run.
type summary struct {
	Neurons       int       `json:"neurons"`
	Synapses      int       `json:"synapses"`
	Inputs        int       `json:"inputs"`
	Batch         int       `json:"batch"`
	Evals         int       `json:"evals"`
	Frames        int       `json:"frames"`
	T0            float64   `json:"t0"`
	T1            float64   `json:"t1"`
	Solver        string    `json:"solver"`
	Rtol          float64   `json:"rtol,omitempty"`
	Atol          float64   `json:"atol,omitempty"`
	SharedStep    bool      `json:"shared_step"`
	Nonlinearity  string    `json:"nonlinearity"`
	RHSEvals      int       `json:"rhs_evals"`
	Accepted      int       `json:"accepted_steps"`
	Rejected      int       `json:"rejected_steps"`
	AcceptedBy    []int     `json:"accepted_steps_per_sample"`
	RejectedBy    []int     `json:"rejected_steps_per_sample"`
	LoadSeconds   float64   `json:"load_seconds"`
	SolveSeconds  float64   `json:"solve_seconds"`
	PeakRSS       int64     `json:"peak_rss_bytes"`
	Layout        string    `json:"activity_layout"`
	Connectome    string    `json:"connectome"`
	Input         string    `json:"input"`
	Labels        []int     `json:"labels,omitempty"` // a list of digits, not []uint8 (which JSON writes as base64)
	Seed          uint64    `json:"seed"`
	Threads       int       `json:"threads"`
	ActivityRange []float32 `json:"activity_range"`
}

// report writes summary.json, s completed, and the line on stdout.
func (f *network) report(out *sim.Dir, in *loaded, res *sim.Result, s summary, stdout io.Writer) error {
	c, st := f.c, res.Stats
	s.Neurons, s.Synapses, s.Inputs, s.Batch, s.Evals, s.Frames = in.conn.Neurons(), in.conn.Synapses(), in.inputs, c.batch, c.evals, in.frames
	s.T0, s.T1, s.Solver, s.SharedStep = f.t0, f.t1, strings.ToLower(c.solver), f.shared
	s.RHSEvals, s.Accepted, s.Rejected, s.AcceptedBy, s.RejectedBy = st.RHSEvals, st.TotalAccepted(), st.TotalRejected(), st.Accepted, st.Rejected
	s.SolveSeconds, s.PeakRSS, s.Layout = res.Seconds, peakRSS(), "[evals][batch][neurons]"
	s.Connectome, s.Input, s.Labels, s.Seed, s.Threads = in.connName, in.inputName, intLabels(in.labels), c.seed, runtime.GOMAXPROCS(0)
	if f.batchFirst {
		s.Layout = "[batch][evals][neurons]"
	}
	if f.discrete {
		s.T0, s.T1, s.Solver = 0, float64(in.frames), "rnn" // time counts frames: h_k is the state after frame k
	} else if sim.Adaptive(f.solver()) {
		s.Rtol, s.Atol = c.rtol, c.atol
	}
	if err := out.WriteSummary(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated %d neurons, %d synapses, batch %d, %d output times over [%g, %g] with %s: %d evaluations, %d accepted and %d rejected steps in %.3f s\nwrote %s\n",
		s.Neurons, s.Synapses, c.batch, c.evals, s.T0, s.T1, s.Solver, st.RHSEvals, s.Accepted, s.Rejected, res.Seconds, c.out)
	return nil
}

// figures holds what the plots of a simulation show.
type figures struct {
	block  []float32 // |W| of the first extent×extent block, rows presynaptic
	extent int
	traces []plot.Series
}

// figureData takes |W| of the first 100×100 block (transposed so that rows
// are presynaptic, as in the tutorial) and 25 random neurons of the first
// sample against time.
func figureData(conn *connectome.Connectome, res *sim.Result, rng *rand.Rand) figures {
	n := conn.Neurons()
	e := min(100, n)
	blk := conn.W.Block(e, e) // [post][pre]
	fig := figures{block: make([]float32, e*e), extent: e}
	for i := 0; i < e; i++ {
		for j := 0; j < e; j++ {
			fig.block[j*e+i] = float32(math.Abs(float64(blk[i*e+j])))
		}
	}
	for k := 0; k < min(25, n); k++ {
		i := rng.IntN(n)
		s := plot.Series{X: res.Times, Y: make([]float64, len(res.Times))}
		for t := range res.Times {
			s.Y[t] = float64(res.States[(t*res.Batch+0)*n+i])
		}
		fig.traces = append(fig.traces, s)
	}
	return fig
}

// drawSimulation draws connectome.png and traces.png.
func drawSimulation(out *sim.Dir, fig *figures) error {
	// The two figures are drawn at the same time, one per core: each takes
	// about 25 ms, mostly rendering and PNG compression.
	heat, lines := out.Path("connectome.png"), out.Path("traces.png")
	done := make(chan error, 1)
	go func() {
		done <- plot.Heatmap(heat, fig.block, fig.extent, fig.extent, "Postsynaptic", "Presynaptic", 6*vg.Inch)
	}()
	errLines := plot.Lines(lines, "", "Time (in a.u.)", "Activity", fig.traces, 6*vg.Inch, 6*vg.Inch)
	errHeat := <-done
	if errHeat == nil {
		out.Wrote(heat)
	}
	if errLines == nil {
		out.Wrote(lines)
	}
	return errors.Join(errHeat, errLines)
}
