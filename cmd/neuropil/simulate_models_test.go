package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateModelRegistry: --model picks a registered model after the
// flags are parsed; --help shows each family's flags in its group; a flag
// of another family is an error naming both models.
func TestSimulateModelRegistry(t *testing.T) {
	_, help, err := runCLI("simulate", "-h")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string][]string{
		"flags of every model:": {"-batch", "-solver", "-out", "-model", "-connectome", "-tau", "-duration"},
		"ode and rnn: bioplnn's connectome ODE RNN and its discrete twin:": {"-output-neurons", "-key"},
		"optic-lobe: the flyvis voltage model:":                            {"-spec", "-flash", "-map-types"},
		"lif: Shiu et al.'s whole-brain spiking model (Brian2's names):":   {"-excite", "-rate", "-v_th", "-t_rfc", "-trials"},
	}
	for title, flags := range groups {
		at := strings.Index(help, "\n"+title+"\n")
		if at < 0 {
			t.Fatalf("help has no group %q:\n%s", title, help)
		}
		section := help[at+len(title)+2:]
		if end := strings.Index(section, "\n\n"); end >= 0 {
			section = section[:end]
		}
		for _, f := range flags {
			if !strings.Contains(section, "  "+f+" ") && !strings.Contains(section, "  "+f+"\n") {
				t.Errorf("group %q lacks %s", title, f)
			}
		}
	}
	for _, m := range []string{"ode", "rnn", "optic-lobe", "lif"} {
		if !strings.Contains(help, "\n  "+m+" ") {
			t.Errorf("help does not list model %s", m)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "lyf"}, `--model "lyf": unknown (known: lif, ode, optic-lobe, rnn)`},
		{[]string{"--model", "lif", "--spec", "x.json"}, "--spec: a flag of --model optic-lobe, not of --model lif"},
		{[]string{"--duration", "2"}, "--duration: not a flag of --model ode (--t0, --t1 set the interval)"},
		{[]string{"--extent", "3"}, "--extent: a flag of --model optic-lobe, not of --model ode"},
		{[]string{"--model", "optic-lobe", "--tau", "2"}, "--connectome, --tau: not flags of --model optic-lobe (--spec builds the network)"},
		{[]string{"--model", "optic-lobe", "--spec", "x.json", "--model", "rnn"}, "--spec: a flag of --model optic-lobe, not of --model rnn"},
	} {
		_, _, err := runCLI(append([]string{"simulate", "--out", filepath.Join(dir, "o")}, c.args...)...)
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

// TestSimulateRNNEvalsDefault: without --evals the discrete RNN records
// every frame.
func TestSimulateRNNEvalsDefault(t *testing.T) {
	dir := t.TempDir()
	conn, _, idx := smallProblem(t, dir)
	input := writeNPY(t, filepath.Join(dir, "x3.npy"), []int{4, 2, 3}, make([]float32, 24))
	out := filepath.Join(dir, "out")
	if _, _, err := runCLI("simulate", "--model", "rnn", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "2", "--no-plots", "--out", out); err != nil {
		t.Fatal(err)
	}
	if s := readSummary(t, out); s["evals"] != 4.0 || s["solver"] != "rnn" {
		t.Errorf("evals %v, solver %v: want 4 frames of rnn", s["evals"], s["solver"])
	}
}
