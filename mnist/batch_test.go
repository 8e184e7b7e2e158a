package mnist

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFirstBatch(t *testing.T) {
	dir := t.TempDir()
	pix := make([]byte, 5*2*2)
	for i := range pix {
		pix[i] = byte(i / 4) // image k is all k
	}
	files := map[string][]byte{
		"t10k-images-idx3-ubyte.gz": gz(idx([]uint32{5, 2, 2}, pix)),
		"t10k-labels-idx1-ubyte":    idx([]uint32{5}, []byte{10, 11, 12, 13, 14}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	im, labels, ix, err := FirstBatch(dir, Test, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := Shuffle(5, 7)[:3]; !slices.Equal(ix, want) {
		t.Fatalf("indices %v, want the first of the seeded shuffle %v", ix, want)
	}
	for k, i := range ix {
		if im.Image(k)[0] != byte(i) || labels[k] != byte(10+i) {
			t.Errorf("image %d: pixel %d label %d, want image %d", k, im.Image(k)[0], labels[k], i)
		}
	}
	_, _, _, err = FirstBatch(dir, Test, 6, 7)
	var short *ShortError
	if !errors.As(err, &short) || short.Have != 5 || short.Want != 6 || err.Error() != "the MNIST test split has only 5 images" {
		t.Errorf("batch of 6 from 5: error %v", err)
	}
	if _, _, _, err := FirstBatch(dir, Train, 1, 7); err == nil {
		t.Error("missing train files: no error")
	}
}

// A header that claims 10^9 (or 2^32-1) images over 100 bytes is refused
// from the file's size, before a permutation of the claimed count is
// allocated (issue 11: 8 GB, 34 GB).
func TestFirstBatchLyingHeader(t *testing.T) {
	for _, n := range []uint32{1e9, 1<<32 - 1, 1e8} {
		dir := t.TempDir()
		files := map[string][]byte{
			"t10k-images-idx3-ubyte": idx([]uint32{n, 28, 28}, make([]byte, 84)),
			"t10k-labels-idx1-ubyte": idx([]uint32{5}, []byte{1, 2, 3, 4, 5}),
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, gzipped := range []bool{false, true} {
			if gzipped {
				p := filepath.Join(dir, "t10k-images-idx3-ubyte")
				os.WriteFile(p+".gz", gz(files["t10k-images-idx3-ubyte"]), 0o644)
				os.Remove(p)
			}
			_, _, _, err := FirstBatch(dir, Test, 1, 7)
			var fe FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "header claims") {
				t.Errorf("%d images claimed (gzip %v): %v", n, gzipped, err)
			}
		}
	}
}
