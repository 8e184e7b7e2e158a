package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/train"
)

// tinyTraining writes 8 training and 8 test images of 28×28 and a random
// connectome of n neurons into a new directory: dir, the MNIST directory
// and the connectome.
func tinyTraining(t *testing.T, n int) (dir, data, conn string) {
	t.Helper()
	dir = t.TempDir()
	data = filepath.Join(dir, "mnist")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	writeIDX(t, data, "train", 8, 28, 28)
	writeIDX(t, data, "t10k", 8, 28, 28)
	conn = filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, n)
	return dir, data, conn
}

// Oversized train runs are refused from the estimate within seconds, with
// the budget's flag in the message (issue 11: they ran out of memory).
func TestTrainRefusesOversizedRuns(t *testing.T) {
	dir, data, conn := tinyTraining(t, 100)
	for _, extra := range [][]string{
		{"--steps", "1000000000"},
		{"--batch", "60000", "--train-limit", "60000", "--max-memory", "1GiB"},
		{"--hidden", "100000000"},
		{"--max-memory", "1KiB"},
	} {
		args := append([]string{"train", "--connectome", conn, "--mnist", data, "--out", filepath.Join(dir, "o"), "--fresh",
			"--train-limit", "8", "--test-limit", "8"}, extra...)
		start := time.Now()
		var stdout, stderr bytes.Buffer
		err := run(args, &stdout, &stderr)
		var be *budget.Error
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "--max-memory") {
			t.Errorf("%v: %v", extra, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v: refused after %v", extra, d)
		}
	}
	if err := run([]string{"train", "--max-memory", "lots"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "memory size") {
		t.Errorf("--max-memory lots: %v", err)
	}
}

// A second run into an --out that a running process holds is refused,
// naming the holder's pid, and changes nothing there (issue 11: both
// exited 0 and the directory held whichever finished last).
func TestConcurrentRunsIntoOneDirectory(t *testing.T) {
	dir := t.TempDir()
	conn, input, idx := smallProblem(t, dir)
	out := filepath.Join(dir, "out")
	if _, _, err := runCLI("simulate", "--connectome", conn, "--input", input, "--input-indices", idx, "--out", out, "--no-plots"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(out)
	lock, err := atomic.Lock(out) // the other run
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI("simulate", "--connectome", conn, "--input", input, "--input-indices", idx, "--out", out, "--no-plots")
	if !errors.Is(err, atomic.ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("simulate into a held directory: %v", err)
	}
	_, data, _ := tinyTraining(t, 30)
	_, _, err = runCLI("train", "--connectome", conn, "--mnist", data, "--out", out, "--train-limit", "8", "--test-limit", "8")
	if !errors.Is(err, atomic.ErrLocked) {
		t.Errorf("train into a held directory: %v", err)
	}
	lock.Unlock()
	after, _ := os.ReadDir(out)
	if len(after) != len(before) || len(after) == 0 {
		t.Errorf("directory changed: %v -> %v", before, after)
	}
}

// A train run that cannot write an output after its last checkpoint
// (disk full; here model.npz is a directory) exits with an error, and the
// rerun finishes every output from the checkpoint (issue 11: it said "run
// already finished" and never wrote model.npz).
func TestTrainFinishesOutputsOnRerun(t *testing.T) {
	dir, data, conn := tinyTraining(t, 30)
	out := filepath.Join(dir, "o")
	os.MkdirAll(filepath.Join(out, "model.npz", "x"), 0o755)
	args := []string{"train", "--connectome", conn, "--mnist", data, "--out", out, "--train-limit", "8", "--test-limit", "8",
		"--batch", "4", "--steps", "2", "--hidden", "8"}
	if _, _, err := runCLI(args...); err == nil {
		t.Fatal("train wrote model.npz over a directory")
	}
	os.RemoveAll(filepath.Join(out, "model.npz"))
	os.Remove(filepath.Join(out, "metrics.csv"))
	stdout, _, err := runCLI(args...)
	if err != nil || !strings.Contains(stdout, "already finished") {
		t.Fatalf("rerun: %v\n%s", err, stdout)
	}
	for _, name := range []string{"model.npz", "metrics.csv", "learning_curves.png", "checkpoint.ckpt"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s after the rerun: %v", name, err)
		}
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left %s", e.Name())
		}
	}
}

// Forged checkpoints with a valid CRC (issue 11): State.batch = -7
// panicked in train, Settings.steps = 10^9 ran out of memory in eval and
// train. Both are errors now, before any work.
func TestForgedCheckpoints(t *testing.T) {
	dir, data, conn := tinyTraining(t, 30)
	out := filepath.Join(dir, "o")
	args := []string{"train", "--connectome", conn, "--mnist", data, "--out", out, "--train-limit", "8", "--test-limit", "8",
		"--batch", "4", "--steps", "2", "--hidden", "8", "--epochs", "1"}
	if _, _, err := runCLI(args...); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(out, "checkpoint.ckpt")
	good, err := train.Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	forge := func(edit func(c *train.Checkpoint)) {
		c := *good
		edit(&c)
		if err := c.Save(ckpt); err != nil { // Save seals a valid CRC
			t.Fatal(err)
		}
	}
	forge(func(c *train.Checkpoint) { c.State.Batch = -7 })
	if _, _, err := runCLI(append(args, "--epochs", "2")...); !errors.Is(err, train.ErrCorrupt) {
		t.Errorf("train from State.batch = -7: %v", err)
	}
	forge(func(c *train.Checkpoint) {
		c.Settings = []byte(strings.Replace(string(good.Settings), `"steps":2`, `"steps":1000000000`, 1))
	})
	var be *budget.Error
	if _, _, err := runCLI("eval", "--checkpoint", ckpt, "--mnist", data, "--test-limit", "8"); !errors.As(err, &be) {
		t.Errorf("eval of Settings.steps = 10^9: %v", err)
	}
	if _, _, err := runCLI(append(args, "--epochs", "2")...); !errors.As(err, &be) {
		t.Errorf("train from Settings.steps = 10^9: %v", err)
	}
}

// --max-memory reaches the readers: a file whose estimate exceeds it is
// refused with a message naming the file, the estimate and the flag; the
// next command starts from the default budget again.
func TestMaxMemoryReachesReaders(t *testing.T) {
	const file = "../../format/pt/testdata/coo_f64.pt"
	_, _, err := runCLI("info", "--max-memory", "10B", file)
	var be *budget.Error
	if !errors.As(err, &be) || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "--max-memory") {
		t.Fatalf("info under 10 bytes: %v", err)
	}
	if _, _, err := runCLI("info", file); err != nil {
		t.Fatalf("info after: %v", err)
	}
}
