package npy

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
)

// A Writer fed in chunks of every size writes the bytes Encode writes for
// the whole array, and Read returns the elements.
func TestWriterChunks(t *testing.T) {
	data := make([]float64, 5*(writeBlock/8+1)) // more than five blocks, not a multiple
	for i := range data {
		data[i] = float64(i) / 3
	}
	shape := []int{len(data) / 5, 5}
	var whole bytes.Buffer
	if err := Encode(&whole, shape, data); err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1, 7, writeBlock / 8, writeBlock/8 + 1, len(data)} {
		var buf bytes.Buffer
		w, err := NewWriter[float64](&buf, shape...)
		if err != nil {
			t.Fatal(err)
		}
		for d := data; len(d) > 0; d = d[min(chunk, len(d)):] {
			if err := w.Write(d[:min(chunk, len(d))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), whole.Bytes()) {
			t.Fatalf("chunks of %d: bytes differ from Encode's", chunk)
		}
	}
	a, err := Read(&whole)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, shape) || !reflect.DeepEqual(a.Data, data) {
		t.Errorf("read back %v %s, want the %v written", a.Shape, a.DType, shape)
	}
}

// Every element type reads back with its descr and values.
func TestEncodeReadBack(t *testing.T) {
	for _, c := range []struct {
		descr string
		data  any
		want  any
	}{
		{"<f4", []float32{1.5, -2}, []float32{1.5, -2}},
		{"<f8", []float64{1e-300, 3}, []float64{1e-300, 3}},
		{"|i1", []int8{-128, 127}, []int64{-128, 127}},
		{"<i2", []int16{-32768, 1}, []int64{-32768, 1}},
		{"<i4", []int32{-1, 1 << 30}, []int64{-1, 1 << 30}},
		{"<i8", []int64{-1 << 62, 5}, []int64{-1 << 62, 5}},
		{"|u1", []uint8{0, 255}, []int64{0, 255}},
		{"<u2", []uint16{65535, 0}, []int64{65535, 0}},
		{"<u4", []uint32{1 << 31, 2}, []int64{1 << 31, 2}},
		{"<u8", []uint64{1 << 40, 3}, []int64{1 << 40, 3}},
		{"|b1", []bool{true, false}, []int64{1, 0}},
		{"|S3", []string{"csr", "a"}, []string{"csr", "a"}},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, []int{2}, c.data); err != nil {
			t.Fatal(err)
		}
		a, err := Read(&buf)
		if err != nil {
			t.Fatalf("%s: %v", c.descr, err)
		}
		if a.DType != c.descr || !reflect.DeepEqual(a.Data, c.want) {
			t.Errorf("%s: read %s %v, want %v", c.descr, a.DType, a.Data, c.want)
		}
	}
}

// The data starts on a 64-byte boundary, as NumPy aligns it.
func TestHeaderAligned(t *testing.T) {
	for _, shape := range [][]int{nil, {0}, {3}, {1 << 20, 7, 9}} {
		if h := header("<f4", shape); len(h)%64 != 0 {
			t.Errorf("shape %v: header of %d bytes", shape, len(h))
		}
	}
}

// Shapes that do not match the data, unknown types and streams that over-
// or underfill their shape are errors.
func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"short data", Encode(&buf, []int{2, 2}, []float32{1, 2, 3}), "shape [2 2] holds 4 elements, data has 3"},
		{"negative", Encode(&buf, []int{-1}, []float32{}), "negative dimension"},
		{"type", Encode(&buf, []int{1}, []complex64{1}), "cannot encode []complex64"},
		{"strings", EncodeStrings(&buf, nil, []string{"a", "b"}), "shape [] holds 1 elements, data has 2"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, c.err, c.want)
		}
	}
	w, err := NewWriter[int32](&buf, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]int32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "1 elements short") {
		t.Errorf("underfilled Close: %v", err)
	}
	if err := w.Write([]int32{3, 4}); err == nil || !strings.Contains(err.Error(), "1 more elements than the shape holds") {
		t.Errorf("overfilling Write: %v", err)
	}
}

// BenchmarkEncode writes an activity-sized float32 array (the default
// simulation's 30 MB) to io.Discard.
func BenchmarkEncode(b *testing.B) {
	data := make([]float32, 30<<20/4)
	for i := range data {
		data[i] = float32(i)
	}
	b.SetBytes(int64(4 * len(data)))
	for b.Loop() {
		if err := Encode(io.Discard, []int{len(data)}, data); err != nil {
			b.Fatal(err)
		}
	}
}
