package mnist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
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

// TestRealMNIST reads the files the GoMNIST module ships.
func TestRealMNIST(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Skip(err)
	}
	im, labels, err := Load(dir, Test, []int{0, 1, 9999})
	if err != nil {
		t.Fatal(err)
	}
	if im.Rows != 28 || im.Cols != 28 || im.N != 3 {
		t.Fatalf("shape %d×%d×%d", im.N, im.Rows, im.Cols)
	}
	// The first test digits of MNIST are 7, 2; the last is 6.
	if labels[0] != 7 || labels[1] != 2 || labels[2] != 6 {
		t.Errorf("labels %v", labels)
	}
	n, err := Count(mustFiles(t, dir, Train))
	if err != nil || n != 60000 {
		t.Errorf("train count %d, %v", n, err)
	}
}

func mustFiles(t *testing.T, dir string, s Split) string {
	p, _, err := Files(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
