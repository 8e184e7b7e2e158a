package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
)

// outDir is the output directory of a simulation. Its files are written
// atomically and summary.json last, so that its presence marks a complete
// run; discard removes what a failed run wrote.
type outDir struct {
	dir     string
	written []string // paths written so far
}

// openOutDir creates dir, checks that it is writable and removes the
// summary.json of an earlier run, before any work starts.
func openOutDir(dir string) (*outDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("--out %s: not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	// summary.json from an earlier run would mark this one complete.
	if err := os.Remove(filepath.Join(dir, "summary.json")); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("--out %s: %w", dir, err)
	}
	return &outDir{dir: dir}, nil
}

// path returns the path of file name in the directory.
func (o *outDir) path(name string) string { return filepath.Join(o.dir, name) }

// wrote records a file that a plot function wrote at p.
func (o *outDir) wrote(p string) { o.written = append(o.written, p) }

// write writes file name atomically with fn.
func (o *outDir) write(name string, fn func(io.Writer) error) error {
	p := o.path(name)
	if err := atomic.WriteFile(p, fn); err != nil {
		return err
	}
	o.wrote(p)
	return nil
}

// writeLabels writes MNIST labels as labels.npy, int64 [batch]; nothing
// for nil.
func (o *outDir) writeLabels(labels []uint8) error {
	if labels == nil {
		return nil
	}
	l := make([]int64, len(labels))
	for i, v := range labels {
		l[i] = int64(v)
	}
	return o.write("labels.npy", func(w io.Writer) error { return npy.Encode(w, []int{len(l)}, l) })
}

// writeSummary writes v as indented JSON to summary.json; call it last.
func (o *outDir) writeSummary(v any) error {
	return o.write("summary.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// discard removes the files written so far, after a failure.
func (o *outDir) discard() {
	for _, p := range o.written {
		os.Remove(p)
	}
	o.written = nil
}

// discardOnError calls discard if *err is not nil: a command defers it
// with the address of its named error result.
func (o *outDir) discardOnError(err *error) {
	if *err != nil {
		o.discard()
	}
}
