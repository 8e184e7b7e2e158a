package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/mnist"
)

// idxFile returns an IDX file of unsigned bytes with the given dimensions.
func idxFile(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

// digitsDir writes a test split of five 2×2 images, image k all k·50, with
// labels 10+k.
func digitsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pix := make([]byte, 5*4)
	for i := range pix {
		pix[i] = byte(i / 4 * 50)
	}
	for name, b := range map[string][]byte{
		"t10k-images-idx3-ubyte": idxFile([]uint32{5, 2, 2}, pix),
		"t10k-labels-idx1-ubyte": idxFile([]uint32{5}, []byte{10, 11, 12, 13, 14}),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDigits(t *testing.T) {
	dir := digitsDir(t)
	im, labels, desc, err := LoadDigits(dir, "test", 3, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	idx := mnist.Shuffle(5, 9)[:3]
	if want := fmt.Sprintf("MNIST test images %v from %s", idx, dir); desc != want {
		t.Errorf("description %q, want %q", desc, want)
	}
	for k, i := range idx {
		if im.Image(k)[0] != byte(50*i) || labels[k] != byte(10+i) {
			t.Errorf("image %d is not image %d of the split", k, i)
		}
	}
	flag := func(f string) string { return "--" + strings.ToLower(f) }
	for _, c := range []struct {
		split string
		batch int
		want  string
	}{
		{"val", 1, `--split "val": want train or test`},
		{"test", 6, "--batch 6: the MNIST test split has only 5 images"},
		{"train", 1, "--mnist: mnist: no train images file"},
	} {
		if _, _, _, err := LoadDigits(dir, c.split, c.batch, 9, flag); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("split %s, batch %d: error %v, want %q", c.split, c.batch, err, c.want)
		}
	}
}

// TestNetworkDigits: without an input file a network reads normalized
// digits and keeps their labels.
func TestNetworkDigits(t *testing.T) {
	dir := digitsDir(t)
	conn := filepath.Join(dir, "w.npz")
	if err := format.Save(conn, connectome.Random(12, 40, 1), format.Options{}); err != nil {
		t.Fatal(err)
	}
	n := loadNetwork(t, NetworkConfig{Connectome: conn, MNIST: dir, Split: "test", Batch: 3, Seed: 4})
	if n.Inputs != 4 || n.Input.Frames != 1 || len(n.Labels) != 3 || !strings.HasPrefix(n.InputName, "MNIST test images [") {
		t.Fatalf("inputs %d, frames %d, labels %v, input %q", n.Inputs, n.Input.Frames, n.Labels, n.InputName)
	}
	want := make([]float32, 12)
	for k, l := range n.Labels { // image k of the split is all 50k, labelled 10+k
		mnist.NormalizeTo(want[k*4:k*4+4], []uint8{50 * (l - 10), 50 * (l - 10), 50 * (l - 10), 50 * (l - 10)})
	}
	if !slices.Equal(n.Input.X, want) {
		t.Errorf("input %v, want the normalized digits %v", n.Input.X, want)
	}
}
