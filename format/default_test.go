package format

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
)

func TestLoadOrDefault(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.npz")
	if err := Save(p, connectome.Random(30, 100, 1), Options{}); err != nil {
		t.Fatal(err)
	}
	c, name, err := LoadOrDefault(p, Options{})
	if err != nil || name != p || c.Neurons() != 30 || c.Synapses() != 100 {
		t.Fatalf("LoadOrDefault(%s): %v, %q, %v", p, c, name, err)
	}
	if _, _, err := LoadOrDefault("pt/testdata/coo_rect.pt", Options{}); err == nil || !strings.Contains(err.Error(), "square") {
		t.Errorf("a rectangular matrix: error %v, want Load's", err)
	}
	if testing.Short() {
		t.Skip("the built-in connectome takes a second to build")
	}
	c, name, err = LoadOrDefault("", Options{})
	if err != nil || c.Neurons() != connectome.TutorialNeurons || !strings.HasPrefix(name, "built-in random (47521 neurons") {
		t.Errorf("the default: %d neurons, %q, %v", c.Neurons(), name, err)
	}
}
