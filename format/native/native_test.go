package native

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

func small() *connectome.Connectome {
	c := connectome.Random(50, 300, 9)
	c.IDs = make([]int64, 50)
	c.Sign = make([]int8, 50)
	c.Type = make([]int32, 50)
	for i := range c.IDs {
		c.IDs[i] = 720575940000000000 + int64(i)
		c.Sign[i] = int8(1 - 2*(i%3/2))
		c.Type[i] = int32(i % 3)
	}
	c.TypeNames = []string{"T4a", "Mi1", "Lawf2 ü"}
	return c
}

func encode(t testing.TB, c *connectome.Connectome) []byte {
	var buf bytes.Buffer
	if err := Encode(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for name, c := range map[string]*connectome.Connectome{
		"table":       small(),
		"bare":        connectome.Random(33, 100, 1),
		"empty":       {W: sparse.NewCOO(0, 0, 0).ToCSR()},
		"rectangular": {W: sparse.Identity(20, []int{3, 5, 5, 19})},
	} {
		data := encode(t, c)
		// Both with a known size (bytes.Reader) and a plain stream.
		for _, r := range []io.Reader{bytes.NewReader(data), io.MultiReader(bytes.NewReader(data))} {
			d, err := Decode(r)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			fixture.Equal(t, name, d.W, c.W)
			if !reflect.DeepEqual(d.IDs, c.IDs) || !reflect.DeepEqual(d.Sign, c.Sign) ||
				!reflect.DeepEqual(d.Type, c.Type) || !reflect.DeepEqual(d.TypeNames, c.TypeNames) {
				t.Errorf("%s: neuron table differs", name)
			}
		}
		h, err := DecodeHeader(bytes.NewReader(data))
		if err != nil || h.Rows != c.W.Rows || h.Cols != c.W.Cols || h.NNZ != c.W.NNZ() || h.Size() != int64(len(data)) {
			t.Errorf("%s: header %+v, %v (file %d bytes)", name, h, err, len(data))
		}
	}
}

// The committed fixture keeps the layout honest: a change to the encoder
// that breaks files already written fails here.
func TestFixture(t *testing.T) {
	if *update {
		os.WriteFile("testdata/small.npc", encode(t, small()), 0o644)
	}
	f, err := os.Open("testdata/small.npc")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "fixture", d.W, small().W)
	if !reflect.DeepEqual(d.TypeNames, small().TypeNames) {
		t.Error("type names differ")
	}
}

func TestErrors(t *testing.T) {
	good := encode(t, small())
	flip := func(off int) []byte {
		b := bytes.Clone(good)
		b[off] ^= 0x10
		return b
	}
	badVersion := bytes.Clone(good)
	badVersion[8] = 2
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"wrong magic", []byte("PK\x03\x04 a zip, not ours, long enough to hold a header......."), "wrong magic"},
		{"short wrong magic", []byte("NPX"), "wrong magic"},
		{"short", good[:20], "unexpected EOF"},
		{"truncated", good[:len(good)-100], "truncated"},
		{"trailing", append(bytes.Clone(good), 0), "trailing data"},
		{"header damaged", flip(17), "header checksum"},
		{"data damaged", flip(headerSize + 200), "data checksum"},
		{"version", badVersion, "header checksum"},
	} {
		_, err := Decode(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		_, err = Decode(io.MultiReader(bytes.NewReader(c.data)))
		if err == nil {
			t.Errorf("%s (stream): accepted", c.name)
		}
	}
	if _, err := Decode(bytes.NewReader(good[:len(good)-100])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v is not io.ErrUnexpectedEOF", err)
	}
	// A header that claims 2^31-1 rows over a short stream fails without
	// allocating them all.
	hb := bytes.Clone(good[:headerSize])
	hb[16], hb[17], hb[18], hb[19] = 0xff, 0xff, 0xff, 0x7f
	fixHeader(hb)
	if _, err := Decode(io.MultiReader(bytes.NewReader(hb))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("huge claim: %v", err)
	}
	// A well-formed file whose matrix is not: columns out of range.
	c := small()
	c.W = c.W.Clone()
	c.W.ColIdx[c.W.RowPtr[c.W.Rows]-1] = 1000 // the last entry of the last row
	var buf bytes.Buffer
	c.W.Cols = 2000 // let Encode pass, then fix the header
	if err := Encode(&buf, c); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b[24], b[25] = 50, 0
	fixHeader(b)
	if _, err := Decode(bytes.NewReader(b)); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("column out of range: %v", err)
	}
}

func fixHeader(b []byte) {
	var h [headerSize]byte
	copy(h[:], b)
	sum := crcHeader(h[:52])
	b[52], b[53], b[54], b[55] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
}

func BenchmarkLoadNative(b *testing.B) {
	c := connectome.Default()
	path := filepath.Join(b.TempDir(), "default.npc")
	f, _ := os.Create(path)
	if err := Encode(f, c); err != nil {
		b.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for range b.N {
		f, _ := os.Open(path)
		d, err := Decode(f)
		f.Close()
		if err != nil || d.Synapses() != connectome.TutorialSynapses {
			b.Fatal(err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.npc")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add(encode(f, connectome.Random(5, 7, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(data []byte) {
			c, err := Decode(bytes.NewReader(data))
			_, err2 := Decode(io.MultiReader(bytes.NewReader(data)))
			if (err == nil) != (err2 == nil) {
				t.Fatalf("sized and streamed decoding disagree: %v / %v", err, err2)
			}
			if err == nil {
				if err := c.W.Validate(); err != nil {
					t.Fatal(err)
				}
			}
		}
		check(data)
		// Again with both checksums made right, so that mutations reach
		// the structural checks behind them.
		if len(data) >= headerSize+8 {
			data = bytes.Clone(data)
			fixHeader(data)
			tail := data[len(data)-8:]
			sum := crcData(data[headerSize : len(data)-8])
			tail[0], tail[1], tail[2], tail[3] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
			check(data)
		}
	})
}
