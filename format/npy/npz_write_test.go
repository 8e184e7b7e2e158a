package npy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

// Every element type, byte strings and a 0-d array written into one
// archive load in NumPy with their dtypes, shapes and values.
func TestNPZWriterLoadsInNumPy(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	z := NewNPZWriter(&buf)
	for _, a := range []struct {
		name  string
		shape []int
		data  any
	}{
		{"f4", []int{2, 2}, []float32{1.5, -2, 0, 3e38}},
		{"f8", []int{3}, []float64{1e-300, 0, 2.5}},
		{"i1", []int{2}, []int8{-128, 127}},
		{"i2", []int{2}, []int16{-32768, 7}},
		{"i4", []int{2, 1}, []int32{-1, 1 << 30}},
		{"i8", []int{1}, []int64{-1 << 62}},
		{"u1", []int{3}, []uint8{0, 1, 255}},
		{"u2", []int{1}, []uint16{65535}},
		{"u4", []int{1}, []uint32{1 << 31}},
		{"u8", []int{1}, []uint64{1 << 63}},
		{"b1", []int{2}, []bool{true, false}},
		{"names", []int{3}, []string{"R1", "CT1(Lo1)", ""}},
		{"scalar", nil, []string{"csr"}},
		{"empty", []int{0, 4}, []float32{}},
	} {
		if err := z.Add(a.name, a.shape, a.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.npz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := numpy(t, dir, `
import numpy as np
z = np.load("a.npz")
for k in ["f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1", "names", "scalar", "empty"]:
    a = z[k]
    print(k, a.dtype.str, a.shape, a.tolist())
`, false)
	want := strings.Join([]string{
		"f4 <f4 (2, 2) [[1.5, -2.0], [0.0, 3.0000000054977558e+38]]",
		"f8 <f8 (3,) [1e-300, 0.0, 2.5]",
		"i1 |i1 (2,) [-128, 127]",
		"i2 <i2 (2,) [-32768, 7]",
		"i4 <i4 (2, 1) [[-1], [1073741824]]",
		"i8 <i8 (1,) [-4611686018427387904]",
		"u1 |u1 (3,) [0, 1, 255]",
		"u2 <u2 (1,) [65535]",
		"u4 <u4 (1,) [2147483648]",
		"u8 <u8 (1,) [9223372036854775808]",
		"b1 |b1 (2,) [True, False]",
		"names |S8 (3,) [b'R1', b'CT1(Lo1)', b'']",
		"scalar |S3 () b'csr'",
		"empty <f4 (0, 4) []",
	}, "\n")
	if got != want {
		t.Errorf("numpy read\n%s\nwant\n%s", got, want)
	}
}

// Matrices added under prefixes beside other arrays read back one at a
// time by prefix, here and in SciPy; without a prefix the archive is one
// scipy.sparse.load_npz reads.
func TestNPZWriterAddCSR(t *testing.T) {
	dir := t.TempDir()
	a, b := withoutZeros(randomCSR(7, 5, 0.4, 1)), withoutZeros(randomCSR(3, 9, 0.5, 2))
	var buf bytes.Buffer
	z := NewNPZWriter(&buf)
	if err := z.AddCSR("hh", a); err != nil {
		t.Fatal(err)
	}
	if err := z.Add("bias", []int{3}, []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := z.AddCSR("out", b); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]*sparse.CSR{"hh": a, "out": b} {
		got, err := DecodeNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), key)
		if err != nil {
			t.Fatal(err)
		}
		fixture.Equal(t, key, got, want)
	}
	os.WriteFile(filepath.Join(dir, "several.npz"), buf.Bytes(), 0o644)
	buf.Reset()
	if err := EncodeNPZ(&buf, a); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "one.npz"), buf.Bytes(), 0o644)
	got := numpy(t, dir, `
import numpy as np, scipy.sparse as sp
z = np.load("several.npz")
print(sorted(z.files))
m = sp.csr_matrix((z["out/data"], z["out/indices"], z["out/indptr"]), shape=z["out/shape"])
one = sp.load_npz("one.npz")
print(m.shape, m.nnz, one.format, one.shape, one.nnz, one.dtype)
`, true)
	want := fmt.Sprintf("['bias', 'hh/data', 'hh/indices', 'hh/indptr', 'hh/shape', 'out/data', 'out/indices', 'out/indptr', 'out/shape']\n"+
		"(3, 9) %d csr (7, 5) %d float32", b.NNZ(), a.NNZ())
	if got != want {
		t.Errorf("scipy read\n%s\nwant\n%s", got, want)
	}
}

// An array name used twice is a programmer's mistake.
func TestNPZWriterDuplicateName(t *testing.T) {
	z := NewNPZWriter(new(bytes.Buffer))
	z.Add("x", []int{1}, []int32{1})
	defer func() {
		if recover() == nil {
			t.Error("second x accepted")
		}
	}()
	z.Add("x", []int{1}, []int32{2})
}
