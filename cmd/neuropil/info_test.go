package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/sparse"
)

const fixtures = "../../format/"

func TestInfoGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"info_pt.golden", []string{"info", fixtures + "pt/testdata/coo_f64.pt"}},
		{"info_pt_json.golden", []string{"info", "--json", fixtures + "pt/testdata/coo_f64.pt"}},
		{"info_state_dict.golden", []string{"info", fixtures + "pt/testdata/state_dict.pt", "--key", "ih.weight"}},
		{"info_npz.golden", []string{"info", fixtures + "npy/testdata/csc_f4.npz"}},
		{"info_flywire.golden", []string{"info", fixtures + "edgelist/testdata/flywire.csv.gz", "--sign", "nt_type"}},
		{"info_neuprint_json.golden", []string{"info", fixtures + "edgelist/testdata/neuprint.tsv", "--json"}},
	} {
		var out, errb bytes.Buffer
		if err := run(c.args, &out, &errb); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		golden(t, c.golden, out.String())
	}
}

// The JSON counts agree with the matrix: nnz after duplicates are summed.
func TestInfoJSONCounts(t *testing.T) {
	dir := t.TempDir()
	// Duplicates (1,0) twice and an explicit zero: 3 stored, 2 nonzeros.
	m := &sparse.CSR{Rows: 3, Cols: 3, RowPtr: []int32{0, 1, 2, 2}, ColIdx: []int32{0, 2}, Val: []float32{-2, 5}}
	path := filepath.Join(dir, "m.npc")
	if err := format.Save(path, &connectome.Connectome{W: m}, format.Options{}); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "e.csv")
	os.WriteFile(csv, []byte("pre,post,weight\n7,9,1\n7,9,2\n9,9,0\n"), 0o644)
	// A .pt beside its neuron table: signs and cell types come from it.
	typed := filepath.Join(dir, "t.pt")
	tc := &connectome.Connectome{W: m, Sign: []int8{1, -1, -1}, Type: []int32{0, 1, 0}, TypeNames: []string{"R1", "L1"}}
	if err := format.Save(typed, tc, format.Options{}); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]map[string]float64{
		path:  {"rows": 3, "cols": 3, "nnz": 2, "positive": 1, "negative": 1, "self_loops": 1, "min": -2, "max": 5},
		csv:   {"rows": 2, "cols": 2, "nnz": 1, "positive": 1, "self_loops": 0, "max": 3},
		typed: {"rows": 3, "excitatory": 1, "inhibitory": 2, "cell_types": 2},
	} {
		var out bytes.Buffer
		if err := run([]string{"info", "--json", file}, &out, &out); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", file, k, got[k], v)
			}
		}
	}
}

func TestInfoErrors(t *testing.T) {
	dir := t.TempDir()
	trunc := filepath.Join(dir, "t.pt")
	data, _ := os.ReadFile(fixtures + "pt/testdata/coo_f64.pt")
	os.WriteFile(trunc, data[:len(data)/2], 0o644)
	ragged := filepath.Join(dir, "r.csv")
	os.WriteFile(ragged, []byte("pre,post\n1,2\n3\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"info"}, "want one FILE"},
		{[]string{"info", "a.pt", "b.pt"}, "unexpected argument"},
		{[]string{"info", "x.bin"}, "unknown file extension \".bin\" (known:"},
		{[]string{"info", trunc}, trunc + ": pt: invalid file: zip directory unreadable"},
		{[]string{"info", ragged}, ragged + ": edgelist: invalid file: line 3: wrong number of fields"},
		{[]string{"info", fixtures + "pt/testdata/evil_system.pt"}, "global posix.system"},
		{[]string{"info", fixtures + "pt/testdata/state_dict.pt"}, `name the matrix with a key (keys: "bias" (dense float32 [40])`},
	} {
		var out, errb bytes.Buffer
		err := run(c.args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.args, err, c.want)
		}
	}
}

// A damaged neuron table beside a .pt is an error that names it and the
// flag that reads the matrix without it.
func TestIgnoreNeurons(t *testing.T) {
	dir := t.TempDir()
	m := &sparse.CSR{Rows: 2, Cols: 2, RowPtr: []int32{0, 1, 1}, ColIdx: []int32{1}, Val: []float32{3}}
	path := filepath.Join(dir, "w.pt")
	if err := format.Save(path, &connectome.Connectome{W: m, Sign: []int8{1, -1}}, format.Options{}); err != nil {
		t.Fatal(err)
	}
	table := format.NeuronTablePath(path)
	os.WriteFile(table, []byte("index,id,sign\n0,0,7\n1,1,1\n"), 0o644)
	var out bytes.Buffer
	err := run([]string{"info", path}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), table) || !strings.Contains(err.Error(), "--ignore-neurons") {
		t.Fatalf("damaged table: %v", err)
	}
	out.Reset()
	if err := run([]string{"info", "--ignore-neurons", path}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "signs") {
		t.Errorf("--ignore-neurons still read the table:\n%s", out.String())
	}
}

// TestInfoJSONDtype: info --json writes a NumPy dtype as it is ("<f4"),
// not with HTML escapes ("\u003cf4").
func TestInfoJSONDtype(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.npy")
	m := &sparse.CSR{Rows: 2, Cols: 2, RowPtr: []int32{0, 1, 2}, ColIdx: []int32{1, 0}, Val: []float32{1, 2}}
	if err := format.Save(path, &connectome.Connectome{W: m}, format.Options{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"info", "--json", path}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"dtype": "<f4"`) {
		t.Errorf("info --json: %s, want the dtype as \"<f4\"", out.String())
	}
}
