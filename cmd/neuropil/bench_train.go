package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
	"github.com/neuropil/neuropil/train"
)

func init() {
	register("bench-train", "time one forward and backward pass of training (20 euler steps, batch 8)", runBenchTrain)
}

// benchTrainResult is the JSON report of benchTrain.
type benchTrainResult struct {
	Connectome            string    `json:"connectome"`
	Neurons               int       `json:"neurons"`
	Synapses              int       `json:"synapses"`
	Batch                 int       `json:"batch"`
	Steps                 int       `json:"steps"`
	Nonlinearity          string    `json:"nonlinearity"`
	Workers               int       `json:"workers"`
	TrainStepSeconds      float64   `json:"train_step_seconds"`              // median, stored pre-activations (neuropil train's default)
	TrainStepSecondsCkpt  float64   `json:"train_step_seconds_checkpointed"` // median, one state per step
	ForwardSeconds        float64   `json:"forward_seconds"`                 // median forward part of train_step_seconds
	StepTimes             []float64 `json:"step_times"`
	StepTimesCheckpointed []float64 `json:"step_times_checkpointed"`
	StateBytes            int64     `json:"state_bytes"`
	StateBytesCkpt        int64     `json:"state_bytes_checkpointed"`
	Loss                  float64   `json:"loss"`
	PeakRSSBytes          int64     `json:"peak_rss_bytes"`
}

// benchTrain times one forward and backward pass of the classifier (loss
// on the last state) with `steps` euler steps over [0, 1] at the given batch,
// reps times in each memory mode, on a random input. The model is
// neuropil train's: identity input projection onto 784 seeded random neurons, all
// neurons read out, hidden layer 128, 10 classes.
func benchTrain(w *sparse.CSR, desc string, batch, steps, reps, workers int, phi model.Nonlinearity) (*benchTrainResult, error) {
	m, err := train.New(train.Config{W: w, Inputs: 784, Nonlinearity: phi, Seed: 1})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(2, 3))
	x := make([]float32, batch*784)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	res := &benchTrainResult{Connectome: desc, Neurons: w.Rows, Synapses: w.NNZ(), Batch: batch, Steps: steps,
		Nonlinearity: phi.String(), Workers: workers}
	stored, err := train.Bench(m, x, labels, train.Solve{Steps: steps, StoreZ: true}, reps, workers)
	if err != nil {
		return nil, err
	}
	ckpt, err := train.Bench(m, x, labels, train.Solve{Steps: steps}, reps, workers)
	if err != nil {
		return nil, err
	}
	res.StepTimes, res.StateBytes, res.Loss = stored.Step, stored.StateBytes, stored.Loss
	res.StepTimesCheckpointed, res.StateBytesCkpt = ckpt.Step, ckpt.StateBytes
	fwd := stored.Forward
	res.TrainStepSeconds = median(res.StepTimes)
	res.TrainStepSecondsCkpt = median(res.StepTimesCheckpointed)
	res.ForwardSeconds = median(fwd)
	res.PeakRSSBytes = peakRSS()
	return res, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func runBenchTrain(args []string, stdout, stderr io.Writer) error {
	var conn, writeConn, nonlin string
	var batch, steps, reps, workers int
	var asJSON bool
	fs := newFlags("bench-train", stderr)
	fs.StringVar(&conn, "connectome", "", "connectome file; default: the built-in random connectome")
	fs.IntVar(&batch, "batch", 8, "batch size")
	fs.IntVar(&steps, "steps", 20, "euler steps over [0, 1]")
	fs.IntVar(&reps, "reps", 3, "repetitions per mode (the median is reported)")
	fs.IntVar(&workers, "workers", 0, "goroutines (default: all cores)")
	fs.StringVar(&nonlin, "nonlinearity", "sigmoid", "nonlinearity")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	fs.StringVar(&writeConn, "write-connectome", "", "write the connectome as scipy.sparse.save_npz does (csr: data, indices, indptr, shape) and exit, for bench/train_torch.py")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if batch < 1 || steps < 1 || reps < 1 {
		return fmt.Errorf("--batch %d, --steps %d, --reps %d: must be at least 1", batch, steps, reps)
	}
	phi, err := model.ParseNonlinearity(nonlin)
	if err != nil {
		return fmt.Errorf("--nonlinearity: %w", err)
	}
	c, desc, err := loadConnectome(conn, format.Options{})
	if err != nil {
		return err
	}
	if writeConn != "" {
		return atomic.WriteFile(writeConn, func(w io.Writer) error { return npy.EncodeNPZ(w, c.W) })
	}
	res, err := benchTrain(c.W, desc, batch, steps, reps, workers, phi)
	if err != nil {
		return fmt.Errorf("bench-train: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "connectome: %s\n", desc)
	fmt.Fprintf(stdout, "one forward+backward pass, %d euler steps, batch %d, loss on the last state:\n", steps, batch)
	fmt.Fprintf(stdout, "  stored pre-activations: %.3f s (forward %.3f s), %d MiB of states\n", res.TrainStepSeconds, res.ForwardSeconds, res.StateBytes>>20)
	fmt.Fprintf(stdout, "  checkpointed:           %.3f s, %d MiB of states\n", res.TrainStepSecondsCkpt, res.StateBytesCkpt>>20)
	fmt.Fprintf(stdout, "  peak RSS: %d MiB\n", res.PeakRSSBytes>>20)
	return nil
}
