package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
)

// TestSimulateLIF: --model lif runs Shiu et al.'s model on a connectome
// file with an excited set given by ids, writes its five outputs and a
// summary; an id not in the neuron table is an error naming it, before any
// work, that leaves nothing behind.
func TestSimulateLIF(t *testing.T) {
	dir := t.TempDir()
	conn := filepath.Join(dir, "c.npz")
	if err := format.Save(conn, connectome.Random(300, 6000, 2), format.Options{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	stdout, _, err := runCLI("simulate", "--model", "lif", "--connectome", conn, "--excite", "3,4,5", "--trials", "2",
		"--duration", "0.1", "--v_th", "-46", "--tau", "4", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"spikes.parquet", "rates.csv", "summary.json", "raster.png", "rates.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	s := readSummary(t, out)
	if s["trials"] != 2.0 || s["duration"] != 0.1 || s["excited"] != 3.0 || !(s["spikes"].(float64) > 0) || !strings.Contains(stdout, "2 trials") {
		t.Errorf("summary %v, stdout %q", s, stdout)
	}
	bad := filepath.Join(dir, "bad")
	_, _, err = runCLI("simulate", "--model", "lif", "--connectome", conn, "--excite", "3,4,99999", "--trials", "1", "--duration", "0.01", "--out", bad)
	if err == nil || !strings.Contains(err.Error(), "99999") {
		t.Errorf("unknown id: %v", err)
	}
	if entries, _ := os.ReadDir(bad); len(entries) > 0 {
		t.Errorf("a refused run left %d files in %s", len(entries), bad)
	}
}
