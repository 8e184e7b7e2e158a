package opticlobe

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/format/pt"
)

// The checkpoints of a flyvis network directory that --params DIR@WHICH
// chooses (ChooseCheckpoint); a plain DIR is DIR@best.
const (
	BestCheckpoint   = "best"   // the smallest val_loss: flyvis's default (NetworkView, best_checkpoint_default_fn)
	LatestCheckpoint = "latest" // the highest chkpt_NNNNN
)

// SplitParams splits a --params value into its path and the checkpoint it
// chooses in a network directory: "DIR@best", "DIR@latest" or "DIR@N" (N
// an integer: the N-th checkpoint by number, from 0, negative from the
// end, as flyvis's NetworkView.network(checkpoint=N)). which is "" when
// s has no such suffix or names an existing file or directory as it is.
func SplitParams(s string) (path, which string) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 || strings.ContainsAny(s[i:], `/\`) {
		return s, ""
	}
	if _, err := os.Stat(s); err == nil {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// Checkpoints returns the checkpoints of a flyvis network directory,
// DIR/chkpts/chkpt_NNNNN (or DIR/chkpt_NNNNN), ordered by NNNNN as
// flyvis's checkpoint_index_to_path_map orders them. A directory without
// any is an error naming it.
func Checkpoints(dir string) ([]string, error) {
	type numbered struct {
		k    int
		path string
	}
	for _, d := range []string{filepath.Join(dir, "chkpts"), dir} {
		m, _ := filepath.Glob(filepath.Join(d, "chkpt_*"))
		var found []numbered
		for _, p := range m {
			if k, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "chkpt_")); err == nil {
				found = append(found, numbered{k, p})
			}
		}
		if len(found) == 0 {
			continue
		}
		slices.SortFunc(found, func(a, b numbered) int { return a.k - b.k })
		out := make([]string, len(found))
		for i, f := range found {
			out[i] = f.path
		}
		return out, nil
	}
	return nil, fmt.Errorf("opticlobe: %s: no flyvis checkpoint (chkpts/chkpt_NNNNN; an ensemble directory of networks runs member by member in neuropil analyze)", dir)
}

// ChooseCheckpoint returns the checkpoint of the flyvis network directory
// dir that which names (SplitParams): "" or "best", the checkpoint of the
// smallest val_loss, the first on a tie, as flyvis's argmin over its
// validation losses (the same numbers: flyvis's solver stores each
// validation's loss in the checkpoint it writes); "latest", the highest
// number; an integer N, the N-th by number. Unlike numpy's argmin, a NaN
// val_loss (neuropil's SaveParams writes NaN when the loss is unknown) is
// passed over; a checkpoint without val_loss, or none with a number, is an
// error when best is asked.
func ChooseCheckpoint(dir, which string) (string, error) {
	all, err := Checkpoints(dir)
	if err != nil {
		return "", err
	}
	switch which {
	case "", BestCheckpoint:
		return bestCheckpoint(dir, all)
	case LatestCheckpoint:
		return all[len(all)-1], nil
	}
	n, err := strconv.Atoi(which)
	if err != nil {
		return "", fmt.Errorf("opticlobe: %s@%s: unknown checkpoint choice (known: best, latest, or an index such as 0 or -1)", dir, which)
	}
	if n < 0 {
		n += len(all)
	}
	if n < 0 || n >= len(all) {
		return "", fmt.Errorf("opticlobe: %s@%s: no such checkpoint (%d, from %s to %s)", dir, which, len(all), filepath.Base(all[0]), filepath.Base(all[len(all)-1]))
	}
	return all[n], nil
}

// bestCheckpoint returns the checkpoint of the smallest val_loss.
func bestCheckpoint(dir string, all []string) (string, error) {
	best, bestLoss := "", math.Inf(1)
	for _, p := range all {
		loss, ok, err := ValLoss(p)
		if err != nil {
			return "", fmt.Errorf("opticlobe: %s: %w", p, err)
		}
		if !ok {
			return "", fmt.Errorf("opticlobe: %s: no val_loss in %s, so no best checkpoint (choose one: %s@latest or %s@N)", dir, filepath.Base(p), dir, dir)
		}
		if best == "" && !math.IsNaN(loss) || loss < bestLoss {
			best, bestLoss = p, loss
		}
	}
	if best == "" {
		return "", fmt.Errorf("opticlobe: %s: every checkpoint's val_loss is NaN (unknown), so no best checkpoint (choose one: %s@latest or %s@N)", dir, dir, dir)
	}
	return best, nil
}

// ValLoss returns the "val_loss" of a flyvis checkpoint (a numpy.float64
// in flyvis's, a 0-dimensional tensor in neuropil's); ok is false when it
// has none.
func ValLoss(path string) (loss float64, ok bool, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false, err
	}
	if st.Size() > maxParamsFile {
		return 0, false, fmt.Errorf("%d bytes, more than a checkpoint holds (%d)", st.Size(), maxParamsFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false, err
	}
	return pt.DecodeNumber(bytes.NewReader(b), int64(len(b)), "val_loss")
}
