package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/mnist"
)

// EvalRun is what "neuropil eval" does with a checkpoint, by the names of
// its flags: evaluate on MNIST's test split and export the parameters.
type EvalRun struct {
	Checkpoint       string // --checkpoint, required
	MNIST            string // --mnist: IDX directory; "": the GoMNIST module's files
	TestLimit        int    // --test-limit: the first N test images; 0: all
	Batch, Workers   int    // --batch (≥ 1), --workers (0: all cores)
	Export           string // --export: parameters as .npz or .pt/.pth; "": none
	ExportConnectome string // --export-connectome: the trained recurrent weights in any connectome format; "": none

	Progress func(done, total int) // after each batch of the evaluation; may be nil
	Wrote    func(path string)     // after each export written; may be nil
}

// EvalResult is the outcome of an EvalRun.
type EvalResult struct {
	Images         int
	Loss, Accuracy float64
	Seconds        float64 // the evaluation's, without loading
}

// Run checks every setting (an error names the flag) before it reads
// anything, reads the checkpoint and the test set before it writes an
// export (a bad --mnist leaves no files), writes the exports, then
// evaluates.
func (e EvalRun) Run() (*EvalResult, error) {
	switch {
	case e.Checkpoint == "":
		return nil, errors.New("eval: --checkpoint is required")
	case e.Batch < 1:
		return nil, fmt.Errorf("--batch %d: must be at least 1", e.Batch)
	case e.TestLimit < 0:
		return nil, fmt.Errorf("--test-limit %d: must not be negative", e.TestLimit)
	case e.Workers < 0:
		return nil, fmt.Errorf("--workers %d: must be positive (0: all cores)", e.Workers)
	}
	if e.Export != "" {
		if err := CheckExport(e.Export); err != nil {
			return nil, fmt.Errorf("--export %w", err)
		}
	}
	if e.ExportConnectome != "" {
		if _, err := format.Detect(e.ExportConnectome); err != nil {
			return nil, fmt.Errorf("--export-connectome: %w", err)
		}
	}
	if _, err := os.Stat(e.Checkpoint); err != nil {
		return nil, fmt.Errorf("--checkpoint %s: %w", e.Checkpoint, errors.Unwrap(err))
	}
	c, err := Load(e.Checkpoint)
	if err != nil {
		return nil, err
	}
	var s Settings
	if err := json.Unmarshal(c.Settings, &s); err != nil {
		return nil, fmt.Errorf("%s: settings: %w", e.Checkpoint, err)
	}
	if err := s.CheckMemory("eval", s.EvalBytes(c.Model.Neurons, c.Model.W.NNZ(), e.TestLimit, e.Batch)); err != nil {
		return nil, err
	}
	solve, err := s.Solve()
	if err != nil {
		return nil, err
	}
	test, err := LoadMNIST(e.MNIST, mnist.Test, e.TestLimit, c.Model.Inputs)
	if err != nil {
		return nil, fmt.Errorf("--mnist: %w", err)
	}
	if err := e.export(c.Model); err != nil {
		return nil, err
	}
	start := time.Now()
	loss, acc, err := EvaluateWith(c.Model, test, e.Batch, e.Workers, solve, e.Progress)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return &EvalResult{Images: test.Len(), Loss: loss, Accuracy: acc, Seconds: time.Since(start).Seconds()}, nil
}

// export writes the exports asked for.
func (e EvalRun) export(m *Model) error {
	if e.Export != "" {
		if err := ExportFile(e.Export, m); err != nil {
			return err
		}
		if e.Wrote != nil {
			e.Wrote(e.Export)
		}
	}
	if e.ExportConnectome != "" {
		if err := format.Save(e.ExportConnectome, m.Connectome(), format.Options{}); err != nil {
			return err
		}
		if e.Wrote != nil {
			e.Wrote(e.ExportConnectome)
		}
	}
	return nil
}
