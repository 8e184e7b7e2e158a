package opticflow

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/opticlobe"
)

// The phases of a training step that BenchFit times apart.
const (
	phaseData     = iota // the batch's generation
	phaseForward         // network, decoder, loss and penalty
	phaseBackward        // both backward passes
	phaseUpdate          // Adam, the penalty's SGD step and the clamps
	numPhases
)

// laps accumulates the time of each phase of a step; a nil *laps times
// nothing.
type laps struct {
	t0 time.Time
	d  [numPhases]time.Duration
}

// start begins a step.
func (l *laps) start() {
	if l != nil {
		l.t0 = time.Now()
	}
}

// mark ends phase p at the current time.
func (l *laps) mark(p int) {
	if l != nil {
		now := time.Now()
		l.d[p] += now.Sub(l.t0)
		l.t0 = now
	}
}

// BenchReport is the timing of training steps of the optic lobe on the
// flow task (BenchFit); its JSON form is the output of "neuropil bench
// --train --model optic-lobe --json". Times are seconds, medians over the
// timed steps.
type BenchReport struct {
	Model      string  `json:"model"`
	Neurons    int     `json:"neurons"`
	Extent     int     `json:"extent"`
	Batch      int     `json:"batch"`
	Frames     int     `json:"frames"`
	Dt         float64 `json:"dt"`
	Steps      int     `json:"steps_timed"`
	GOMAXPROCS int     `json:"gomaxprocs"`

	IterationSeconds    float64 `json:"iteration_seconds"`              // one step: data, forward, backward, update
	IterationMinSeconds float64 `json:"iteration_min_seconds"`          // the fastest step
	IterationNoData     float64 `json:"iteration_without_data_seconds"` // a step less its data phase (as a benchmark on fixed tensors times it)
	IterationCPUSeconds float64 `json:"iteration_cpu_seconds"`          // processor time of a step, all threads (spinning included); -1: not measured
	SteadySeconds       float64 `json:"steady_state_seconds"`           // TPre of grey from rest (flyvis: once per epoch)
	DataSeconds         float64 `json:"data_seconds"`                   // generating the batch's movies and flow
	ForwardSeconds      float64 `json:"forward_seconds"`                // euler steps, decoder, loss, penalty
	BackwardSeconds     float64 `json:"backward_seconds"`               // the flow loss's and the penalty's backward passes
	UpdateSeconds       float64 `json:"update_seconds"`                 // optimiser steps and clamps
	Projected250kHours  float64 `json:"projected_250k_hours"`           // 250,000 iterations (flyvis's n_iters) at IterationSeconds
}

// BenchFit times steps training steps of net as Fit takes them with cfg
// (after one untimed step, from the steady state, which is timed once)
// and returns their median and the median of each phase.
func BenchFit(net *opticlobe.Network, cfg FitConfig, steps int) (*BenchReport, error) {
	if steps < 1 {
		return nil, fmt.Errorf("opticflow: %d benchmark steps", steps)
	}
	cfg.Iterations = max(cfg.Iterations, steps+1)
	f, err := newFitter(net, cfg.withDefaults())
	if err != nil {
		return nil, err
	}
	defer f.tr.Close()
	t0 := time.Now()
	f.steady()
	r := &BenchReport{Model: "optic-lobe", Neurons: net.Neurons(), Extent: net.Extent, Batch: f.cfg.Batch,
		Frames: f.frames, Dt: f.dt, Steps: steps, GOMAXPROCS: runtime.GOMAXPROCS(0), SteadySeconds: time.Since(t0).Seconds()}
	if _, err := f.step(0); err != nil {
		return nil, err
	}
	total, cpu, noData := make([]float64, steps), make([]float64, steps), make([]float64, steps)
	var phases [numPhases][]float64
	for i := range steps {
		f.lap = &laps{}
		t0, c0 := time.Now(), cpuSeconds()
		if _, err := f.step(i + 1); err != nil {
			return nil, err
		}
		total[i], cpu[i] = time.Since(t0).Seconds(), cpuSeconds()-c0
		for p, d := range f.lap.d {
			phases[p] = append(phases[p], d.Seconds())
		}
		noData[i] = total[i] - f.lap.d[phaseData].Seconds()
	}
	f.lap = nil
	r.IterationSeconds, r.IterationMinSeconds, r.IterationCPUSeconds = median(total), slices.Min(total), median(cpu)
	r.IterationNoData = median(noData)
	if math.IsNaN(r.IterationCPUSeconds) {
		r.IterationCPUSeconds = -1
	}
	r.DataSeconds, r.ForwardSeconds = median(phases[phaseData]), median(phases[phaseForward])
	r.BackwardSeconds, r.UpdateSeconds = median(phases[phaseBackward]), median(phases[phaseUpdate])
	r.Projected250kHours = 250000 * r.IterationSeconds / 3600
	return r, nil
}

var nan = math.NaN()

// median returns the median of x (the mean of the middle two for an even
// count); x is sorted in place.
func median(x []float64) float64 {
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

// DefaultSpec is where "neuropil bench --train --model optic-lobe" looks
// for flyvis's network description without --spec: the shared data next
// to the repository, as its tests find it, from the repository's root.
const DefaultSpec = "../shared/data/flyvis/fib25-fib19_v2.2.json"

// buildSpec builds the optic lobe of spec at extent; the error of a
// missing default says to pass --spec.
func buildSpec(spec string, extent int) (*opticlobe.Network, error) {
	net, err := opticlobe.BuildFile(spec, extent)
	if errors.Is(err, fs.ErrNotExist) && spec == DefaultSpec {
		return nil, fmt.Errorf("--spec: flyvis's network description is not at the default %s (run from the repository's root beside ../shared, or pass --spec FILE): %w", DefaultSpec, err)
	}
	if err != nil {
		return nil, fmt.Errorf("--spec: %w", err)
	}
	return net, nil
}

// BenchCommand runs "neuropil bench --train --model optic-lobe": it times
// training steps of the optic lobe of --spec (BenchFit) and prints the
// report, as JSON with --json.
func BenchCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench --train --model optic-lobe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c FitConfig
	var spec string
	var extent, steps int
	fs.Bool("train", true, "time training steps (the only benchmark of the optic lobe)")
	fs.String("model", "optic-lobe", "the model: optic-lobe")
	budget.AddFlag(fs)
	fs.StringVar(&spec, "spec", DefaultSpec, "flyvis network description (JSON)")
	fs.IntVar(&extent, "extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns")
	fs.IntVar(&steps, "steps", 5, "timed training steps (after one untimed); the median is reported")
	fs.IntVar(&c.Batch, "batch", 4, "movies per step (flyvis: 4)")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the data, dropout and initial resting potentials")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	if err := cli.Need(steps >= 1 && c.Batch >= 1, "bench: --steps %d and --batch %d must be at least 1", steps, c.Batch); err != nil {
		return err
	}
	net, err := buildSpec(spec, extent)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	r, err := BenchFit(net, c, steps)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if *asJSON {
		return cli.WriteJSON(stdout, r)
	}
	fmt.Fprintf(stdout, "optic lobe, %d neurons, batch %d, %d frames at dt %g, GOMAXPROCS %d: median of %d steps\n",
		r.Neurons, r.Batch, r.Frames, r.Dt, r.GOMAXPROCS, r.Steps)
	fmt.Fprintf(stdout, "iteration    %.3f s (fastest %.3f s): data %.3f s, forward %.3f s, backward %.3f s, update %.3f s\n",
		r.IterationSeconds, r.IterationMinSeconds, r.DataSeconds, r.ForwardSeconds, r.BackwardSeconds, r.UpdateSeconds)
	fmt.Fprintf(stdout, "without data %.3f s (a step less its batch's generation)\n", r.IterationNoData)
	fmt.Fprintf(stdout, "processor    %.3f s per iteration, all threads\n", r.IterationCPUSeconds)
	fmt.Fprintf(stdout, "steady state %.3f s; 250,000 iterations: %.1f h\n", r.SteadySeconds, r.Projected250kHours)
	return nil
}
