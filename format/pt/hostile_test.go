package pt

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/sparse"
)

// Hostile pickles of issue 11: small files that asked for a stack
// overflow or gigabytes. Each must cost an error, quickly.

// le4 is x as the four bytes of a BININT.
func le4(x uint32) string {
	return string([]byte{'J', byte(x), byte(x >> 8), byte(x >> 16), byte(x >> 24)})
}

// cooArchive returns the .pt archive of a 4×4 COO matrix of 3 entries
// whose data.pkl is cooPickle(4, 4, 3) patched by the (old, new) pairs,
// each replacing its first occurrence.
func cooArchive(t *testing.T, pairs ...string) []byte {
	t.Helper()
	m := &sparse.CSR{Rows: 4, Cols: 4, RowPtr: []int32{0, 1, 2, 3, 3}, ColIdx: []int32{3, 0, 1}, Val: []float32{1, 2, 3}}
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	pkl := cooPickle(4, 4, 3)
	for i := 0; i < len(pairs); i += 2 {
		if !bytes.Contains(pkl, []byte(pairs[i])) {
			t.Fatalf("pickle lacks %q", pairs[i])
		}
		pkl = bytes.Replace(pkl, []byte(pairs[i]), []byte(pairs[i+1]), 1)
	}
	return replaceRecord(t, buf.Bytes(), "archive/data.pkl", pkl)
}

// denseArchive returns a state dict {"w": [1][1] float32} whose size is
// patched to rows×cols and stride to (0, 0).
func denseArchive(t *testing.T, rows, cols uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeStateDict(&buf, []Tensor{{Name: "w", Shape: []int{1, 1}, Data: []float32{1}}}); err != nil {
		t.Fatal(err)
	}
	zr := mustPickle(t, buf.Bytes())
	one := "(" + le4(1) + le4(1) + "t"
	if strings.Count(zr, one) != 2 {
		t.Fatalf("dense pickle %q", zr)
	}
	zr = strings.Replace(zr, one, "("+le4(rows)+le4(cols)+"t", 1)
	zr = strings.Replace(zr, one, "("+le4(0)+le4(0)+"t", 1)
	return replaceRecord(t, buf.Bytes(), pickleName(t, buf.Bytes()), []byte(zr))
}

func TestHostilePickles(t *testing.T) {
	deep := ")" + strings.Repeat("\x85", 1_000_000)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		// 1,456 bytes deflated: the error path formatted the offset recursively.
		{"deep tuple as offset", cooArchive(t, "Q"+le4(0)+"("+le4(2), "Q"+deep+"("+le4(2)), "nested more than 100 deep"},
		{"deep tuple as element count", cooArchive(t, le4(6)+"t", deep+"t"), "nested more than 100 deep"},
		{"list holding itself as offset", cooArchive(t, "Q"+le4(0)+"("+le4(2), "Q]q\x00h\x00a("+le4(2)), "tensor storage offset a list of 1 items"},
		// 846 bytes: indices of size (2, 2^31-1) with stride (1, 0) over 6 elements.
		{"stride-0 COO", cooArchive(t,
			"("+le4(2)+le4(3)+"t("+le4(3)+le4(1)+"t", "("+le4(2)+le4(1<<31-1)+"t("+le4(1)+le4(0)+"t",
			"("+le4(3)+"t("+le4(1)+"t", "("+le4(1<<31-1)+"t("+le4(0)+"t"), "expanded view"},
		{"too many objects", cooArchive(t, "\x80\x02", "\x80\x02"+strings.Repeat("}", 1<<21)+"0"), "more than 1048576 objects"},
		{"65 dimensions", cooArchive(t, "("+le4(3)+"t("+le4(1)+"t", "("+strings.Repeat(le4(1), 65)+"t("+strings.Repeat(le4(1), 65)+"t"), "65 dimensions"},
	} {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(bytes.NewReader(c.data), int64(len(c.data)), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<30 {
			t.Errorf("%s: allocated %d bytes", c.name, grew)
		}
	}
}

func TestExpandedDenseViews(t *testing.T) {
	// 10^10 entries from one float; 8000×8000 (2.5 GB from 484 bytes).
	for _, n := range []uint32{100000, 8000} {
		data := denseArchive(t, n, n)
		if _, err := Decode(bytes.NewReader(data), int64(len(data)), "w"); err == nil || !strings.Contains(err.Error(), "expanded view") {
			t.Errorf("%d×%d stride (0, 0): err %v", n, n, err)
		}
		if _, err := DecodeStateDict(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Errorf("%d×%d stride (0, 0) read as a state dict", n, n)
		}
	}
	// A small expanded view is materialised.
	data := denseArchive(t, 3, 5)
	m, err := Decode(bytes.NewReader(data), int64(len(data)), "w")
	if err != nil || m.NNZ() != 15 {
		t.Fatalf("3×5 expanded view: %v", err)
	}
}

func TestDecodeOverBudget(t *testing.T) {
	defer budget.Set(0)
	budget.Set(50) // bytes: fewer than 3 entries take
	data := cooArchive(t)
	_, err := Decode(bytes.NewReader(data), int64(len(data)), "")
	var be *budget.Error
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "--max-memory") {
		t.Fatalf("over the budget: %v", err)
	}
}

// pickleName returns the name of the data.pkl record of archive data.
func pickleName(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "data.pkl") {
			return f.Name
		}
	}
	t.Fatal("no data.pkl")
	return ""
}

// mustPickle returns the data.pkl of archive data.
func mustPickle(t *testing.T, data []byte) string {
	t.Helper()
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	f, err := zr.Open(pickleName(t, data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
