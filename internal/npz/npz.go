package npz

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"

	"github.com/neuropil/neuropil/format/npy"
)

// Writer adds arrays to an .npz archive. Close must be called to finish
// the archive; it does not close the underlying writer.
type Writer struct {
	zw *zip.Writer
}

// NewWriter returns a Writer that writes the archive to w.
func NewWriter(w io.Writer) *Writer { return &Writer{zw: zip.NewWriter(w)} }

// Add stores data with the given shape as name.npy. data is any slice
// npy.Encode accepts.
func (w *Writer) Add(name string, shape []int, data any) error {
	f, err := w.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		return err
	}
	return npy.Encode(f, shape, data)
}

// AddStrings stores s as a 1-D fixed-width byte-string array (dtype |S<n>,
// n the longest string's length in bytes, at least 1) named name.npy. With
// scalar true, s must hold one string and the array is 0-dimensional (as
// scipy stores its "format" entry).
func (w *Writer) AddStrings(name string, s []string, scalar bool) error {
	if scalar && len(s) != 1 {
		panic(fmt.Sprintf("npz: scalar string array with %d strings", len(s)))
	}
	width := 1
	for _, x := range s {
		width = max(width, len(x))
	}
	shape := fmt.Sprintf("(%d,)", len(s))
	if scalar {
		shape = "()"
	}
	f, err := w.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		return err
	}
	dict := fmt.Sprintf("{'descr': '|S%d', 'fortran_order': False, 'shape': %s, }", width, shape)
	pad := (64 - (10+len(dict)+1)%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	hdr := "\x93NUMPY\x01\x00" + string([]byte{byte(len(dict)), byte(len(dict) >> 8)}) + dict
	if _, err := io.WriteString(f, hdr); err != nil {
		return err
	}
	buf := make([]byte, width)
	for _, x := range s {
		clear(buf)
		copy(buf, x)
		if _, err := f.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// Close finishes the archive.
func (w *Writer) Close() error { return w.zw.Close() }
