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

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/internal/progress"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/opticflow"
	"github.com/neuropil/neuropil/train"
)

func init() {
	register("train", "train a connectome ODE RNN classifier on MNIST (checkpoints, metrics, learning curves)", runTrain)
	register("eval", "evaluate a trained checkpoint on MNIST, optionally export its parameters", runEval)
}

// trainRun holds the options of one "neuropil train" invocation that are
// not stored in checkpoints.
type trainRun struct {
	out                        string
	fresh                      bool
	workers, logEvery, stopAft int
	trace                      []train.TracePoint // the running loss and accuracy after each batch
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	if opticflow.Wants(args) { // the flow task: its own flags (package opticflow)
		return opticflow.Command(args, stdout, stderr)
	}
	var s train.Settings
	var o trainRun
	fs := trainFlags(&s, &o, stderr)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := cli.CheckFiles(fs, "connectome", "mnist"); err != nil {
		return err
	}
	if err := s.ApplyPreset(fs, given(fs)); err != nil {
		return err
	}
	if _, err := os.Stat(o.out); errors.Is(err, os.ErrNotExist) {
		defer func() { os.Remove(o.out) }() // a run that failed before writing anything leaves no empty directory
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	lock, err := atomic.Lock(o.out) // one run at a time in --out
	if err != nil {
		return err
	}
	defer lock.Unlock()
	ckpt := filepath.Join(o.out, "checkpoint.ckpt")
	m, opt, st, done, err := resumeRun(fs, &s, ckpt, o.fresh, stdout)
	if err != nil || done {
		return err
	}
	if err := s.Check(); err != nil {
		return err
	}
	if m != nil { // resumed: the checkpoint's settings and model, before any data
		if err := s.CheckMemory("train", s.TrainBytes(m.Neurons, m.W.NNZ())); err != nil {
			return err
		}
	}
	trainSet, err := train.LoadMNIST(s.MNIST, mnist.Train, s.TrainLimit, 784)
	if err != nil {
		return err
	}
	testSet, err := train.LoadMNIST(s.MNIST, mnist.Test, s.TestLimit, 784)
	if err != nil {
		return err
	}
	solve, err := s.Solve()
	if err != nil {
		return err
	}
	if m == nil {
		if m, opt, err = newRun(&s, trainSet.Len(), stdout); err != nil {
			return err
		}
	}
	opt.Config.TotalSteps = (trainSet.Len() / s.Batch) * s.Epochs
	o.trace = train.ReadTrace(o.out, float64(st.Epoch)+float64(st.Batch)/float64(max(1, trainSet.Len()/s.Batch)))
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
func trainFlags(s *train.Settings, o *trainRun, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("train", stderr)
	s.AddFlags(fs)
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
func resumeRun(fs *flag.FlagSet, s *train.Settings, ckpt string, fresh bool, stdout io.Writer) (m *train.Model, opt *train.Optimizer, st train.State, done bool, err error) {
	if fresh {
		return nil, nil, st, false, nil
	}
	r, err := train.Resume(ckpt, s, given(fs))
	if err != nil || r == nil {
		return nil, nil, st, false, err
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(stdout, "%s: resuming with the checkpoint's settings; ignored: %s (--fresh starts over with them)\n", ckpt, strings.Join(r.Ignored, ", "))
	}
	c := r.Checkpoint
	if r.Done {
		fmt.Fprintf(stdout, "%s: run already finished its %d epoch(s) (--epochs N continues it)\n", ckpt, c.State.Epoch)
		files, err := train.FinishRun(filepath.Dir(ckpt), c)
		if err == nil {
			fmt.Fprintf(stdout, "wrote %s\n", strings.Join(files, ", "))
		}
		return nil, nil, st, true, err
	}
	fmt.Fprintf(stdout, "resuming %s at epoch %d, batch %d (stored settings; --epochs %d)\n", ckpt, c.State.Epoch+1, c.State.Batch, s.Epochs)
	return c.Model, c.Opt, c.State, false, nil
}

// newRun builds the model and optimizer of a new run from s.
func newRun(s *train.Settings, trainLen int, stdout io.Writer) (*train.Model, *train.Optimizer, error) {
	conn, desc, err := format.LoadOrDefault(s.Connectome, format.Options{})
	if err != nil {
		return nil, nil, err
	}
	if err := s.CheckMemory("train", s.TrainBytes(conn.W.Rows, conn.W.NNZ())); err != nil {
		return nil, nil, err
	}
	m, err := s.NewModel(conn, desc)
	if err != nil {
		return nil, nil, err
	}
	opt, err := s.NewOptimizer(m, trainLen)
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
func runConfig(s *train.Settings, o *trainRun, solve train.Solve, ckpt string, stdout, stderr io.Writer) (train.RunConfig, **progress.Bar) {
	settings, _ := json.Marshal(s)
	bar, testDone := new(*progress.Bar), new(int)
	barEpoch, ran, start := -1, 0, time.Now()
	return train.RunConfig{Epochs: s.Epochs, Batch: s.Batch, EvalBatch: s.EvalBatch, Seed: s.Seed, Solve: solve,
		Frozen: s.Frozen(), Workers: o.workers, Checkpoint: ckpt, CheckpointEvery: s.CheckpointEach, Settings: settings,
		Progress: func(p train.Progress) {
			if p.Epoch != barEpoch {
				(*bar).Done()
				*bar = progress.New(stderr, fmt.Sprintf("epoch %d/%d", p.Epoch+1, p.Epochs), float64(p.Batches))
				barEpoch = p.Epoch
			}
			o.trace = append(o.trace, p.Point())
			note := fmt.Sprintf("batch %d/%d loss %.4f acc %.3f %.1f img/s", p.Batch, p.Batches, p.Loss, p.Accuracy, p.ExamplesPerSec)
			(*bar).Set(float64(p.Batch), note)
			if *bar == nil && o.logEvery > 0 && (p.Batch%o.logEvery == 0 || p.Batch == p.Batches) {
				fmt.Fprintf(stderr, "epoch %d/%d %s |g| %.3g lr %.3g elapsed %s\n", p.Epoch+1, p.Epochs, note, p.GradNorm, p.LR,
					time.Since(start).Round(time.Second))
			}
		},
		TestProgress: func(done, total int) {
			if done <= *testDone { // a new test pass
				(*bar).Done()
				*bar = progress.New(stderr, "test", float64(total))
			}
			*testDone = done
			(*bar).Set(float64(done), fmt.Sprintf("%d/%d images", done, total))
		},
		Stop: func(epoch, batch int) bool {
			ran++
			return o.stopAft > 0 && ran > o.stopAft
		},
		OnEpoch: func(e train.Epoch, st *train.State) error {
			(*bar).Done()
			*bar, barEpoch, *testDone = nil, -1, 0
			fmt.Fprintf(stdout, "epoch %d: train loss %.4f, train accuracy %.4f, test loss %.4f, test accuracy %.4f (%.0f s)\n",
				e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.Seconds)
			return train.WriteRunFiles(o.out, st.History, o.trace)
		},
	}, bar
}

// given returns the names of the flags given on the command line.
func given(fs *flag.FlagSet) []string {
	var names []string
	fs.Visit(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

func runEval(args []string, stdout, stderr io.Writer) error {
	var e train.EvalRun
	fs := newFlags("eval", stderr)
	fs.StringVar(&e.Checkpoint, "checkpoint", "", "checkpoint file written by neuropil train (required)")
	fs.StringVar(&e.MNIST, "mnist", "", "directory of MNIST IDX files; default: the GoMNIST module's")
	fs.IntVar(&e.TestLimit, "test-limit", 0, "evaluate on the first N test images (0: all)")
	fs.IntVar(&e.Batch, "batch", 32, "evaluation batch size")
	fs.IntVar(&e.Workers, "workers", 0, "goroutines (default: all cores)")
	fs.StringVar(&e.Export, "export", "", "also write the model's parameters to this file: .npz (NumPy) or .pt/.pth (PyTorch state dict)")
	fs.StringVar(&e.ExportConnectome, "export-connectome", "", "also write the trained recurrent weights as a connectome file (any format: "+strings.Join(format.Extensions(), ", ")+")")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}

	var bar *progress.Bar
	e.Progress = func(done, total int) {
		if done <= e.Batch { // the first batch
			bar = progress.New(stderr, "eval", float64(total))
		}
		bar.Set(float64(done), fmt.Sprintf("%d/%d images", done, total))
	}
	e.Wrote = func(path string) { fmt.Fprintf(stdout, "wrote %s\n", path) }
	r, err := e.Run()
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test images: %d\ntest loss: %.4f\ntest accuracy: %.4f\nseconds: %.1f\n", r.Images, r.Loss, r.Accuracy, r.Seconds)
	return nil
}
