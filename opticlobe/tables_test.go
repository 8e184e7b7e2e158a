package opticlobe

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format"
)

// Every connectome format round-trips through the format registry.
func TestSaveConnectome(t *testing.T) {
	net := smallNet(t)
	dir := t.TempDir()
	for _, ext := range format.Extensions() {
		p := filepath.Join(dir, "ol"+ext)
		if err := net.SaveConnectome(p, false); err != nil {
			t.Fatal(err)
		}
		got, err := format.Load(p, format.Options{})
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		w := net.Conn.W
		if strings.Contains(ext, "sv") {
			// An edge list names neurons by id and knows only those with
			// a synapse (at extent 3, 14 neurons have none): compare the
			// synapses, not the numbering.
			if got.W.NNZ() != w.NNZ() || sum(got.W.Val) != sum(w.Val) {
				t.Errorf("%s: %d synapses summing to %v, want %d and %v", ext, got.W.NNZ(), sum(got.W.Val), w.NNZ(), sum(w.Val))
			}
			continue
		}
		if got.W.Rows != w.Rows || !slices.Equal(got.W.RowPtr, w.RowPtr) ||
			!slices.Equal(got.W.ColIdx, w.ColIdx) || !slices.Equal(got.W.Val, w.Val) {
			t.Errorf("%s: matrix differs after the round trip", ext)
		}
	}
	err := net.SaveConnectome(filepath.Join(dir, "ol.mtx"), false)
	if err == nil || !strings.Contains(err.Error(), `unknown file extension ".mtx"`) {
		t.Errorf("unknown extension: %v", err)
	}
	if p := TablePrefix("a/b.csv.gz"); p != "a/b" {
		t.Errorf("TablePrefix(a/b.csv.gz) = %q", p)
	}
}

func TestWriteTables(t *testing.T) {
	net := smallNet(t)
	prefix := filepath.Join(t.TempDir(), "ol")
	if err := net.WriteTables(prefix, "csv"); err != nil {
		t.Fatal(err)
	}
	read := func(name string) [][]string {
		f, err := os.Open(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	neurons, edges, pairs := read(".neurons.csv"), read(".edges.csv"), read(".pairs.csv")
	if len(neurons) != net.Neurons()+1 || len(edges) != net.Edges.Len()+1 || len(pairs) != len(net.Pairs)+1 {
		t.Fatalf("%d neuron, %d edge and %d pair rows", len(neurons), len(edges), len(pairs))
	}
	if h := strings.Join(edges[0], ","); h != "source,target,sign,n_syn,pair" {
		t.Errorf("edge header %q", h)
	}
	if r := neurons[1]; strings.Join(r, ",") != "0,0,-1,R1,-3,0" {
		t.Errorf("first neuron %v", r)
	}
	if r := pairs[1]; r[1] != "R1" || r[2] != "L1" || r[3] != "-1" {
		t.Errorf("first pair %v", r)
	}
	if err := net.WriteTables(prefix, "npz"); err != nil {
		t.Fatal(err)
	}
	if err := net.WriteTables(prefix, "parquet"); err == nil || !strings.Contains(err.Error(), `unknown table format "parquet" (known: csv, npz)`) {
		t.Errorf("unknown table format: %v", err)
	}
	if exec.Command("/usr/bin/python3", "-c", "import numpy").Run() != nil {
		t.Skip("no /usr/bin/python3 with numpy")
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import sys, numpy as np
n, e, p = (np.load(sys.argv[1] + s) for s in (".neurons.npz", ".edges.npz", ".pairs.npz"))
print(len(n["u"]), len(e["source"]), len(p["strength"]), n["type_names"][n["type"][-1]].decode(), int(e["sign"].sum()))
`, prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sum := 0
	for _, s := range net.Edges.Sign {
		sum += int(s)
	}
	want := strings.Join([]string{itoa(net.Neurons()), itoa(net.Edges.Len()), itoa(len(net.Pairs)), "TmY18", itoa(sum)}, " ")
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("numpy read %q, want %q", got, want)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func sum(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}
