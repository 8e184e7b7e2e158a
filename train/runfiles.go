package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/neuropil/neuropil/internal/atomic"
)

// A Resumed run is what Resume found in a run's directory.
type Resumed struct {
	Checkpoint *Checkpoint
	Done       bool     // the run already finished its epochs
	Ignored    []string // flags given that differ from the checkpoint's and are ignored (ResumeDiff)
}

// Resume reads the checkpoint at path of an earlier run, if there is one:
// nil, nil when there is none. The run's settings replace *s, except an
// --epochs given now (given: the flags given on the command line, by
// name), which extends or ends the run. A flag given that would train
// another network is an error.
func Resume(path string, s *Settings, given []string) (*Resumed, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	c, err := Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w (use --fresh to start over)", err)
	}
	var stored Settings
	if err := json.Unmarshal(c.Settings, &stored); err != nil {
		return nil, fmt.Errorf("%s: settings: %w", path, err)
	}
	ignored, err := ResumeDiff(*s, stored, given)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; --fresh starts over in --out, or choose another --out", path, err)
	}
	if slices.Contains(given, "epochs") {
		stored.Epochs = s.Epochs
	}
	*s = stored
	if c.Opt == nil {
		return nil, fmt.Errorf("%s holds no optimizer state", path)
	}
	return &Resumed{Checkpoint: c, Done: c.State.Epoch >= s.Epochs, Ignored: ignored}, nil
}

// WriteRunFiles writes a run's metrics into dir: metrics.csv (one row an
// epoch), batches.csv (the running loss and accuracy after each batch) and
// learning_curves.png.
func WriteRunFiles(dir string, hist []Epoch, trace []TracePoint) error {
	err := atomic.WriteFile(filepath.Join(dir, "metrics.csv"), func(w io.Writer) error { return WriteMetricsCSV(w, hist) })
	if err == nil {
		err = atomic.WriteFile(filepath.Join(dir, "batches.csv"), func(w io.Writer) error { return WriteTraceCSV(w, trace) })
	}
	if err != nil {
		return err
	}
	return DrawLearningCurves(filepath.Join(dir, "learning_curves.png"), hist, trace)
}

// ReadTrace returns the trace of dir/batches.csv up to epochs done (a
// resumed run's position), or nil when there is none to read: a damaged
// trace only costs the learning curves their past.
func ReadTrace(dir string, upTo float64) []TracePoint {
	f, err := os.Open(filepath.Join(dir, "batches.csv"))
	if err != nil {
		return nil
	}
	defer f.Close()
	trace, _ := ReadTraceCSV(f, upTo)
	return trace
}

// FinishRun writes again, from the checkpoint c of a finished run in dir,
// the outputs written after its last checkpoint: metrics.csv, batches.csv,
// learning_curves.png and model.npz, and returns their paths. A run is
// done only when all its outputs are: a full disk after the last
// checkpoint must not leave a rerun that says "finished" and has no
// model.npz (or an earlier one).
func FinishRun(dir string, c *Checkpoint) ([]string, error) {
	if err := WriteRunFiles(dir, c.State.History, ReadTrace(dir, float64(c.State.Epoch))); err != nil {
		return nil, err
	}
	npz := filepath.Join(dir, "model.npz")
	if err := ExportFile(npz, c.Model); err != nil {
		return nil, err
	}
	return []string{filepath.Join(dir, "metrics.csv"), filepath.Join(dir, "learning_curves.png"), npz}, nil
}
