package format

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/neuropil/neuropil/connectome"
)

// A Format is one file format of the registry: its name, the extensions
// that select it and its codec. Register adds one; Load, Save, ReadHeader
// and Inspect find it by the extension of a path.
type Format struct {
	Name       string   // "pt", "npz", "npy", "csv", "native"
	Extensions []string // lower-case, with the dot (".pt", ".csv.gz")

	Table  bool // the file holds neuron ids, signs and types itself: Save writes no NAME.neurons.csv beside it
	Matrix bool // the file holds a bare matrix: Load reads the NAME.neurons.csv beside a square one
	Keyed  bool // Options.Key selects one of several matrices in a file

	// Header describes the matrix of src, reading as little as the format
	// allows (Header.Format is filled in by the caller).
	Header func(src Source, opt Options) (Header, error)

	// Decode reads the matrix of src, square or not, with the neuron
	// table the format holds.
	Decode func(src Source, opt Options) (*connectome.Connectome, error)

	// Inspect, when not nil, does Decode and Header in one read, for
	// formats whose header needs a full read (edge lists).
	Inspect func(src Source, opt Options) (*connectome.Connectome, Header, error)

	// Encode writes c to w. path is the destination's name, for formats
	// whose extension selects a variant (.tsv, .gz).
	Encode func(w io.Writer, c *connectome.Connectome, path string) error
}

// A Source is an open file for a Format's decoders.
type Source struct {
	Path string // the file's name: its extension may select a variant (.tsv, .gz)
	File File   // positioned at the start
	Size int64  // bytes
}

// File is what a decoder reads: in sequence, or at offsets (the zip
// archives of .pt and .npz).
type File interface {
	io.Reader
	io.ReaderAt
}

var registry struct {
	sync.RWMutex
	formats []Format
}

// Register adds f to the registry. It panics if f has no name, no
// extension, no Header, Decode or Encode, an extension that is not
// lower-case with a leading dot, or a name or extension already
// registered. The built-in formats (pt, npz, npy, csv, native) are
// registered by this package.
func Register(f Format) {
	if f.Name == "" || len(f.Extensions) == 0 || f.Header == nil || f.Decode == nil || f.Encode == nil {
		panic(fmt.Sprintf("format: Register(%q): a format needs a name, extensions, Header, Decode and Encode", f.Name))
	}
	registry.Lock()
	defer registry.Unlock()
	for _, e := range f.Extensions {
		if !strings.HasPrefix(e, ".") || strings.ToLower(e) != e {
			panic(fmt.Sprintf("format: Register(%q): extension %q is not lower-case with a leading dot", f.Name, e))
		}
	}
	for _, g := range registry.formats {
		if g.Name == f.Name {
			panic(fmt.Sprintf("format: Register(%q): registered twice", f.Name))
		}
		for _, e := range f.Extensions {
			if slices.Contains(g.Extensions, e) {
				panic(fmt.Sprintf("format: Register(%q): extension %s belongs to %q", f.Name, e, g.Name))
			}
		}
	}
	f.Extensions = slices.Clone(f.Extensions)
	registry.formats = append(registry.formats, f)
}

// Formats returns the registered formats in the order they were
// registered, in a new slice.
func Formats() []Format {
	registry.RLock()
	defer registry.RUnlock()
	out := slices.Clone(registry.formats)
	for i := range out {
		out[i].Extensions = slices.Clone(out[i].Extensions)
	}
	return out
}

// Names returns the names of the registered formats, in the order they
// were registered.
func Names() []string {
	var n []string
	for _, f := range Formats() {
		n = append(n, f.Name)
	}
	return n
}

// Extensions returns every registered extension, sorted.
func Extensions() []string {
	var e []string
	for _, f := range Formats() {
		e = append(e, f.Extensions...)
	}
	slices.Sort(e)
	return e
}

// Detect returns the format of path from its extension (the longest
// registered one it ends with, ignoring case), or an error that lists the
// known extensions.
func Detect(path string) (Format, error) {
	if f, _, ok := lookup(path); ok {
		return f, nil
	}
	return Format{}, fmt.Errorf("%s: unknown file extension %q (known: %s)", path, filepath.Ext(path), strings.Join(Extensions(), ", "))
}

// lookup returns the format of path and the extension that selects it.
func lookup(path string) (Format, string, bool) {
	lower := strings.ToLower(path)
	var best Format
	ext := ""
	for _, f := range Formats() {
		for _, e := range f.Extensions {
			if strings.HasSuffix(lower, e) && len(e) > len(ext) {
				best, ext = f, e
			}
		}
	}
	return best, ext, ext != ""
}

// keyedExtensions names the first extension of each keyed format: ".pt or
// .npz".
func keyedExtensions() string {
	var e []string
	for _, f := range Formats() {
		if f.Keyed {
			e = append(e, f.Extensions[0])
		}
	}
	return strings.Join(e, " or ")
}
