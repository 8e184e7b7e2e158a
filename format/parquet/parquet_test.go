package parquet

import (
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/brotli"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/lz4"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/neuropil/neuropil/sparse"
)

var update = flag.Bool("update", false, "rewrite testdata/*.parquet")

// conn is a Connectivity row as Shiu's file has it (int64, required).
type conn struct {
	PreID  int64 `parquet:"Presynaptic_ID"`
	PostID int64 `parquet:"Postsynaptic_ID"`
	Pre    int64 `parquet:"Presynaptic_Index"`
	Post   int64 `parquet:"Postsynaptic_Index"`
	Count  int64 `parquet:"Connectivity"`
	Exc    int64 `parquet:"Excitatory"`
	Weight int64 `parquet:"Excitatory x Connectivity"`
}

// connOpt is the layout pandas/pyarrow write: optional (nullable)
// columns, dictionary-encoded.
type connOpt struct {
	Pre    *int64 `parquet:"Presynaptic_Index,dict"`
	Post   *int64 `parquet:"Postsynaptic_Index,dict"`
	Weight *int64 `parquet:"Excitatory x Connectivity,dict"`
	Count  *int64 `parquet:"Connectivity"`
}

// conn32 has INT32 columns and no extra ones.
type conn32 struct {
	Weight int32 `parquet:"Excitatory x Connectivity"`
	Post   int32 `parquet:"Postsynaptic_Index"`
	Pre    int32 `parquet:"Presynaptic_Index"`
}

type edge struct{ pre, post, w int64 }

func randomEdges(n, m int, seed uint64) []edge {
	r := rand.New(rand.NewPCG(seed, 1))
	es := make([]edge, m)
	for k := range es {
		w := int64(1 + r.IntN(30))
		if r.IntN(10) < 3 {
			w = -w
		}
		es[k] = edge{int64(r.IntN(n)), int64(r.IntN(n)), w}
	}
	return es
}

// want builds the expected CSR with package sparse's COO (duplicates summed).
func want(n int, es []edge) *sparse.CSR {
	c := sparse.NewCOO(n, n, len(es))
	for _, e := range es {
		c.Add(int(e.pre), int(e.post), float64(float32(e.w)))
	}
	return c.ToCSR()
}

func writeRows[T any](t testing.TB, path string, rows []T, opts ...pq.WriterOption) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pq.NewGenericWriter[T](f, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func writeLayout(t testing.TB, path, layout string, es []edge, opts ...pq.WriterOption) {
	switch layout {
	case "shiu":
		rows := make([]conn, len(es))
		for k, e := range es {
			exc := int64(1)
			if e.w < 0 {
				exc = -1
			}
			rows[k] = conn{1000 + e.pre, 1000 + e.post, e.pre, e.post, e.w * exc, exc, e.w}
		}
		writeRows(t, path, rows, opts...)
	case "optional":
		rows := make([]connOpt, len(es))
		for k := range es {
			e := &es[k]
			rows[k] = connOpt{&e.pre, &e.post, &e.w, &e.w}
		}
		writeRows(t, path, rows, opts...)
	case "int32":
		rows := make([]conn32, len(es))
		for k, e := range es {
			rows[k] = conn32{int32(e.w), int32(e.post), int32(e.pre)}
		}
		writeRows(t, path, rows, opts...)
	}
}

func equalCSR(t *testing.T, got, want *sparse.CSR) {
	t.Helper()
	if got.Rows != want.Rows || got.NNZ() != want.NNZ() {
		t.Fatalf("got %d rows %d entries, want %d rows %d entries", got.Rows, got.NNZ(), want.Rows, want.NNZ())
	}
	for i := range got.RowPtr {
		if got.RowPtr[i] != want.RowPtr[i] {
			t.Fatalf("row pointer %d: %d, want %d", i, got.RowPtr[i], want.RowPtr[i])
		}
	}
	for k := range got.ColIdx {
		if got.ColIdx[k] != want.ColIdx[k] || got.Val[k] != want.Val[k] {
			t.Fatalf("entry %d: (%d, %v), want (%d, %v)", k, got.ColIdx[k], got.Val[k], want.ColIdx[k], want.Val[k])
		}
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestReadConnectivityLayouts is the conformance suite: every layout and
// compression, several row groups and pages, rows in random order.
func TestReadConnectivityLayouts(t *testing.T) {
	codecs := map[string]compress.Codec{"none": &uncompressed.Codec{}, "snappy": &snappy.Codec{},
		"gzip": &gzip.Codec{}, "zstd": &zstd.Codec{}, "brotli": &brotli.Codec{}, "lz4": &lz4.Codec{}}
	es := randomEdges(300, 20000, 1)
	w := want(300, es)
	dir := t.TempDir()
	for _, layout := range []string{"shiu", "optional", "int32"} {
		for name, codec := range codecs {
			path := filepath.Join(dir, layout+"-"+name+".parquet")
			writeLayout(t, path, layout, es, pq.Compression(codec), pq.MaxRowsPerRowGroup(7000), pq.PageBufferSize(4096))
			t.Run(layout+"/"+name, func(t *testing.T) {
				got, err := ReadConnectivity(path, 300)
				if err != nil {
					t.Fatal(err)
				}
				equalCSR(t, got, w)
				got, err = ReadConnectivity(path, -1)
				if err != nil {
					t.Fatal(err)
				}
				if got.Rows != 300 {
					t.Fatalf("inferred %d neurons, want 300", got.Rows)
				}
			})
		}
	}
}

func TestReadConnectivityErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeLayout(t, good, "shiu", randomEdges(50, 500, 2))
	neg := randomEdges(50, 500, 3)
	neg[321].post = -4
	negPath := filepath.Join(dir, "neg.parquet")
	writeLayout(t, negPath, "shiu", neg)
	type missing struct {
		Pre  int64 `parquet:"Presynaptic_Index"`
		Post int64 `parquet:"Postsynaptic_Index"`
	}
	missPath := filepath.Join(dir, "missing.parquet")
	writeRows(t, missPath, []missing{{1, 2}})
	nullPath := filepath.Join(dir, "null.parquet")
	nes := randomEdges(50, 100, 4)
	rows := make([]connOpt, len(nes))
	for k := range nes {
		e := &nes[k]
		rows[k] = connOpt{&e.pre, &e.post, &e.w, &e.w}
	}
	rows[57].Post = nil
	writeRows(t, nullPath, rows)
	data, _ := os.ReadFile(good)
	truncPath := filepath.Join(dir, "trunc.parquet")
	os.WriteFile(truncPath, data[:len(data)/2], 0o644)
	cases := []struct {
		path    string
		neurons int
		substr  []string
	}{
		{good, 40, []string{"good.parquet", `"Presynaptic_Index"`, "outside the 40 neurons"}},
		{negPath, 50, []string{"neg.parquet", `"Postsynaptic_Index"`, "row 321", "-4"}},
		{negPath, -1, []string{"neg.parquet", "row 321", "negative index -4"}},
		{missPath, 10, []string{"missing.parquet", `"Excitatory x Connectivity"`, "missing"}},
		{nullPath, 50, []string{"null.parquet", `"Postsynaptic_Index"`, "row 57", "null"}},
		{truncPath, 50, []string{"trunc.parquet", "truncated"}},
	}
	for _, c := range cases {
		_, err := ReadConnectivity(c.path, c.neurons)
		if err == nil {
			t.Errorf("%s: no error", c.path)
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v is not a *Error", c.path, err)
		}
		for _, s := range c.substr {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %q", c.path, err, s)
			}
		}
	}
	if _, err := ReadConnectivity(truncPath, 50); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated file: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestReadNeurons(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.csv")
	os.WriteFile(p, []byte(",Completed\n720575940596125868,True\n720575940597856265,True\n"), 0o644)
	ids, err := ReadNeurons(p)
	if err != nil || len(ids) != 2 || ids[1] != 720575940597856265 {
		t.Fatalf("ids %v, err %v", ids, err)
	}
	os.WriteFile(p, []byte(",Completed\n1,True\nx,True\n"), 0o644)
	if _, err := ReadNeurons(p); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad id: %v", err)
	}
	os.WriteFile(p, []byte(",Completed\n1,True\n1,True\n"), 0o644)
	if _, err := ReadNeurons(p); err == nil || !strings.Contains(err.Error(), "already on line 2") {
		t.Fatalf("duplicate id: %v", err)
	}
}

func TestWriteSpikesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "spikes.parquet")
	n := 10000
	err := WriteSpikes(p, "sugar", n, func(k int) Spike {
		return Spike{float64(k) * 1e-4, int64(k % 30), 720575940600000000 + int64(k)}
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h.Columns, ",") != "t,trial,flywire_id,exp_name" || h.Rows != int64(n) {
		t.Fatalf("header %+v", h)
	}
	f, _ := os.Open(p)
	st, _ := f.Stat()
	pf, _ := pq.OpenFile(f, st.Size())
	if s := pf.Schema().String(); !strings.Contains(s, "optional int64 trial (INT(64,true))") || !strings.Contains(s, "optional binary exp_name (STRING)") {
		t.Fatalf("schema %s", s)
	}
	f.Close()
	got, names, err := ReadSpikes(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || got[123] != (Spike{123 * 1e-4, 123 % 30, 720575940600000123}) || names[n-1] != "sugar" {
		t.Fatalf("read back %d rows, row 123 = %+v", len(got), got[123])
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in the directory, want only spikes.parquet", len(entries))
	}
}

func TestWriteSpikesFailsWithoutLeftovers(t *testing.T) {
	if err := WriteSpikes(filepath.Join(t.TempDir(), "no", "such", "dir", "s.parquet"), "x", 1, func(int) Spike { return Spike{} }); err == nil {
		t.Fatal("no error writing into a missing directory")
	}
}

// TestTestdata writes (with -update) and reads the fuzz seeds.
func TestTestdata(t *testing.T) {
	if *update {
		for _, layout := range []string{"shiu", "optional", "int32"} {
			writeLayout(t, filepath.Join("testdata", "conn-"+layout+".parquet"), layout, randomEdges(20, 60, 7),
				pq.Compression(&snappy.Codec{}), pq.MaxRowsPerRowGroup(25))
		}
	}
	w := want(20, randomEdges(20, 60, 7))
	for _, layout := range []string{"shiu", "optional", "int32"} {
		got, err := ReadConnectivity(filepath.Join("testdata", "conn-"+layout+".parquet"), 20)
		if err != nil {
			t.Fatal(err)
		}
		equalCSR(t, got, w)
	}
}

func FuzzReadConnectivity(f *testing.F) {
	for _, layout := range []string{"shiu", "optional", "int32"} {
		b, err := os.ReadFile(filepath.Join("testdata", "conn-"+layout+".parquet"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := ReadConnectivity(p, 20)
		if err == nil {
			if err := a.Validate(); err != nil {
				t.Fatalf("accepted an invalid matrix: %v", err)
			}
		}
	})
}

func TestWriteConnectivityRoundTrip(t *testing.T) {
	w := want(200, randomEdges(200, 5000, 9))
	p := filepath.Join(t.TempDir(), "c.parquet")
	if err := WriteConnectivity(p, w, nil); err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Columns) != 7 || h.Rows != int64(w.NNZ()) {
		t.Fatalf("header %+v", h)
	}
	got, err := ReadConnectivity(p, 200)
	if err != nil {
		t.Fatal(err)
	}
	equalCSR(t, got, w)
}
