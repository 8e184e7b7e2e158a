package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neuropil/neuropil/internal/benchmark"
	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/internal/membw"
	"github.com/neuropil/neuropil/internal/profile"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/opticflow"
	"github.com/neuropil/neuropil/sim"
	"github.com/neuropil/neuropil/sparse"
)

func init() {
	register("bench", "measure memory bandwidth, the sparse product and a default simulation", runBench)
}

// benchFlags are the options of "neuropil bench".
type benchFlags struct {
	batch, reps                        int
	simArgs                            string
	asJSON, bandwidth, simulate, train bool
	src                                benchmark.Source
	opt                                sparse.ProductOptions
	load                               *loadFlags
	cpu, mem                           *string
}

func (b *benchFlags) add(fs *flag.FlagSet) {
	fs.IntVar(&b.batch, "batch", 8, "batch size of the product (vectors per synapse)")
	fs.IntVar(&b.opt.Workers, "workers", 0, "goroutines for the product and the bandwidth test (0: GOMAXPROCS)")
	fs.StringVar(&b.opt.Kernel, "kernel", "tune", "product kernel: tune (time every kernel, keep the fastest), auto (default choice), or a name")
	fs.IntVar(&b.reps, "reps", 30, "timed products (after 3 warm-up products); the median is reported")
	fs.BoolVar(&b.asJSON, "json", false, "write the report as JSON")
	fs.StringVar(&b.src.Connectome, "connectome", "default", "connectome to multiply: default (the built-in 47,521-neuron connectome) or a file of any format")
	b.load = addLoadFlags(fs)
	fs.IntVar(&b.src.Neurons, "neurons", 0, "instead of --connectome, a random connectome with this many neurons (needs --synapses)")
	fs.IntVar(&b.src.Synapses, "synapses", 0, "synapses of the random connectome of --neurons")
	fs.BoolVar(&b.opt.Index16, "index16", false, "read 16-bit column offsets (row segments) instead of int32 columns")
	fs.StringVar(&b.opt.Weights, "weights", "f32", "weight format the product reads: f32, bf16 or f16 (rounded once)")
	fs.BoolVar(&b.bandwidth, "bandwidth", true, "measure the memory bandwidth")
	fs.BoolVar(&b.simulate, "simulate", true, "time a default \"neuropil simulate\" run, if this build has that command")
	fs.StringVar(&b.simArgs, "simulate-args", "", "arguments for the timed simulate run (split at spaces)")
	fs.BoolVar(&b.train, "train", false, "also time one training step (forward and backward through 20 euler steps over [0, 1], loss on the last state) on the connectome; skips the simulation and bandwidth runs unless they are asked for")
	b.cpu, b.mem = profile.Flags(fs)
}

// check validates the flags and checks the connectome before the minutes
// of simulation and bandwidth test: a file by its header, a random one by
// its size.
func (b *benchFlags) check(fs *flag.FlagSet) error {
	if b.train {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		b.simulate = b.simulate && set["simulate"]
		b.bandwidth = b.bandwidth && set["bandwidth"]
	}
	b.src.Load, b.src.Batch = b.load.options(), b.batch
	return cli.First(
		cli.Need(b.batch >= 1, "bench: --batch %d < 1", b.batch),
		cli.Need(b.reps >= 1, "bench: --reps %d < 1", b.reps),
		cli.Need(b.opt.Workers >= 0, "bench: --workers %d < 0", b.opt.Workers),
		b.src.Check())
}

func runBench(args []string, stdout, stderr io.Writer) (err error) {
	if opticflow.Wants(args) { // --train --model optic-lobe: its own flags (package opticflow)
		return opticflow.BenchCommand(args, stdout, stderr)
	}
	var b benchFlags
	fs := newFlags("bench", stderr)
	b.add(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := b.check(fs); err != nil {
		return err
	}
	stop, err := profile.Start(*b.cpu, *b.mem)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stop()) }()

	r := benchmark.New(b.batch, b.reps)
	// The simulation runs first, so that the peak memory it reports is its
	// own and not that of the bandwidth test's arrays.
	if !b.simulate {
		r.SimulateNote = "not requested (--simulate=false)"
	} else if err := benchSimulate(r, strings.Fields(b.simArgs)); err != nil {
		return err
	}
	if b.bandwidth {
		r.BandwidthGBps = membw.Triad(membw.DefaultElements, b.opt.Workers, 10).GBps
	}
	c, err := b.src.Read(r)
	if err != nil {
		return err
	}
	if err := r.TimeProduct(c.W, b.opt); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	var t *benchTrainResult
	if b.train {
		if t, err = benchTrain(c.W, r.Source, b.batch, 20, 3, b.opt.Workers, model.Nonlinearity{model.Sigmoid}); err != nil {
			return fmt.Errorf("bench: --train: %w", err)
		}
		r.Train, r.TrainStepSeconds = t, &t.TrainStepSeconds
	}
	if b.asJSON {
		return cli.WriteJSON(stdout, r)
	}
	r.WriteText(stdout)
	if t != nil {
		fmt.Fprintf(stdout, "train step   %.3f s (forward %.3f s) for %d euler steps at batch %d; %.3f s checkpointed\n",
			t.TrainStepSeconds, t.ForwardSeconds, t.Steps, t.Batch, t.TrainStepSecondsCkpt)
	}
	return nil
}

// benchSimulate times "neuropil simulate" with args, in this process, with
// its output in a temporary directory (unless args name another --out).
func benchSimulate(r *benchmark.Report, args []string) error {
	simulate, ok := commands["simulate"]
	if !ok {
		r.SimulateNote = "this build has no simulate command"
		return nil
	}
	dir, err := os.MkdirTemp("", "neuropil-bench-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	if err := simulate.run(append([]string{"--out", dir}, args...), io.Discard, io.Discard); err != nil {
		return fmt.Errorf("bench: simulate: %w", err)
	}
	sec := time.Since(t0).Seconds()
	r.SimulateSeconds = &sec
	var s sim.NetworkSummary
	if b, err := os.ReadFile(filepath.Join(dir, "summary.json")); err == nil && json.Unmarshal(b, &s) == nil {
		r.SimulateSolveSeconds, r.SimulateEvals, r.SimulatePeakRSS = s.SolveSeconds, s.RHSEvals, s.PeakRSS
	}
	return nil
}
