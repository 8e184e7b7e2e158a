package opticlobe

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSave(t *testing.T) {
	net, err := BuildFile(specPath(t), 3)
	if err != nil || net.Extent != 3 || net.Neurons() != smallNet(t).Neurons() {
		t.Fatalf("BuildFile: %v", err)
	}
	if _, err := BuildFile(filepath.Join(t.TempDir(), "none.json"), 3); err == nil {
		t.Error("BuildFile of a missing file: no error")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "lobe.npz")
	written, err := net.Save(p, "CSV")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{p, filepath.Join(dir, "lobe.neurons.csv"), filepath.Join(dir, "lobe.edges.csv"), filepath.Join(dir, "lobe.pairs.csv")}
	if !slices.Equal(written, want) {
		t.Errorf("wrote %v, want %v", written, want)
	}
	for _, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	q := filepath.Join(dir, "bare.pt")
	if written, err := net.Save(q, "none"); err != nil || !slices.Equal(written, []string{q}) {
		t.Errorf("no tables: %v, %v", written, err)
	}
	if _, err := net.Save(filepath.Join(dir, "x.npz"), "xlsx"); err == nil {
		t.Error("unknown table format accepted")
	}
}
