package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchConnectomeFile: bench multiplies a connectome file of any
// format (it refused every file as "not yet supported"), and checks the
// file and the size of a random connectome before its long runs.
func TestBenchConnectomeFile(t *testing.T) {
	dir := t.TempDir()
	conn, _, _ := smallProblem(t, dir)
	quick := []string{"bench", "--simulate=false", "--bandwidth=false", "--reps", "1", "--kernel", "auto"}
	out, _, err := runCLI(append(quick, "--connectome", conn)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "6 neurons") {
		t.Errorf("report does not describe the 6-neuron file:\n%s", out)
	}
	trunc := filepath.Join(dir, "trunc.npy")
	b, _ := os.ReadFile(conn)
	os.WriteFile(trunc, b[:len(b)-5], 0o644)
	// --simulate is left on but for the truncated data (found when the file
	// is read, after the simulation): each other error must come first.
	early := []string{"bench", "--bandwidth=false", "--reps", "1"}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--connectome", filepath.Join(dir, "missing.npy")}, []string{"--connectome", "missing.npy"}},
		{[]string{"--simulate=false", "--connectome", trunc}, []string{"--connectome", "trunc.npy"}},
		{[]string{"--connectome", conn, "--neurons", "5", "--synapses", "3"}, []string{"choose one"}},
		{[]string{"--neurons", "100000000000", "--synapses", "100000000000"}, []string{"--neurons", "memory"}},
		{[]string{"--workers", "-1"}, []string{"--workers"}},
	} {
		err := runNoPanic(t, append(append([]string(nil), early...), c.args...))
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %q", c.args, err, w)
			}
		}
	}
}
