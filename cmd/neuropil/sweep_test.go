package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commandFlags gets every flag of a command through run, as sweep does,
// those of all simulate's model families included, without running it.
func commandFlags(name string) (*flag.FlagSet, error) {
	c := &catcher{Writer: io.Discard}
	run([]string{name}, io.Discard, c)
	if c.fs == nil {
		return nil, errors.New("no flags caught")
	}
	return c.fs, nil
}

type catcher struct {
	io.Writer
	fs *flag.FlagSet
}

func (c *catcher) CatchFlags(fs *flag.FlagSet) { c.fs = fs }

func TestCommandFlags(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"simulate": {"model", "solver", "evals", "seed", "out", "connectome"},
		"train":    {"epochs", "seed", "out", "workers"},
		"eval":     {"mnist"},
		"info":     {"json", "key"},
	} {
		fs, err := commandFlags(cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		for _, f := range flags {
			if fs.Lookup(f) == nil {
				t.Errorf("%s: no flag %s", cmd, f)
			}
		}
	}
	for _, cmd := range []string{"nonesuch", "build"} { // build takes a NETWORK first
		if _, err := commandFlags(cmd); err == nil {
			t.Errorf("%s: no error", cmd)
		}
	}
}

func TestSweepPlan(t *testing.T) {
	dir := t.TempDir()
	grid := filepath.Join(dir, "grid.toml")
	os.WriteFile(grid, []byte("command = \"simulate\"\n[flags]\nevals = 3\n[grid]\nsolver = [\"rk4\", \"euler\"]\nsovler = [1]\n"), 0o644)
	sw := filepath.Join(dir, "SWEEP")
	var out bytes.Buffer
	err := run([]string{"sweep", "plan", grid, "--out", sw}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), `"sovler": not a flag of the command (did you mean --solver?)`) {
		t.Fatalf("unknown key: %v", err)
	}
	if _, err := os.Stat(sw); !os.IsNotExist(err) {
		t.Fatal("SWEEP written despite the error")
	}
	os.WriteFile(grid, []byte("command = \"simulate\"\n[flags]\nevals = 3\n[grid]\nsolver = [\"rk4\", \"euler\"]\n"), 0o644)
	if err := run([]string{"sweep", "plan", grid, "--out", sw}, &out, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"sweep", "status", sw}, &out, &out); err != nil || out.String() != "2 runs: 0 done, 0 running, 0 failed, 2 pending\n" {
		t.Errorf("status: %v %q", err, out.String())
	}
	out.Reset()
	if err := run([]string{"sweep", "k8s", sw, "--image", "neuropil:test"}, &out, &out); err != nil || !strings.Contains(out.String(), "job.yaml: 2 runs") {
		t.Errorf("k8s: %v %q", err, out.String())
	}
	if err := run([]string{"sweep", "nonesuch"}, &out, &out); err == nil || !strings.Contains(err.Error(), "known: plan, run, slurm, k8s, status, collect") {
		t.Errorf("unknown subcommand: %v", err)
	}
}
