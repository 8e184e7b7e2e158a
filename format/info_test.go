package format

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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
