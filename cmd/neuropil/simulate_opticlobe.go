package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/opticlobe"
	"github.com/neuropil/neuropil/sim"
)

func init() { families = append(families, func() family { return &opticLobe{} }) }

// opticLobe is the family of the flyvis optic lobe (--model optic-lobe):
// it builds the network from --spec, samples the stimulus onto the eye's
// columns, relaxes the network under grey, simulates, and writes
// activity.npy [evals][batch][recorded], times.npy [evals][batch],
// recorded.npy (neuron indices), labels.npy (MNIST), summary.json, and the
// plots maps.png and central.png into --out.
type opticLobe struct {
	spec, image, movie, record, mapTypes string
	params                               string
	extent                               int
	flash, duration, relax, grey, mapT   float64
	c                                    *common
}

func (f *opticLobe) title() string { return "optic-lobe: the flyvis voltage model" }

func (f *opticLobe) models() map[string]string {
	return map[string]string{"optic-lobe": "the flyvis voltage model of Lappalainen et al. 2024"}
}

func (f *opticLobe) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.spec, "spec", "", "flyvis network description (JSON), e.g. ../shared/data/flyvis/fib25-fib19_v2.2.json (required)")
	fs.StringVar(&f.params, "params", "", "parameters: a flyvis checkpoint (chkpts/chkpt_NNNNN), a flyvis network directory (DIR@best, the default, DIR@latest, DIR@N) or a .npz of flyvis's state dict (default: flyvis's initial values with --seed)")
	fs.IntVar(&f.extent, "extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns")
	fs.StringVar(&f.image, "image", "", "PNG or JPEG image shown to every sample (grey levels in [0, 1])")
	fs.StringVar(&f.movie, "movie", "", ".npy movie [frames][h][w] (or one image [h][w]) of light levels, frames spread evenly over --duration; uint8 is divided by 255")
	cli.OptionalFloatVar(fs, &f.flash, "flash", "uniform light level instead of an image (1: a full-field flash of light, 0: darkness; default: none)")
	fs.Float64Var(&f.relax, "relax", opticlobe.DefaultRelax, "seconds of grey input before the stimulus, from the resting potentials (0: none)")
	fs.Float64Var(&f.grey, "grey", opticlobe.DefaultGrey, "grey level of the relaxation")
	fs.StringVar(&f.record, "record", "all", "neurons written to activity.npy: all, or central (the central column of each type)")
	fs.StringVar(&f.mapTypes, "map-types", "R1,L1,L2,Mi1,Tm3,T4a", "cell types of maps.png, comma-separated")
	cli.OptionalFloatVar(fs, &f.mapT, "map-time", "time of maps.png in seconds (default: the end)")
}

// check validates the flags and fills in the defaults of the common ones.
func (f *opticLobe) check() error {
	c := f.c
	given := 0
	for _, s := range []bool{f.image != "", f.movie != "", !math.IsNaN(f.flash)} {
		if s {
			given++
		}
	}
	if c.batch == 0 {
		c.batch = 1 // an image, a movie, a flash
		if given == 0 {
			c.batch = 8 // MNIST digits
		}
	}
	c.solver = c.solverOr("euler")
	f.duration = opticlobe.DefaultDuration
	if c.set["duration"] {
		f.duration = c.duration
	}
	if !c.set["dt"] {
		c.dt = opticlobe.DefaultDt
	}
	if !c.set["rtol"] && !c.set["atol"] {
		c.rtol, c.atol = 0, 0 // the defaults of package ode
	}
	// The flags' zero values are not their defaults, so a zero (which
	// Settings would read as "the default") is refused, not replaced.
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	return cli.First(
		cli.Need(!c.set["connectome"] && !c.set["tau"], "--connectome, --tau: not flags of --model optic-lobe (--spec builds the network)"),
		cli.Need(f.spec != "", "--spec is required (the flyvis description, e.g. ../shared/data/flyvis/fib25-fib19_v2.2.json)"),
		cli.Need(given <= 1, "--image, --movie and --flash: choose one"),
		cli.Need(given == 0 || c.mnistDir == "", "--mnist and another input given: choose one"),
		cli.Need(c.batch >= 1, "--batch %d: must be at least 1", c.batch),
		cli.Need(f.record == "all" || f.record == "central", "--record %q: want all or central", f.record),
		cli.Need(positive(f.duration), "--duration %v: must be positive and finite", f.duration),
		cli.Need(positive(c.dt), "--dt %v: must be positive and finite", c.dt),
		cli.Need(positive(f.grey), "--grey %v: must be positive and finite", f.grey),
		cli.Need(f.relax >= 0 && !math.IsInf(f.relax, 0), "--relax %v: must be a finite number of seconds (0: none)", f.relax),
		cli.Need(c.evals >= 0, "--evals %d: must be positive (0: one per --dt)", c.evals),
		cli.Need(math.IsNaN(f.mapT) || f.mapT >= 0 && f.mapT <= f.duration, "--map-time %v: outside the stimulus [0, %g] s (--duration)", f.mapT, f.duration),
		cli.Need(c.noPlots || len(f.types()) > 0, "--map-types %q: no cell types for maps.png", f.mapTypes),
		cli.Need(!math.IsInf(f.flash, 0), "--flash %v: want a finite light level", f.flash))
}

func (f *opticLobe) run(_ string, c *common, stdout, stderr io.Writer) (err error) {
	f.c = c
	if err := cli.First(f.check(), c.checkFiles()); err != nil {
		return err
	}
	out, err := openOut(c.out)
	if err != nil {
		return err
	}
	defer out.DiscardOnError(&err)
	start := time.Now()
	net, settings, err := f.build()
	if err != nil {
		return err
	}
	stim := opticlobe.Stimulus{Image: f.image, Movie: f.movie, MNIST: c.mnistDir, Split: c.split, Seed: c.seed, Names: cli.FlagName}
	if !math.IsNaN(f.flash) {
		stim.Flash = &f.flash
	}
	in, err := stim.Input(net.Extent, c.batch)
	if err != nil {
		return err
	}
	loadSeconds := time.Since(start).Seconds()
	res, err := opticlobe.Simulate(net, in.X, in.Frames, c.batch, settings)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err := res.WriteRun(out, in.Labels); err != nil {
		return err
	}
	if !c.noPlots {
		if err := net.DrawRun(out, res, f.types(), f.mapT); err != nil {
			return err
		}
	}
	s := res.Summary(net, in, settings)
	s.Spec, s.Recorded, s.LoadSeconds = f.spec, f.record, loadSeconds
	if err := out.WriteSummary(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated the optic lobe (%d neurons, %d synapses), batch %d, %d output times over [0, %g] s with %s after %g s of grey: %d evaluations in %.3f s\nwrote %s\n",
		s.Neurons, s.Synapses, s.Batch, s.Evals, s.T1, s.Solver, s.RelaxSeconds, s.RHSEvals, s.SolveSeconds, c.out)
	return nil
}

// build builds the network of --spec and the settings of its simulation,
// and checks that the run fits in memory.
func (f *opticLobe) build() (*opticlobe.Network, opticlobe.Settings, error) {
	c := f.c
	var s opticlobe.Settings
	net, err := opticlobe.BuildFile(f.spec, f.extent)
	if err != nil {
		return nil, s, err
	}
	if err := net.CheckTypes(f.types()); err != nil {
		return nil, s, fmt.Errorf("--map-types: %w", err)
	}
	relax := f.relax
	if relax == 0 {
		relax = -1 // Settings: negative means none
	}
	s = opticlobe.Settings{Method: c.solver, Dt: c.dt, Atol: c.atol, Rtol: c.rtol, Duration: f.duration, Evals: c.evals,
		Relax: relax, Grey: float32(f.grey), Seed: c.seed, Workers: c.workers}
	if f.params != "" {
		p, err := opticlobe.LoadParams(net, f.params)
		if err != nil {
			return nil, s, fmt.Errorf("--params: %w", err)
		}
		s.Params = &p
	}
	width := net.Neurons()
	if f.record == "central" {
		s.Record = net.CentralNeurons()
		width = len(s.Record)
	}
	evals, err := s.OutputTimes()
	if err != nil {
		return nil, s, err
	}
	return net, s, sim.CheckSize(cli.FlagName, evals, c.batch, width, net.Neurons())
}

// types returns the cell types of --map-types.
func (f *opticLobe) types() []string { return cli.SplitList(f.mapTypes) }
