package main

import (
	"io"
	"testing"
)

// BenchmarkSimulateDefault runs the main job: the default connectome,
// 8 MNIST digits, dopri5 over [0, 1] with 20 outputs, without plots.
// Connectome construction and MNIST reading are included; summary.json
// of each run reports solve_seconds alone.
func BenchmarkSimulateDefault(b *testing.B) {
	for b.Loop() {
		f := simulateFlags{batch: 8, evals: 20, t0: 0, t1: 1, rtol: 1e-3, atol: 1e-6, tau: 1,
			solver: "dopri5", nonlinearity: "sigmoid", out: b.TempDir(), split: "train", noPlots: true}
		if err := simulate(&f, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
