package opticlobe

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// specPath is the flyvis description in the shared data, found from this
// package's directory (../shared beside the repository root).
func specPath(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "shared", "data", "flyvis", "fib25-fib19_v2.2.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared flyvis spec not found: %v", err)
	}
	return p
}

func loadNet(t testing.TB) *Network {
	t.Helper()
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, DefaultExtent)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// SPEC.md's counts for extent 15.
func TestBuildCounts(t *testing.T) {
	net := loadNet(t)
	got := net.Counts()
	want := Counts{Neurons: 45669, Edges: 1513231, Excitatory: 983980, Inhibitory: 529251, PairsRealised: 604}
	if got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	if len(net.Spec.Types) != 65 || len(net.Pairs) != 605 {
		t.Fatalf("%d types, %d pairs; want 65, 605", len(net.Spec.Types), len(net.Pairs))
	}
	// One stored weight per edge: no two edges share (post, pre).
	if nnz := net.Conn.W.NNZ(); nnz != want.Edges {
		t.Errorf("W has %d entries, want %d", nnz, want.Edges)
	}
	for _, name := range []string{"Lawf1", "Lawf2"} {
		if s, e, ok := net.TypeNeurons(name); !ok || e-s != 123 {
			t.Errorf("%s has %d neurons, want 123", name, e-s)
		}
	}
	if s, e, _ := net.TypeNeurons("T4a"); e-s != 721 {
		t.Errorf("T4a has %d neurons, want 721", e-s)
	}
}

// The hull rule decides the count. matplotlib's half-open crossing rule
// (SPEC.md) drops the integer points at a hull's lowest dv (its bottom edge
// or bottom vertex) and keeps every other boundary point. A closed hull
// also keeps those bottom points, so more offsets are added (1,517,786
// edges); an open hull drops every boundary point, the left, right and top
// edges too, so far fewer are added (1,453,484). Only the half-open rule
// reproduces flyvis's 1,513,231.
func TestBuildHullRules(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		rule  hullRule
		edges int
	}{{"half-open", halfOpen, 1513231}, {"closed", closed, 1517786}, {"open", open, 1453484}} {
		net, err := build(s, DefaultExtent, c.rule)
		if err != nil {
			t.Fatal(err)
		}
		if got := net.Edges.Len(); got != c.edges {
			t.Errorf("%s hull: %d edges, want %d", c.name, got, c.edges)
		}
	}
}

// An independent check: per-pair offsets, filled offsets, edge counts and
// synapse sums against the table of testdata/gen/opticlobe_pairs.py
// (numpy, scipy's Qhull and matplotlib's Path.contains_points).
func TestBuildPairTable(t *testing.T) {
	net := loadNet(t)
	f, err := os.Open(filepath.Join("testdata", "pairs_extent15.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	if len(rows) != len(net.Pairs) {
		t.Fatalf("table has %d pairs, network %d", len(rows), len(net.Pairs))
	}
	atoi := func(s string) int {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	names := net.Conn.TypeNames
	for p, r := range rows {
		pr := net.Pairs[p]
		if r[0] != names[pr.Source] || r[1] != names[pr.Target] || atoi(r[2]) != int(pr.Sign) {
			t.Fatalf("pair %d is %s→%s (%d), table says %s→%s (%s)", p, names[pr.Source], names[pr.Target], pr.Sign, r[0], r[1], r[2])
		}
		if atoi(r[3])+atoi(r[4]) != pr.Offsets || atoi(r[4]) != pr.Filled || atoi(r[5]) != pr.Edges {
			t.Errorf("pair %d %s→%s: offsets %d, filled %d, edges %d; table %s+%s, %s, %s",
				p, r[0], r[1], pr.Offsets, pr.Filled, pr.Edges, r[3], r[4], r[4], r[5])
		}
		sum, err := strconv.ParseFloat(r[6], 64)
		if err != nil {
			t.Fatal(err)
		}
		// The table rounds to 4 decimals.
		if got := pr.MeanNSyn * float64(pr.Edges); abs(got-sum) > 1e-3 {
			t.Errorf("pair %d %s→%s: n_syn sum %v, table %v", p, r[0], r[1], got, sum)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestLatticeCounts(t *testing.T) {
	for e := 0; e <= 16; e++ {
		cols := Columns(e)
		if len(cols) != ColumnCount(e) {
			t.Fatalf("extent %d: %d columns, want %d", e, len(cols), ColumnCount(e))
		}
		for i, c := range cols {
			if got := ColumnIndex(e, c.U, c.V); got != i {
				t.Fatalf("extent %d: ColumnIndex(%d, %d) = %d, want %d", e, c.U, c.V, got, i)
			}
		}
		if ColumnIndex(e, e, 1) != -1 || ColumnIndex(e, e+1, -e-1) != -1 {
			t.Fatalf("extent %d: outside column has an index", e)
		}
	}
	if n := len(StridedColumns(15, 3, 2)); n != 123 {
		t.Errorf("stride (3, 2) on extent 15: %d columns, want 123", n)
	}
}
