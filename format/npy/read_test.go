package npy

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

// Every fixture written by NumPy and SciPy loads with exactly the indices
// and values scipy sees.
func TestDecodeFixtures(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.expect.json")
	if len(paths) < 10 {
		t.Fatalf("only %d fixtures; run testdata/gen/formats.py", len(paths))
	}
	for _, e := range paths {
		name := strings.TrimSuffix(filepath.Base(e), ".expect.json")
		t.Run(name, func(t *testing.T) {
			var got *sparse.CSR
			if data, err := os.ReadFile("testdata/" + name + ".npz"); err == nil {
				key := ""
				if name == "arrays" {
					key = "w"
				}
				got, err = DecodeNPZ(bytes.NewReader(data), int64(len(data)), key)
				if err != nil {
					t.Fatal(err)
				}
			} else {
				f, err := os.Open("testdata/" + name + ".npy")
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if got, err = Decode(f); err != nil {
					t.Fatal(err)
				}
			}
			fixture.Equal(t, name, got, fixture.Expect(t, e))
		})
	}
}

func TestReadArrays(t *testing.T) {
	a, err := ReadFile("testdata/input_3d_f4.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{2, 3, 4}) || a.DType != "<f4" {
		t.Fatalf("shape %v dtype %s", a.Shape, a.DType)
	}
	f, _ := a.Float32()
	for k, v := range f {
		if v != float32(k)/8 {
			t.Fatalf("element %d is %v", k, v)
		}
	}
	if _, err := a.Int64(); err == nil {
		t.Error("Int64 of floats accepted")
	}
	for file, want := range map[string][]int64{
		"indices_i8.npy": {5, 0, 3, 3, 1 << 40},
		"indices_u2.npy": {1, 65535, 7},
	} {
		a, err := ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Int64()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v, want %v", file, got, err, want)
		}
	}
	a, err = ReadFile("testdata/scalar_f8.npy")
	if err != nil || len(a.Shape) != 0 || a.Data.([]float64)[0] != 2.5 {
		t.Errorf("scalar: %+v %v", a, err)
	}
	// Fortran order comes back in C order.
	c, _ := ReadFile("testdata/dense_f8.npy")
	fo, _ := ReadFile("testdata/dense_fortran.npy")
	if !reflect.DeepEqual(c.Data, fo.Data) || !reflect.DeepEqual(c.Shape, fo.Shape) {
		t.Error("Fortran-order array differs from the C-order one")
	}
}

func TestDecodeNPZHeader(t *testing.T) {
	for file, want := range map[string]MatrixHeader{
		"csc_f4.npz":       {Format: "csc", DType: "<f4", Rows: 30, Cols: 30},
		"csr_rect.npz":     {Format: "csr", DType: "<f4", Rows: 20, Cols: 7, NNZ: 28},
		"csr_i2_idx64.npz": {Format: "csr", DType: "<i2", Rows: 10, Cols: 10},
		"arrays.npz":       {Format: "dense", DType: "<f4", Rows: 8, Cols: 6, NNZ: 48, Key: "w"},
	} {
		data, _ := os.ReadFile("testdata/" + file)
		h, err := DecodeNPZHeader(bytes.NewReader(data), int64(len(data)), "")
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if want.NNZ == 0 {
			want.NNZ = h.NNZ
		}
		if h != want {
			t.Errorf("%s: %+v, want %+v", file, h, want)
		}
	}
	data, _ := os.ReadFile("testdata/arrays.npz")
	if _, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "nope"); err == nil || !strings.Contains(err.Error(), "arrays: b, w") {
		t.Errorf("missing key: %v", err)
	}
	if _, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "b"); err == nil || !strings.Contains(err.Error(), "want a 2-D matrix") {
		t.Errorf("1-D key: %v", err)
	}
}

func npyBytes(header string, data []byte) []byte {
	h := header
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

func TestErrors(t *testing.T) {
	good := npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 16))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"wrong magic", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00"), "wrong magic"},
		{"truncated data", good[:len(good)-3], "unexpected EOF"},
		{"truncated header", good[:30], "unexpected EOF"},
		{"negative shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 2), }", nil), "negative dimension"},
		{"NaN shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (nan, 2), }", nil), "shape holds a non-integer"},
		{"shape disagrees with data", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", make([]byte, 16)), "unexpected EOF"},
		{"object", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", nil), "object array"},
		{"huge", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", nil), "too many elements"},
		{"claims much", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", nil), "unexpected EOF"},
		{"3-D", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", make([]byte, 16)), "want a 2-D matrix"},
		{"NaN", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", []byte{0, 0, 0xc0, 0x7f}), "NaN"},
		{"bad dict", npyBytes("{'descr': '<f4', 'shape': (1, 1), }", nil), "missing descr"},
		{"complex", npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }", nil), "unsupported"},
	} {
		_, err := Decode(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Decode(bytes.NewReader(good[:len(good)-3])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v is not io.ErrUnexpectedEOF", err)
	}
}

func TestNPZErrors(t *testing.T) {
	good, _ := os.ReadFile("testdata/csr_f8.npz")
	csr := func(shape []int64, indptr, indices []int32, data []float32) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, arr := range map[string]struct {
			n int
			d any
		}{"shape": {len(shape), shape}, "indptr": {len(indptr), indptr}, "indices": {len(indices), indices}, "data": {len(data), data}} {
			w, _ := zw.Create(name + ".npy")
			Encode(w, []int{arr.n}, arr.d)
		}
		w, _ := zw.Create("format.npy")
		EncodeStrings(w, nil, []string{"csr"})
		zw.Close()
		return buf.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"wrong magic", []byte("not a zip at all"), "not a zip archive"},
		{"truncated", good[:len(good)-20], "zip directory unreadable"},
		{"valid", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, 2}), ""},
		{"index out of range", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 2}, []float32{1, 2}), "column index 2, outside the shape 2×2"},
		{"indptr too short", csr([]int64{3, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, 2}), "indptr has shape [3], want [4]"},
		{"indptr decreasing", csr([]int64{3, 2}, []int32{0, 2, 1, 2}, []int32{1, 0}, []float32{1, 2}), "decreases"},
		{"data and indices differ", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 0, 1}, []float32{1, 2}), "indices has shape [3], want [2]"},
		{"negative shape", csr([]int64{-2, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, 2}), "negative shape"},
		{"NaN", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, float32(math.NaN())}), "NaN"},
		{"no matrix at all", savez(map[string][]float32{"tau": {1, 2}, "bias": {0}}), "holds no 2-D array and no scipy matrix"},
	} {
		_, err := DecodeNPZ(bytes.NewReader(c.data), int64(len(c.data)), "")
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

// savez writes 1-D float32 arrays as np.savez does.
func savez(arrays map[string][]float32) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, a := range arrays {
		w, _ := zw.Create(name + ".npy")
		Encode(w, []int{len(a)}, a)
	}
	zw.Close()
	return buf.Bytes()
}

func TestEncodeRoundTrip(t *testing.T) {
	c := sparse.NewCOO(40, 25, 0)
	for k := 0; k < 300; k++ {
		c.Add((k*7)%40, (k*11)%25, float32(k%9)-4.5)
	}
	m := c.ToCSR()
	var buf bytes.Buffer
	if err := EncodeNPZ(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "npz", got, m)
	buf.Reset()
	if err := EncodeMatrix(&buf, m); err != nil {
		t.Fatal(err)
	}
	if got, err = Decode(&buf); err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "npy", got, m)
}

// Files written here load in SciPy and NumPy with the same values.
func TestEncodeLoadsInSciPy(t *testing.T) {
	if err := exec.Command(fixture.Python, "-c", "import scipy, numpy").Run(); err != nil {
		t.Skipf("%s lacks scipy: %v", fixture.Python, err)
	}
	dir := t.TempDir()
	c := sparse.NewCOO(30, 20, 0)
	for k := 0; k < 200; k++ {
		c.Add((k*7)%30, (k*3)%20, float32(k)/7)
	}
	m := c.ToCSR()
	var z, d bytes.Buffer
	EncodeNPZ(&z, m)
	EncodeMatrix(&d, m)
	os.WriteFile(filepath.Join(dir, "m.npz"), z.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "m.npy"), d.Bytes(), 0o644)
	script := `
import numpy as np, scipy.sparse as sp
m = sp.load_npz("m.npz")
d = np.load("m.npy")
assert m.format == "csr" and m.dtype == np.float32 and d.dtype == np.float32
assert (m.toarray() == d).all()
m.indices = m.indices.astype(np.int64)
sp.save_npz("back.npz", m.tocoo())
print(m.shape, m.nnz)
`
	cmd := exec.Command(fixture.Python, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scipy: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "back.npz"))
	got, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "via scipy", got, m)
}

func seeds(f *testing.F, glob string) {
	paths, _ := filepath.Glob(glob)
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

func FuzzDecode(f *testing.F) {
	seeds(f, "testdata/*.npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data))
		if err == nil && a.Len() != reflect.ValueOf(a.Data).Len() {
			t.Fatalf("shape %v but %d elements", a.Shape, reflect.ValueOf(a.Data).Len())
		}
		m, err := Decode(bytes.NewReader(data))
		if err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzDecodeNPZ(f *testing.F) {
	seeds(f, "testdata/*.npz")
	f.Fuzz(func(t *testing.T, data []byte) {
		h, herr := DecodeNPZHeader(bytes.NewReader(data), int64(len(data)), "")
		m, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
		if err != nil {
			return
		}
		if herr != nil || m.Rows != h.Rows || m.Cols != h.Cols {
			t.Fatalf("header %+v (%v), matrix %d×%d", h, herr, m.Rows, m.Cols)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeNPZArrays fuzzes the scipy-level checks (shape, indptr,
// indices, row, col) with arrays placed in a valid archive, which
// mutations of whole files rarely reach past the zip checksums.
func FuzzDecodeNPZArrays(f *testing.F) {
	f.Add("csr", int64(2), int64(2), []byte{0, 1, 2}, []byte{1, 0}, []byte{1, 2})
	f.Add("csc", int64(3), int64(2), []byte{0, 2, 3}, []byte{2, 0, 1}, []byte{1, 2, 3})
	f.Add("coo", int64(3), int64(3), []byte{0, 1, 2, 2}, []byte{2, 0, 1, 2}, []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, format string, rows, cols int64, a, b, v []byte) {
		ints := func(p []byte) []int32 {
			out := make([]int32, len(p))
			for i, x := range p {
				out[i] = int32(int8(x))
			}
			return out
		}
		vals := make([]float32, len(v))
		for i, x := range v {
			vals[i] = float32(int8(x))
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		put := func(name string, n int, d any) {
			w, _ := zw.Create(name + ".npy")
			Encode(w, []int{n}, d)
		}
		put("shape", 2, []int64{rows, cols})
		put("data", len(vals), vals)
		if format == "coo" {
			put("row", len(a), ints(a))
			put("col", len(b), ints(b))
		} else {
			put("indptr", len(a), ints(a))
			put("indices", len(b), ints(b))
		}
		w, _ := zw.Create("format.npy")
		EncodeStrings(w, nil, []string{string([]byte(format + "   ")[:3])})
		zw.Close()
		m, err := DecodeNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "")
		if err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if int64(m.Rows) != rows || int64(m.Cols) != cols {
				t.Fatalf("shape %d×%d, want %d×%d", m.Rows, m.Cols, rows, cols)
			}
		}
	})
}
