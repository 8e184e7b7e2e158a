package parquet

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestReadConnectivityCorrupt runs the reader on 2,000 copies of a seed
// file with a few random bytes changed: it must return an error or a
// valid matrix, never panic or hang (the fuzz target does the same with
// guided mutations).
func TestReadConnectivityCorrupt(t *testing.T) {
	b0, err := os.ReadFile(filepath.Join("testdata", "conn-shiu.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	p := filepath.Join(t.TempDir(), "f.parquet")
	for range 2000 {
		b := append([]byte(nil), b0...)
		for range 1 + r.IntN(4) {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if a, err := ReadConnectivity(p, 20); err == nil {
			if err := a.Validate(); err != nil {
				t.Fatalf("accepted an invalid matrix: %v", err)
			}
		}
	}
}
