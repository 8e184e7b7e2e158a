package format

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/sparse"
)

// unregister removes the format name, for tests that register one.
func unregister(name string) {
	registry.Lock()
	defer registry.Unlock()
	registry.formats = slices.DeleteFunc(registry.formats, func(f Format) bool { return f.Name == name })
}

// triplets is a toy format for the registry tests: "rows cols" then
// "i j v" lines.
var triplets = Format{Name: "triplets", Extensions: []string{".trip", ".trip.txt"}, Matrix: true,
	Header: func(src Source, _ Options) (Header, error) {
		var h Header
		_, err := fmt.Fscan(src.File, &h.Rows, &h.Cols)
		return h, err
	},
	Decode: func(src Source, _ Options) (*connectome.Connectome, error) {
		r := bufio.NewReader(src.File)
		var rows, cols int
		if _, err := fmt.Fscan(r, &rows, &cols); err != nil {
			return nil, err
		}
		b := sparse.NewCOO(rows, cols, 0)
		for {
			var i, j int
			var v float64
			if _, err := fmt.Fscan(r, &i, &j, &v); err == io.EOF {
				break
			} else if err != nil {
				return nil, err
			}
			b.Add(i, j, v)
		}
		return &connectome.Connectome{W: b.ToCSR()}, nil
	},
	Encode: func(w io.Writer, c *connectome.Connectome, _ string) error {
		fmt.Fprintln(w, c.W.Rows, c.W.Cols)
		for i := 0; i < c.W.Rows; i++ {
			for k := c.W.RowPtr[i]; k < c.W.RowPtr[i+1]; k++ {
				fmt.Fprintln(w, i, c.W.ColIdx[k], c.W.Val[k])
			}
		}
		return nil
	},
}

// A registered format is found by its extensions (the longest match, any
// case), listed, and used by Save, Load, ReadHeader and NeuronTablePath.
func TestRegister(t *testing.T) {
	Register(triplets)
	defer unregister("triplets")
	if !slices.Contains(Names(), "triplets") || !slices.Contains(Extensions(), ".trip.txt") {
		t.Fatalf("names %v, extensions %v", Names(), Extensions())
	}
	dir := t.TempDir()
	c := tabled()
	path := filepath.Join(dir, "c.TRIP.txt")
	if f, err := Detect(path); err != nil || f.Name != "triplets" {
		t.Fatalf("Detect: %+v %v", f, err)
	}
	if err := Save(path, c, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := NeuronTablePath(path); got != filepath.Join(dir, "c.neurons.csv") {
		t.Errorf("table path %s", got)
	}
	d, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.W.NNZ() != c.W.NNZ() || !slices.Equal(d.IDs, c.IDs) {
		t.Errorf("loaded %d entries, ids %v", d.W.NNZ(), d.IDs[:3])
	}
	h, err := ReadHeader(path, Options{})
	if err != nil || h.Format != "triplets" || h.Rows != 40 || h.Cols != 40 {
		t.Errorf("header %+v %v", h, err)
	}
	if _, err := Load(path, Options{Key: "w"}); err == nil || !strings.Contains(err.Error(), "a key selects a tensor in .pt or .npz files; triplets files hold one matrix") {
		t.Errorf("key on an unkeyed format: %v", err)
	}
	os.Remove(path)
}

// Formats returns a copy: changing it changes nothing registered.
func TestFormatsIsACopy(t *testing.T) {
	f := Formats()
	f[0].Name = "changed"
	f[0].Extensions[0] = ".changed"
	if g := Formats(); g[0].Name != "pt" || g[0].Extensions[0] != ".pt" {
		t.Errorf("registry changed through Formats: %+v", g[0])
	}
	if got := Names(); !slices.Equal(got, []string{"pt", "npz", "npy", "csv", "native"}) {
		t.Errorf("names %v", got)
	}
}

// Registering a name or an extension twice, or an incomplete format, is
// a programmer's mistake.
func TestRegisterPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		f    Format
		want string
	}{
		{"name twice", Format{Name: "pt", Extensions: []string{".pt2"}, Header: triplets.Header, Decode: triplets.Decode, Encode: triplets.Encode}, "registered twice"},
		{"extension twice", Format{Name: "torch", Extensions: []string{".pth"}, Header: triplets.Header, Decode: triplets.Decode, Encode: triplets.Encode}, `extension .pth belongs to "pt"`},
		{"upper case", Format{Name: "x", Extensions: []string{".X"}, Header: triplets.Header, Decode: triplets.Decode, Encode: triplets.Encode}, "not lower-case"},
		{"no decoder", Format{Name: "x", Extensions: []string{".x"}}, "needs a name, extensions"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("%s: panic %v, want %q", c.name, r, c.want)
				}
			}()
			Register(c.f)
		}()
	}
	if len(Formats()) != 5 {
		t.Errorf("%d formats after refused registrations", len(Formats()))
	}
}
