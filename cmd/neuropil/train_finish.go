package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/neuropil/neuropil/train"
)

// finishOutputs writes again, from the checkpoint c of a finished run in
// dir, the outputs written after its last checkpoint: metrics.csv,
// learning_curves.png and model.npz. A run is done only when all its
// outputs are: a full disk after the last checkpoint must not leave a
// rerun that says "finished" and has no model.npz (or an earlier one).
func finishOutputs(dir string, c *train.Checkpoint, stdout io.Writer) error {
	if err := train.WriteRunFiles(dir, c.State.History, train.ReadTrace(dir, float64(c.State.Epoch))); err != nil {
		return err
	}
	npz := filepath.Join(dir, "model.npz")
	if err := train.ExportFile(npz, c.Model); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s\n", filepath.Join(dir, "metrics.csv"), filepath.Join(dir, "learning_curves.png"), npz)
	return nil
}
