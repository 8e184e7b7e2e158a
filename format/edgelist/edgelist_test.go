package edgelist

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

func decodeFile(t *testing.T, path string, opt Options) *connectome.Connectome {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Decode(f, opt)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// FlyWire and neuPrint layouts are detected; rows of one pair are summed;
// the id table lists the ids in ascending order.
func TestDecodeFixtures(t *testing.T) {
	for file, expect := range map[string]string{
		"flywire.csv":    "flywire",
		"flywire.csv.gz": "flywire",
		"neuprint.csv":   "neuprint",
		"neuprint.tsv":   "neuprint",
	} {
		c := decodeFile(t, "testdata/"+file, Options{})
		fixture.Equal(t, file, c.W, fixture.Expect(t, "testdata/"+expect+".expect.json"))
		if len(c.IDs) != c.Neurons() {
			t.Fatalf("%s: %d ids", file, len(c.IDs))
		}
		for i := 1; i < len(c.IDs); i++ {
			if c.IDs[i] <= c.IDs[i-1] {
				t.Fatalf("%s: ids not ascending", file)
			}
		}
		if c.Sign != nil {
			t.Errorf("%s: signs without a sign column", file)
		}
	}
}

func TestSigns(t *testing.T) {
	c := decodeFile(t, "testdata/flywire.csv", Options{Sign: "nt_type"})
	var buf bytes.Buffer
	if err := EncodeNeurons(&buf, c); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("testdata/flywire.neurons.csv")
	if buf.String() != string(want) {
		t.Errorf("neuron table:\n%s\nwant (from the generator):\n%s", buf.String(), want)
	}
	// Signed weights: each column carries its presynaptic sign.
	s := decodeFile(t, "testdata/flywire.csv", Options{Sign: "NT_TYPE", Signed: true})
	neg := 0
	for i := 0; i < s.W.Rows; i++ {
		for k := s.W.RowPtr[i]; k < s.W.RowPtr[i+1]; k++ {
			j := s.W.ColIdx[k]
			if s.W.Val[k] != float32(c.Sign[j])*c.W.Val[k] {
				t.Fatalf("W[%d,%d] = %v, sign %d, count %v", i, j, s.W.Val[k], c.Sign[j], c.W.Val[k])
			}
			if s.W.Val[k] < 0 {
				neg++
			}
		}
	}
	if neg == 0 {
		t.Error("no inhibitory weights")
	}
	// Another mapping: only ACH inhibitory.
	a := decodeFile(t, "testdata/flywire.csv", Options{Sign: "nt_type", Inhibitory: []string{"ach"}})
	same := true
	for i := range a.Sign {
		same = same && a.Sign[i] == c.Sign[i]
	}
	if same {
		t.Error("the inhibitory mapping made no difference")
	}
}

func TestColumnsByName(t *testing.T) {
	in := "a,b,syn\n10,20,3\n20,10,4\n10,20,1\n"
	if _, err := Decode(strings.NewReader(in), Options{}); err == nil || !strings.Contains(err.Error(), "columns: a, b, syn") {
		t.Errorf("undetectable columns: %v", err)
	}
	c, err := Decode(strings.NewReader(in), Options{Pre: "a", Post: "b", Weight: "syn"})
	if err != nil {
		t.Fatal(err)
	}
	// ids 10, 20 → 0, 1; W[post, pre]: W[1,0] = 3+1, W[0,1] = 4.
	if d := c.W.Dense(); d[1*2+0] != 4 || d[0*2+1] != 4 || c.W.NNZ() != 2 {
		t.Errorf("dense %v", d)
	}
	c, err = Decode(strings.NewReader("source\ttarget\n1\t2\n1\t2\n"), Options{})
	if err != nil || c.W.At(1, 0) != 2 {
		t.Errorf("unweighted TSV: %v %v", err, c)
	}
	if _, err := Decode(strings.NewReader(in), Options{Pre: "a", Post: "b", Weight: "nope"}); err == nil || !strings.Contains(err.Error(), `no weight column "nope"`) {
		t.Errorf("missing weight column: %v", err)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "no header row"},
		{"ragged", "pre,post,weight\n1,2,3\n1,2\n", "line 3: wrong number of fields"},
		{"bad id", "pre,post,weight\n1,2,3\nx,2,3\n", `line 3: pre "x" is not a 64-bit integer id`},
		{"id too big", "pre,post\n1,9223372036854775808\n", "not a 64-bit integer"},
		{"NaN weight", "pre,post,weight\n1,2,NaN\n", "not a finite number"},
		{"bad quote", "pre,post,weight\n1,\"2,3\n", "line 2"},
		{"gzip", "\x1f\x8b\x08\x00garbage", "gzip"},
		{"same column", "pre,post\n1,2\n", "both"},
	} {
		opt := Options{}
		if c.name == "same column" {
			opt = Options{Pre: "pre", Post: "PRE"}
		}
		_, err := Decode(strings.NewReader(c.in), opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		var fe FormatError
		if c.name == "ragged" && !errors.As(err, &fe) {
			t.Errorf("ragged: %T is not a FormatError", err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	c := connectome.Random(60, 400, 3)
	c.IDs = make([]int64, 60)
	for i := range c.IDs {
		c.IDs[i] = 720575940000000000 + int64(i)*3
	}
	var buf bytes.Buffer
	if err := Encode(&buf, c, 0); err != nil {
		t.Fatal(err)
	}
	d, err := Decode(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Neurons without synapses drop out of an edge list; compare by id.
	pos := map[int64]int{}
	for i, id := range d.IDs {
		pos[id] = i
	}
	want := sparse.NewCOO(d.Neurons(), d.Neurons(), 0)
	for i := 0; i < c.W.Rows; i++ {
		for k := c.W.RowPtr[i]; k < c.W.RowPtr[i+1]; k++ {
			want.Add(pos[c.IDs[i]], pos[c.IDs[c.W.ColIdx[k]]], float64(c.W.Val[k]))
		}
	}
	fixture.Equal(t, "round trip", d.W, want.ToCSR())
}

func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.csv*")
	for _, p := range append(paths, "testdata/neuprint.tsv") {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(bytes.NewReader(data), Options{})
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		_, err = Decode(bytes.NewReader(data), Options{Sign: "nt_type", Signed: true})
		_ = err
	})
}

// A matrix without ids whose neuron 1 has no synapse cannot be an edge
// list: reading it back would make neuron 2 neuron 1. Encode refuses it.
func TestEncodeRefusesIsolatedNeuronsWithoutIDs(t *testing.T) {
	a := sparse.NewCOO(3, 3, 2)
	a.Add(0, 2, 1)
	a.Add(2, 0, -1)
	c := &connectome.Connectome{W: a.ToCSR()}
	err := Encode(&bytes.Buffer{}, c, 0)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 neurons have no synapse") {
		t.Fatalf("error %v, want one about the neuron without synapses", err)
	}
	c.IDs = []int64{10, 11, 12}
	if err := Encode(&bytes.Buffer{}, c, 0); err != nil {
		t.Errorf("with ids: %v", err)
	}
}
