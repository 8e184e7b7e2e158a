package format

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

func tabled() *connectome.Connectome {
	c := connectome.Random(40, 300, 5)
	c.IDs = make([]int64, 40)
	c.Sign = make([]int8, 40)
	c.Type = make([]int32, 40)
	c.TypeNames = []string{"T4a", "Mi1", "L1, lamina"} // a comma, quoted in CSV
	for i := range c.IDs {
		c.IDs[i] = 720575940000000000 + int64(i)*17
		c.Sign[i] = int8(1 - 2*(i%2))
		c.Type[i] = int32(i % 3)
	}
	return c
}

// The conformance suite: every format saves and loads back the same
// matrix, through the registry.
func TestRoundTripEveryFormat(t *testing.T) {
	dir := t.TempDir()
	c := tabled()
	for _, ext := range Extensions() {
		path := filepath.Join(dir, "c"+ext)
		if err := Save(path, c, Options{}); err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		d, err := Load(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if ext == ".csv" || ext == ".tsv" || ext == ".csv.gz" || ext == ".tsv.gz" {
			// Ids come back sorted; these are, and every neuron has synapses.
			if !reflect.DeepEqual(d.IDs, c.IDs) {
				t.Fatalf("%s: ids differ", ext)
			}
		}
		fixture.Equal(t, ext, d.W, c.W)
		f, _ := Detect(path)
		table := NeuronTablePath(path)
		_, err = os.Stat(table)
		if f.Table {
			if !reflect.DeepEqual(d.IDs, c.IDs) || !reflect.DeepEqual(d.Sign, c.Sign) {
				t.Errorf("%s: neuron table not kept", ext)
			}
			if err == nil {
				t.Errorf("%s: wrote %s though the format keeps the table", ext, table)
			}
		} else if err != nil {
			t.Errorf("%s: no neuron table beside: %v", ext, err)
		} else if f.Name != "csv" && (!reflect.DeepEqual(d.IDs, c.IDs) || !reflect.DeepEqual(d.Sign, c.Sign) ||
			!reflect.DeepEqual(d.Type, c.Type) || !reflect.DeepEqual(d.TypeNames, c.TypeNames)) {
			t.Errorf("%s: ids, signs and types not read back from %s", ext, table)
		}
		os.Remove(table)
		h, err := ReadHeader(path, Options{})
		if err != nil || h.Rows != 40 || h.Cols != 40 || h.Format != f.Name {
			t.Errorf("%s: header %+v %v", ext, h, err)
		}
	}
	if got := NeuronTablePath("/x/conn.csv.gz"); got != "/x/conn.neurons.csv" {
		t.Errorf("table path %s", got)
	}
}

// Each sub-package's PyTorch and SciPy fixtures load through the registry.
func TestLoadFixtures(t *testing.T) {
	for _, c := range []struct {
		file, key, expect string
	}{
		{"pt/testdata/coo_f64.pt", "", "pt/testdata/coo_f64.expect.json"},
		{"pt/testdata/tensor_list.pt", "1", "pt/testdata/coo_f64_coalesced.expect.json"},
		{"npy/testdata/csc_f4.npz", "", "npy/testdata/csc_f4.expect.json"},
		{"npy/testdata/arrays.npz", "w", "npy/testdata/arrays.expect.json"},
		{"npy/testdata/dense_fortran.npy", "", "npy/testdata/dense_fortran.expect.json"},
		{"edgelist/testdata/flywire.csv.gz", "", "edgelist/testdata/flywire.expect.json"},
	} {
		m, err := LoadMatrix(c.file, Options{Key: c.key})
		if err != nil {
			t.Fatal(err)
		}
		fixture.Equal(t, c.file, m, fixture.Expect(t, c.expect))
	}
}

func TestErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	for _, c := range []struct {
		path, key, want string
	}{
		{write("a.xyz", "x"), "", "unknown file extension \".xyz\" (known: .csv, .csv.gz, .npc, .npy, .npz, .pt, .pth, .tsv, .tsv.gz)"},
		{write("b.pt", "not a zip"), "", "not a zip archive"},
		{write("c.npz", ""), "", "unexpected EOF"},
		{write("d.npy", "\x93NUMPY\x01\x00"), "", "unexpected EOF"},
		{write("e.csv", "pre,post\n1\n"), "", "line 2: wrong number of fields"},
		{write("f.npc", "NPILCONN"), "", "unexpected EOF"},
		{filepath.Join(dir, "missing.pt"), "", "no such file"},
		{"pt/testdata/coo_rect.pt", "", "matrix is 30×12; a connectome must be square"},
		{"pt/testdata/evil_system.pt", "", "global posix.system"},
		{"npy/testdata/dense_f4.npy", "k", "a key selects a tensor"},
		{dir + "/", "", "unknown file extension"},
	} {
		_, err := Load(c.path, Options{Key: c.key})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: err %v, want %q and the file name", c.path, err, c.want)
		}
	}
	if m, err := LoadMatrix("pt/testdata/coo_rect.pt", Options{}); err != nil || m.Rows != 30 || m.Cols != 12 {
		t.Errorf("LoadMatrix of a projection: %v", err)
	}
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	// A dense .npy of a large matrix fails after the temporary file exists.
	big := &connectome.Connectome{W: sparse.NewCOO(50000, 50000, 0).ToCSR()}
	path := filepath.Join(dir, "big.npy")
	if err := Save(path, big, Options{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err %v", err)
	}
	// An existing file survives a failed overwrite.
	os.WriteFile(path, []byte("old"), 0o644)
	Save(path, big, Options{})
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Error("failed save clobbered the old file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := Save(filepath.Join(dir, "no/such/dir/c.pt"), tabled(), Options{}); err == nil {
		t.Error("save into a missing directory succeeded")
	}
	rect := &connectome.Connectome{W: sparse.Identity(5, []int{1, 2})}
	if err := Save(filepath.Join(dir, "r.csv"), rect, Options{}); err == nil {
		t.Error("rectangular edge list accepted")
	}
	if err := Save(filepath.Join(dir, "r.npc"), rect, Options{}); err != nil {
		t.Error(err)
	}
}

func TestLoadArray(t *testing.T) {
	a, err := LoadArray("npy/testdata/indices_i8.npy")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := a.Int64(); err != nil || len(v) != 5 {
		t.Errorf("%v %v", v, err)
	}
	if _, err := LoadArray("pt/testdata/dense_f32.pt"); err == nil || !strings.Contains(err.Error(), "known: .npy") {
		t.Errorf("non-npy: %v", err)
	}
}

// A matrix file's neuron table is read back when it is there, ignored with
// NoNeuronTable, and a damaged one is an error that names it.
func TestNeuronTableReadBack(t *testing.T) {
	dir := t.TempDir()
	c := tabled()
	path := filepath.Join(dir, "w.npz")
	if err := Save(path, c, Options{}); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path, Options{NoNeuronTable: true})
	if err != nil || d.IDs != nil || d.Sign != nil {
		t.Fatalf("NoNeuronTable: ids %v signs %v, %v", d.IDs != nil, d.Sign != nil, err)
	}
	table := NeuronTablePath(path)
	for name, text := range map[string]string{
		"bad header":   "id,index\n",
		"short":        "index,id,sign\n0,5,1\n",
		"bad sign":     "index,id,sign\n" + strings.Repeat("0,5,2\n", 40),
		"wrong index":  "index,id\n1,5\n",
		"too many":     "index,id\n" + rows(41),
		"id not a num": "index,id\n0,x\n",
	} {
		os.WriteFile(table, []byte(text), 0o644)
		if _, err := Load(path, Options{}); err == nil || !strings.Contains(err.Error(), table) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Extra columns are ignored; "type" gives neuron types, as neuropil
	// build optic-lobe writes them.
	var b strings.Builder
	b.WriteString("index,id,sign,type,u,v\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%d,%d,T%d,%d,0\n", i, i+100, 1-2*(i%2), i%3, i)
	}
	os.WriteFile(table, []byte(b.String()), 0o644)
	d, err = Load(path, Options{})
	if err != nil || d.IDs[3] != 103 || d.Sign[3] != -1 || len(d.TypeNames) != 3 || d.TypeNames[d.Type[5]] != "T2" {
		t.Fatalf("optic-lobe style table: %v", err)
	}
	// A table of plain indices (a connectome without ids) leaves IDs nil.
	os.WriteFile(table, []byte("index,id\n"+rows(40)), 0o644)
	if d, err := Load(path, Options{}); err != nil || d.IDs != nil || d.Sign != nil {
		t.Errorf("index table: ids %v, %v", d.IDs, err)
	}
}

// rows returns n neuron-table rows "i,i".
func rows(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strconv.Itoa(i) + "," + strconv.Itoa(i) + "\n")
	}
	return b.String()
}
