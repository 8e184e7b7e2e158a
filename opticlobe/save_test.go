package opticlobe

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

func TestSave(t *testing.T) {
	net, err := BuildFile(specPath(t), 3)
	if err != nil || net.Extent != 3 || net.Neurons() != smallNet(t).Neurons() {
		t.Fatalf("BuildFile: %v", err)
	}
	if _, err := BuildFile(filepath.Join(t.TempDir(), "none.json"), 3); err == nil {
		t.Error("BuildFile of a missing file: no error")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "lobe.npz")
	written, err := net.Save(p, "CSV")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{p, filepath.Join(dir, "lobe.neurons.csv"), filepath.Join(dir, "lobe.edges.csv"), filepath.Join(dir, "lobe.pairs.csv")}
	if !slices.Equal(written, want) {
		t.Errorf("wrote %v, want %v", written, want)
	}
	for _, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	q := filepath.Join(dir, "bare.pt")
	if written, err := net.Save(q, "none"); err != nil || !slices.Equal(written, []string{q}) {
		t.Errorf("no tables: %v, %v", written, err)
	}
	if _, err := net.Save(filepath.Join(dir, "x.npz"), "xlsx"); err == nil {
		t.Error("unknown table format accepted")
	}
}

// WithParams puts the weights of the parameters in the connectome and
// keeps the tables consistent with them: W[t, s] = sign·n_syn·strength
// of every edge row, the network itself untouched.
func TestWithParams(t *testing.T) {
	net := smallNet(t)
	p := net.DefaultParams(3)
	p.Coef = make([]float32, net.Edges.Len())
	for k := range p.Coef {
		p.Coef[k] = -float32(net.Edges.Sign[k]) * net.Edges.NSyn[k] * float32(1+k%3) // signs flipped, counts scaled
	}
	for k := range p.Strength {
		p.Strength[k] *= float32(2 + k%2)
	}
	before := slices.Clone(net.Conn.W.Val)
	w, err := net.WithParams(p)
	if err != nil {
		t.Fatal(err)
	}
	at := func(m *sparse.CSR, r, c int32) float32 {
		for q := m.RowPtr[r]; q < m.RowPtr[r+1]; q++ {
			if m.ColIdx[q] == c {
				return m.Val[q]
			}
		}
		return 0
	}
	e := &w.Edges
	for k := range e.Source {
		want := float32(e.Sign[k]) * e.NSyn[k] * w.Pairs[e.Pair[k]].Strength
		if got := at(w.Conn.W, e.Target[k], e.Source[k]); got != want || e.Sign[k] == net.Edges.Sign[k] {
			t.Fatalf("edge %d: W %v, tables give %v (sign %d, was %d)", k, got, want, e.Sign[k], net.Edges.Sign[k])
		}
	}
	if !slices.Equal(net.Conn.W.Val, before) || net.Pairs[0].Strength == w.Pairs[0].Strength {
		t.Error("WithParams changed the network it was given, or left the strengths")
	}
	p.Strength = p.Strength[1:]
	if _, err := net.WithParams(p); err == nil {
		t.Error("parameters of another network accepted")
	}
}
