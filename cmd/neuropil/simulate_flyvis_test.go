package main

import (
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
)

// The acceptance command of issue 15: a flyvis checkpoint written by
// PyTorch, a full-field flash after 1 s of grey, Euler at 5 ms: the
// central column within 1e-4 of the float64 flyvis reference.
func TestSimulateOpticLobeFlyvisParams(t *testing.T) {
	data := filepath.Join("..", "..", "opticlobe", "testdata", "flyvis")
	dir := filepath.Join(t.TempDir(), "out")
	err := simulateOpticLobe([]string{"--spec", flyvisSpec(t), "--params", filepath.Join(data, "chkpts", "chkpt_00000"),
		"--flash", "1", "--dt", "0.005", "--relax", "1", "--duration", "0.5", "--record", "central", "--solver", "euler",
		"--out", dir, "--no-plots"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := npy.ReadFloat32File(filepath.Join(dir, "activity.npy"))
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := npy.ReadFloat32File(filepath.Join(data, "flash_central.npy"))
	if err != nil || len(got) != len(want) {
		t.Fatalf("%d values, want %d (%v)", len(got), len(want), err)
	}
	for k := range want {
		if math.Abs(float64(got[k]-want[k])) > 1e-4 {
			t.Fatalf("value %d: %v, reference %v", k, got[k], want[k])
		}
	}
	err = simulateOpticLobe([]string{"--spec", flyvisSpec(t), "--params", filepath.Join(data, "missing_syn_count.pt"),
		"--flash", "1", "--out", filepath.Join(t.TempDir(), "bad")}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "edges_syn_count") || !strings.Contains(err.Error(), "--params") {
		t.Errorf("missing entry: %v", err)
	}
}

// analyze flash writes its table and figures; an unknown analysis and a
// missing name are errors listing the known ones.
func TestAnalyzeFlash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flash")
	var out strings.Builder
	if err := runAnalyze([]string{"flash", "--spec", flyvisSpec(t), "--out", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"fri.csv", "traces.npy", "fri.png", "central_on.png"} {
		if !strings.Contains(out.String(), filepath.Join(dir, f)) {
			t.Errorf("%s not reported in %q", f, out.String())
		}
	}
	for _, args := range [][]string{{"spin"}, {}} {
		if err := runAnalyze(args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "flash") {
			t.Errorf("%v: %v", args, err)
		}
	}
}
