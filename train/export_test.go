package train

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
	"github.com/neuropil/neuropil/sparse"
)

// ExportPT writes every parameter under its torch name, in paramNames
// order, with the values of the model bit for bit and the shapes of
// ExportNPZ; the two exports name the same entries.
func TestExportPT(t *testing.T) {
	m, _ := trainedSmall(t) // Dale, tau per type, output projection
	var buf bytes.Buffer
	if err := ExportPT(&buf, m); err != nil {
		t.Fatal(err)
	}
	sd, err := pt.DecodeStateDict(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range sd {
		names = append(names, e.Name)
	}
	if want := append(append([]string(nil), paramNames...), "sign", "neuron_type"); !reflect.DeepEqual(names, want) {
		t.Fatalf("entries %v, want %v", names, want)
	}
	for i, e := range stateDict(m) {
		g := sd[i]
		if e.Sparse != nil {
			if !reflect.DeepEqual(g.Sparse, e.Sparse) {
				t.Errorf("%s: sparse matrix differs", e.Name)
			}
			continue
		}
		if !reflect.DeepEqual(g.Shape, e.Shape) || !reflect.DeepEqual(g.Int, e.Int) || len(g.Data) != len(e.Data) {
			t.Errorf("%s: shape %v, want %v", e.Name, g.Shape, e.Shape)
			continue
		}
		for k := range g.Data {
			if g.Data[k] != e.Data[k] {
				t.Errorf("%s[%d] = %v, want %v", e.Name, k, g.Data[k], e.Data[k])
				break
			}
		}
	}
	if s := sd[len(sd)-2]; s.Int[0] != int32(m.Sign[0]) || len(s.Int) != m.Neurons {
		t.Errorf("sign %v", s.Int)
	}
	if fc1 := sd[PFC1]; !reflect.DeepEqual(fc1.Shape, []int{m.Hidden, m.Outputs}) {
		t.Errorf("fc1.weight shape %v", fc1.Shape)
	}
	// The .npz export holds the same entries (sparse ones as hh/data, ...).
	var npz bytes.Buffer
	if err := ExportNPZ(&npz, m); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(npz.Bytes()), int64(npz.Len()))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range zr.File {
		have[strings.TrimSuffix(f.Name, ".npy")] = true
	}
	for _, e := range sd {
		name := e.Name
		if e.Sparse != nil {
			name = strings.TrimSuffix(name, ".weight") + "/data"
		}
		if !have[name] {
			t.Errorf("%s (%s) not in the .npz export", e.Name, name)
		}
	}
	if len(sd) != len(have)-3*3 { // three sparse matrices: four arrays each
		t.Errorf("%d state dict entries, %d .npz arrays", len(sd), len(have))
	}
}

// The exported state dict loads in PyTorch (weights_only) with the values
// of the .npz export, sparse matrices as SciPy rebuilds them.
func TestExportPTLoadsInTorch(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import torch, scipy").CombinedOutput(); err != nil {
		t.Skipf("%s lacks torch or scipy: %v %s", python, err, out)
	}
	m, _ := trainedSmall(t)
	dir := t.TempDir()
	write := func(name string, f func(*bytes.Buffer) error) string {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("model.pt", func(b *bytes.Buffer) error { return ExportPT(b, m) })
	write("model.npz", func(b *bytes.Buffer) error { return ExportNPZ(b, m) })
	script := `
import numpy as np, scipy.sparse as sp, torch
sd = torch.load("model.pt", weights_only=True)
z = np.load("model.npz")
for k, v in sd.items():
    if v.layout == torch.sparse_coo:
        p = k.split(".")[0]
        want = sp.csr_matrix((z[p + "/data"], z[p + "/indices"], z[p + "/indptr"]), shape=z[p + "/shape"]).toarray()
        assert np.array_equal(v.to_dense().numpy(), want), k
    else:
        assert v.shape == z[k].shape and np.array_equal(v.numpy(), z[k]), k
print(type(sd).__name__, ", ".join("%s %s" % (k, tuple(v.shape)) for k, v in sd.items()))
`
	cmd := exec.Command(python, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "OrderedDict hh.weight (12, 12), ih.weight (12, 5)") {
		t.Fatalf("torch printed %q", out)
	}
	t.Logf("torch: %s", strings.TrimSpace(string(out)))
}

// The matrices of an .npz export can be read back one at a time by prefix
// (neuropil info --key hh model.npz), each equal to the model's.
func TestExportNPZMatricesByKey(t *testing.T) {
	m, _ := trainedSmall(t)
	var buf bytes.Buffer
	if err := ExportNPZ(&buf, m); err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(buf.Bytes())
	for _, c := range []struct {
		key  string
		want *sparse.CSR
	}{{"hh", m.W}, {"ih", m.Input}, {"out", m.Out}} {
		h, err := npy.DecodeNPZHeader(r, int64(buf.Len()), c.key)
		if err != nil {
			t.Fatalf("--key %s: %v", c.key, err)
		}
		if h.Format != "csr" || h.Rows != c.want.Rows || h.Cols != c.want.Cols {
			t.Errorf("--key %s: header %+v", c.key, h)
		}
		got, err := npy.DecodeNPZ(r, int64(buf.Len()), c.key)
		if err != nil {
			t.Fatalf("--key %s: %v", c.key, err)
		}
		// The export keeps explicit zeros (a trained weight can be 0);
		// the reader drops them, as for any connectome.
		want := withoutZeros(c.want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("--key %s: matrix differs from the model's", c.key)
		}
	}
	if _, err := npy.DecodeNPZ(r, int64(buf.Len()), "nope"); err == nil || !strings.Contains(err.Error(), `no array "nope"`) {
		t.Errorf("unknown key: %v", err)
	}
}

// withoutZeros returns a copy of a without its explicit zeros.
func withoutZeros(a *sparse.CSR) *sparse.CSR {
	b := &sparse.CSR{Rows: a.Rows, Cols: a.Cols, RowPtr: make([]int32, a.Rows+1), ColIdx: []int32{}, Val: []float32{}}
	for i := 0; i < a.Rows; i++ {
		for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
			if a.Val[k] != 0 {
				b.ColIdx = append(b.ColIdx, a.ColIdx[k])
				b.Val = append(b.Val, a.Val[k])
			}
		}
		b.RowPtr[i+1] = int32(len(b.Val))
	}
	return b
}
