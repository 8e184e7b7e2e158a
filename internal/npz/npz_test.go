package npz

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const python = "/usr/bin/python3"

// havePython skips the test unless python has numpy.
func havePython(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		t.Skip("no /usr/bin/python3 with numpy")
	}
}

func TestStringsNumpy(t *testing.T) {
	havePython(t)
	p := filepath.Join(t.TempDir(), "s.npz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := NewWriter(f)
	if err := z.AddStrings("names", []string{"R1", "CT1(Lo1)", ""}, false); err != nil {
		t.Fatal(err)
	}
	if err := z.Add("x", []int{2, 2}, []int32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(python, "-c", `
import sys, numpy as np
z = np.load(sys.argv[1])
print(z["names"].dtype, z["names"].tolist(), z["x"].tolist())
`, p).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "|S8 [b'R1', b'CT1(Lo1)', b''] [[1, 2], [3, 4]]"
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("numpy read %q, want %q", got, want)
	}
}
