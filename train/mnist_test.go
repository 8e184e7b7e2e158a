package train

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/mnist"
)

// writeIDX writes an IDX file of unsigned bytes with the given sizes.
func writeIDX(t *testing.T, path string, dims []uint32, data []byte) {
	t.Helper()
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	if err := os.WriteFile(path, append(b, data...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Images of 14×56 have 784 pixels but are not MNIST's 28×28: an error
// (issue 11: they trained with exit 0).
func TestLoadMNISTRefusesNonSquare(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), []uint32{2, 14, 56}, make([]byte, 2*784))
	writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), []uint32{2}, []byte{1, 2})
	for _, limit := range []int{0, 1} {
		_, err := LoadMNIST(dir, mnist.Train, limit, 784)
		if err == nil || !strings.Contains(err.Error(), "14×56") {
			t.Errorf("limit %d: 14×56 images: %v", limit, err)
		}
	}
}
