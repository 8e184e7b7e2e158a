package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neuropil/neuropil/internal/budget"
)

// Oversized train runs are refused from the estimate within seconds, with
// the budget's flag in the message (issue 11: they ran out of memory).
func TestTrainRefusesOversizedRuns(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "mnist")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	writeIDX(t, data, "train", 8, 28, 28)
	writeIDX(t, data, "t10k", 8, 28, 28)
	conn := filepath.Join(dir, "c.npy")
	writeConnectome(t, conn, 100)
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
