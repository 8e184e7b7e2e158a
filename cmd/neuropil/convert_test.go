package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format"
)

// Every format converts to every other and back with the same matrix.
func TestConvertEveryPair(t *testing.T) {
	dir := t.TempDir()
	src := fixtures + "edgelist/testdata/flywire.csv"
	ref, err := format.Load(src, format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exts := []string{".pt", ".npz", ".npy", ".csv", ".tsv.gz", ".npc"}
	for _, a := range exts {
		for _, b := range exts {
			if a == b {
				continue
			}
			pa, pb := filepath.Join(dir, "a"+a), filepath.Join(dir, "b"+b)
			var out bytes.Buffer
			if err := run([]string{"convert", "-q", src, pa}, &out, &out); err != nil {
				t.Fatal(err)
			}
			if err := run([]string{"convert", "-q", pa, pb}, &out, &out); err != nil {
				t.Fatalf("%s → %s: %v", a, b, err)
			}
			got, err := format.Load(pb, format.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.W, ref.W) {
				t.Errorf("%s → %s: matrix differs", a, b)
			}
		}
	}
}

func TestConvertNeuronTable(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "fw.pt")
	var stdout bytes.Buffer
	if err := run([]string{"convert", fixtures + "edgelist/testdata/flywire.csv.gz", out, "--sign", "nt_type"}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "fw.neurons.csv: neuron table (index,id,sign)") {
		t.Errorf("stdout %q", stdout.String())
	}
	got, _ := os.ReadFile(filepath.Join(dir, "fw.neurons.csv"))
	want, _ := os.ReadFile(fixtures + "edgelist/testdata/flywire.neurons.csv")
	if string(got) != string(want) {
		t.Errorf("neuron table\n%s\nwant\n%s", got, want)
	}
	// The native format keeps the table inside.
	npc := filepath.Join(dir, "fw.npc")
	if err := run([]string{"convert", "-q", fixtures + "edgelist/testdata/flywire.csv", npc, "--sign", "nt_type"}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	c, err := format.Load(npc, format.Options{})
	if err != nil || len(c.IDs) != 10 || len(c.Sign) != 10 {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "fw.neurons.csv")); err != nil {
		t.Error(err)
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", "a.pt"}, "want IN and OUT"},
		{[]string{"convert", fixtures + "pt/testdata/coo_f64.pt", filepath.Join(dir, "x.mat")}, "unknown file extension \".mat\""},
		{[]string{"convert", fixtures + "pt/testdata/coo_f64.pt", fixtures + "pt/testdata/coo_f64.pt"}, "both input and output"},
		{[]string{"convert", fixtures + "pt/testdata/evil_eval.pt", filepath.Join(dir, "x.npc")}, "__builtin__.eval"},
		{[]string{"convert", fixtures + "pt/testdata/coo_rect.pt", filepath.Join(dir, "x.csv")}, "an edge list holds a square connectome"},
	} {
		var out bytes.Buffer
		err := run(c.args, &out, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.args, err, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed conversions left %v", entries)
	}
	// A rectangular input projection converts between matrix formats.
	if err := run([]string{"convert", "-q", fixtures + "pt/testdata/coo_rect.pt", filepath.Join(dir, "p.npz")}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Error(err)
	}
}

// TestConvertKeepsNeuronColumns: converting a built optic lobe keeps every
// column of its neuron table, the hexagonal coordinates u and v included.
func TestConvertKeepsNeuronColumns(t *testing.T) {
	spec := flyvisSpec(t)
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "ol.pt"), filepath.Join(dir, "ol2.npz")
	var out bytes.Buffer
	if err := run([]string{"build", "optic-lobe", "--spec", spec, "--extent", "2", "--out", src}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"convert", src, dst}, &out, &out); err != nil {
		t.Fatal(err)
	}
	a, err := os.ReadFile(filepath.Join(dir, "ol.neurons.csv"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ol2.neurons.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if head := strings.SplitN(string(b), "\n", 2)[0]; head != "index,id,sign,type,u,v" {
		t.Errorf("converted table header %q", head)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("the converted neuron table differs from the built one")
	}
}
