package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
	"github.com/neuropil/neuropil/train"
)

func init() {
	register("bench-train", "time one forward and backward pass of training (20 euler steps, batch 8)", runBenchTrain)
}

// benchTrainResult is the JSON report of benchTrain.
type benchTrainResult = train.BenchReport

// benchTrain times training steps (train.BenchStep) and adds the peak
// memory of the process.
func benchTrain(w *sparse.CSR, desc string, batch, steps, reps, workers int, phi model.Nonlinearity) (*benchTrainResult, error) {
	res, err := train.BenchStep(w, desc, batch, steps, reps, workers, phi)
	if err == nil {
		res.PeakRSSBytes = budget.PeakRSS()
	}
	return res, err
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
	c, desc, err := format.LoadOrDefault(conn, format.Options{})
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
