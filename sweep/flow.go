package sweep

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/plot"
	"gonum.org/v1/plot/vg"
)

// EnsembleDir is where Collect gathers the trainings of the optic lobe
// (train --model optic-lobe) of a sweep, as a flyvis ensemble directory:
// SWEEP/collected/ensemble/NNN, NNN the run's index, each member a
// network directory (chkpts/chkpt_NNNNN, metrics.csv).
func EnsembleDir(sweep string) string { return filepath.Join(sweep, "collected", "ensemble") }

// flowColumns are the columns of ensemble.csv for the optic lobe after
// the run's index, name and values: from each member's metrics.csv
// (iteration, train_loss, val_loss, seconds).
var flowColumns = []string{"member", "iterations", "final_train_loss", "final_val_loss", "best_val_loss", "best_iteration", "seconds"}

// collectFlow writes, for trainings of the optic lobe,
// collected/ensemble.csv: each done member's final and best validation
// loss (the smallest, the first on a tie: the checkpoint neuropil and
// flyvis choose by default) with their iterations, then rows "mean" and
// "std" over the members; collected/learning_curves.png, every member's
// validation loss by iteration; and the ensemble directory EnsembleDir
// (made anew), which "neuropil analyze flash --params" runs member by
// member.
func (p *Plan) collectFlow(dir string, keys []string, states []RunState) ([]string, error) {
	ens := EnsembleDir(dir)
	if err := os.RemoveAll(ens); err != nil {
		return nil, err
	}
	var rows, final [][]string
	var curves []plot.Series
	for _, s := range states {
		if s.State != Done {
			continue
		}
		out := filepath.Join(Dir(dir, &s.Run), "out")
		all, err := readCSV(filepath.Join(out, "metrics.csv"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		member := fmt.Sprintf("%03d", s.Index)
		sum, c, err := flowSummary(member, all)
		if err != nil {
			return nil, fmt.Errorf("%s: metrics.csv: %w", s.Name, err)
		}
		c.Label = s.Name
		if err := copyMember(filepath.Join(ens, member), out); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		curves = append(curves, c)
		rows = append(rows, append(append([]string{strconv.Itoa(s.Index), s.Name}, varValues(keys, s.Vars)...), sum...))
		final = append(final, sum)
	}
	if len(final) > 0 {
		mean := append([]string{"", "mean"}, make([]string, len(keys)+1)...)
		std := append([]string{"", "std"}, make([]string, len(keys)+1)...)
		for c := 1; c < len(flowColumns); c++ {
			m, sd, _ := meanStd(final, c)
			mean, std = append(mean, m), append(std, sd)
		}
		rows = append(rows, mean, std)
	}
	path := filepath.Join(dir, "collected", "ensemble.csv")
	if err := writeCSV(path, append(append([]string{"index", "name"}, keys...), flowColumns...), rows); err != nil || len(curves) == 0 {
		return []string{path}, err
	}
	png := filepath.Join(dir, "collected", "learning_curves.png")
	err := plot.Lines(png, fmt.Sprintf("Ensemble of %d: validation loss", len(curves)), "iteration", "val_loss", curves, 6*vg.Inch, 4*vg.Inch)
	return []string{path, png, ens}, err
}

// flowSummary returns a member's row of ensemble.csv (flowColumns) from
// its metrics.csv, and its validation curve.
func flowSummary(member string, all [][]string) ([]string, plot.Series, error) {
	col := map[string]int{}
	for _, name := range []string{"iteration", "train_loss", "val_loss", "seconds"} {
		if col[name] = slices.Index(all[0], name); col[name] < 0 {
			return nil, plot.Series{}, fmt.Errorf("no column %q (has %v)", name, all[0])
		}
	}
	var c plot.Series
	best, bestIt := math.Inf(1), ""
	for _, r := range all[1:] {
		if len(r) != len(all[0]) {
			return nil, plot.Series{}, fmt.Errorf("row %v: %d fields, want %d", r, len(r), len(all[0]))
		}
		it, err1 := strconv.ParseFloat(r[col["iteration"]], 64)
		v, err2 := strconv.ParseFloat(r[col["val_loss"]], 64)
		if err1 != nil || err2 != nil || math.IsNaN(v) {
			continue
		}
		c.X, c.Y = append(c.X, it), append(c.Y, v)
		if v < best {
			best, bestIt = v, r[col["iteration"]]
		}
	}
	if bestIt == "" {
		return nil, c, fmt.Errorf("no validation loss")
	}
	last := all[len(all)-1]
	return []string{member, last[col["iteration"]], last[col["train_loss"]], last[col["val_loss"]],
		strconv.FormatFloat(best, 'g', 8, 64), bestIt, last[col["seconds"]]}, c, nil
}

// copyMember copies a training's checkpoints (out/chkpts/chkpt_*) and
// metrics.csv into the network directory dst.
func copyMember(dst, out string) error {
	ck, err := filepath.Glob(filepath.Join(out, "chkpts", "chkpt_*"))
	if err != nil || len(ck) == 0 {
		return fmt.Errorf("no checkpoints in %s: %v", filepath.Join(out, "chkpts"), err)
	}
	if err := os.MkdirAll(filepath.Join(dst, "chkpts"), 0o755); err != nil {
		return err
	}
	for _, src := range append(ck, filepath.Join(out, "metrics.csv")) {
		rel, _ := filepath.Rel(out, src)
		if err := copyFile(filepath.Join(dst, rel), src); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(dst, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return atomic.WriteFile(dst, func(w io.Writer) error { _, err := io.Copy(w, f); return err })
}
