package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
)

// Dir is the output directory of a run. Its files are written atomically
// and summary.json last, so that its presence marks a complete run. After
// a complete run the directory holds that run's outputs and none of an
// earlier run's (WriteSummary removes those first); Discard removes what a
// failed run wrote, and the directory itself when the run created it.
type Dir struct {
	lock    *atomic.DirLock // held from OpenLockedDir to DiscardOnError
	path    string
	created string   // the topmost directory OpenDir created; "" when path existed
	outputs []string // the file names a run of this kind may write
	written []string // paths written so far

	unregister func() // of the interrupt cleanup; nil when none
}

// Outputs returns the names of the files "neuropil simulate" may write
// into its output directory, for OpenDir.
func Outputs() []string {
	return []string{"activity.npy", "times.npy", "labels.npy", "recorded.npy", "summary.json",
		"connectome.png", "traces.png", "maps.png", "central.png",
		"spikes.parquet", "rates.csv", "raster.png", "rates.png"}
}

// OpenDir creates the directory at path, checks that it is writable and
// removes the summary.json of an earlier run, before any work starts.
// outputs are the names of the files a run of this kind may write: those
// an earlier run left and this one does not write are removed when this
// one completes (WriteSummary).
func OpenDir(path string, outputs ...string) (*Dir, error) {
	created := topmostMissing(path)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	d := &Dir{path: path, created: created, outputs: outputs}
	probe, err := os.CreateTemp(path, ".probe-*")
	if err != nil {
		d.Discard()
		return nil, fmt.Errorf("%s: not writable: %w", path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	// summary.json from an earlier run would mark this one complete.
	if err := os.Remove(filepath.Join(path, "summary.json")); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return d, nil
}

// OpenLockedDir is OpenDir for one run at a time: it first takes the
// directory's lock (atomic.Lock: a directory that another running process
// holds is an error naming its pid; temporary files of dead processes are
// removed), which DiscardOnError releases. An interrupt (atomic.CleanOnSignal)
// discards what the run wrote.
func OpenLockedDir(path string, outputs ...string) (*Dir, error) {
	created := topmostMissing(path)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	lock, err := atomic.Lock(path)
	if err != nil {
		if created != "" {
			os.Remove(path)
		}
		return nil, err
	}
	d, err := OpenDir(path, outputs...)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	d.created, d.lock = created, lock
	d.unregister = atomic.OnInterrupt(d.Discard)
	return d, nil
}

// topmostMissing returns the outermost directory of path that does not
// exist yet ("" when path exists): what MkdirAll(path) creates.
func topmostMissing(path string) string {
	missing := ""
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			return missing
		}
		missing = p
		if parent := filepath.Dir(p); parent == p {
			return missing
		}
	}
}

// Path returns the path of file name in the directory.
func (d *Dir) Path(name string) string { return filepath.Join(d.path, name) }

// Wrote records a file that another function (a plot) wrote at path p.
func (d *Dir) Wrote(p string) { d.written = append(d.written, p) }

// Write writes file name atomically with fn.
func (d *Dir) Write(name string, fn func(io.Writer) error) error {
	p := d.Path(name)
	if err := atomic.WriteFile(p, fn); err != nil {
		return err
	}
	d.Wrote(p)
	return nil
}

// WriteNPY writes data ([]float32, []int64, ...) with the given shape as
// the .npy file name.
func (d *Dir) WriteNPY(name string, shape []int, data any) error {
	return d.Write(name, func(w io.Writer) error { return npy.Encode(w, shape, data) })
}

// WriteResult writes activity.npy (Activity in its shape) and times.npy
// (SampleTimes: [times][batch], or [batch][times] when batch-first).
func (d *Dir) WriteResult(r *Result) error {
	if err := d.WriteNPY("activity.npy", r.Shape(), r.Activity); err != nil {
		return err
	}
	return d.WriteNPY("times.npy", r.Shape()[:2], r.SampleTimes())
}

// WriteLabels writes class labels as labels.npy, int64 [batch]; nothing
// for nil.
func (d *Dir) WriteLabels(labels []uint8) error {
	if labels == nil {
		return nil
	}
	l := make([]int64, len(labels))
	for i, v := range labels {
		l[i] = int64(v)
	}
	return d.WriteNPY("labels.npy", []int{len(l)}, l)
}

// WriteSummary removes the outputs of an earlier run that this one did
// not write, then writes v as indented JSON to summary.json; call it last.
func (d *Dir) WriteSummary(v any) error {
	for _, name := range d.outputs {
		if p := d.Path(name); !slices.Contains(d.written, p) {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("removing an earlier run's output: %w", err)
			}
		}
	}
	return d.Write("summary.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	})
}

// Discard removes the files written so far, after a failure, and the
// directories OpenDir created when nothing else is in them.
func (d *Dir) Discard() {
	d.lock.Unlock() // the run is over; its lock file must not keep the directory
	for _, p := range d.written {
		os.Remove(p)
	}
	d.written = nil
	if d.created == "" {
		return
	}
	for p := filepath.Clean(d.path); ; p = filepath.Dir(p) {
		if os.Remove(p) != nil || p == d.created { // Remove fails on a directory that is not empty
			return
		}
	}
}

// DiscardOnError calls Discard if *err is not nil, and releases the lock
// of OpenLockedDir: a command defers it with the address of its named
// error result.
func (d *Dir) DiscardOnError(err *error) {
	if d.unregister != nil {
		d.unregister()
	}
	if *err != nil {
		d.Discard()
	}
	d.lock.Unlock()
}
