package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
)

func writeNPY(t *testing.T, path string, shape []int, data any) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Encode(f, shape, data); err != nil {
		t.Fatal(err)
	}
	return path
}

// smallProblem writes a 6-neuron connectome, a [2][3] input and indices.
func smallProblem(t *testing.T, dir string) (conn, input, indices string) {
	w := make([]float32, 36)
	for i := range w {
		if i%4 == 0 {
			w[i] = float32(i%7) / 7
		}
	}
	conn = writeNPY(t, filepath.Join(dir, "w.npy"), []int{6, 6}, w)
	input = writeNPY(t, filepath.Join(dir, "x.npy"), []int{2, 3}, []float32{1, 2, 3, -1, 0, 1})
	indices = writeNPY(t, filepath.Join(dir, "idx.npy"), []int{3}, []int64{0, 5, 5})
	return
}

func runCLI(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestSimulateSmall(t *testing.T) {
	dir := t.TempDir()
	conn, input, idx := smallProblem(t, dir)
	out := filepath.Join(dir, "out")
	if _, _, err := runCLI("simulate", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "2", "--evals", "5", "--solver", "rk4", "--steps", "40", "--out", out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"activity.npy", "times.npy", "summary.json", "connectome.png", "traces.png"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"neurons", "synapses", "batch", "evals", "solver", "rhs_evals", "accepted_steps", "rejected_steps", "solve_seconds", "peak_rss_bytes"} {
		if _, ok := s[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if s["neurons"].(float64) != 6 || s["rhs_evals"].(float64) != 160 {
		t.Errorf("summary %v", s)
	}
	shape, act, err := loadArray(filepath.Join(out, "activity.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 5 || shape[1] != 2 || shape[2] != 6 {
		t.Fatalf("activity shape %v", shape)
	}
	// Neuron 1 has no input and no presynaptic partner with a weight in
	// column... check the closed form for a neuron with z = 0: h = 0.5(1 − e^−t).
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range act {
		if math.IsNaN(float64(v)) || v < 0 || v > 1 {
			t.Fatalf("activity %v outside the sigmoid's range", v)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	// summary.json's activity_range is the activity's smallest and largest value.
	if r, ok := s["activity_range"].([]any); !ok || len(r) != 2 || float32(r[0].(float64)) != lo || float32(r[1].(float64)) != hi {
		t.Errorf("activity_range %v, want [%v %v]", s["activity_range"], lo, hi)
	}
	// batch-first gives the transpose.
	out2 := filepath.Join(dir, "out2")
	if _, _, err := runCLI("simulate", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "2", "--evals", "5", "--solver", "rk4", "--steps", "40", "--batch-first", "--no-plots", "--out", out2); err != nil {
		t.Fatal(err)
	}
	shape2, act2, _ := loadArray(filepath.Join(out2, "activity.npy"))
	if shape2[0] != 2 || shape2[1] != 5 {
		t.Fatalf("batch-first shape %v", shape2)
	}
	for k := 0; k < 5; k++ {
		for b := 0; b < 2; b++ {
			for i := 0; i < 6; i++ {
				if act[(k*2+b)*6+i] != act2[(b*5+k)*6+i] {
					t.Fatal("batch-first is not the transpose")
				}
			}
		}
	}
}

func TestSimulateErrors(t *testing.T) {
	dir := t.TempDir()
	conn, input, idx := smallProblem(t, dir)
	nonSquare := writeNPY(t, filepath.Join(dir, "ns.npy"), []int{2, 3}, make([]float32, 6))
	nanW := make([]float32, 36)
	nanW[7] = float32(math.NaN())
	nanConn := writeNPY(t, filepath.Join(dir, "nan.npy"), []int{6, 6}, nanW)
	nanX := writeNPY(t, filepath.Join(dir, "nanx.npy"), []int{2, 3}, []float32{1, float32(math.NaN()), 3, 1, 1, 1})
	badIdx := writeNPY(t, filepath.Join(dir, "badidx.npy"), []int{3}, []int64{0, 6, 1})
	shortIdx := writeNPY(t, filepath.Join(dir, "shortidx.npy"), []int{2}, []int64{0, 1})
	x4d := writeNPY(t, filepath.Join(dir, "x4.npy"), []int{1, 1, 2, 3}, make([]float32, 6))
	x0 := writeNPY(t, filepath.Join(dir, "x0.npy"), []int{0, 2, 3}, []float32{}) // [L][batch][inputs], L = 0
	corrupt := filepath.Join(dir, "corrupt.npy")
	os.WriteFile(corrupt, []byte("\x93NUMPY\x01\x00garbage"), 0o644)
	readOnly := filepath.Join(dir, "ro")
	os.Mkdir(readOnly, 0o555)
	base := []string{"simulate", "--connectome", conn, "--input", input, "--input-indices", idx, "--batch", "2", "--evals", "3", "--no-plots"}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	cases := []struct {
		args []string
		want string
	}{
		{with("--solver", "heun", "--out", filepath.Join(dir, "o1")), "unknown solver"},
		{with("--nonlinearity", "swish", "--out", filepath.Join(dir, "o2")), "unknown nonlinearity"},
		{with("--connectome", nonSquare, "--out", filepath.Join(dir, "o3")), "must be square"},
		{with("--connectome", nanConn, "--out", filepath.Join(dir, "o4")), "NaN"},
		{with("--input", nanX, "--out", filepath.Join(dir, "o5")), "NaN"},
		{with("--input-indices", badIdx, "--out", filepath.Join(dir, "o6")), "outside"},
		{with("--input-indices", shortIdx, "--out", filepath.Join(dir, "o7")), "2 indices"},
		{with("--batch", "3", "--out", filepath.Join(dir, "o8")), "batch"},
		{with("--input", x4d, "--out", filepath.Join(dir, "o9")), "shape"},
		{with("--input", x0, "--out", filepath.Join(dir, "o9b")), "x0.npy: shape [0 2 3] holds no frames"},
		{with("--connectome", corrupt, "--out", filepath.Join(dir, "o10")), "corrupt.npy"},
		{with("--connectome", filepath.Join(dir, "missing.npy"), "--out", filepath.Join(dir, "o11")), "missing.npy"},
		{with("--bogus", "--out", filepath.Join(dir, "o12")), "bogus"},
		{with("--t1", "-1", "--out", filepath.Join(dir, "o13")), "t0 < t1"},
		{with("--out", filepath.Join(readOnly, "sub")), "--out"},
		{with("--solver", "dopri5", "--max-steps", "1", "--rtol", "1e-9", "--atol", "1e-12", "--out", filepath.Join(dir, "o14")), "budget"},
	}
	if os.Geteuid() == 0 {
		cases = cases[:len(cases)-2] // root writes anywhere
		cases = append(cases, struct {
			args []string
			want string
		}{with("--solver", "dopri5", "--max-steps", "1", "--rtol", "1e-9", "--atol", "1e-12", "--out", filepath.Join(dir, "o14")), "budget"})
	}
	for _, c := range cases {
		_, _, err := runCLI(c.args...)
		if err == nil {
			t.Errorf("%v: no error", c.args[len(base):])
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %q does not mention %q", c.args[len(base):], err, c.want)
		}
		// Nothing that looks complete is left behind.
		out := c.args[len(c.args)-1]
		if _, err := os.Stat(filepath.Join(out, "summary.json")); err == nil {
			t.Errorf("%v: summary.json left behind", c.args[len(base):])
		}
		if _, err := os.Stat(filepath.Join(out, "activity.npy")); err == nil {
			t.Errorf("%v: activity.npy left behind", c.args[len(base):])
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, _, err := runCLI("simulat"); err == nil || !strings.Contains(err.Error(), "simulate") {
		t.Errorf("error %v should list the known commands", err)
	}
}

var _ = atomic.WriteFile

// TestSimulatePyTorchConnectome runs on a sparse COO tensor written by
// torch.save (testdata/gen/formats.py), as the tutorial's connectome is.
func TestSimulatePyTorchConnectome(t *testing.T) {
	dir := t.TempDir()
	input := writeNPY(t, filepath.Join(dir, "x.npy"), []int{3, 2, 4}, make([]float32, 24))
	out := filepath.Join(dir, "out")
	if _, _, err := runCLI("simulate", "--connectome", "../../format/pt/testdata/coo_f64.pt", "--input", input,
		"--batch", "2", "--evals", "4", "--out", out, "--no-plots"); err != nil {
		t.Fatal(err)
	}
	shape, _, err := loadArray(filepath.Join(out, "activity.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if shape[2] != 40 {
		t.Fatalf("activity shape %v", shape)
	}
}

func TestSimulateOutputSelection(t *testing.T) {
	dir := t.TempDir()
	conn, input, idx := smallProblem(t, dir)
	common := []string{"simulate", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "2", "--evals", "3", "--solver", "euler", "--steps", "10", "--no-plots"}
	full := filepath.Join(dir, "full")
	if _, _, err := runCLI(append(common, "--out", full)...); err != nil {
		t.Fatal(err)
	}
	_, all, _ := loadArray(filepath.Join(full, "activity.npy"))
	sel := writeNPY(t, filepath.Join(dir, "sel.npy"), []int{2}, []int64{4, 1})
	proj := writeNPY(t, filepath.Join(dir, "proj.npy"), []int{1, 6}, []float32{1, 0, 0, 0, 0, 2})
	ob := writeNPY(t, filepath.Join(dir, "ob.npy"), []int{1}, []float32{0.25})
	o1, o2 := filepath.Join(dir, "o1"), filepath.Join(dir, "o2")
	if _, _, err := runCLI(append(common, "--out", o1, "--output-neurons", sel)...); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(append(common, "--out", o2, "--output-projection", proj, "--output-bias", ob)...); err != nil {
		t.Fatal(err)
	}
	s1, a1, _ := loadArray(filepath.Join(o1, "activity.npy"))
	s2, a2, _ := loadArray(filepath.Join(o2, "activity.npy"))
	if s1[2] != 2 || s2[2] != 1 {
		t.Fatalf("shapes %v %v", s1, s2)
	}
	for kb := 0; kb < 6; kb++ {
		if a1[kb*2] != all[kb*6+4] || a1[kb*2+1] != all[kb*6+1] {
			t.Fatal("output neurons not selected")
		}
		if want := all[kb*6] + 2*all[kb*6+5] + 0.25; math.Abs(float64(a2[kb]-want)) > 1e-6 {
			t.Fatalf("projection %v, want %v", a2[kb], want)
		}
	}
}

// TestSimulateDiscreteRNN checks --model rnn against the definition
// h_t = (1/tau)·sigmoid(W_ih x_t + W h_{t−1}) + (1 − 1/tau)·h_{t−1}.
func TestSimulateDiscreteRNN(t *testing.T) {
	dir := t.TempDir()
	w := []float32{0, 0.5, -1, 0}
	conn := writeNPY(t, filepath.Join(dir, "w.npy"), []int{2, 2}, w)
	x := []float32{1, -2, 0.5} // 3 frames, batch 1, 1 input
	input := writeNPY(t, filepath.Join(dir, "x.npy"), []int{3, 1, 1}, x)
	idx := writeNPY(t, filepath.Join(dir, "i.npy"), []int{1}, []int64{1})
	out := filepath.Join(dir, "out")
	if _, _, err := runCLI("simulate", "--model", "rnn", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "1", "--evals", "3", "--tau", "2", "--no-plots", "--out", out); err != nil {
		t.Fatal(err)
	}
	_, act, err := loadArray(filepath.Join(out, "activity.npy"))
	if err != nil {
		t.Fatal(err)
	}
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	h := []float64{0, 0}
	for k := 0; k < 3; k++ {
		z0 := float64(w[0])*h[0] + float64(w[1])*h[1]
		z1 := float64(w[2])*h[0] + float64(w[3])*h[1] + float64(x[k])
		h = []float64{0.5*sig(z0) + 0.5*h[0], 0.5*sig(z1) + 0.5*h[1]}
		for i := range h {
			if d := math.Abs(float64(act[k*2+i]) - h[i]); d > 1e-6 {
				t.Fatalf("frame %d neuron %d: %v, want %v", k, i, act[k*2+i], h[i])
			}
		}
	}
	if _, _, err := runCLI("simulate", "--model", "rnn", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "1", "--evals", "5", "--no-plots", "--out", filepath.Join(dir, "bad")); err == nil {
		t.Error("--evals different from the frames accepted")
	}
}
