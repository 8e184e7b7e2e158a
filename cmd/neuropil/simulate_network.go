package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"runtime/debug"

	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/internal/progress"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sim"
)

func init() { families = append(families, func() family { return &network{} }) }

// network is the family of the connectome ODE RNN of bioplnn (--model
// ode) and its discrete twin (--model rnn): package sim reads their files
// and runs them (sim.NetworkConfig), named by flags here.
type network struct {
	cfg          sim.NetworkConfig
	load         *loadFlags
	nonlinearity string
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
	c := &f.cfg
	f.load = addLoadFlags(fs)
	fs.StringVar(&c.InputIndices, "input-indices", "", "int .npy: the neuron each input drives (identity projection); default: uniform random neurons, seeded")
	fs.StringVar(&c.InputProjection, "input-projection", "", "sparse or dense input projection W_ih [neurons][inputs] (any matrix format)")
	fs.StringVar(&c.Input, "input", "", "float .npy input [batch][inputs] (constant) or [L][batch][inputs] (L frames over [t0, t1]); default: MNIST digits")
	fs.StringVar(&c.Bias, "bias", "", "float .npy bias [neurons]")
	fs.StringVar(&c.TauFile, "tau-file", "", "float .npy time constants [neurons]")
	fs.StringVar(&c.TauType, "tau-type", "", "float .npy time constants per neuron type [types] (the connectome must carry neuron types)")
	fs.StringVar(&c.OutputProjection, "output-projection", "", "record W_ho·h instead of h: a matrix [outputs][neurons] in any format")
	fs.StringVar(&c.OutputBias, "output-bias", "", "float .npy bias [outputs] added to W_ho·h (with --output-projection)")
	fs.StringVar(&c.OutputNeurons, "output-neurons", "", "int .npy: record only these neurons")
	fs.StringVar(&c.H0, "h0", "", "float .npy initial state [batch][neurons]; default zeros")
	fs.IntVar(&c.Solver.Steps, "steps", 0, "fixed-step solvers: number of steps (default: one per output interval)")
	fs.IntVar(&c.Solver.MaxSteps, "max-steps", 0, "step budget per sample, every solver (default 100000)")
	fs.StringVar(&c.Product.Kernel, "kernel", "auto", "sparse product kernel: auto, tune (time each kernel once on this matrix, keep the fastest) or a name (see neuropil bench)")
	fs.BoolVar(&c.Product.Index16, "index16", false, "store columns as 16-bit offsets within row segments (fewer bytes per synapse, same result)")
	fs.StringVar(&c.Product.Weights, "weights", "f32", "weight format the product reads: f32, bf16 or f16 (rounded once; fewer bytes, less accurate)")
	fs.Float64Var(&c.T0, "t0", 0, "start time")
	fs.Float64Var(&c.T1, "t1", 1, "end time")
	fs.StringVar(&f.nonlinearity, "nonlinearity", "sigmoid", "nonlinearity or comma-separated chain: identity, sigmoid, tanh, relu, softplus, elu, leakyrelu")
	fs.BoolVar(&c.BatchFirst, "batch-first", false, "write activity as [batch][evals][neurons] instead of [evals][batch][neurons]")
	fs.BoolVar(&c.Solver.Shared, "shared-step", false, "adaptive solvers: one step size for the whole batch (default: one per sample, as torchode)")
	fs.BoolVar(&c.Dale, "dale", false, "dale variant: weights are magnitudes, signs from the connectome's neuron table")
	fs.BoolVar(&c.DaleClamp, "dale-clamp", false, "with --dale: negative weights are bioplnn's raw parameter, clamped to 0 (relu(W) ⊙ sign), even where they disagree with the signs")
}

// check validates the flags whose zero value package sim would read as
// its default (a --tau 0 is refused, not replaced) and fills the settings
// from the flags; sim checks the rest before any work starts.
func (f *network) check(name string, c *common) error {
	s := &f.cfg
	s.Connectome, s.Tau = c.connectome, 1
	if c.set["tau"] {
		s.Tau = c.tau
	}
	err := cli.First(
		cli.Need(!c.set["duration"], "--duration: not a flag of --model %s (--t0, --t1 set the interval)", name),
		cli.Need(c.batch >= 1 || !c.set["batch"], "--batch %d: must be at least 1", c.batch),
		cli.Need(c.evals >= 1 || !c.set["evals"], "--evals %d: must be at least 1", c.evals),
		cli.Need(s.T1 > s.T0 && !math.IsInf(s.T1-s.T0, 0), "--t0 %v, --t1 %v: need finite t0 < t1", s.T0, s.T1),
		cli.Need(s.Solver.Steps >= 0 && c.dt >= 0 && !math.IsInf(c.dt, 0), "--steps %d, --dt %v: must be positive and finite", s.Solver.Steps, c.dt),
		// Package ode reads a zero tolerance as its default, so 0 cannot
		// mean zero here: it is refused rather than replaced.
		cli.Need(c.rtol > 0 && c.atol > 0 && !math.IsInf(c.rtol+c.atol, 0), "--rtol %v, --atol %v: must be positive and finite", c.rtol, c.atol),
		cli.Need(s.Solver.MaxSteps >= 0, "--max-steps %d: must be positive (0: the default)", s.Solver.MaxSteps),
		cli.Need(s.Tau > 0 && !math.IsInf(s.Tau, 0), "--tau %v: must be positive", s.Tau),
		cli.Need(s.Dale || !s.DaleClamp, "--dale-clamp: only with --dale"))
	if err != nil {
		return err
	}
	s.Load, s.MNIST, s.Split, s.Batch, s.Evals, s.Seed = f.load.options(), c.mnistDir, c.split, c.batch, c.evals, c.seed
	s.Product.Workers, s.Discrete = c.workers, name == "rnn"
	s.Names = func(field string) string {
		if field == "Discrete" {
			return "--model rnn" // the setting --model chose
		}
		return cli.FlagName(field)
	}
	s.Solver.Method, s.Solver.Dt, s.Solver.Rtol, s.Solver.Atol = c.solverOr(ode.DefaultMethod), c.dt, c.rtol, c.atol
	if s.Nonlinearity, err = model.ParseNonlinearity(f.nonlinearity); err != nil {
		return fmt.Errorf("--nonlinearity: %w", err)
	}
	return s.Check()
}

func (f *network) run(name string, c *common, stdout, stderr io.Writer) (err error) {
	if err := cli.First(f.check(name, c), c.checkFiles()); err != nil {
		return err
	}
	out, err := openOut(c.out)
	if err != nil {
		return err
	}
	defer out.DiscardOnError(&err)
	n, err := sim.LoadNetwork(f.cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	// Construction garbage (the connectome builder's and the readers'
	// buffers) is collected and its pages returned now, so that the
	// activity and the solver reuse its memory.
	debug.FreeOSMemory()
	t0, t1 := n.Span()
	bar := progress.New(stderr, "simulate", t1-t0)
	var p func(t float64, evals int)
	if bar != nil {
		p = func(t float64, evals int) { bar.Set(t-t0, fmt.Sprintf("t = %.3g, %d evaluations", t, evals)) }
	}
	res, err := n.Run(p)
	bar.Done()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	debug.FreeOSMemory() // the solver's buffers: writing and plotting must not raise the peak
	s := n.Summary(res)
	var fig *sim.Figures
	if !c.noPlots { // the figures' data is small: take it before the activity goes
		fig = n.Figures(res)
	}
	if err := out.WriteResult(res); err != nil {
		return err
	}
	if err := out.WriteLabels(n.Labels); err != nil {
		return err
	}
	if fig != nil {
		// The activity is written: return its pages before the plotting
		// library loads its fonts, so that drawing does not raise the peak.
		res.Activity, res.States = nil, nil
		debug.FreeOSMemory()
		if err := fig.Draw(out); err != nil {
			return err
		}
	}
	s.PeakRSS = sim.PeakRSS() // the whole run's, plots included
	if err := out.WriteSummary(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated %d neurons, %d synapses, batch %d, %d output times over [%g, %g] with %s: %d evaluations of the batch, %d accepted and %d rejected steps (summed over the %d samples) in %.3f s\nwrote %s\n",
		s.Neurons, s.Synapses, s.Batch, s.Evals, s.T0, s.T1, s.Solver, s.RHSEvals, s.Accepted, s.Rejected, s.Batch, res.Seconds, c.out)
	return nil
}
