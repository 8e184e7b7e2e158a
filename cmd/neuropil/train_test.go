package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/train"
)

// writeIDX writes a tiny MNIST-like data set: n images of rows×cols whose
// label is marked by a bright stripe, so that a model can learn it.
func writeIDX(t *testing.T, dir string, split string, n, rows, cols int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	var im, lb bytes.Buffer
	binary.Write(&im, binary.BigEndian, []uint32{0x803, uint32(n), uint32(rows), uint32(cols)})
	binary.Write(&lb, binary.BigEndian, []uint32{0x801, uint32(n)})
	for i := 0; i < n; i++ {
		l := rng.IntN(10)
		lb.WriteByte(byte(l))
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				v := byte(rng.IntN(30))
				if r == 2*l+3 {
					v = 255
				}
				im.WriteByte(v)
			}
		}
	}
	os.WriteFile(filepath.Join(dir, split+"-images-idx3-ubyte"), im.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, split+"-labels-idx1-ubyte"), lb.Bytes(), 0o644)
}

// writeConnectome writes a small random dense connectome as .npy.
func writeConnectome(t *testing.T, path string, n int) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := make([]float32, n*n)
	for i := range w {
		if rng.Float64() < 0.05 {
			w[i] = float32(rng.NormFloat64() * 0.2)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Encode(f, []int{n, n}, w); err != nil {
		t.Fatal(err)
	}
}

func TestTrainEvalCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mnist")
	os.Mkdir(data, 0o755)
	writeIDX(t, data, "train", 48, 28, 28)
	writeIDX(t, data, "t10k", 16, 28, 28)
	conn := filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, 900)
	out := filepath.Join(dir, "run")
	args := []string{"train", "--connectome", conn, "--mnist", data, "--epochs", "2", "--batch", "8",
		"--lr", "0.01", "--steps", "5", "--out", out, "--checkpoint-every", "2", "--seed", "3", "--workers", "2", "--outputs", "300"}
	var stdout, stderr bytes.Buffer
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	csv, err := os.ReadFile(filepath.Join(out, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "epoch,train_loss,train_accuracy,test_loss,test_accuracy") {
		t.Errorf("metrics.csv:\n%s", csv)
	}
	for _, f := range []string{"learning_curves.png", "checkpoint.ckpt", "model.npz"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing: %v", f, err)
		}
	}
	// A finished run is not trained again; more epochs continue it.
	stdout.Reset()
	if err := run(args, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "already finished") {
		t.Errorf("rerun: %v %s", err, stdout.String())
	}
	// Flags that differ from the checkpoint's are named: ignored, or
	// refused when they would train another network.
	stdout.Reset()
	if err := run(append(slices.Clone(args), "--lr", "0.5"), &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "ignored: --lr 0.5 (checkpoint: 0.01)") {
		t.Errorf("rerun with another --lr: %v %s", err, stdout.String())
	}
	if err := run(append(slices.Clone(args), "--hidden", "7"), &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "another network: --hidden 7 (checkpoint: 128)") {
		t.Errorf("rerun with another --hidden: %v", err)
	}
	stdout.Reset()
	if err := run([]string{"eval", "--checkpoint", filepath.Join(out, "checkpoint.ckpt"), "--mnist", data,
		"--export", filepath.Join(dir, "m.pt"), "--export-connectome", filepath.Join(dir, "trained.npz")}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "test accuracy:") {
		t.Errorf("eval output:\n%s", stdout.String())
	}
	tc, err := format.Load(filepath.Join(dir, "trained.npz"), format.Options{})
	if err != nil || tc.Neurons() != 900 {
		t.Fatalf("exported connectome: %v", err)
	}
	c, err := train.Load(filepath.Join(out, "checkpoint.ckpt"))
	if err != nil || len(c.State.History) != 2 {
		t.Fatalf("checkpoint: %v", err)
	}
	checkExports(t, dir, c.Model)
	// Corrupt checkpoint: a clear error, for eval and for a resumed train.
	b, _ := os.ReadFile(filepath.Join(out, "checkpoint.ckpt"))
	b[len(b)/3] ^= 1
	bad := filepath.Join(dir, "bad.ckpt")
	os.WriteFile(bad, b, 0o644)
	err = run([]string{"eval", "--checkpoint", bad, "--mnist", data}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt checkpoint: %v", err)
	}
	os.WriteFile(filepath.Join(out, "checkpoint.ckpt"), b, 0o644)
	err = run(append(args, "--epochs", "3"), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--fresh") {
		t.Errorf("resume from a corrupt checkpoint: %v", err)
	}
	if err := run([]string{"eval", "--checkpoint", filepath.Join(out, "checkpoint.ckpt"), "--export", "x.pickle"}, &stdout, &stderr); err == nil {
		t.Error("corrupt checkpoint exported")
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mnist")
	os.Mkdir(data, 0o755)
	writeIDX(t, data, "train", 8, 20, 20)
	writeIDX(t, data, "t10k", 8, 20, 20)
	conn := filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, 100)
	var stdout, stderr bytes.Buffer
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--mnist", data}, "20×20 = 400 pixels; the model takes 784 inputs"},
		{[]string{"--solver", "heun"}, "unknown solver \"heun\" (known: " + strings.Join(ode.Names(), ", ") + ")"},
		{[]string{"--optimizer", "lion"}, "unknown optimizer \"lion\" (known: adamw, adam, sgd)"},
		{[]string{"--freeze", "hh.weights"}, "unknown parameter \"hh.weights\" (known: hh.weight"},
		{[]string{"--loss", "mean"}, "--loss \"mean\": want last or all"},
		{[]string{"--nonlinearity", "swish"}, "unknown nonlinearity"},
	}
	for _, c := range cases {
		args := append([]string{"train", "--connectome", conn, "--out", filepath.Join(dir, "o"), "--fresh", "--train-limit", "8", "--test-limit", "8"}, c.args...)
		if !hasArg(c.args, "--mnist") {
			good := filepath.Join(dir, "good")
			os.Mkdir(good, 0o755)
			writeIDX(t, good, "train", 8, 28, 28)
			writeIDX(t, good, "t10k", 8, 28, 28)
			args = append(args, "--mnist", good)
		}
		err := run(args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

func hasArg(v []string, s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

// A run stopped mid-epoch (as if killed) and started again with the same
// command ends with the same checkpoint and metrics as an uninterrupted run.
func TestTrainResumeAfterKill(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mnist")
	os.Mkdir(data, 0o755)
	writeIDX(t, data, "train", 40, 28, 28)
	writeIDX(t, data, "t10k", 8, 28, 28)
	conn := filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, 400)
	args := func(out string) []string {
		return []string{"train", "--connectome", conn, "--mnist", data, "--epochs", "2", "--batch", "4",
			"--lr", "0.01", "--steps", "4", "--out", out, "--checkpoint-every", "3", "--seed", "5", "--workers", "2",
			"--outputs", "100", "--dropout", "0.2"}
	}
	var stdout, stderr bytes.Buffer
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := run(args(a), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	// Killed in epoch 2 (10 batches per epoch): after batch 14 of the run,
	// whose last checkpoint is at batch 3 of epoch 2.
	if err := run(append(args(b), "--stop-after", "14"), &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("stop: %v", err)
	}
	stdout.Reset()
	if err := run(args(b), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "resuming") || !strings.Contains(stdout.String(), "at epoch 2, batch 3") {
		t.Errorf("resume output:\n%s", stdout.String())
	}
	ca, err := train.Load(filepath.Join(a, "checkpoint.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := train.Load(filepath.Join(b, "checkpoint.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := ca.Model.Params(), cb.Model.Params()
	for i := range pa {
		for k := range pa[i] {
			if pa[i][k] != pb[i][k] {
				t.Fatalf("%s[%d]: %v uninterrupted, %v resumed", train.ParamNames()[i], k, pa[i][k], pb[i][k])
			}
		}
	}
	for i := range ca.State.History {
		ea, eb := ca.State.History[i], cb.State.History[i]
		ea.Seconds, eb.Seconds = 0, 0
		if ea != eb {
			t.Errorf("epoch %d metrics: %+v uninterrupted, %+v resumed", i+1, ea, eb)
		}
	}
}

// Every solver and readout option trains end to end.
func TestTrainSolvers(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mnist")
	os.Mkdir(data, 0o755)
	writeIDX(t, data, "train", 16, 28, 28)
	writeIDX(t, data, "t10k", 8, 28, 28)
	conn := filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, 300)
	for i, extra := range [][]string{
		{"--solver", "dopri5"},
		{"--solver", "bosh3", "--loss", "all"},
		{"--solver", "rk4", "--steps", "4", "--loss", "all", "--output-projection", "--optimizer", "sgd", "--schedule", "step"},
		{"--solver", "euler", "--store-z=false", "--optimizer", "adam", "--freeze", "hh.weight,tau", "--nonlinearity", "sigmoid,relu"},
	} {
		out := filepath.Join(dir, fmt.Sprint("run", i))
		args := append([]string{"train", "--connectome", conn, "--mnist", data, "--batch", "4", "--steps", "5",
			"--out", out, "--outputs", "50", "--workers", "2"}, extra...)
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err != nil {
			t.Errorf("%v: %v", extra, err)
			continue
		}
		if _, err := os.Stat(filepath.Join(out, "model.npz")); err != nil {
			t.Errorf("%v: %v", extra, err)
		}
	}
	var stdout, stderr bytes.Buffer
	err := run([]string{"train", "--connectome", conn, "--mnist", data, "--out", filepath.Join(dir, "d"), "--dale"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "has no neuron signs") {
		t.Errorf("--dale without signs: %v", err)
	}
}

// checkExports checks the state dict that eval --export wrote to
// dir/m.pt for m, writes the .npz export, and refuses an unknown
// extension with the known ones.
func checkExports(t *testing.T, dir string, m *train.Model) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "m.pt"))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := pt.DecodeStateDict(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// Without an output projection there is no out.weight (a 300×900
	// selection, no parameter) nor out.bias: output_neurons says what is read.
	var names []string
	for _, e := range sd {
		names = append(names, e.Name)
	}
	want := "hh.weight,ih.weight,bias,tau,fc1.weight,fc1.bias,fc2.weight,fc2.bias,output_neurons"
	if strings.Join(names, ",") != want || !reflect.DeepEqual(sd[0].Sparse, m.W) || !reflect.DeepEqual(sd[7].Data, m.B2) ||
		len(sd[8].Int) != 300 {
		t.Errorf("m.pt holds %v, want %s", names, want)
	}
	// The matrix readers take the state dict by key, as info and convert do.
	h, err := pt.DecodeHeader(bytes.NewReader(data), int64(len(data)), "hh.weight")
	if err != nil || h.Rows != m.Neurons || h.NNZ != m.W.NNZ() {
		t.Errorf("header of hh.weight: %+v, %v", h, err)
	}
	if err := train.ExportFile(filepath.Join(dir, "m.npz"), m); err != nil {
		t.Error(err)
	}
	err = train.ExportFile(filepath.Join(dir, "m.pickle"), m)
	if err == nil || !strings.Contains(err.Error(), `unknown format ".pickle" (known: .npz, .pt, .pth)`) {
		t.Errorf("unknown extension: %v", err)
	}
}

// eval checks its flags before it reads anything, as train does: a zero
// or negative --batch, a negative --test-limit or --workers, or an
// export format it cannot write is an error naming the flag (--batch 0
// and --test-limit -5 were silently read as 1 and "all").
func TestEvalFlagErrors(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "missing.ckpt") // never reached
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch", "0"}, "--batch 0: must be at least 1"},
		{[]string{"--batch", "-3"}, "--batch -3: must be at least 1"},
		{[]string{"--test-limit", "-5"}, "--test-limit -5: must not be negative"},
		{[]string{"--workers", "-2"}, "--workers -2: must be positive"},
		{[]string{"--export", "m.txt"}, `--export m.txt: unknown format ".txt"`},
		{[]string{"--export-connectome", "w.foo"}, `--export-connectome: w.foo: unknown file extension ".foo"`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(append([]string{"eval", "--checkpoint", ckpt}, c.args...), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("eval %v: %v, want %q", c.args, err, c.want)
		}
	}
}

// tinyCheckpoint trains a 50-neuron model for one epoch on 16 synthetic
// images of dir/full, which also holds 8 test images, as does dir/t10k
// alone; it returns the checkpoint's path.
func tinyCheckpoint(t *testing.T, dir string) string {
	t.Helper()
	full, testOnly := filepath.Join(dir, "full"), filepath.Join(dir, "t10k")
	os.Mkdir(full, 0o755)
	os.Mkdir(testOnly, 0o755)
	writeIDX(t, full, "train", 16, 28, 28)
	writeIDX(t, full, "t10k", 8, 28, 28)
	writeIDX(t, testOnly, "t10k", 8, 28, 28)
	conn := filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, 50)
	out := filepath.Join(dir, "run")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"train", "--connectome", conn, "--mnist", full, "--epochs", "1", "--batch", "8",
		"--steps", "2", "--out", out, "--outputs", "20", "--hidden", "8"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	return filepath.Join(out, "checkpoint.ckpt")
}

// eval reads only the test split: a --mnist directory holding just the
// t10k files serves (eval asked for train-images-idx3-ubyte and failed).
func TestEvalTestSplitOnly(t *testing.T) {
	dir := t.TempDir()
	ckpt := tinyCheckpoint(t, dir)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"eval", "--checkpoint", ckpt, "--mnist", filepath.Join(dir, "t10k")}, &stdout, &stderr); err != nil {
		t.Fatalf("eval on a test-only directory: %v", err)
	}
	if !strings.Contains(stdout.String(), "test images: 8\n") {
		t.Errorf("eval output:\n%s", stdout.String())
	}
}

// eval reads the test set before it writes --export and
// --export-connectome: a bad --mnist fails with no file written (the
// exports were written, then the command failed).
func TestEvalBadMNISTWritesNothing(t *testing.T) {
	dir := t.TempDir()
	ckpt := tinyCheckpoint(t, dir)
	pt, conn := filepath.Join(dir, "m.pt"), filepath.Join(dir, "w.npz")
	var stdout, stderr bytes.Buffer
	err := run([]string{"eval", "--checkpoint", ckpt, "--mnist", filepath.Join(dir, "nowhere"),
		"--export", pt, "--export-connectome", conn}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("eval --mnist nowhere: %v", err)
	}
	for _, p := range []string{pt, conn} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s written by a failed eval (%v)", p, err)
		}
	}
}
