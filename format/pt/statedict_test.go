package pt

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

// expectStateDict reads testdata/state_dict_torch.entries.json, written by
// testdata/gen/pt_state_dict.py: the entries of state_dict_torch.pt as
// torch sees them.
func expectStateDict(t testing.TB) []Tensor {
	t.Helper()
	data, err := os.ReadFile("testdata/state_dict_torch.entries.json")
	if err != nil {
		t.Fatal(err)
	}
	var es []struct {
		Name   string
		Shape  []int
		Data   []string
		Int    []int32
		Sparse *struct {
			Rows, Cols int
			Row, Col   []int32
			Val        []string
		}
	}
	if err := json.Unmarshal(data, &es); err != nil {
		t.Fatal(err)
	}
	f32 := func(s []string) []float32 {
		out := make([]float32, len(s))
		for k, x := range s {
			v, err := strconv.ParseFloat(x, 64)
			if err != nil {
				t.Fatal(err)
			}
			out[k] = float32(v)
		}
		return out
	}
	var out []Tensor
	for _, e := range es {
		tn := Tensor{Name: e.Name, Shape: e.Shape}
		switch {
		case e.Sparse != nil:
			s := e.Sparse
			m := &sparse.CSR{Rows: s.Rows, Cols: s.Cols, RowPtr: make([]int32, s.Rows+1), ColIdx: s.Col, Val: f32(s.Val)}
			if m.ColIdx == nil {
				m.ColIdx = []int32{}
			}
			for _, r := range s.Row {
				m.RowPtr[r+1]++
			}
			for i := 0; i < s.Rows; i++ {
				m.RowPtr[i+1] += m.RowPtr[i]
			}
			tn = Tensor{Name: e.Name, Sparse: m}
		case e.Int != nil:
			tn.Int = e.Int
		default:
			tn.Data = f32(e.Data)
		}
		if tn.Sparse == nil && tn.Shape == nil {
			tn.Shape = []int{}
		}
		out = append(out, tn)
	}
	return out
}

// equalStateDicts fails t unless got and want hold the same entries in
// the same order, bit for bit.
func equalStateDicts(t testing.TB, what string, got, want []Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Name != w.Name {
			t.Fatalf("%s: entry %d is %q, want %q", what, i, g.Name, w.Name)
		}
		if (g.Sparse == nil) != (w.Sparse == nil) {
			t.Fatalf("%s: %q: sparse %v, want %v", what, g.Name, g.Sparse != nil, w.Sparse != nil)
		}
		if w.Sparse != nil {
			fixture.Equal(t, what+": "+g.Name, g.Sparse, w.Sparse)
			continue
		}
		if !reflect.DeepEqual(g.Shape, w.Shape) || (g.Int == nil) != (w.Int == nil) ||
			len(g.Data) != len(w.Data) || !reflect.DeepEqual(g.Int, w.Int) {
			t.Fatalf("%s: %q: shape %v, %d floats, ints %v; want shape %v, %d floats, ints %v",
				what, g.Name, g.Shape, len(g.Data), g.Int, w.Shape, len(w.Data), w.Int)
		}
		for k := range g.Data {
			if g.Data[k] != w.Data[k] {
				t.Fatalf("%s: %q[%d] = %v, want %v", what, g.Name, k, g.Data[k], w.Data[k])
			}
		}
	}
}

func decodeStateDict(t testing.TB, data []byte) []Tensor {
	t.Helper()
	sd, err := DecodeStateDict(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

func encodeStateDict(t testing.TB, sd []Tensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeStateDict(&buf, sd); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A state dict saved by torch decodes to exactly what torch holds,
// including the explicit zero of a coalesced sparse tensor.
func TestDecodeStateDictTorchFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/state_dict_torch.pt")
	if err != nil {
		t.Fatal(err)
	}
	want := expectStateDict(t)
	equalStateDicts(t, "torch fixture", decodeStateDict(t, data), want)
	// The older fixture too (float32 sparse and dense by key).
	old, err := os.ReadFile("testdata/state_dict.pt")
	if err != nil {
		t.Fatal(err)
	}
	sd := decodeStateDict(t, old)
	var names []string
	for _, e := range sd {
		names = append(names, e.Name)
	}
	if strings.Join(names, " ") != "bias hh.weight ih.weight" || sd[1].Sparse == nil || len(sd[0].Data) != 40 {
		t.Errorf("state_dict.pt: %v", names)
	}
}

// Write with Go, read with Go: the same entries; records on 64-byte
// boundaries, as torch writes them.
func TestEncodeStateDictRoundTrip(t *testing.T) {
	want := expectStateDict(t)
	want = append(want, Tensor{Name: "big", Shape: []int{3, 1, 70}, Data: make([]float32, 210)},
		Tensor{Name: "types", Shape: []int{4}, Int: []int32{0, 7, -3, 1 << 30}},
		Tensor{Name: "w", Sparse: testMatrix()})
	for k := range want[len(want)-3].Data {
		want[len(want)-3].Data[k] = float32(k) / 7
	}
	data := encodeStateDict(t, want)
	equalStateDicts(t, "round trip", decodeStateDict(t, data), want)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Method != zip.Store {
			t.Errorf("%s compressed", f.Name)
		}
		if off, _ := f.DataOffset(); off%64 != 0 {
			t.Errorf("%s starts at %d", f.Name, off)
		}
	}
	// The matrix readers (neuropil info and convert, --key) pick entries.
	got, err := Decode(bytes.NewReader(data), int64(len(data)), "w")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "Decode w", got, testMatrix())
	h, err := DecodeHeader(bytes.NewReader(data), int64(len(data)), "ih.weight")
	if err != nil || h != (Header{Layout: "sparse_coo", DType: "float32", IndexDType: "int64", Rows: 6, Cols: 4, NNZ: 3, Key: "ih.weight"}) {
		t.Errorf("header: %+v, %v", h, err)
	}
	if _, err := Decode(bytes.NewReader(data), int64(len(data)), ""); err == nil || !strings.Contains(err.Error(), `"hh.weight" (sparse_coo float32 6×6)`) {
		t.Errorf("no key: %v", err)
	}
}

// structure describes the object a .pt file's pickle builds, with storage
// keys replaced by their order of first use: what two writers must agree
// on for torch.load to see the same thing.
func structure(t testing.TB, data []byte) string {
	t.Helper()
	_, obj, err := open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	var b strings.Builder
	var walk func(v any)
	describeTensor := func(x *tensor) {
		if _, ok := keys[x.storage.key]; !ok {
			keys[x.storage.key] = len(keys)
		}
		fmt.Fprintf(&b, "tensor(storage %d %s×%d %s, offset %d, shape %v, stride %v)", keys[x.storage.key],
			x.storage.dtype.storage, x.storage.numel, x.storage.location, x.offset, x.shape, x.stride)
	}
	walk = func(v any) {
		switch x := v.(type) {
		case *dict:
			b.WriteString("OrderedDict{\n")
			for i, k := range x.keys {
				fmt.Fprintf(&b, "  %q: ", k)
				walk(x.vals[i])
				b.WriteString("\n")
			}
			b.WriteString("}")
		case *sparseTensor:
			fmt.Fprintf(&b, "%s(size %v, ", x.layout, x.size)
			describeTensor(x.indices)
			b.WriteString(", ")
			describeTensor(x.values)
			b.WriteString(")")
		case *tensor:
			describeTensor(x)
		default:
			fmt.Fprintf(&b, "%s", kindOf(v))
		}
	}
	walk(obj)
	return b.String()
}

// Golden comparison with torch: the state dict torch saved and the same
// entries written by EncodeStateDict unpickle to the same structure
// (dtypes, storages, shapes, strides, keys in order) and decode equal.
func TestEncodeStateDictMatchesTorch(t *testing.T) {
	torchData, err := os.ReadFile("testdata/state_dict_torch.pt")
	if err != nil {
		t.Fatal(err)
	}
	goData := encodeStateDict(t, expectStateDict(t))
	want, got := structure(t, torchData), structure(t, goData)
	if got != want {
		t.Fatalf("Go writes\n%s\ntorch wrote\n%s", got, want)
	}
	equalStateDicts(t, "Go vs torch", decodeStateDict(t, goData), decodeStateDict(t, torchData))
	// Same records, in the same order, bar the archive directory's name.
	names := func(data []byte) []string {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range zr.File {
			out = append(out, f.Name[strings.IndexByte(f.Name, '/'):])
		}
		return out
	}
	if g, w := names(goData), names(torchData); !reflect.DeepEqual(g, w) {
		t.Errorf("records %v, torch writes %v", g, w)
	}
}

// Files written by EncodeStateDict load in PyTorch with weights_only=True
// as an OrderedDict equal, tensor for tensor, to the one torch saved, and
// load into a module with load_state_dict as the README shows.
func TestEncodeStateDictLoadsInTorch(t *testing.T) {
	requireTorch(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.pt")
	if err := os.WriteFile(path, encodeStateDict(t, expectStateDict(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, _ := filepath.Abs("testdata/state_dict_torch.pt")
	script := `
import collections, torch
sd = torch.load(PATH, weights_only=True)
ref = torch.load(REF, weights_only=True)
assert type(sd) is collections.OrderedDict, type(sd)
assert list(sd) == list(ref), (list(sd), list(ref))
for k, v in sd.items():
    r = ref[k]
    assert v.layout == r.layout and v.dtype == r.dtype and v.shape == r.shape, (k, v.layout, v.dtype, v.shape)
    if v.layout == torch.sparse_coo:
        assert v.is_coalesced() == r.is_coalesced(), k
        v, r = v.coalesce(), r.coalesce()
        assert torch.equal(v.indices(), r.indices()) and torch.equal(v.values(), r.values()), k
    else:
        assert torch.equal(v, r), k
class Hidden(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(6, 6).to_sparse())
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hh = Hidden()
        self.bias = torch.nn.Parameter(torch.zeros(6))
model = Model()
missing, unexpected = model.load_state_dict(sd, strict=False)
assert torch.equal(model.hh.weight.to_dense(), ref["hh.weight"].to_dense()) and torch.equal(model.bias, ref["bias"])
print(type(sd).__name__, len(sd), "entries equal to torch's:", ", ".join("%s %s %s %s" % (k, str(v.layout).replace("torch.", ""), str(v.dtype).replace("torch.", ""), tuple(v.shape)) for k, v in sd.items()))
print("load_state_dict(strict=False): hh.weight and bias loaded; unexpected", len(unexpected))
`
	script = strings.Replace(script, "PATH", strconv.Quote(path), 1)
	script = strings.Replace(script, "REF", strconv.Quote(ref), 1)
	out, err := python(t, dir, script)
	if err != nil {
		t.Fatalf("torch.load: %v\n%s", err, out)
	}
	if !strings.Contains(out, "OrderedDict 9 entries equal") {
		t.Fatalf("torch printed %q", out)
	}
	t.Logf("torch: %s", strings.TrimSpace(out))
}

func TestDecodeStateDictErrors(t *testing.T) {
	bare, err := os.ReadFile("testdata/coo_f64.pt")
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile("testdata/tensor_list.pt")
	if err != nil {
		t.Fatal(err)
	}
	nan := encodeStateDict(t, []Tensor{{Name: "x", Shape: []int{2}, Data: []float32{1, float32(nanF())}}})
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"bare tensor", bare, "file holds a sparse_coo tensor, not a state dict"},
		{"list", list, "file holds a list, not a state dict"},
		{"NaN", nan, `tensor "x" element 1 is NaN`},
		{"empty", nil, "unexpected EOF"},
	} {
		_, err := DecodeStateDict(bytes.NewReader(c.data), int64(len(c.data)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

func nanF() float64 { var z float64; return z / z }

// Caller mistakes panic, naming the entry.
func TestEncodeStateDictPanics(t *testing.T) {
	for _, c := range []struct {
		sd   []Tensor
		want string
	}{
		{[]Tensor{{Name: "a", Shape: []int{2, 3}, Data: make([]float32, 5)}}, `"a" of shape [2 3] has 5 values, want 6`},
		{[]Tensor{{Name: "a", Shape: []int{0}}, {Name: "a", Shape: []int{0}}}, `repeated name "a"`},
		{[]Tensor{{Shape: []int{}}}, `empty or repeated name ""`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("panic %v, want %q", r, c.want)
				}
			}()
			EncodeStateDict(&bytes.Buffer{}, c.sd)
		}()
	}
	bad := &sparse.CSR{Rows: 1, Cols: 1, RowPtr: []int32{0, 1}, ColIdx: []int32{3}, Val: []float32{1}}
	if err := EncodeStateDict(&bytes.Buffer{}, []Tensor{{Name: "w", Sparse: bad}}); err == nil || !strings.Contains(err.Error(), `"w"`) {
		t.Errorf("invalid CSR: %v", err)
	}
}
