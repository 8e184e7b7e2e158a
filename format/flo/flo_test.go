package flo

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReadNumPyFixture reads the file testdata/gen/flo_fixtures.py wrote
// with NumPy and compares every value with NumPy's reading of it.
func TestReadNumPyFixture(t *testing.T) {
	var want struct {
		W, H int
		UV   []string
	}
	b, err := os.ReadFile("testdata/small.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile("testdata/small.flo")
	if err != nil {
		t.Fatal(err)
	}
	if f.W != want.W || f.H != want.H || len(f.UV) != len(want.UV) {
		t.Fatalf("got %d×%d with %d values, want %d×%d with %d", f.W, f.H, len(f.UV), want.W, want.H, len(want.UV))
	}
	for i, s := range want.UV {
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			t.Fatal(err)
		}
		if f.UV[i] != float32(v) {
			t.Errorf("value %d: %v, NumPy %v", i, f.UV[i], v)
		}
	}
	// u = x + 0.25 y, v = -2y + 0.5x - 1/3 (the generator's formula)
	if u, v := f.At(2, 3); u != 3.5 || math.Abs(float64(v)-(-4+1.5-1.0/3)) > 1e-6 {
		t.Errorf("At(2, 3) = %v, %v", u, v)
	}
	w, h, err := ReadHeader("testdata/small.flo")
	if err != nil || w != 5 || h != 3 {
		t.Errorf("ReadHeader = %d, %d, %v", w, h, err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {5, 3}, {300, 70}} { // 300×70 spans several read chunks
		f := &Flow{W: sz[0], H: sz[1], UV: make([]float32, 2*sz[0]*sz[1])}
		for i := range f.UV {
			f.UV[i] = float32(i)*0.37 - 11
		}
		f.UV[0] = float32(math.Inf(1)) // stored as it is
		path := filepath.Join(t.TempDir(), "x.flo")
		if err := WriteFile(path, f); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		if st.Size() != Size(f.W, f.H) {
			t.Errorf("%v: %d bytes, want %d", sz, st.Size(), Size(f.W, f.H))
		}
		g, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, f); err != nil {
			t.Fatal(err)
		}
		h, err := Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []*Flow{g, h} {
			if got.W != f.W || got.H != f.H || len(got.UV) != len(f.UV) {
				t.Fatalf("%v: read %d×%d, %d values", sz, got.W, got.H, len(got.UV))
			}
			for i := range f.UV {
				if got.UV[i] != f.UV[i] {
					t.Fatalf("%v: value %d: %v, wrote %v", sz, i, got.UV[i], f.UV[i])
				}
			}
		}
	}
}

// hdr returns a .flo header with the given magic and sizes.
func hdr(magic float32, w, h int32) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint32(b, math.Float32bits(magic))
	binary.LittleEndian.PutUint32(b[4:], uint32(w))
	binary.LittleEndian.PutUint32(b[8:], uint32(h))
	return b
}

func TestBadFiles(t *testing.T) {
	good := hdr(Magic, 2, 1)
	cases := []struct {
		name string
		data []byte
		want string // in ReadFile's error, after the file name
	}{
		{"empty", nil, "unexpected EOF"},
		{"short header", good[:7], "unexpected EOF"},
		{"bad magic", append(hdr(1, 2, 1), make([]byte, 16)...), "magic"},
		{"png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 20)...), "magic"},
		{"zero width", hdr(Magic, 0, 1), "size 0×1"},
		{"negative height", hdr(Magic, 2, -3), "size 2×-3"},
		{"absurd size", hdr(Magic, 1<<30, 1<<30), "size 1073741824×1073741824"},
		{"huge but allowed", hdr(Magic, MaxSide, MaxSide), "12 bytes, but a 65536×65536 field takes 34359738380"},
		{"short data", append(hdr(Magic, 2, 1), make([]byte, 15)...), "27 bytes, but a 2×1 field takes 28"},
		{"trailing data", append(hdr(Magic, 2, 1), make([]byte, 17)...), "29 bytes, but a 2×1 field takes 28"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "frame_0001.flo")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadFile: %v, want an error naming %s and saying %q", err, path, c.want)
			}
			if _, _, err := ReadHeader(path); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("ReadHeader: %v, want an error naming the file", err)
			}
			if c.name != "trailing data" { // Decode stops after the field
				if _, err := Decode(bytes.NewReader(c.data)); err == nil {
					t.Error("Decode: no error")
				}
			}
		})
	}
	var fe FormatError
	if _, err := Decode(bytes.NewReader(hdr(2, 1, 1))); !errors.As(err, &fe) {
		t.Errorf("bad magic: %v, want a FormatError", err)
	}
	if _, err := Decode(bytes.NewReader(hdr(Magic, 1, 1))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("no data: %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := ReadFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
}

// TestDecodeMemoryBounded decodes a header declaring the largest field on
// a short stream: the allocation must follow the data, not the header.
func TestDecodeMemoryBounded(t *testing.T) {
	data := append(hdr(Magic, MaxSide, MaxSide), make([]byte, 800)...)
	allocs := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			Decode(bytes.NewReader(data))
		}
	}).AllocedBytesPerOp()
	if allocs > 1<<20 {
		t.Errorf("Decode of a 812-byte stream declaring 65536×65536 allocated %d bytes", allocs)
	}
}

func TestEncodePanicsOnBadShape(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "flo: ") {
			t.Errorf("recovered %v, want a panic prefixed flo:", r)
		}
	}()
	Encode(io.Discard, &Flow{W: 2, H: 2, UV: make([]float32, 7)})
}

// FuzzRead feeds arbitrary bytes to Decode and ReadFile: they must not
// panic, must agree, and what they accept must encode back to the input.
func FuzzRead(f *testing.F) {
	seed, err := os.ReadFile("testdata/small.flo")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:20])
	f.Add(hdr(Magic, 1<<20, 3))
	f.Add(hdr(Magic, 1, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, derr := Decode(bytes.NewReader(data))
		path := filepath.Join(t.TempDir(), "f.flo")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, rerr := ReadFile(path)
		if rerr == nil {
			if derr != nil || d.W != r.W || d.H != r.H {
				t.Fatalf("ReadFile accepted %d×%d, Decode %v", r.W, r.H, derr)
			}
			var buf bytes.Buffer
			if err := Encode(&buf, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), data) {
				t.Fatal("accepted file does not encode back to itself")
			}
		}
	})
}
