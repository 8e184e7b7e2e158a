package mnist

import (
	"bytes"
	"testing"
)

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
