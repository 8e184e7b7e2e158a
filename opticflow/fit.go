package opticflow

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/neuropil/neuropil/format/pt"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/internal/progress"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/opticlobe"
	"github.com/neuropil/neuropil/plot"
	"github.com/neuropil/neuropil/train"
	"gonum.org/v1/plot/vg"
)

// FitConfig describes a training run of the optic lobe on the procedural
// flow data; the zero value of each field means the documented default.
type FitConfig struct {
	Iterations int     // optimiser steps; 0: 100
	Batch      int     // movies per step; 0: 4 (flyvis batch_size)
	Seed       uint64  // seeds the data, the decoder's dropout and (with Params nil) the resting potentials
	LR         float64 // Adam's starting learning rate for network and decoder; 0: 5e-5 (flyvis scheduler lr_net.start)
	EvalEvery  int     // validation, checkpoint and steady state every this many steps; 0: Iterations/10 (at least 1)
	ValBatches int     // validation batches (fixed scenes of the validation split); 0: 8 of the procedural data, all of MPI-Sintel's validation movies
	TPre       float64 // seconds of grey (0.5) before each movie, from rest; 0: 0.5 (flyvis t_pre_train)
	Scenes     int     // distinct training scenes, cycled through; 0: a new scene for every movie
	NoPenalty  bool    // leave out flyvis's activity penalty
	PenaltyEnd int     // last step with the activity penalty; 0: 150000 (flyvis stop_iter)
	Schedule   int     // steps the learning-rate schedule spans (250000: flyvis's whole run, of which this run is the start); 0: Iterations

	Data    Config        // the data set; its Seed is replaced by Seed
	Sintel  SintelConfig  // with Sintel.Dir set, MPI-Sintel instead of Data; its Extent and Seed are replaced by the network's and Seed
	Decoder DecoderConfig // the decoder
	Params  *opticlobe.Params

	Out string // directory for metrics.csv, chkpts/chkpt_NNNNN and resume.gob; "": none written

	// Fresh starts over in Out; otherwise a run finds the state saved at
	// its last validation in Out/resume.gob and goes on from there, bit
	// for bit as if it had not stopped (the settings must be the same,
	// except that with Schedule set a run that ended on its validation
	// grid can go on to more Iterations, as if started with them).
	Fresh     bool
	StopAfter int // stop (as if killed) after this many steps; 0: never

	// Progress, when a terminal, shows a progress bar of the steps
	// between validations (the step, the mean training loss since the
	// last validation, the time left); elsewhere, or nil, nothing.
	Progress io.Writer
}

// FitRow is one row of metrics.csv.
type FitRow struct {
	Iteration int
	TrainLoss float64 // mean training loss since the previous row (NaN in the first)
	ValLoss   float64 // validation loss after Iteration steps
	Seconds   float64 // wall time since the start
}

func (c FitConfig) withDefaults() FitConfig {
	if c.Iterations == 0 {
		c.Iterations = 100
	}
	if c.Batch == 0 {
		c.Batch = 4
	}
	if c.LR == 0 {
		c.LR = 5e-5
	}
	if c.EvalEvery == 0 {
		c.EvalEvery = max(c.Iterations/10, 1)
	}
	if c.TPre == 0 {
		c.TPre = 0.5
	}
	if c.PenaltyEnd == 0 {
		c.PenaltyEnd = 150000
	}
	c.Data.Seed = c.Seed
	return c
}

// lrAt returns the learning rate of step it: flyvis's "stepwise"
// schedule, ten equal parts of the Schedule steps (the run, by default)
// at learning rates evenly spaced from LR down to LR/10
// (np.linspace(start, stop, 10)).
func (c FitConfig) lrAt(it int) float64 {
	const steps = 10
	n := c.Iterations
	if c.Schedule > 0 {
		n = c.Schedule
	}
	k := min(it*steps/max(n, 1), steps-1)
	return c.LR + (c.LR/10-c.LR)*float64(k)/(steps-1)
}

// fitter is the state of a run.
type fitter struct {
	cfg      FitConfig
	net      *opticlobe.Network
	p        opticlobe.Params
	data     Source
	m        *opticlobe.Trainable[float32]
	dec      *Decoder[float32]
	task     *Task[float32]
	tr       *train.Trajectory[float32]
	opt      *train.Optimizer
	params   [][]float32
	grads    [][]float32
	x, flow  []float32 // [frames][batch][columns], [frames][batch][2][columns]
	y0, grey []float32 // [neurons][batch] steady state; [batch][columns] grey input
	solve    train.Solve
	frames   int
	dt       float64
	checkpts int
	metrics  io.Writer
	zeroFlow float64   // the loss of predicting no flow on the validation batches (validate; NaN before)
	drift    float64   // max |dV/dt| (1/s) at the end of steady's grey: how far from rest the movies start
	noFlow   []float32 // zeros shaped as flow
	lap      *laps     // BenchFit's timer of the phases of a step; nil: none
}

// Fit trains every parameter of the optic lobe (nodes_bias,
// nodes_time_const, edges_syn_strength: 734 for flyvis's spec) and the
// decoder on the procedural flow data as flyvis trains on Sintel: each
// step integrates a batch of movies with one euler step per frame from
// the steady state after TPre seconds of grey, decodes the states after
// each frame, and takes an Adam step on the l2norm loss, then an SGD step
// of nodes_bias on flyvis's activity penalty of the same states (until
// PenaltyEnd, at the same learning rate; both gradients are taken at the
// parameters of the forward pass, as flyvis's); strengths are
// then clamped at 0 and time constants at dt (flyvis divides by
// max(tau, dt)). The learning rate falls stepwise from LR to LR/10 in ten
// evenly spaced steps over the run (flyvis's "stepwise" scheduler; flyvis
// moves it only between epochs of Sintel). The steady state is recomputed
// at every validation. It writes Out/metrics.csv (iteration, train_loss,
// val_loss, seconds; the first row the untrained network at iteration 0)
// Out/curves.png (both losses against the step), Out/resume.gob, and a
// flyvis-shaped checkpoint of the network after each validation
// (Out/chkpts/chkpt_00000 for the untrained one), and returns the rows.
func Fit(net *opticlobe.Network, cfg FitConfig, log io.Writer) ([]FitRow, error) {
	f, err := newFitter(net, cfg.withDefaults())
	if err != nil {
		return nil, err
	}
	defer f.tr.Close()
	rows, first, err := f.open()
	if err != nil {
		return nil, err
	}
	if f.metrics != nil {
		defer f.metrics.(io.Closer).Close()
	}
	start := time.Now()
	if len(rows) > 0 {
		start = start.Add(-time.Duration(rows[len(rows)-1].Seconds * float64(time.Second)))
	}
	var sum float64
	var count int
	bar := progress.New(f.cfg.Progress, "training", float64(f.cfg.Iterations))
	defer bar.Clear()
	began := time.Now()
	for it := first; ; it++ {
		if it == first && len(rows) > 0 {
			f.steady() // resumed at a validation: its steady state again
		} else if it%f.cfg.EvalEvery == 0 || it == f.cfg.Iterations {
			f.steady()
			val, err := f.validate()
			if err != nil {
				return rows, diverged(err)
			}
			row := FitRow{Iteration: it, TrainLoss: sum / float64(count), ValLoss: val, Seconds: time.Since(start).Seconds()}
			sum, count = 0, 0
			rows = append(rows, row)
			bar.Clear()
			if err := f.record(row, log); err != nil {
				return rows, err
			}
			if err := f.save(rows); err != nil {
				return rows, err
			}
			if err := f.drawCurves(rows); err != nil {
				return rows, err
			}
		}
		if it == f.cfg.Iterations || (f.cfg.StopAfter > 0 && it == f.cfg.StopAfter) {
			return rows, nil
		}
		loss, err := f.step(it)
		if err != nil {
			return rows, fmt.Errorf("iteration %d: %w", it, diverged(err))
		}
		sum += loss
		count++
		left := time.Duration(float64(time.Since(began)) / float64(it+1-first) * float64(f.cfg.Iterations-it-1))
		bar.Set(float64(it+1), fmt.Sprintf("step %d/%d, training loss %.5g, %s left", it+1, f.cfg.Iterations, sum/float64(count), left.Round(time.Second)))
	}
}

// diverged adds what to do to the error of a forward pass whose states
// became NaN or infinite.
func diverged(err error) error {
	var nf *train.NonFiniteError
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: the network diverged (a smaller --lr may help; the checkpoints in --out hold the last validated state)", err)
	}
	return err
}

func newFitter(net *opticlobe.Network, cfg FitConfig) (*fitter, error) {
	if cfg.Iterations < 0 || cfg.Schedule < 0 || cfg.Scenes < 0 || cfg.Batch < 1 || cfg.EvalEvery < 1 || cfg.ValBatches < 0 || !(cfg.LR > 0) || !(cfg.TPre > 0) {
		return nil, fmt.Errorf("opticflow: bad iterations %d, batch %d, eval every %d, validation batches %d, lr %v or t_pre %v",
			cfg.Iterations, cfg.Batch, cfg.EvalEvery, cfg.ValBatches, cfg.LR, cfg.TPre)
	}
	var data Source
	var err error
	if cfg.Sintel.Dir != "" {
		cfg.Sintel.Extent, cfg.Sintel.Seed = net.Extent, cfg.Seed
		data, err = NewSintel(cfg.Sintel)
	} else {
		cfg.Data.Extent = net.Extent
		data, err = New(cfg.Data)
	}
	if err != nil {
		return nil, err
	}
	if cfg.ValBatches == 0 {
		cfg.ValBatches = 8
		if s, ok := data.(*Sintel); ok {
			_, val := s.Movies()
			cfg.ValBatches = max((val+cfg.Batch-1)/cfg.Batch, 1)
		}
	}
	need := trainBytes(net, cfg.Batch, data.Config().Frames)
	what := fmt.Sprintf("training the optic lobe at extent %d, batch %d, %d frames", net.Extent, cfg.Batch, data.Config().Frames)
	if err := budget.Check(what, need); err != nil {
		return nil, err
	}
	f := &fitter{cfg: cfg, net: net, data: data, frames: data.Config().Frames, dt: data.Config().Dt}
	if cfg.Params != nil {
		f.p = *cfg.Params
	} else {
		f.p = net.DefaultParams(cfg.Seed)
	}
	if f.m, err = opticlobe.NewTrainable(net, f.p.Vrest, f.p.Tau, f.p.Strength, cfg.Batch); err != nil {
		return nil, err
	}
	f.dec = NewDecoder[float32](net, cfg.Decoder, cfg.Seed)
	f.task = &Task[float32]{Decoder: f.dec, Frames: f.frames, Batch: cfg.Batch}
	if !cfg.NoPenalty {
		f.task.Penalty = DefaultPenalty(net.CentralNeurons())
	}
	f.tr = train.NewTrajectory[float32](f.m, f.task)
	for _, q := range f.tr.Params() {
		f.params, f.grads = append(f.params, q.Value), append(f.grads, q.Grad)
	}
	f.params, f.grads = append(f.params, f.dec.P[:]...), append(f.grads, f.dec.G[:]...)
	f.opt, err = train.NewOptimizer(train.OptimConfig{Method: "adam", LR: cfg.LR}, f.params)
	if err != nil {
		return nil, err
	}
	nc := data.Columns()
	f.x, f.flow = make([]float32, f.frames*cfg.Batch*nc), make([]float32, f.frames*cfg.Batch*2*nc)
	f.noFlow, f.zeroFlow = make([]float32, len(f.flow)), math.NaN()
	f.task.Target = f.flow
	f.grey = make([]float32, cfg.Batch*nc)
	for i := range f.grey {
		f.grey[i] = 0.5
	}
	f.y0 = make([]float32, net.Neurons()*cfg.Batch)
	f.solve = Solve(f.frames, f.dt)
	return f, nil
}

// steady sets the initial state: the network at rest (V = Vrest) run
// with euler steps of dt through TPre seconds of grey.
func (f *fitter) steady() {
	f.m.Sync()
	f.m.SetInput(f.grey)
	b := f.cfg.Batch
	for i, t := range f.net.Conn.Type {
		for s := range b {
			f.y0[i*b+s] = f.p.Vrest[t]
		}
	}
	d, ts := make([]float32, len(f.y0)), make([]float64, b)
	for range int(math.Round(f.cfg.TPre / f.dt)) {
		f.m.Eval(0, d, f.y0, ts, model.Forward)
		for q, v := range d {
			f.y0[q] += float32(f.dt) * v
		}
	}
	f.m.Eval(0, d, f.y0, ts, model.Forward)
	f.drift = opticlobe.MaxAbs(d)
	f.tr.SetInitial(f.y0)
	if f.cfg.Decoder.SubtractGrey { // the experiment's baseline: relu(V) at rest under grey
		if len(f.dec.Baseline) != len(f.net.Conn.Type) {
			f.dec.Baseline = make([]float32, len(f.net.Conn.Type))
		}
		for i := range f.dec.Baseline {
			f.dec.Baseline[i] = max(f.y0[i*b], 0)
		}
	}
}

// validate returns the mean loss over the validation batches, the
// decoder in evaluation mode, and sets zeroFlow, the loss of predicting no
// flow on them: the level a decoder that has learnt nothing of motion
// reaches, which the log and the curves show beside the validation loss.
func (f *fitter) validate() (float64, error) {
	f.dec.Training = false
	defer func() { f.dec.Training = true }()
	var sum, none float64
	for k := range f.cfg.ValBatches {
		f.data.Batch(f.x, f.flow, Validation, k*f.cfg.Batch)
		if err := SourceErr(f.data); err != nil {
			return 0, err
		}
		none += L2Norm(nil, f.noFlow, f.flow, f.frames, f.cfg.Batch)
		loss, err := f.tr.Forward(f.x, f.solve)
		if err != nil {
			return 0, fmt.Errorf("validation: %w", err)
		}
		sum += loss
	}
	f.zeroFlow = none / float64(f.cfg.ValBatches)
	return sum / float64(f.cfg.ValBatches), nil
}

// step trains on batch it of the training split and returns its loss.
func (f *fitter) step(it int) (float64, error) {
	first := it * f.cfg.Batch
	if f.cfg.Scenes > 0 {
		first %= f.cfg.Scenes
	}
	f.lap.start()
	f.data.Batch(f.x, f.flow, Train, first)
	if err := SourceErr(f.data); err != nil {
		return 0, err
	}
	f.lap.mark(phaseData)
	loss, err := f.tr.Forward(f.x, f.solve)
	if err != nil {
		return loss, err
	}
	f.lap.mark(phaseForward)
	f.dec.ZeroGrad()
	f.task.PenaltyPhase = false
	var pen []float32 // the penalty's gradient of nodes_bias
	if f.task.Penalty != nil && it < f.cfg.PenaltyEnd {
		pen, err = f.backwardWithPenalty()
		if err != nil {
			return loss, err
		}
	} else {
		f.tr.Backward()
	}
	f.lap.mark(phaseBackward)
	f.opt.Config.LR = f.cfg.lrAt(it)
	_, lr, err := f.opt.Update(f.params, f.grads, nil)
	if err != nil {
		return loss, err
	}
	for k, g := range pen {
		f.p.Vrest[k] -= float32(lr) * g // flyvis: SGD at lr_pen, scheduled as lr_net
	}
	for k, v := range f.p.Strength {
		f.p.Strength[k] = max(v, 0)
	}
	for k, v := range f.p.Tau {
		f.p.Tau[k] = max(v, float32(f.dt))
	}
	f.lap.mark(phaseUpdate)
	return loss, nil
}

// trainBytes estimates the memory of training net (beyond the network
// itself) at the given batch and frames per movie: the stencil's maps of
// relu(V) and of both adjoints (three values a cell of the lattice's
// square maps with their margins, per type and sample), about
// 5·(frames+1) + 15 states of neurons·batch values (the steps' states,
// records and products, both adjoints and their outputs' adjoints, the
// stepper's scratch), the decoder's maps of every image (frames·batch of
// them) and the batch's movies and flow. Its growth with the batch, about
// 30 MB a movie at extent 15, is the peak resident memory's between batch
// 4 and 16 (194 and 559 MB, the network included).
func trainBytes(net *opticlobe.Network, batch, frames int) float64 {
	n, b, f := float64(net.Neurons()), float64(batch), float64(frames)
	side := float64(2*net.Extent + 1)
	mapSide := side + 2*float64(net.MaxOffset()) // the stencil's maps, margins included
	maps := float64(len(net.Spec.Types)) * mapSide * mapSide
	hw, ps := side*side, (side+4)*(side+4)
	in := float64(len(net.Spec.OutputUnits))
	const hidden = 8
	perImage := (2*in+5*hidden+6)*hw + in*ps
	cols := float64(opticlobe.ColumnCount(net.Extent))
	return 4 * (3*maps*b + (5*(f+1)+15)*n*b + f*b*perImage + 3*f*b*cols)
}

// record writes a row of metrics.csv and a checkpoint, and logs the row.
func (f *fitter) record(r FitRow, log io.Writer) error {
	if log != nil {
		if math.IsNaN(r.TrainLoss) { // no step yet: the untrained network
			fmt.Fprintf(log, "iteration %d (untrained): validation loss %.5g (predicting no flow: %.5g), %.1f s\n", r.Iteration, r.ValLoss, f.zeroFlow, r.Seconds)
		} else {
			fmt.Fprintf(log, "iteration %d: train loss %.5g, validation loss %.5g, %.1f s\n", r.Iteration, r.TrainLoss, r.ValLoss, r.Seconds)
		}
		if w := opticlobe.RestWarning(f.drift, f.cfg.TPre); w != "" {
			fmt.Fprintf(log, "  warning: %s\n", w)
		}
	}
	if f.cfg.Out == "" {
		return nil
	}
	if err := f.writeRow(r); err != nil {
		return err
	}
	path := filepath.Join(f.cfg.Out, "chkpts", fmt.Sprintf("chkpt_%05d", f.checkpts))
	f.checkpts++
	dec := []pt.Item{{Name: "flow", Value: decoderStateDict(f.dec, r.Iteration)}}
	return opticlobe.SaveCheckpoint(f.net, f.p, path, opticlobe.CheckpointInfo{DT: f.dt, ValLoss: r.ValLoss, Iteration: r.Iteration, Decoder: dec})
}

// backwardWithPenalty computes the flow loss's gradients and returns the
// activity penalty's gradient of nodes_bias, both at the parameters of the
// last forward pass and in one backward sweep (train's BackwardDual).
func (f *fitter) backwardWithPenalty() ([]float32, error) {
	err := f.tr.BackwardDual(func(gouts [][]float32) {
		f.task.PenaltyPhase = true
		f.task.Backward(gouts)
		f.task.PenaltyPhase = false
	})
	if err != nil {
		return nil, err
	}
	return f.m.SecondBiasGrad(), nil
}

// drawCurves draws Out/curves.png: the training loss (the mean since the
// previous validation) and the validation loss against the step, with the
// validation loss of predicting no flow as a level line.
func (f *fitter) drawCurves(rows []FitRow) error {
	if f.cfg.Out == "" {
		return nil
	}
	tr, val := plot.Series{Label: "training", Marker: true}, plot.Series{Label: "validation", Marker: true}
	for _, r := range rows {
		if !math.IsNaN(r.TrainLoss) {
			tr.X, tr.Y = append(tr.X, float64(r.Iteration)), append(tr.Y, r.TrainLoss)
		}
		val.X, val.Y = append(val.X, float64(r.Iteration)), append(val.Y, r.ValLoss)
	}
	series := []plot.Series{val}
	if len(tr.X) > 0 {
		series = []plot.Series{tr, val}
	}
	if last := rows[len(rows)-1].Iteration; last > 0 && !math.IsNaN(f.zeroFlow) {
		series = append(series, plot.Series{Label: "validation, predicting no flow", X: []float64{0, float64(last)}, Y: []float64{f.zeroFlow, f.zeroFlow}})
	}
	return plot.Lines(filepath.Join(f.cfg.Out, "curves.png"), "Optic flow, l2norm loss", "iteration", "loss",
		series, 6*vg.Inch, 3.5*vg.Inch)
}
