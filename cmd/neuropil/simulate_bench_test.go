package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSimulateDefault runs the main job, "neuropil simulate
// --no-plots" on the flags' defaults: the default connectome, 8 MNIST
// digits, dopri5 over [0, 1] with 20 outputs. Connectome construction and
// MNIST reading are included in ns/op; the solve_s metric is the mean
// solve_seconds of the runs' summary.json, the ODE solve alone.
func BenchmarkSimulateDefault(b *testing.B) {
	var solve float64
	runs := 0
	for b.Loop() {
		dir := b.TempDir()
		if err := run([]string{"simulate", "--no-plots", "--out", dir}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil {
			b.Fatal(err)
		}
		var s struct {
			Solve float64 `json:"solve_seconds"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			b.Fatal(err)
		}
		solve += s.Solve
		runs++
	}
	b.ReportMetric(solve/float64(runs), "solve_s")
}
