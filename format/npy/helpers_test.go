package npy

import (
	"archive/zip"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

// npyOf returns the .npy bytes of the 1-D array data (see Encode).
func npyOf(data any) []byte {
	var b bytes.Buffer
	if err := Encode(&b, []int{reflect.ValueOf(data).Len()}, data); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// npyRaw returns the .npy bytes of raw data under descr and shape.
func npyRaw(descr string, shape []int, raw []byte) []byte {
	var b bytes.Buffer
	b.WriteString(header(descr, shape))
	b.Write(raw)
	return b.Bytes()
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

// archive returns a zip of NAME.npy entries in name order, stored or
// deflated.
func archive(method uint16, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n + ".npy", Method: method})
		if err != nil {
			panic(err)
		}
		w.Write(files[n])
	}
	zw.Close()
	return buf.Bytes()
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

// scipyNPZ returns a save_npz archive of the given format and arrays.
func scipyNPZ(method uint16, format string, rows, cols int, arrays map[string][]byte) []byte {
	files := map[string][]byte{
		"format": npyRaw("|S3", nil, []byte(format)),
		"shape":  npyOf([]int64{int64(rows), int64(cols)}),
	}
	for n, a := range arrays {
		files[n] = a
	}
	return archive(method, files)
}

// randomCSR returns a rows×cols canonical CSR of about density·rows·cols
// entries with values k/8 - 4 (some zero).
func randomCSR(rows, cols int, density float64, seed uint64) *sparse.CSR {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &sparse.CSR{Rows: rows, Cols: cols, RowPtr: make([]int32, rows+1)}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rng.Float64() < density {
				m.ColIdx = append(m.ColIdx, int32(j))
				m.Val = append(m.Val, float32(rng.IntN(64))/8-4)
			}
		}
		m.RowPtr[i+1] = int32(len(m.Val))
	}
	return m
}

// withoutZeros returns m with its explicit zeros dropped.
func withoutZeros(m *sparse.CSR) *sparse.CSR {
	c := sparse.NewCOO(m.Rows, m.Cols, m.NNZ())
	for i := 0; i < m.Rows; i++ {
		for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
			if m.Val[k] != 0 {
				c.Add(i, int(m.ColIdx[k]), float64(m.Val[k]))
			}
		}
	}
	return c.ToCSR()
}

// layouts writes m (explicit zeros kept) as scipy would: csr, csc or coo,
// with index arrays of type idx ([]int32 or []int64) and values of the
// encoder's dtype of val ([]float32 or []float64).
func layout(m *sparse.CSR, format string, idx64, val64 bool, method uint16) []byte {
	ints := func(v []int32) []byte {
		if !idx64 {
			return npyOf(v)
		}
		w := make([]int64, len(v))
		for k, x := range v {
			w[k] = int64(x)
		}
		return npyOf(w)
	}
	vals := func(v []float32) []byte {
		if !val64 {
			return npyOf(v)
		}
		w := make([]float64, len(v))
		for k, x := range v {
			w[k] = float64(x)
		}
		return npyOf(w)
	}
	switch format {
	case "csr":
		return scipyNPZ(method, format, m.Rows, m.Cols, map[string][]byte{
			"indptr": ints(m.RowPtr), "indices": ints(m.ColIdx), "data": vals(m.Val)})
	case "csc":
		t := m.T()
		return scipyNPZ(method, format, m.Rows, m.Cols, map[string][]byte{
			"indptr": ints(t.RowPtr), "indices": ints(t.ColIdx), "data": vals(t.Val)})
	}
	row := make([]int32, 0, m.NNZ())
	for i := 0; i < m.Rows; i++ {
		for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
			row = append(row, int32(i))
		}
	}
	return scipyNPZ(method, format, m.Rows, m.Cols, map[string][]byte{
		"row": ints(row), "col": ints(m.ColIdx), "data": vals(m.Val)})
}

// decodeBoth decodes a scipy .npz with the direct path allowed and
// through the COO builder, reporting whether the first went direct.
func decodeBoth(t *testing.T, data []byte) (direct, built *sparse.CSR, wentDirect bool) {
	t.Helper()
	r := bytes.NewReader(data)
	h, err := DecodeNPZHeader(r, int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	z, err := openNPZ(r, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	direct, wentDirect, err = z.sparse(h, true)
	if err != nil {
		t.Fatal(err)
	}
	built, viaBuilder, err := z.sparse(h, false)
	if err != nil {
		t.Fatal(err)
	}
	if viaBuilder {
		t.Fatal("direct path taken when not allowed")
	}
	return direct, built, wentDirect
}

var methods = map[string]uint16{"stored": zip.Store, "deflated": zip.Deflate}

func seeds(f *testing.F, glob string) {
	paths, _ := filepath.Glob(glob)
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// numpy runs script with /usr/bin/python3 in dir and returns its output,
// skipping the test when NumPy (and SciPy, with scipy true) is missing.
func numpy(t *testing.T, dir, script string, scipy bool) string {
	t.Helper()
	imports := "import numpy"
	if scipy {
		imports += ", scipy"
	}
	if err := exec.Command(fixture.Python, "-c", imports).Run(); err != nil {
		t.Skipf("%s lacks numpy or scipy: %v", fixture.Python, err)
	}
	cmd := exec.Command(fixture.Python, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", fixture.Python, err, out)
	}
	return strings.TrimSpace(string(out))
}
