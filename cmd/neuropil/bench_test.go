package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchJSON(t *testing.T) {
	dir := t.TempDir()
	cpuProf, memProf := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	var out, errb bytes.Buffer
	err := run([]string{"bench", "--json", "--bandwidth=false", "--simulate=false", "--neurons", "3000", "--synapses", "60000",
		"--batch", "5", "--reps", "3", "--workers", "2", "--cpuprofile", cpuProf, "--memprofile", memProf}, &out, &errb)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, errb.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	for _, k := range []string{"bandwidth_gbps", "spmm_ms", "simulate_seconds", "kernel", "autotune"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q:\n%s", k, out.String())
		}
	}
	if r["neurons"].(float64) != 3000 || r["synapses"].(float64) != 60000 || r["batch"].(float64) != 5 {
		t.Errorf("wrong problem in report:\n%s", out.String())
	}
	if ms := r["spmm_ms"].(float64); !(ms > 0) {
		t.Errorf("spmm_ms = %v", ms)
	}
	for _, f := range []string{cpuProf, memProf} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("profile %s not written: %v", f, err)
		}
	}
}

func TestBenchErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--kernel", "nope"}, "known"},
		{[]string{"--connectome", "x.pt"}, "choose one"}, // the base args give --neurons
		{[]string{"--weights", "fp8"}, "known: f32, bf16, f16"},
		{[]string{"--kernel", "go-8", "--weights", "bf16", "--batch", "8"}, "does not read"},
		{[]string{"--batch", "0"}, "--batch"},
		{[]string{"--neurons", "10", "--synapses", "1000"}, "cannot make"},
		{[]string{"--cpuprofile", "/nonexistent/dir/cpu.pprof"}, "cpu profile"},
	} {
		args := append([]string{"bench", "--bandwidth=false", "--simulate=false", "--reps", "1", "--neurons", "100", "--synapses", "500"}, c.args...)
		var out, errb bytes.Buffer
		err := run(args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.msg)
		}
	}
}

func TestBenchTrainJSON(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"bench", "--train", "--json", "--reps", "1", "--neurons", "300", "--synapses", "3000"}
	if err := run(args, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if v, ok := r["train_step_seconds"].(float64); !ok || !(v > 0) {
		t.Errorf("train_step_seconds = %v", r["train_step_seconds"])
	}
	if r["simulate_seconds"] != nil {
		t.Error("--train ran the default simulation too")
	}
}

// "bench --train --model optic-lobe" is package opticflow's benchmark: its
// own flags, and a missing spec is an error naming --spec.
func TestBenchOpticLobeDispatch(t *testing.T) {
	var out, errb bytes.Buffer
	err := run([]string{"bench", "--train", "--model", "optic-lobe", "--spec", filepath.Join(t.TempDir(), "none.json")}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--spec") {
		t.Errorf("missing spec: %v", err)
	}
	if err := run([]string{"bench", "--model", "optic-lobe", "--steps", "0"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "--steps 0") {
		t.Errorf("--steps 0: %v", err)
	}
}
