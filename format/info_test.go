package format

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
)

func TestDescribe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.npz")
	c := tabled()
	if err := Save(p, c, Options{}); err != nil {
		t.Fatal(err)
	}
	i, err := Describe(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if i.File != p || i.Format != "npz" || i.Rows != 40 || i.NNZ != c.W.NNZ() || !i.Signs || i.Types != 3 || !i.IDs {
		t.Errorf("info %+v", i)
	}
	var b bytes.Buffer
	if err := i.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"file        " + p + "\n", "shape       40 × 40\n", "neuron ids  yes\n",
		"signs       20 excitatory, 20 inhibitory\n", "cell types  3\n"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, b.String())
		}
	}
	j, _ := json.Marshal(i)
	if strings.Contains(string(j), "Signs") || !strings.Contains(string(j), `"cell_types":3`) {
		t.Errorf("JSON %s", j)
	}
	if _, err := Describe(filepath.Join(t.TempDir(), "none.npz"), Options{}); err == nil {
		t.Error("a missing file described")
	}
}

func TestSavedNeuronTable(t *testing.T) {
	c := tabled()
	for _, tc := range []struct {
		path          string
		c             *connectome.Connectome
		opt           Options
		table, column string
	}{
		{"a.npz", c, Options{}, "a.neurons.csv", "index,id,sign,type"},
		{"a.npz", c, Options{NoNeuronTable: true}, "", ""},
		{"a.npc", c, Options{}, "", ""},
		{"a.pt", &connectome.Connectome{W: c.W, Sign: c.Sign}, Options{}, "a.neurons.csv", "index,id,sign"},
		{"a.pt", &connectome.Connectome{W: c.W}, Options{}, "", ""},
	} {
		table, cols := SavedNeuronTable(tc.path, tc.c, tc.opt)
		if table != tc.table || cols != tc.column {
			t.Errorf("%s %+v: %q %q, want %q %q", tc.path, tc.opt, table, cols, tc.table, tc.column)
		}
	}
}
