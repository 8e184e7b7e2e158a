package format

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/edgelist"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/sparse"
)

// Options tunes loading and saving. The zero value means the defaults.
type Options struct {
	// Key names the matrix inside a container: a dict key or list index
	// of a .pt file, an array of a plain .npz. "": the only 2-D one.
	Key string

	// Edges selects the columns of edge lists (see edgelist.Options).
	Edges edgelist.Options

	// NoNeuronTable suppresses the NAME.neurons.csv file that Save
	// writes beside formats that cannot hold neuron ids or signs, and
	// Load's reading of it.
	NoNeuronTable bool
}

// Header describes the matrix of a file, read cheaply where the format
// allows (all but edge lists and dense .npy read only their headers).
type Header struct {
	Format     string
	Rows, Cols int
	Stored     int    // entries stored in the file, duplicates and explicit zeros counted
	DType      string // dtype of the stored values as the file names it ("float64", "<f4", "int", ...)
	Layout     string // "sparse_coo", "csr", "dense", "edge list", ...
}

// ReadHeader describes the matrix in path.
func ReadHeader(path string, opt Options) (Header, error) {
	f, err := Detect(path)
	if err != nil {
		return Header{}, err
	}
	var h Header
	err = open(path, func(src Source) error {
		h, err = f.Header(src, opt)
		return err
	})
	h.Format = f.Name
	return h, err
}

// open opens path as a Source for fn, naming the file in fn's error.
func open(path string, fn func(Source) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	size, err := fileSize(file)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := fn(Source{Path: path, File: file, Size: size}); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, errors.New("is a directory")
	}
	return fi.Size(), nil
}

// Inspect reads the matrix in path (square or not) with its neuron table,
// like Read, and describes the file as ReadHeader does, reading the file
// once where the format needs a full read for both (Format.Inspect).
func Inspect(path string, opt Options) (*connectome.Connectome, Header, error) {
	f, err := Detect(path)
	if err != nil {
		return nil, Header{}, err
	}
	if f.Inspect == nil {
		h, err := ReadHeader(path, opt)
		if err != nil {
			return nil, h, err
		}
		c, err := Read(path, opt)
		return c, h, err
	}
	var c *connectome.Connectome
	var h Header
	err = open(path, func(src Source) error {
		if c, h, err = f.Inspect(src, opt); err != nil {
			return err
		}
		return c.W.Validate()
	})
	if err != nil {
		return nil, Header{}, err
	}
	h.Format = f.Name
	return c, h, nil
}

// Read reads the matrix in path, square or not, with the neuron table the
// format holds (edge lists and .npc files), leaving the squareness check
// of Load to callers that need a connectome; convert uses it.
func Read(path string, opt Options) (*connectome.Connectome, error) { return load(path, opt) }

// load reads any matrix (square or not) with its neuron table.
func load(path string, opt Options) (*connectome.Connectome, error) {
	f, err := Detect(path)
	if err != nil {
		return nil, err
	}
	if opt.Key != "" && !f.Keyed {
		return nil, fmt.Errorf("%s: a key selects a tensor in %s files; %s files hold one matrix", path, keyedExtensions(), f.Name)
	}
	var c *connectome.Connectome
	err = open(path, func(src Source) error {
		if c, err = f.Decode(src, opt); err != nil {
			return err
		}
		return c.W.Validate()
	})
	if err != nil {
		return nil, err
	}
	if f.Matrix && c.W.Rows == c.W.Cols && !opt.NoNeuronTable {
		if err := readNeuronTable(path, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readNeuronTable gives c the ids, signs and types of the NAME.neurons.csv
// that Save (or neuropil build) wrote beside path, if there is one: a
// matrix format cannot hold them, and without the table a connectome
// converted to .pt, .npz or .npy and back would lose its signs (and --dale
// with them) and its types (--tau-type).
func readNeuronTable(path string, c *connectome.Connectome) error {
	tp := NeuronTablePath(path)
	f, err := os.Open(tp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	t, err := edgelist.DecodeNeurons(f, c.W.Rows)
	if err != nil {
		return fmt.Errorf("%s (the neuron table of %s; --ignore-neurons reads the matrix without it): %w", tp, path, err)
	}
	c.IDs, c.Sign, c.Type, c.TypeNames, c.Columns = t.IDs, t.Sign, t.Type, t.TypeNames, t.Columns
	return nil
}

// Load reads the connectome in path, choosing the decoder by extension.
// The matrix must be square (a rectangular one is an error; see
// LoadMatrix).
func Load(path string, opt Options) (*connectome.Connectome, error) {
	c, err := load(path, opt)
	if err != nil {
		return nil, err
	}
	if c.W.Rows != c.W.Cols {
		return nil, fmt.Errorf("%s: matrix is %d×%d; a connectome must be square", path, c.W.Rows, c.W.Cols)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadMatrix reads the sparse matrix in path, square or not (an input
// projection [neurons][inputs], for instance).
func LoadMatrix(path string, opt Options) (*sparse.CSR, error) {
	c, err := load(path, opt)
	if err != nil {
		return nil, err
	}
	return c.W, nil
}

// LoadArray reads a dense .npy array of any numeric dtype (see
// npy.Array for the conversions).
func LoadArray(path string) (*npy.Array, error) {
	if !strings.HasSuffix(strings.ToLower(path), ".npy") {
		return nil, fmt.Errorf("%s: arrays are read from .npy files (known: .npy)", path)
	}
	return npy.ReadFile(path)
}

// Save writes c to path in the format of its extension, atomically.
// Formats that cannot hold neuron ids, signs or types (all but .npc) get
// them in NAME.neurons.csv beside path ("index,id[,sign][,type]") when c
// has them, unless opt.NoNeuronTable. The matrix may be rectangular for
// every format but edge lists.
func Save(path string, c *connectome.Connectome, opt Options) error {
	f, err := Detect(path)
	if err != nil {
		return err
	}
	if c == nil || c.W == nil {
		return fmt.Errorf("%s: nothing to save", path)
	}
	if err := c.W.Validate(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if c.W.Rows == c.W.Cols {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	err = atomic.WriteFile(path, func(w io.Writer) error { return f.Encode(w, c, path) })
	if err != nil {
		return err
	}
	if !f.Table && !opt.NoNeuronTable && (c.IDs != nil || c.Sign != nil || c.Type != nil || c.Columns != nil) {
		return atomic.WriteFile(NeuronTablePath(path), func(w io.Writer) error { return edgelist.EncodeNeurons(w, c) })
	}
	return nil
}

// NeuronTablePath returns the path of the neuron table Save writes beside
// path: the name without its extension (the longest registered one it
// ends with), plus ".neurons.csv".
func NeuronTablePath(path string) string {
	if _, ext, ok := lookup(path); ok {
		return path[:len(path)-len(ext)] + ".neurons.csv"
	}
	return path + ".neurons.csv"
}
