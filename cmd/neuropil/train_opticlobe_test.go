package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "neuropil train --model optic-lobe" trains on the procedural flow data
// and writes metrics.csv, flyvis-shaped checkpoints, learning curves and
// the flash and moving-edge analyses of the trained network; a missing --spec
// is an error.
func TestTrainOpticLobe(t *testing.T) {
	spec := flyvisSpec(t)
	dir := t.TempDir()
	var out bytes.Buffer
	err := runTrain([]string{"--model", "optic-lobe", "--spec", spec, "--extent", "2", "--iterations", "2",
		"--eval-every", "1", "--batch", "2", "--seed", "3", "--out", dir}, &out, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[1], "0,,") {
		t.Fatalf("metrics.csv:\n%s", b)
	}
	for _, c := range []string{"chkpts/chkpt_00000", "chkpts/chkpt_00002", "curves.png", "analysis/flash/fri.csv"} {
		if _, err := os.Stat(filepath.Join(dir, c)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(out.String(), "analyze moving-edge left out") {
		t.Errorf("moving edges at extent 2 not left out:\n%s", out.String())
	}
	if err := runTrain([]string{"--model=optic-lobe", "--out", dir}, &out, &out); err == nil || !strings.Contains(err.Error(), "--spec") {
		t.Errorf("without --spec: %v", err)
	}
}
