package pt

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

func python(t testing.TB, dir, script string) (string, error) {
	t.Helper()
	cmd := exec.Command(fixture.Python, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// replaceRecord returns the zip archive data with record name replaced.
func replaceRecord(t testing.TB, data []byte, name string, content []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			w.Write(content)
			continue
		}
		rc, _ := f.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	return buf.Bytes()
}

// addRecord returns the zip archive data with one more record.
func addRecord(t testing.TB, data []byte, name, content string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := zw.Create(name)
	w.Write([]byte(content))
	zw.Close()
	return buf.Bytes()
}

func testMatrix() *sparse.CSR {
	c := sparse.NewCOO(50, 30, 0)
	for k := 0; k < 400; k++ {
		c.Add((k*7)%50, (k*13)%30, float64(float32(k%11)-5.25))
	}
	return c.ToCSR()
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, m := range []*sparse.CSR{testMatrix(), sparse.NewCOO(3, 5, 0).ToCSR()} {
		var buf bytes.Buffer
		if err := Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "")
		if err != nil {
			t.Fatal(err)
		}
		fixture.Equal(t, "round trip", got, m)
		// Records start on 64-byte boundaries, as torch writes them.
		zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		for _, f := range zr.File {
			if off, _ := f.DataOffset(); off%64 != 0 {
				t.Errorf("%s starts at %d", f.Name, off)
			}
		}
	}
}

// Files written by Encode load in PyTorch with weights_only=True and hold
// the same values; PyTorch's own output loads back here.
func TestEncodeLoadsInTorch(t *testing.T) {
	requireTorch(t)
	dir := t.TempDir()
	m := testMatrix()
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "m.pt")
	os.WriteFile(in, buf.Bytes(), 0o644)
	out := filepath.Join(dir, "back.pt")
	script := `
import torch
t = torch.load(%q, weights_only=True)
assert t.layout == torch.sparse_coo and t.dtype == torch.float32, (t.layout, t.dtype)
t = t.coalesce()
print(tuple(t.shape), t._nnz())
torch.save(torch.sparse_coo_tensor(t.indices(), t.values().double(), t.shape), %q)
`
	script = strings.Replace(script, "%q", "'"+in+"'", 1)
	script = strings.Replace(script, "%q", "'"+out+"'", 1)
	res, err := python(t, dir, script)
	if err != nil {
		t.Fatalf("torch.load: %v\n%s", err, res)
	}
	if want := fmt.Sprintf("(50, 30) %d", m.NNZ()); !strings.Contains(res, want) {
		t.Fatalf("torch sees %q, want %q", res, want)
	}
	got, err := decodeFile(t, out, "")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "via torch", got, m)
}

func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.pt")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		fuzzStateDict(t, data)
		h, herr := DecodeHeader(r, int64(len(data)), "")
		m, err := Decode(r, int64(len(data)), "")
		if err != nil {
			return
		}
		if herr != nil {
			t.Fatalf("Decode succeeded where DecodeHeader failed: %v", herr)
		}
		if m.Rows != h.Rows || m.Cols != h.Cols || m.NNZ() > h.NNZ {
			t.Fatalf("header %+v, matrix %d×%d nnz %d", h, m.Rows, m.Cols, m.NNZ())
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodePickle fuzzes the unpickler and the tensor checks behind it:
// each input is a data.pkl placed in a valid archive beside the storages
// of testdata/coo_f64.pt (zip checksums would reject most mutations of
// whole files before the pickle is reached).
func FuzzDecodePickle(f *testing.F) {
	base, err := os.ReadFile("testdata/coo_f64.pt")
	if err != nil {
		f.Fatal(err)
	}
	paths, _ := filepath.Glob("testdata/*.pt")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			continue
		}
		for _, zf := range zr.File {
			if strings.HasSuffix(zf.Name, "data.pkl") {
				rc, _ := zf.Open()
				pkl, _ := io.ReadAll(rc)
				rc.Close()
				f.Add(pkl)
			}
		}
	}
	// Hostile seeds of issue 11: a deep tuple as a storage offset, a
	// stride-0 view of 2^31-1 elements, a flood of dicts.
	coo := string(cooPickle(4, 4, 3))
	f.Add([]byte(strings.Replace(coo, "Q"+le4(0)+"("+le4(2), "Q)"+strings.Repeat("\x85", 1000)+"("+le4(2), 1)))
	f.Add([]byte(strings.Replace(coo, "("+le4(3)+"t("+le4(1)+"t", "("+le4(1<<31-1)+"t("+le4(0)+"t", 1)))
	f.Add([]byte("\x80\x02" + strings.Repeat("}", 5000) + "."))
	f.Fuzz(func(t *testing.T, pkl []byte) {
		data := replaceRecord(t, base, "coo_f64/data.pkl", pkl)
		m, err := Decode(bytes.NewReader(data), int64(len(data)), "")
		if err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		Decode(bytes.NewReader(data), int64(len(data)), "0")
		Decode(bytes.NewReader(data), int64(len(data)), "hh.weight")
		fuzzStateDict(t, data)
	})
}

// fuzzStateDict checks that what DecodeStateDict accepts is consistent:
// valid matrices, dense values that fill their shapes.
func fuzzStateDict(t *testing.T, data []byte) {
	sd, err := DecodeStateDict(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return
	}
	for _, e := range sd {
		if e.Sparse != nil {
			if err := e.Sparse.Validate(); err != nil {
				t.Fatalf("%q: %v", e.Name, err)
			}
			continue
		}
		n := len(e.Data)
		if e.Int != nil {
			n = len(e.Int)
		}
		if n != e.numel() {
			t.Fatalf("%q: %d values for shape %v", e.Name, n, e.Shape)
		}
	}
}

// BenchmarkDecodeTutorial decodes a tutorial-sized sparse COO tensor
// (47,521² with 4.6M entries, as Encode writes it: 92 MB).
func BenchmarkDecodeTutorial(b *testing.B) {
	m := connectome.Default().W
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		got, err := Decode(bytes.NewReader(data), int64(len(data)), "")
		if err != nil || got.NNZ() != m.NNZ() {
			b.Fatal(err)
		}
	}
}
