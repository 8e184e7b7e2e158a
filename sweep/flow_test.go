package sweep

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/cli"
)

// Trainings of the optic lobe collect into their final and best
// validation losses per member and a flyvis ensemble directory of the
// done runs' checkpoints; a run not done is left out.
func TestCollectFlow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "SWEEP")
	p := &Plan{Command: "train", Model: "optic-lobe", Markers: markers["train/optic-lobe"]}
	metrics := []string{
		"iteration,train_loss,val_loss,seconds\n0,,5,0.1\n1,4.5,3,0.2\n2,4,3.5,0.3\n",
		"iteration,train_loss,val_loss,seconds\n0,,6,0.1\n1,5.5,4,0.2\n2,5,2,0.4\n",
		"",
	}
	for i, m := range metrics {
		vars := []Var{{"seed", fmt.Sprint(i)}}
		p.Runs = append(p.Runs, Run{Index: i, Name: runName(3, i, vars), Vars: vars, Flags: vars})
		if m == "" {
			continue
		}
		out := filepath.Join(dir, "runs", p.Runs[i].Name, "out")
		os.MkdirAll(filepath.Join(out, "chkpts"), 0o755)
		for _, f := range []string{"chkpts/chkpt_00000", "chkpts/chkpt_00001", "curves.png"} {
			os.WriteFile(filepath.Join(out, f), []byte(f), 0o644)
		}
		os.WriteFile(filepath.Join(out, "metrics.csv"), []byte(m), 0o644)
		if err := writeStatus(filepath.Dir(out), Status{State: Done}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Write(dir); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(EnsembleDir(dir), "007", "chkpts"), 0o755) // a stale member of an earlier collect
	paths, err := p.Collect(dir)
	if err != nil || len(paths) != 4 {
		t.Fatal(paths, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "collected", "ensemble.csv"))
	want := "index,name,seed,member,iterations,final_train_loss,final_val_loss,best_val_loss,best_iteration,seconds\n" +
		"0,000_seed=0,0,000,2,4,3.5,3,1,0.3\n1,001_seed=1,1,001,2,5,2,2,2,0.4\n" +
		",mean,,,2,4.5,2.75,2.5,1.5,0.35\n,std,,,0,0.707107,1.06066,0.707107,0.707107,0.0707107\n"
	if string(b) != want {
		t.Errorf("ensemble.csv\n%s\nwant\n%s", b, want)
	}
	ents, _ := os.ReadDir(EnsembleDir(dir))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "000 001" {
		t.Errorf("ensemble members %v, want 000 001", names)
	}
	if b, err := os.ReadFile(filepath.Join(EnsembleDir(dir), "001", "chkpts", "chkpt_00001")); err != nil || string(b) != "chkpts/chkpt_00001" {
		t.Errorf("member 001's checkpoint: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(EnsembleDir(dir), "000", "metrics.csv")); err != nil {
		t.Error(err)
	}
}

func TestFlowSummaryErrors(t *testing.T) {
	for _, c := range []struct{ csv, want string }{
		{"iteration,loss\n0,1\n", `no column "train_loss"`},
		{"iteration,train_loss,val_loss,seconds\n0,,NaN,1\n", "no validation loss"},
	} {
		var all [][]string
		for _, l := range strings.Split(strings.TrimSpace(c.csv), "\n") {
			all = append(all, strings.Split(l, ","))
		}
		if _, _, err := flowSummary("000", all); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.csv, err, c.want)
		}
	}
}

// A [flags] model is given to the command when its flags are learnt, and
// picks the model's markers.
func TestPlanOfAModel(t *testing.T) {
	var seen []string
	e := &Env{Exe: "/bin/false", Stdout: io.Discard, Stderr: io.Discard, Run: func(args []string, _, stderr io.Writer) error {
		seen = args
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		fs.String("model", "", "")
		fs.String("spec", "", "")
		fs.Int("seed", 0, "")
		fs.SetOutput(stderr)
		return cli.Parse(fs, args[1:], 0)
	}}
	dir := t.TempDir()
	grid := filepath.Join(dir, "grid.toml")
	os.WriteFile(grid, []byte("command = \"train\"\nrepeat = 2\n[flags]\nmodel = \"optic-lobe\"\nspec = \"x.json\"\n"), 0o644)
	if err := Main(e, []string{"plan", grid, "--out", filepath.Join(dir, "S")}); err != nil {
		t.Fatal(err)
	}
	p, err := Load(filepath.Join(dir, "S"))
	if err != nil || len(p.Runs) != 2 || p.Model != "optic-lobe" || strings.Join(p.Markers, " ") != "metrics.csv curves.png" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if strings.Join(seen, " ") != "train --model=optic-lobe" {
		t.Errorf("flags learnt from %q", seen)
	}
}
