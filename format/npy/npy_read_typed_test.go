package npy

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeNPY writes data with shape to a .npy file in dir.
func writeNPY(t *testing.T, dir, name string, shape []int, data any) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Encode(f, shape, data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFloat32File(t *testing.T) {
	dir := t.TempDir()
	p := writeNPY(t, dir, "x.npy", []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	shape, data, err := ReadFloat32File(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{2, 3}) || !slices.Equal(data, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("got %v %v", shape, data)
	}
	if _, _, err := ReadFloat32File(filepath.Join(dir, "none.npy")); err == nil || !strings.Contains(err.Error(), "none.npy") {
		t.Errorf("missing file: error %v, want one naming it", err)
	}
}

func TestReadFiniteFile(t *testing.T) {
	dir := t.TempDir()
	good := writeNPY(t, dir, "good.npy", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	if v, err := ReadFiniteFile(good, 2, 3); err != nil || len(v) != 6 {
		t.Fatalf("ReadFiniteFile: %v, %v", v, err)
	}
	nan := writeNPY(t, dir, "nan.npy", []int{2}, []float32{1, float32(math.NaN())})
	for _, c := range []struct {
		path string
		want []int
		msg  []string
	}{
		{good, []int{3, 2}, []string{"good.npy", "[2 3]", "[3 2]"}}, // transposed: refused, not scrambled
		{good, []int{6}, []string{"good.npy", "shape"}},
		{nan, []int{2}, []string{"nan.npy", "NaN"}},
	} {
		_, err := ReadFiniteFile(c.path, c.want...)
		for _, m := range c.msg {
			if err == nil || !strings.Contains(err.Error(), m) {
				t.Errorf("ReadFiniteFile(%s, %v): error %v, want %q", c.path, c.want, err, m)
			}
		}
	}
}

func TestReadIndexFile(t *testing.T) {
	dir := t.TempDir()
	p := writeNPY(t, dir, "idx.npy", []int{3}, []int64{0, 4, 2})
	idx, err := ReadIndexFile(p, 5)
	if err != nil || !slices.Equal(idx, []int{0, 4, 2}) {
		t.Fatalf("ReadIndexFile: %v, %v", idx, err)
	}
	cases := []struct {
		path string
		n    int
		msg  string
	}{
		{p, 4, "idx.npy: index 1 is 4, outside [0, 4)"},
		{writeNPY(t, dir, "neg.npy", []int{1}, []int32{-1}), 4, "index 0 is -1"},
		{writeNPY(t, dir, "flat.npy", []int{1, 2}, []int64{0, 1}), 4, "1-D"},
		{writeNPY(t, dir, "float.npy", []int{2}, []float32{0, 1}), 4, "want integers"},
	}
	for _, c := range cases {
		if _, err := ReadIndexFile(c.path, c.n); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ReadIndexFile(%s, %d): error %v, want %q", c.path, c.n, err, c.msg)
		}
	}
}
