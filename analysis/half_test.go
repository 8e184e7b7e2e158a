package analysis

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
)

// Half against NumPy's float32 -> float16 conversion (and PyTorch's, which
// the generator checks are the same) at the edges of the format:
// testdata/gen/float16_cases.py.
func TestHalfMatchesNumPy(t *testing.T) {
	a, err := npy.ReadFile(filepath.Join("testdata", "float16_cases.npy"))
	if err != nil {
		t.Fatal(err)
	}
	d := a.Data.([]float64)
	n := len(d) / 2
	if n < 300 {
		t.Fatalf("%d cases", n)
	}
	for i := range n {
		x, want := d[i], d[n+i]
		got := Half(x)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("Half(%v) = %v, NumPy %v", x, got, want)
		}
	}
}
