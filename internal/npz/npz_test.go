package npz

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

const python = "/usr/bin/python3"

// havePython reports whether python has numpy and scipy.
func havePython(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import numpy, scipy.sparse").Run(); err != nil {
		t.Skip("no /usr/bin/python3 with numpy and scipy")
	}
}

// scipy.sparse.load_npz must read WriteCSR's file back exactly.
func TestWriteCSRScipy(t *testing.T) {
	havePython(t)
	c := sparse.NewCOO(3, 4, 4)
	c.Add(0, 1, 1.5)
	c.Add(2, 0, -2)
	c.Add(2, 3, 0.25)
	a := c.ToCSR()
	var buf bytes.Buffer
	if err := WriteCSR(&buf, a); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.npz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", `
import sys, scipy.sparse as sp
m = sp.load_npz(sys.argv[1])
print(m.format, m.shape, m.dtype, m.toarray().tolist())
`, p).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "csr (3, 4) float32 [[0.0, 1.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 0.0, 0.0, 0.25]]"
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("scipy read\n%s\nwant\n%s", got, want)
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
