package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

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
	fs.IntVar(&f.extent, "extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns")
	fs.StringVar(&f.image, "image", "", "PNG or JPEG image shown to every sample (grey levels in [0, 1])")
	fs.StringVar(&f.movie, "movie", "", ".npy movie [frames][h][w] (or one image [h][w]) of light levels, frames spread evenly over --duration; uint8 is divided by 255")
	fs.Float64Var(&f.flash, "flash", math.NaN(), "uniform light level instead of an image (1: a full-field flash of light, 0: darkness)")
	fs.Float64Var(&f.duration, "duration", opticlobe.DefaultDuration, "seconds of stimulus")
	fs.Float64Var(&f.relax, "relax", opticlobe.DefaultRelax, "seconds of grey input before the stimulus, from the resting potentials (0: none)")
	fs.Float64Var(&f.grey, "grey", opticlobe.DefaultGrey, "grey level of the relaxation")
	fs.StringVar(&f.record, "record", "all", "neurons written to activity.npy: all, or central (the central column of each type)")
	fs.StringVar(&f.mapTypes, "map-types", "R1,L1,L2,Mi1,Tm3,T4a", "cell types of maps.png, comma-separated")
	fs.Float64Var(&f.mapT, "map-time", math.NaN(), "time of maps.png in seconds (default: the end)")
}

// check validates the flags and fills in the defaults of the common ones.
func (f *opticLobe) check() error {
	c := f.c
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
	if given == 1 && c.mnistDir != "" {
		return errors.New("--mnist and another input given: choose one")
	}
	if c.batch < 0 {
		return fmt.Errorf("--batch %d: must be at least 1", c.batch)
	}
	if c.batch == 0 {
		c.batch = 1 // an image, a movie, a flash
		if given == 0 {
			c.batch = 8 // MNIST digits
		}
	}
	if f.record != "all" && f.record != "central" {
		return fmt.Errorf("--record %q: want all or central", f.record)
	}
	c.solver = c.solverOr("euler")
	if !c.set["dt"] {
		c.dt = opticlobe.DefaultDt
	}
	if !c.set["rtol"] && !c.set["atol"] {
		c.rtol, c.atol = 0, 0 // the defaults of package ode
	}
	// The flags' zero values are not their defaults, so a zero (which
	// Settings would read as "the default") is refused, not replaced.
	for _, v := range []struct {
		name string
		v    float64
	}{{"--duration", f.duration}, {"--dt", c.dt}, {"--grey", f.grey}} {
		if !(v.v > 0) || math.IsInf(v.v, 0) {
			return fmt.Errorf("%s %v: must be positive and finite", v.name, v.v)
		}
	}
	if !(f.relax >= 0) || math.IsInf(f.relax, 0) {
		return fmt.Errorf("--relax %v: must be a finite number of seconds (0: none)", f.relax)
	}
	if c.evals < 0 {
		return fmt.Errorf("--evals %d: must be positive (0: one per --dt)", c.evals)
	}
	if !math.IsNaN(f.mapT) && !(f.mapT >= 0 && f.mapT <= f.duration) {
		return fmt.Errorf("--map-time %v: outside the stimulus [0, %g] s (--duration)", f.mapT, f.duration)
	}
	if !c.noPlots && len(f.types()) == 0 {
		return fmt.Errorf("--map-types %q: no cell types for maps.png", f.mapTypes)
	}
	return nil
}

func (f *opticLobe) run(_ string, c *common, stdout, stderr io.Writer) (err error) {
	f.c = c
	if err := f.check(); err != nil {
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
	x, frames, labels, inputName, err := f.stimulus(net, rand.New(rand.NewPCG(c.seed, 0x6f6c)))
	if err != nil {
		return err
	}
	loadSeconds := time.Since(start).Seconds()
	res, err := opticlobe.Simulate(net, x, frames, c.batch, settings)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err := f.write(out, net, res, labels); err != nil {
		return err
	}
	cn := net.Counts()
	relax := max(f.relax, 0)
	s := map[string]any{
		"model": "optic-lobe", "spec": f.spec, "extent": f.extent, "neurons": cn.Neurons, "synapses": cn.Edges,
		"columns": opticlobe.ColumnCount(f.extent), "batch": c.batch, "evals": len(res.Times), "frames": frames,
		"t0": 0.0, "t1": f.duration, "solver": strings.ToLower(c.solver), "dt": c.dt, "relax_seconds": relax,
		"grey": f.grey, "rhs_evals": res.Stats.RHSEvals, "accepted_steps": res.Stats.TotalAccepted(),
		"rejected_steps": res.Stats.TotalRejected(), "load_seconds": loadSeconds, "solve_seconds": res.Seconds,
		"activity_layout": "[evals][batch][recorded]", "recorded": f.record, "input": inputName,
		"labels": intLabels(labels), "seed": c.seed, "warnings": append([]string{}, res.Warnings...),
	}
	if err := out.WriteSummary(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated the optic lobe (%d neurons, %d synapses), batch %d, %d output times over [0, %g] s with %s after %g s of grey: %d evaluations in %.3f s\nwrote %s\n",
		cn.Neurons, cn.Edges, c.batch, len(res.Times), f.duration, strings.ToLower(c.solver), relax, res.Stats.RHSEvals, res.Seconds, c.out)
	return nil
}

// build builds the network of --spec and the settings of its simulation,
// and checks that the run fits in memory.
func (f *opticLobe) build() (*opticlobe.Network, opticlobe.Settings, error) {
	c := f.c
	var s opticlobe.Settings
	spec, err := opticlobe.LoadSpec(f.spec)
	if err != nil {
		return nil, s, err
	}
	net, err := opticlobe.Build(spec, f.extent)
	if err != nil {
		return nil, s, err
	}
	for _, t := range f.types() {
		if _, _, ok := net.TypeNeurons(t); !ok {
			return nil, s, fmt.Errorf("--map-types: unknown cell type %q (known: %s)", t, strings.Join(net.Conn.TypeNames, ", "))
		}
	}
	var record []int
	if f.record == "central" {
		for _, i := range net.Central() {
			if i >= 0 {
				record = append(record, i)
			}
		}
	}
	relax := f.relax
	if relax == 0 {
		relax = -1 // Settings: negative means none
	}
	s = opticlobe.Settings{Method: c.solver, Dt: c.dt, Atol: c.atol, Rtol: c.rtol, Duration: f.duration, Evals: c.evals,
		Relax: relax, Grey: float32(f.grey), Record: record, Seed: c.seed, Workers: c.workers}
	evals, err := s.OutputTimes()
	if err != nil {
		return nil, s, err
	}
	width := len(record)
	if record == nil {
		width = net.Neurons()
	}
	return net, s, checkMemory(evals, c.batch, width, net.Neurons())
}

// stimulus returns the input [frames][batch][columns], the number of
// frames, MNIST labels (MNIST only) and a description.
func (f *opticLobe) stimulus(net *opticlobe.Network, rng *rand.Rand) (x []float32, frames int, labels []uint8, name string, err error) {
	batch := f.c.batch
	eye := opticlobe.NewEye(net.Extent, opticlobe.DefaultKernel)
	switch {
	case !math.IsNaN(f.flash):
		if math.IsInf(f.flash, 0) {
			return nil, 0, nil, "", fmt.Errorf("--flash %v: want a finite light level", f.flash)
		}
		return opticlobe.Replicate(opticlobe.Uniform(net.Extent, float32(f.flash)), 1, batch), 1, nil, fmt.Sprintf("uniform light level %g", f.flash), nil
	case f.image != "":
		img, h, w, err := opticlobe.LoadImage(f.image)
		if err != nil {
			return nil, 0, nil, "", fmt.Errorf("--image: %w", err)
		}
		cols := make([]float32, eye.Columns())
		eye.Sample(cols, img, h, w)
		return opticlobe.Replicate(cols, 1, batch), 1, nil, f.image, nil
	case f.movie != "":
		m, n, h, w, err := opticlobe.LoadMovie(f.movie)
		if err != nil {
			return nil, 0, nil, "", fmt.Errorf("--movie: %w", err)
		}
		// Every sample gets a copy of every frame: a long movie times a
		// large batch can exceed the memory the output check allowed for.
		nc := eye.Columns()
		if err := sim.Fits(fmt.Sprintf("--movie %s of %d frames × --batch %d × %d columns", f.movie, n, batch, nc),
			4*float64(n)*float64(batch+1)*float64(nc)); err != nil {
			return nil, 0, nil, "", err
		}
		cols := make([]float32, n*nc)
		eye.SampleFrames(cols, m, n, h, w)
		return opticlobe.Replicate(cols, n, batch), n, nil, f.movie, nil
	}
	im, labels, name, err := loadMNISTBatch(f.c.mnistDir, f.c.split, batch, rng)
	if err != nil {
		return nil, 0, nil, "", err
	}
	x = make([]float32, batch*eye.Columns())
	eye.SampleInk(x, im.Pix, batch, im.Rows, im.Cols)
	return x, 1, labels, name, nil
}

// write writes activity.npy, times.npy, recorded.npy, labels.npy and the
// plots: maps.png (the chosen types at --map-time, sample 0; only when
// every neuron is recorded) and central.png.
func (f *opticLobe) write(out *sim.Dir, net *opticlobe.Network, res *opticlobe.Result, labels []uint8) error {
	if err := out.WriteResult(&res.Result); err != nil {
		return err
	}
	rec := make([]int64, len(res.Record))
	for j, i := range res.Record {
		rec[j] = int64(i)
	}
	if err := out.WriteNPY("recorded.npy", []int{len(rec)}, rec); err != nil {
		return err
	}
	if err := out.WriteLabels(labels); err != nil {
		return err
	}
	if f.c.noPlots {
		return nil
	}
	if f.record == "all" {
		k := res.Nearest(f.mapT)
		p := out.Path("maps.png")
		if err := net.PlotTypes(p, fmt.Sprintf("sample 0, t = %.3g s", res.Times[k]), res.At(k, 0), f.types()); err != nil {
			return fmt.Errorf("--map-types: %w", err)
		}
		out.Wrote(p)
	}
	p := out.Path("central.png")
	if err := net.PlotCentral(p, "central column, sample 0", res, 0); err != nil {
		return err
	}
	out.Wrote(p)
	return nil
}

// types returns the cell types of --map-types.
func (f *opticLobe) types() []string {
	var types []string
	for _, t := range strings.Split(f.mapTypes, ",") {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	return types
}
