package mnist

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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
