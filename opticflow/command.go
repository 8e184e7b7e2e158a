package opticflow

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/neuropil/neuropil/analysis"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/opticlobe"
)

// Wants reports whether the command line asks for the optic lobe
// (--model optic-lobe), which Command trains.
func Wants(args []string) bool {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == "model=optic-lobe" || (a == "model" && i+1 < len(args) && args[i+1] == "optic-lobe") {
			return true
		}
	}
	return false
}

// Command runs "neuropil train --model optic-lobe": it parses args, builds
// the network of --spec and trains it with Fit on the procedural flow
// data, or on MPI-Sintel with --data DIR, logging to stdout. A run goes
// on from the last validation saved in --out unless --fresh. At the end
// it runs analyze flash and analyze moving-edge on the trained network
// into --out/analysis/flash and --out/analysis/moving-edge (at flyvis's
// extent, which its edges need).
func Command(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train --model optic-lobe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c FitConfig
	var spec, params string
	var extent int
	fs.String("model", "optic-lobe", "the model: optic-lobe")
	budget.AddFlag(fs)
	fs.StringVar(&spec, "spec", DefaultSpec, "flyvis network description (JSON); the default is the shared data beside the repository")
	fs.IntVar(&extent, "extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns")
	fs.StringVar(&params, "params", "", "initial parameters: a flyvis checkpoint, network directory (DIR@best, the default, DIR@latest, DIR@N) or .npz (default: flyvis's initialisation)")
	fs.StringVar(&c.Sintel.Dir, "data", "", "MPI-Sintel directory (training/final/<scene>/*.png, training/flow/<scene>/*.flo); default: the built-in procedural flow data")
	fs.IntVar(&c.Sintel.Fold, "fold", 1, "with --data and --split folds: the validation fold, 0-3 (flyvis task.yaml)")
	fs.StringVar(&c.Sintel.Split, "split", "original", "with --data: flyvis's original split of the scenes, or folds")
	fs.IntVar(&c.Iterations, "iterations", 100, "optimiser steps")
	fs.IntVar(&c.Batch, "batch", 4, "movies per step")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the data, dropout and initial resting potentials")
	fs.Float64Var(&c.LR, "lr", 5e-5, "Adam's starting learning rate (flyvis: 5e-5, falling stepwise to 5e-6)")
	fs.IntVar(&c.Schedule, "schedule-iterations", 0, "steps the learning rate's stepwise fall to lr/10 spans (250000: flyvis's run, of which this one is the start; default --iterations)")
	fs.IntVar(&c.EvalEvery, "eval-every", 0, "validation and checkpoint every this many steps (default iterations/10)")
	fs.IntVar(&c.ValBatches, "val-batches", 0, "validation batches (default 8 of the procedural data; with --data all of MPI-Sintel's validation movies)")
	fs.StringVar(&c.Out, "out", "", "output directory: metrics.csv, chkpts/chkpt_NNNNN, resume.gob (required)")
	analyze := fs.Bool("analyze", true, "run analyze flash and moving-edge on the trained network into --out/analysis/{flash,moving-edge}")
	fs.BoolVar(&c.Fresh, "fresh", false, "start over in --out instead of going on from its last validation")
	if err := cli.Parse(fs, args, 0); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.Out == "" {
		return errors.New("--out is required for --model optic-lobe")
	}
	if err := cli.First(
		cli.Need(c.Iterations >= 0, "--iterations %d: must be at least 0", c.Iterations),
		cli.Need(c.Batch >= 1, "--batch %d: must be at least 1", c.Batch),
		cli.Need(c.LR > 0 && !math.IsInf(c.LR, 0), "--lr %v: must be positive and finite", c.LR),
		cli.Need(c.Schedule >= 0, "--schedule-iterations %d: must be at least 0 (0: --iterations)", c.Schedule),
		cli.Need(c.EvalEvery >= 0, "--eval-every %d: must be at least 0 (0: iterations/10)", c.EvalEvery),
		cli.Need(c.ValBatches >= 0, "--val-batches %d: must be at least 0 (0: the default)", c.ValBatches),
	); err != nil {
		return err
	}
	net, err := buildSpec(spec, extent)
	if err != nil {
		return err
	}
	if params != "" {
		p, err := opticlobe.LoadParams(net, params)
		if err != nil {
			return err
		}
		c.Params = &p
	}
	data := "procedural flow data"
	if c.Sintel.Dir != "" {
		data = "MPI-Sintel in " + c.Sintel.Dir
	}
	fmt.Fprintf(stdout, "optic lobe: %d neurons, %d types, %d type pairs; %s, %d iterations of batch %d\n",
		net.Neurons(), len(net.Spec.Types), len(net.Pairs), data, c.Iterations, c.Batch)
	if _, err := os.Stat(c.Out); errors.Is(err, os.ErrNotExist) {
		defer os.Remove(c.Out) // a run that failed before writing anything leaves no empty directory
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	lock, err := atomic.Lock(c.Out) // one run at a time in --out
	if err != nil {
		return err
	}
	defer lock.Unlock()
	c.Progress = stderr
	if _, err := Fit(net, c, stdout); err != nil || !*analyze {
		return err
	}
	// the trained network: --out is a flyvis network directory
	for _, name := range []string{"flash", "moving-edge"} {
		if name == "moving-edge" && extent != opticlobe.DefaultExtent {
			fmt.Fprintf(stdout, "analyze moving-edge left out: flyvis's edges are rendered on extent %d's columns, the network has extent %d\n", opticlobe.DefaultExtent, extent)
			continue
		}
		fmt.Fprintf(stdout, "analyze %s of the trained network\n", name)
		written, err := analysis.RunAnalysis(name, analysis.Job{Spec: spec, Params: c.Out, Out: filepath.Join(c.Out, "analysis", name), Extent: extent, Warn: stdout})
		if err != nil {
			return fmt.Errorf("analyze %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	}
	return nil
}
