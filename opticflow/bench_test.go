package opticflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/train"
)

// BenchFit times real steps: positive times whose phases add up to no
// more than the step, for the configuration asked.
func TestBenchFit(t *testing.T) {
	net := smallNet(t, 2)
	r, err := BenchFit(net, FitConfig{Batch: 2, Seed: 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != 3 || r.Batch != 2 || r.Frames != 19 || r.Dt != 0.02 || r.Extent != 2 || r.Neurons != net.Neurons() {
		t.Errorf("report of the wrong run: %+v", r)
	}
	phases := r.DataSeconds + r.ForwardSeconds + r.BackwardSeconds + r.UpdateSeconds
	if !(r.IterationSeconds > 0 && r.IterationMinSeconds <= r.IterationSeconds && r.SteadySeconds > 0 &&
		r.ForwardSeconds > 0 && r.BackwardSeconds > 0 && r.DataSeconds > 0 && (r.IterationCPUSeconds >= 0 || r.IterationCPUSeconds == -1) &&
		r.IterationNoData > 0 && r.IterationNoData < r.IterationSeconds+r.DataSeconds) {
		t.Errorf("times: %+v", r)
	}
	// the medians of the phases need not add up to the median step; allow
	// for that and the timer's own reads
	if phases > 1.5*r.IterationSeconds {
		t.Errorf("phases %.4g s > step %.4g s", phases, r.IterationSeconds)
	}
	if r.Projected250kHours != 250000*r.IterationSeconds/3600 {
		t.Errorf("projection %v for %v s", r.Projected250kHours, r.IterationSeconds)
	}
	if _, err := BenchFit(net, FitConfig{}, 0); err == nil {
		t.Error("0 steps: no error")
	}
}

func TestBenchCommand(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	spec := filepath.Join(filepath.Dir(file), "..", DefaultSpec)
	smallNet(t, 2) // skips without the shared spec
	var out, errb bytes.Buffer
	if err := BenchCommand([]string{"--train", "--model", "optic-lobe", "--spec", spec, "--extent", "2", "--steps", "1",
		"--batch", "1", "--json"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if s, ok := r["iteration_seconds"].(float64); !ok || !(s > 0) || r["batch"].(float64) != 1 || r["extent"].(float64) != 2 {
		t.Errorf("report: %s", out.String())
	}
	out.Reset()
	if err := BenchCommand([]string{"--spec", spec, "--extent", "2", "--steps", "1", "--batch", "1"}, &out, &errb); err != nil ||
		!strings.Contains(out.String(), "iteration ") {
		t.Errorf("text report: %v\n%s", err, out.String())
	}
	for _, args := range [][]string{{"--steps", "0"}, {"--batch", "0"}, {"--spec", spec, "extra"}, {"--spec", "nowhere.json"}} {
		if err := BenchCommand(args, &out, &errb); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// Without --spec, train and bench read flyvis's description from the shared
// data beside the repository, from the repository's root; elsewhere they
// say to pass --spec.
func TestCommandDefaultSpec(t *testing.T) {
	smallNet(t, 2) // skips without the shared spec
	_, file, _, _ := runtime.Caller(0)
	t.Chdir(filepath.Join(filepath.Dir(file), ".."))
	var out, errb bytes.Buffer
	dir := filepath.Join(t.TempDir(), "run")
	if err := Command([]string{"--model", "optic-lobe", "--extent", "2", "--iterations", "1", "--analyze=false", "--out", dir},
		&out, &errb); err != nil {
		t.Fatalf("train from the repository's root without --spec: %v\n%s", err, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "metrics.csv")); err != nil {
		t.Error(err)
	}
	t.Chdir(t.TempDir())
	err := Command([]string{"--extent", "2", "--iterations", "1", "--out", filepath.Join(t.TempDir(), "x")}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--spec") || !strings.Contains(err.Error(), DefaultSpec) {
		t.Errorf("train elsewhere without --spec: %v", err)
	}
	err = BenchCommand([]string{"--extent", "2", "--steps", "1"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "pass --spec") {
		t.Errorf("bench elsewhere without --spec: %v", err)
	}
}

// A run beyond --max-memory is refused before anything is written, with an
// error naming the flag and the batch.
func TestCommandMemoryBudget(t *testing.T) {
	smallNet(t, 2) // skips without the shared spec
	_, file, _, _ := runtime.Caller(0)
	spec := filepath.Join(filepath.Dir(file), "..", DefaultSpec)
	out := filepath.Join(t.TempDir(), "run")
	var o, e bytes.Buffer
	err := Command([]string{"--spec", spec, "--extent", "4", "--batch", "100000", "--max-memory", "64MiB", "--out", out}, &o, &e)
	if err == nil || !strings.Contains(err.Error(), "--max-memory") || !strings.Contains(err.Error(), "batch 100000") {
		t.Errorf("error %v, want a refusal naming --max-memory and the batch", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused run left %s: %v", out, err)
	}
	if err := Command([]string{"--spec", spec, "--extent", "2", "--iterations", "1", "--analyze=false", "--max-memory", "1GiB",
		"--out", out}, &o, &e); err != nil {
		t.Errorf("a run within the budget: %v", err)
	}
	if err := BenchCommand([]string{"--spec", spec, "--extent", "4", "--batch", "100000", "--max-memory", "64MiB"}, &o, &e); err == nil ||
		!strings.Contains(err.Error(), "--max-memory") {
		t.Errorf("bench beyond the budget: %v", err)
	}
}

// Bad values of the training's flags are errors naming the flag, before
// anything is written; a diverged network's error says what to do.
func TestCommandBadFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for flag, v := range map[string]string{"--iterations": "-1", "--batch": "0", "--lr": "inf", "--schedule-iterations": "-3",
		"--eval-every": "-5", "--val-batches": "-2"} {
		var o, e bytes.Buffer
		err := Command([]string{flag, v, "--out", out}, &o, &e)
		if err == nil || !strings.HasPrefix(err.Error(), flag+" ") {
			t.Errorf("%s %s: %v", flag, v, err)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s %s left %s", flag, v, out)
		}
	}
	err := diverged(fmt.Errorf("validation: %w", &train.NonFiniteError{Index: 3, Value: math.NaN(), T: 0.02}))
	if !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "--lr") {
		t.Errorf("diverged: %v", err)
	}
	if err := diverged(os.ErrNotExist); err != os.ErrNotExist {
		t.Errorf("another error changed: %v", err)
	}
}
