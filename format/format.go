package format

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/edgelist"
	"github.com/neuropil/neuropil/format/native"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
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

// A Format is one file format of the registry.
type Format struct {
	Name       string   // "pt", "npz", "npy", "csv", "native"
	Extensions []string // lower-case, with the dot
	Table      bool     // stores neuron ids and signs itself
}

// Formats lists the known formats.
var Formats = []Format{
	{Name: "pt", Extensions: []string{".pt", ".pth"}},
	{Name: "npz", Extensions: []string{".npz"}},
	{Name: "npy", Extensions: []string{".npy"}},
	{Name: "csv", Extensions: []string{".csv", ".tsv", ".csv.gz", ".tsv.gz"}},
	{Name: "native", Extensions: []string{native.Extension}, Table: true},
}

// Extensions returns every known extension, sorted.
func Extensions() []string {
	var e []string
	for _, f := range Formats {
		e = append(e, f.Extensions...)
	}
	sort.Strings(e)
	return e
}

// Detect returns the format of path from its extension, or an error that
// lists the known extensions.
func Detect(path string) (Format, error) {
	lower := strings.ToLower(path)
	for _, f := range Formats {
		for _, e := range f.Extensions {
			if strings.HasSuffix(lower, e) {
				return f, nil
			}
		}
	}
	return Format{}, fmt.Errorf("%s: unknown file extension %q (known: %s)", path, filepath.Ext(path), strings.Join(Extensions(), ", "))
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
	file, err := os.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer file.Close()
	size, err := fileSize(file)
	if err != nil {
		return Header{}, fmt.Errorf("%s: %w", path, err)
	}
	h := Header{Format: f.Name}
	switch f.Name {
	case "pt":
		ph, err := pt.DecodeHeader(file, size, opt.Key)
		if err != nil {
			return h, fmt.Errorf("%s: %w", path, err)
		}
		h.Rows, h.Cols, h.Stored, h.DType, h.Layout = ph.Rows, ph.Cols, ph.NNZ, ph.DType, ph.Layout
	case "npz":
		nh, err := npy.DecodeNPZHeader(file, size, opt.Key)
		if err != nil {
			return h, fmt.Errorf("%s: %w", path, err)
		}
		h.Rows, h.Cols, h.Stored, h.DType, h.Layout = nh.Rows, nh.Cols, nh.NNZ, nh.DType, nh.Format
	case "npy":
		nh, err := npy.DecodeHeader(file)
		if err != nil {
			return h, fmt.Errorf("%s: %w", path, err)
		}
		if len(nh.Shape) != 2 {
			return h, fmt.Errorf("%s: array of shape %v, want a 2-D matrix", path, nh.Shape)
		}
		h.Rows, h.Cols, h.Stored, h.DType, h.Layout = nh.Shape[0], nh.Shape[1], nh.Shape[0]*nh.Shape[1], nh.DType, "dense"
	case "csv":
		c, rows, err := edgelist.DecodeCount(file, edgeOptions(path, opt))
		if err != nil {
			return h, fmt.Errorf("%s: %w", path, err)
		}
		h.Rows, h.Cols, h.Stored, h.DType, h.Layout = c.W.Rows, c.W.Cols, rows, "text", "edge list"
	case "native":
		nh, err := native.DecodeHeader(file)
		if err != nil {
			return h, fmt.Errorf("%s: %w", path, err)
		}
		h.Rows, h.Cols, h.Stored, h.DType, h.Layout = nh.Rows, nh.Cols, nh.NNZ, "float32", "csr"
	}
	return h, nil
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

func edgeOptions(path string, opt Options) edgelist.Options {
	e := opt.Edges
	if e.Comma == 0 {
		l := strings.ToLower(path)
		if strings.HasSuffix(l, ".tsv") || strings.HasSuffix(l, ".tsv.gz") {
			e.Comma = '\t'
		}
	}
	return e
}

// Inspect reads the matrix in path (square or not) with its neuron table,
// like Read, and describes the file as ReadHeader does, reading the file
// once where the format needs a full read for both (edge lists).
func Inspect(path string, opt Options) (*connectome.Connectome, Header, error) {
	f, err := Detect(path)
	if err != nil {
		return nil, Header{}, err
	}
	if f.Name != "csv" {
		h, err := ReadHeader(path, opt)
		if err != nil {
			return nil, h, err
		}
		c, err := Read(path, opt)
		return c, h, err
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, Header{}, err
	}
	defer file.Close()
	c, rows, err := edgelist.DecodeCount(file, edgeOptions(path, opt))
	if err != nil {
		return nil, Header{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.W.Validate(); err != nil {
		return nil, Header{}, fmt.Errorf("%s: %w", path, err)
	}
	h := Header{Format: f.Name, Rows: c.W.Rows, Cols: c.W.Cols, Stored: rows, DType: "text", Layout: "edge list"}
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
	if opt.Key != "" && f.Name != "pt" && f.Name != "npz" {
		return nil, fmt.Errorf("%s: a key selects a tensor in .pt or .npz files; %s files hold one matrix", path, f.Name)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	size, err := fileSize(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var c *connectome.Connectome
	var m *sparse.CSR
	switch f.Name {
	case "pt":
		m, err = pt.Decode(file, size, opt.Key)
	case "npz":
		m, err = npy.DecodeNPZ(file, size, opt.Key)
	case "npy":
		m, err = npy.Decode(file)
	case "csv":
		c, err = edgelist.Decode(file, edgeOptions(path, opt))
	case "native":
		c, err = native.Decode(file)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c == nil {
		c = &connectome.Connectome{W: m}
	}
	if err := c.W.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m != nil && m.Rows == m.Cols && !opt.NoNeuronTable {
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
	c.IDs, c.Sign, c.Type, c.TypeNames = t.IDs, t.Sign, t.Type, t.TypeNames
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
// has them,
// unless opt.NoNeuronTable. The matrix may be rectangular for every
// format but edge lists.
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
	} else if f.Name == "csv" {
		return fmt.Errorf("%s: an edge list holds a square connectome, not a %d×%d matrix", path, c.W.Rows, c.W.Cols)
	}
	err = atomic.WriteFile(path, func(w io.Writer) error {
		switch f.Name {
		case "pt":
			return pt.Encode(w, c.W)
		case "npz":
			return npy.EncodeNPZ(w, c.W)
		case "npy":
			return npy.EncodeMatrix(w, c.W)
		case "native":
			return native.Encode(w, c)
		}
		l := strings.ToLower(path)
		comma := ','
		if strings.HasSuffix(l, ".tsv") || strings.HasSuffix(l, ".tsv.gz") {
			comma = '\t'
		}
		if strings.HasSuffix(l, ".gz") {
			zw := gzip.NewWriter(w)
			if err := edgelist.Encode(zw, c, comma); err != nil {
				return err
			}
			return zw.Close()
		}
		return edgelist.Encode(w, c, comma)
	})
	if err != nil {
		return err
	}
	if !f.Table && !opt.NoNeuronTable && (c.IDs != nil || c.Sign != nil || c.Type != nil) {
		return atomic.WriteFile(NeuronTablePath(path), func(w io.Writer) error { return edgelist.EncodeNeurons(w, c) })
	}
	return nil
}

// NeuronTablePath returns the path of the neuron table Save writes beside
// path: the name without its extension, plus ".neurons.csv".
func NeuronTablePath(path string) string {
	lower := strings.ToLower(path)
	for _, e := range Extensions() {
		if strings.HasSuffix(lower, e) {
			return path[:len(path)-len(e)] + ".neurons.csv"
		}
	}
	return path + ".neurons.csv"
}
