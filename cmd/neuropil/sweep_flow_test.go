package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With NEUROPIL_TEST_AS_MAIN set the test binary is neuropil itself: the
// command a sweep runs (sweep's Env.Exe defaults to this executable).
func TestMain(m *testing.M) {
	if os.Getenv("NEUROPIL_TEST_AS_MAIN") != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// An ensemble of optic-lobe trainings through a sweep over seeds
// (examples/sweep/flow_ensemble.toml, made tiny): the sweep collects
// each member's final and best validation loss and a flyvis ensemble
// directory, which analyze flash runs member by member.
func TestSweepOpticLobeEnsemble(t *testing.T) {
	spec := flyvisSpec(t)
	t.Setenv("NEUROPIL_TEST_AS_MAIN", "1")
	dir := t.TempDir()
	grid := filepath.Join(dir, "grid.toml")
	toml := "command = \"train\"\nrepeat = 2\n[flags]\nmodel = \"optic-lobe\"\nspec = \"" + spec + "\"\n" +
		"extent = 2\niterations = 2\neval-every = 1\nbatch = 2\nval-batches = 1\nanalyze = false\n"
	if err := os.WriteFile(grid, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	sw := filepath.Join(dir, "SWEEP")
	var out bytes.Buffer
	example := filepath.Join("..", "..", "examples", "sweep", "flow_ensemble.toml")
	if err := run([]string{"sweep", "plan", example, "--out", filepath.Join(dir, "EXAMPLE")}, &out, &out); err != nil ||
		!strings.Contains(out.String(), "planned 50 runs of neuropil train") {
		t.Fatalf("the example: %v\n%s", err, out.String())
	}
	for _, args := range [][]string{{"sweep", "plan", grid, "--out", sw}, {"sweep", "run", sw, "--workers", "1"}, {"sweep", "collect", sw}} {
		if err := run(args, &out, &out); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(sw, "collected", "ensemble.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || lines[0] != "index,name,seed,member,iterations,final_train_loss,final_val_loss,best_val_loss,best_iteration,seconds" ||
		!strings.HasPrefix(lines[1], "0,000_seed=0,0,000,2,") || !strings.HasPrefix(lines[2], "1,001_seed=1,1,001,2,") {
		t.Fatalf("ensemble.csv:\n%s", b)
	}
	ens := filepath.Join(sw, "collected", "ensemble")
	res := filepath.Join(dir, "flash")
	if err := run([]string{"analyze", "flash", "--spec", spec, "--extent", "2", "--params", ens, "--out", res}, &out, &out); err != nil {
		t.Fatalf("analyze flash of the ensemble: %v\n%s", err, out.String())
	}
	b, err = os.ReadFile(filepath.Join(res, "fri_ensemble.csv"))
	if err != nil || !strings.Contains(strings.SplitN(string(b), "\n", 2)[0], "fri_radius_-1_000,fri_radius_-1_001") {
		t.Errorf("fri_ensemble.csv: %v\n%.300s", err, b)
	}
}
