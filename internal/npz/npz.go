package npz

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/sparse"
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

// WriteCSR writes a as scipy.sparse.save_npz does for a CSR matrix:
// entries indices (int32), indptr (int32), format (b"csr"), shape (int64,
// 2) and data (float32), so that scipy.sparse.load_npz returns a
// csr_matrix of the same shape and values.
func WriteCSR(w io.Writer, a *sparse.CSR) error {
	z := NewWriter(w)
	if err := z.Add("indices", []int{len(a.ColIdx)}, a.ColIdx); err != nil {
		return err
	}
	if err := z.Add("indptr", []int{len(a.RowPtr)}, a.RowPtr); err != nil {
		return err
	}
	if err := z.AddStrings("format", []string{"csr"}, true); err != nil {
		return err
	}
	if err := z.Add("shape", []int{2}, []int64{int64(a.Rows), int64(a.Cols)}); err != nil {
		return err
	}
	if err := z.Add("data", []int{len(a.Val)}, a.Val); err != nil {
		return err
	}
	return z.Close()
}
