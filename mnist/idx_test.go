package mnist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
)

func idx(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReadImagesRawAndGzip(t *testing.T) {
	raw := idx([]uint32{3, 2, 2}, []byte{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23})
	for _, b := range [][]byte{raw, gz(raw)} {
		im, err := ReadImages(bytes.NewReader(b), nil)
		if err != nil {
			t.Fatal(err)
		}
		if im.N != 3 || im.Rows != 2 || im.Cols != 2 || im.Image(2)[1] != 21 {
			t.Fatalf("got %+v", im)
		}
		sub, err := ReadImages(bytes.NewReader(b), []int{2, 0, 2})
		if err != nil {
			t.Fatal(err)
		}
		if sub.N != 3 || sub.Image(0)[0] != 20 || sub.Image(1)[3] != 3 || sub.Image(2)[0] != 20 {
			t.Fatalf("subset %v", sub.Pix)
		}
	}
}

func TestReadErrors(t *testing.T) {
	good := idx([]uint32{2, 2, 2}, make([]byte, 8))
	cases := map[string][]byte{
		"truncated data":   good[:len(good)-1],
		"truncated header": good[:6],
		"bad magic":        append([]byte{1}, good[1:]...),
		"float type":       append([]byte{0, 0, 0x0d}, good[3:]...),
		"labels as images": idx([]uint32{2}, []byte{1, 2}),
		"huge":             idx([]uint32{1 << 30, 28, 28}, nil),
		"empty":            nil,
	}
	for name, b := range cases {
		if _, err := ReadImages(bytes.NewReader(b), nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ReadImages(bytes.NewReader(good[:len(good)-1]), nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v, want unexpected EOF", err)
	}
	if _, err := ReadImages(bytes.NewReader(good), []int{5}); err == nil {
		t.Error("out-of-range index accepted")
	}
}

// A header that declares gigabytes in a file of a few bytes is an early
// end of input, found without allocating the declared size (the fuzzer
// found a 16-byte file that made ReadImages allocate 2 GB).
func TestDeclaredSizeNotAllocated(t *testing.T) {
	b := []byte("\x00\x00\x08\x03\x00\x30\x30\x30\x00\x00\x00\x0f\x00\x00\x00\x30")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadImages(bytes.NewReader(b), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
		t.Errorf("allocated %d bytes for a 16-byte file", d)
	}
	if _, err := ReadLabels(bytes.NewReader([]byte("\x00\x00\x08\x01\x0f\xff\xff\xff"))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("labels: error %v, want io.ErrUnexpectedEOF", err)
	}
}

func FuzzReadImages(f *testing.F) {
	f.Add(idx([]uint32{2, 2, 2}, make([]byte, 8)))
	f.Add(gz(idx([]uint32{1, 3, 1}, []byte{1, 2, 3})))
	f.Add(idx([]uint32{3}, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := ReadImages(bytes.NewReader(b), nil)
		if err == nil && len(im.Pix) != im.N*im.Rows*im.Cols {
			t.Fatal("inconsistent image set")
		}
		ReadLabels(bytes.NewReader(b))
	})
}

func TestNormalizeAndBatches(t *testing.T) {
	d := make([]float32, 2)
	NormalizeTo(d, []uint8{0, 255})
	if math.Abs(float64(d[0])+0.1307/0.3081) > 1e-6 || math.Abs(float64(d[1])-(1-0.1307)/0.3081) > 1e-6 {
		t.Errorf("normalised %v", d)
	}
	b := Batches(10, 4, 1)
	if len(b) != 3 || len(b[2]) != 2 {
		t.Fatalf("batches %v", b)
	}
	seen := map[int]bool{}
	for _, bb := range b {
		for _, i := range bb {
			seen[i] = true
		}
	}
	if len(seen) != 10 {
		t.Error("not a permutation")
	}
	if c := Batches(10, 4, 1); c[0][0] != b[0][0] || c[1][1] != b[1][1] {
		t.Error("not reproducible")
	}
}
