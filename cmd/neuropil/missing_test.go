package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingFileNamesTheFlag: a file that does not exist is an error that
// names the flag that gave it, and the failed run leaves no directory.
func TestMissingFileNamesTheFlag(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, args := range [][]string{
		{"simulate", "--input", "nope.npy"},
		{"simulate", "--connectome", "nope.npz"},
		{"simulate", "--output-projection", "nope.npz"},
		{"simulate", "--model", "optic-lobe", "--spec", "nope.json"},
		{"simulate", "--model", "lif", "--neurons", "nope.csv"},
		{"train", "--connectome", "nope.npz"},
		{"train", "--mnist", "nope"},
		{"eval", "--checkpoint", "nope.ckpt"},
	} {
		a := append(args, "--out", out)
		if args[0] == "eval" {
			a = args
		}
		_, _, err := runCLI(a...)
		flag := args[len(args)-2]
		if err == nil || !strings.HasPrefix(err.Error(), flag+" nope") {
			t.Errorf("%v: error %v, want it to begin with %q", args, err, flag+" nope")
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v left %s", args, out)
			os.RemoveAll(out)
		}
	}
}
