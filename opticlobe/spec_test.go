package opticlobe

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tinySpec = `{
 "nodes": [
  {"name": "R1", "pattern": ["stride", [1, 1]]},
  {"name": "L1", "pattern": ["stride", [1, 1]]},
  {"name": "Lw", "pattern": ["stride", [3, 2]]},
  {"name": "Tl", "pattern": ["tile", 2]},
  {"name": "S", "pattern": ["single", null]}
 ],
 "edges": [
  {"src": "R1", "tar": "L1", "alpha": -1, "offsets": [[[0, 0], 40]]},
  {"src": "L1", "tar": "Lw", "alpha": 1, "offsets": [[[0, 0], 2], [[1, 0], 3.5], [[0, 1], 1], [[-1, -1], 2]]},
  {"src": "L1", "tar": "S", "alpha": 1, "offsets": [[[0, 0], 1], [[1, 0], 1], [[2, 0], 1]]},
  {"src": "Tl", "tar": "R1", "alpha": 1, "offsets": [[[0, 0], 1]]}
 ],
 "input_units": ["R1"],
 "output_units": ["L1"]
}`

func TestParseSpec(t *testing.T) {
	s, err := ParseSpec(strings.NewReader(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Types) != 5 || len(s.Pairs) != 4 {
		t.Fatalf("%d types, %d pairs", len(s.Types), len(s.Pairs))
	}
	if s.Types[2].Stride != [2]int{3, 2} || s.Types[3].Stride != [2]int{2, 2} || !s.Types[4].Single {
		t.Errorf("patterns parsed as %+v", s.Types)
	}
	if p := s.Pairs[1]; p.Source != 1 || p.Target != 2 || p.Sign != 1 || len(p.Offsets) != 4 || p.Offsets[1] != (Offset{1, 0, 3.5}) {
		t.Errorf("pair 1 parsed as %+v", p)
	}
	net, err := Build(s, 2)
	if err != nil {
		t.Fatal(err)
	}
	// 19 columns for R1 and L1; Lw keeps (0, -2), (0, 0), (0, 2); Tl
	// keeps the 7 columns with even u and v; S has one neuron.
	want := 19 + 19 + 3 + 7 + 1
	if net.Neurons() != want {
		t.Errorf("%d neurons, want %d", net.Neurons(), want)
	}
	// The collinear pair L1→S gets nothing added; the single S neuron sits
	// at (0, 0), reached from L1 at (0, 0), (-1, 0) and (-2, 0).
	if p := net.Pairs[2]; p.Filled != 0 || p.Edges != 3 {
		t.Errorf("collinear pair: filled %d, edges %d; want 0, 3", p.Filled, p.Edges)
	}
	// L1→Lw: hull of (0,0), (1,0), (0,1), (-1,-1) holds no further integer
	// point.
	if p := net.Pairs[1]; p.Filled != 0 {
		t.Errorf("L1→Lw filled %d offsets, want 0", p.Filled)
	}
	if err := net.Conn.Validate(); err != nil {
		t.Error(err)
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, c := range []struct {
		name, json, want string
	}{
		{"not json", `{"nodes": [`, "bad JSON"},
		{"no nodes", `{"edges": []}`, `missing field "nodes"`},
		{"no edges", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}]}`, `missing field "edges"`},
		{"empty nodes", `{"nodes": [], "edges": []}`, `"nodes" is empty`},
		{"no name", `{"nodes": [{"pattern": ["stride", [1, 1]]}], "edges": []}`, `node 0: missing field "name"`},
		{"no pattern", `{"nodes": [{"name": "A"}], "edges": []}`, `node 0 (A): missing field "pattern"`},
		{"zero stride", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 0]]}], "edges": []}`, "node 0 (A): stride [1 0]: each stride must be in [1, 1000]"},
		{"negative tile", `{"nodes": [{"name": "A", "pattern": ["tile", -2]}], "edges": []}`, "stride [-2 -2]"},
		{"bad stride", `{"nodes": [{"name": "A", "pattern": ["stride", [1]]}], "edges": []}`, "stride pattern wants [su, sv] integers"},
		{"unknown pattern", `{"nodes": [{"name": "A", "pattern": ["spiral", 3]}], "edges": []}`, `unknown pattern "spiral" (known: stride, tile, single)`},
		{"duplicate type", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}, {"name": "A", "pattern": ["stride", [1, 1]]}], "edges": []}`, "node 1 (A): duplicate cell type"},
		{"unknown source", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "B", "tar": "A", "alpha": 1, "offsets": [[[0, 0], 1]]}]}`, `edge 0 (B→A): unknown source type "B" (known: A)`},
		{"unknown target", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "T4e", "alpha": 1, "offsets": [[[0, 0], 1]]}]}`, `unknown target type "T4e" (known: A)`},
		{"no src", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"tar": "A", "alpha": 1, "offsets": [[[0, 0], 1]]}]}`, `edge 0: missing field "src"`},
		{"no alpha", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "offsets": [[[0, 0], 1]]}]}`, `missing field "alpha"`},
		{"bad alpha", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 0.5, "offsets": [[[0, 0], 1]]}]}`, "sign (alpha) is 0.5, want 1 or -1"},
		{"no offsets", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1}]}`, `missing field "offsets"`},
		{"empty offsets", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1, "offsets": []}]}`, `"offsets" is empty`},
		{"bad offset", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1, "offsets": [[[0], 1]]}]}`, "offset 0: want integer [du, dv]"},
		{"zero synapses", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1, "offsets": [[[0, 0], 0]]}]}`, "synapse count 0, want a positive number"},
		{"far offset", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1, "offsets": [[[5000, 0], 1]]}]}`, "beyond ±1000"},
		{"duplicate offset", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1, "offsets": [[[0, 0], 1], [[0, 0], 2]]}]}`, "duplicate offset (0, 0)"},
		{"duplicate pair", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [{"src": "A", "tar": "A", "alpha": 1, "offsets": [[[0, 0], 1]]}, {"src": "A", "tar": "A", "alpha": 1, "offsets": [[[0, 0], 1]]}]}`, "duplicate pair (first at edge 0)"},
		{"unknown input", `{"nodes": [{"name": "A", "pattern": ["stride", [1, 1]]}], "edges": [], "input_units": ["R9"]}`, `unknown unit type "R9"`},
	} {
		_, err := ParseSpec(strings.NewReader(c.json))
		var se *SpecError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a *SpecError containing %q", c.name, err, c.want)
		}
	}
}

func TestLoadSpecNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(p, []byte(`{"nodes": [{"name": "A", "pattern": ["stride", [0, 1]]}], "edges": []}`), 0o644)
	_, err := LoadSpec(p)
	if err == nil || !strings.HasPrefix(err.Error(), "opticlobe: "+p+": spec: node 0 (A)") {
		t.Errorf("error %v does not name the file and node", err)
	}
}

func TestBuildErrors(t *testing.T) {
	s, err := ParseSpec(strings.NewReader(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []int{-1, MaxExtent + 1} {
		if _, err := Build(s, e); err == nil {
			t.Errorf("extent %d accepted", e)
		}
	}
}

// Bad input never panics: ParseSpec returns an error or a spec that Build
// (at a small extent) turns into a valid network.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(tinySpec))
	if b, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "flyvis", "fib25-fib19_v2.2.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"nodes": [{"name": "A", "pattern": ["stride", [0, 1]]}], "edges": []}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSpec(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(s.Types) > 50 {
			return
		}
		net, err := Build(s, 2)
		if err != nil {
			return
		}
		if err := net.Conn.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
