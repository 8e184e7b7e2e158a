package format

import (
	"compress/gzip"
	"fmt"
	"io"
	"strings"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/edgelist"
	"github.com/neuropil/neuropil/format/native"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
	"github.com/neuropil/neuropil/sparse"
)

// The built-in formats, in the order Formats lists them.
func init() {
	Register(Format{Name: "pt", Extensions: []string{".pt", ".pth"}, Matrix: true, Keyed: true,
		Header: ptHeader,
		Decode: matrix(func(src Source, opt Options) (*sparse.CSR, error) { return pt.Decode(src.File, src.Size, opt.Key) }),
		Encode: func(w io.Writer, c *connectome.Connectome, _ string) error { return pt.Encode(w, c.W) },
	})
	Register(Format{Name: "npz", Extensions: []string{".npz"}, Matrix: true, Keyed: true,
		Header: npzHeader,
		Decode: matrix(func(src Source, opt Options) (*sparse.CSR, error) { return npy.DecodeNPZ(src.File, src.Size, opt.Key) }),
		Encode: func(w io.Writer, c *connectome.Connectome, _ string) error { return npy.EncodeNPZ(w, c.W) },
	})
	Register(Format{Name: "npy", Extensions: []string{".npy"}, Matrix: true,
		Header: npyHeader,
		Decode: matrix(func(src Source, _ Options) (*sparse.CSR, error) { return npy.Decode(src.File) }),
		Encode: func(w io.Writer, c *connectome.Connectome, _ string) error { return npy.EncodeMatrix(w, c.W) },
	})
	Register(Format{Name: "csv", Extensions: []string{".csv", ".tsv", ".csv.gz", ".tsv.gz"},
		Header: func(src Source, opt Options) (Header, error) {
			_, h, err := edgeInspect(src, opt)
			return h, err
		},
		Decode: func(src Source, opt Options) (*connectome.Connectome, error) {
			return edgelist.Decode(src.File, edgeOptions(src.Path, opt))
		},
		Inspect: edgeInspect,
		Encode:  edgeEncode,
	})
	Register(Format{Name: "native", Extensions: []string{native.Extension}, Table: true,
		Header: nativeHeader,
		Decode: func(src Source, _ Options) (*connectome.Connectome, error) { return native.Decode(src.File) },
		Encode: func(w io.Writer, c *connectome.Connectome, _ string) error { return native.Encode(w, c) },
	})
}

// matrix makes a Format.Decode of a decoder of a bare matrix.
func matrix(decode func(Source, Options) (*sparse.CSR, error)) func(Source, Options) (*connectome.Connectome, error) {
	return func(src Source, opt Options) (*connectome.Connectome, error) {
		m, err := decode(src, opt)
		if err != nil {
			return nil, err
		}
		return &connectome.Connectome{W: m}, nil
	}
}

func ptHeader(src Source, opt Options) (Header, error) {
	ph, err := pt.DecodeHeader(src.File, src.Size, opt.Key)
	if err != nil {
		return Header{}, err
	}
	return Header{Rows: ph.Rows, Cols: ph.Cols, Stored: ph.NNZ, DType: ph.DType, Layout: ph.Layout}, nil
}

func npzHeader(src Source, opt Options) (Header, error) {
	nh, err := npy.DecodeNPZHeader(src.File, src.Size, opt.Key)
	if err != nil {
		return Header{}, err
	}
	return Header{Rows: nh.Rows, Cols: nh.Cols, Stored: nh.NNZ, DType: nh.DType, Layout: nh.Format}, nil
}

func npyHeader(src Source, _ Options) (Header, error) {
	nh, err := npy.DecodeHeader(src.File)
	if err != nil {
		return Header{}, err
	}
	if len(nh.Shape) != 2 {
		return Header{}, fmt.Errorf("array of shape %v, want a 2-D matrix", nh.Shape)
	}
	return Header{Rows: nh.Shape[0], Cols: nh.Shape[1], Stored: nh.Shape[0] * nh.Shape[1], DType: nh.DType, Layout: "dense"}, nil
}

func nativeHeader(src Source, _ Options) (Header, error) {
	nh, err := native.DecodeHeader(src.File)
	if err != nil {
		return Header{}, err
	}
	return Header{Rows: nh.Rows, Cols: nh.Cols, Stored: nh.NNZ, DType: "float32", Layout: "csr"}, nil
}

// edgeInspect reads an edge list, counting its rows: an edge list has no
// header to describe it short of a full read.
func edgeInspect(src Source, opt Options) (*connectome.Connectome, Header, error) {
	c, rows, err := edgelist.DecodeCount(src.File, edgeOptions(src.Path, opt))
	if err != nil {
		return nil, Header{}, err
	}
	return c, Header{Rows: c.W.Rows, Cols: c.W.Cols, Stored: rows, DType: "text", Layout: "edge list"}, nil
}

// edgeEncode writes an edge list, tab-separated for .tsv, gzipped for
// .gz. A rectangular matrix is an error: an edge list holds a connectome.
func edgeEncode(w io.Writer, c *connectome.Connectome, path string) error {
	if c.W.Rows != c.W.Cols {
		return fmt.Errorf("an edge list holds a square connectome, not a %d×%d matrix", c.W.Rows, c.W.Cols)
	}
	l := strings.ToLower(path)
	comma := ','
	if strings.HasSuffix(l, ".tsv") || strings.HasSuffix(l, ".tsv.gz") {
		comma = '\t'
	}
	if !strings.HasSuffix(l, ".gz") {
		return edgelist.Encode(w, c, comma)
	}
	zw := gzip.NewWriter(w)
	if err := edgelist.Encode(zw, c, comma); err != nil {
		return err
	}
	return zw.Close()
}

// edgeOptions returns opt's edge-list options, the separator a tab for
// .tsv files unless set.
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
