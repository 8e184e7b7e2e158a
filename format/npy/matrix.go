package npy

import (
	"archive/zip"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/neuropil/neuropil/format/internal/coo"
	"github.com/neuropil/neuropil/sparse"
)

// MatrixHeader describes the matrix a .npy or .npz file holds.
type MatrixHeader struct {
	Format     string // "dense" (.npy, or an array of np.savez), "csr", "csc" or "coo" (scipy.sparse.save_npz)
	DType      string // NumPy descr of the values
	Rows, Cols int
	NNZ        int    // stored entries, duplicates counted; Rows*Cols when dense
	Key        string // the array chosen from a plain .npz; "" otherwise
}

// Decode reads a dense 2-D .npy array of any float, integer or bool dtype
// as a sparse matrix (zeros dropped; NaN or infinite values are an error).
func Decode(r io.Reader) (*sparse.CSR, error) {
	h, err := DecodeHeader(r)
	if err != nil {
		return nil, err
	}
	e, err := newElemReader(r, h)
	if err != nil {
		return nil, err
	}
	return decodeDense(e, h)
}

// EncodeMatrix writes m as a dense float32 [rows][cols] .npy array. A
// matrix of more than 2^30 elements is an error (write .npz instead).
func EncodeMatrix(w io.Writer, m *sparse.CSR) error {
	if int64(m.Rows)*int64(m.Cols) > 1<<30 {
		return fmt.Errorf("npy: %d×%d matrix too large for a dense .npy; write a sparse .npz", m.Rows, m.Cols)
	}
	return Encode(w, []int{m.Rows, m.Cols}, m.Dense())
}

// npz: a zip archive of NAME.npy records, from np.savez or
// scipy.sparse.save_npz. save_npz writes the records
//
//	format.npy  0-d bytes array: b'csr', b'csc' or b'coo'
//	shape.npy   int64 [2]
//	csr, csc:   data.npy [nnz], indices.npy [nnz], indptr.npy [rows+1 or cols+1]
//	coo:        row.npy [nnz], col.npy [nnz], data.npy [nnz]

type npz struct {
	records map[string]*zip.File // by name without ".npy"
	names   []string
	size    int64  // of the archive
	implied string // the scipy format of a prefixed matrix that has no format record
}

// openMatrix opens the archive for the matrix named key. A key that names
// no array but a prefix of one scipy matrix's arrays (KEY/data,
// KEY/indices, KEY/indptr, KEY/shape, as neuropil eval --export and other
// tools write several matrices into one archive) selects that matrix: the
// returned view holds its arrays under their plain names, and the key
// left to apply is "".
func openMatrix(r io.ReaderAt, size int64, key string) (*npz, string, error) {
	z, err := openNPZ(r, size)
	if err != nil || key == "" {
		return z, key, err
	}
	if _, ok := z.records[key]; ok {
		return z, key, nil
	}
	prefix := key + "/"
	sub := &npz{records: map[string]*zip.File{}, size: z.size}
	for _, n := range z.names {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			sub.records[rest] = z.records[n]
			sub.names = append(sub.names, rest)
		}
	}
	_, format := sub.records["format"]
	_, indptr := sub.records["indptr"]
	_, row := sub.records["row"]
	switch {
	case format:
	case indptr:
		sub.implied = "csr"
	case row:
		sub.implied = "coo"
	default:
		return z, key, nil // not a matrix prefix: pick reports the missing key
	}
	return sub, "", nil
}

func openNPZ(r io.ReaderAt, size int64) (*npz, error) {
	var head [4]byte
	n, _ := r.ReadAt(head[:], 0)
	if n < 4 {
		return nil, fmt.Errorf("npy: npz of %d bytes: %w", n, io.ErrUnexpectedEOF)
	}
	if string(head[:]) != "PK\x03\x04" {
		return nil, FormatError(fmt.Sprintf(".npz is not a zip archive: starts with %q", head[:]))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, FormatError(fmt.Sprintf("zip directory unreadable (file truncated?): %v", err))
	}
	z := &npz{records: map[string]*zip.File{}, size: size}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := z.records[name]; !dup {
			z.names = append(z.names, name)
		}
		z.records[name] = f
	}
	sort.Strings(z.names)
	return z, nil
}

func (z *npz) header(name string) (Header, error) {
	f, ok := z.records[name]
	if !ok {
		return Header{}, FormatError(fmt.Sprintf("npz has no array %q (arrays: %s)", name, strings.Join(z.names, ", ")))
	}
	rc, err := f.Open()
	if err != nil {
		return Header{}, FormatError(fmt.Sprintf("array %q: %v", name, err))
	}
	defer rc.Close()
	h, err := DecodeHeader(rc)
	if err != nil {
		return Header{}, fmt.Errorf("array %q: %w", name, err)
	}
	return h, nil
}

func (z *npz) array(name string) (*Array, error) {
	e, err := z.entry(name)
	if err != nil {
		return nil, err
	}
	return e.array()
}

// scipyFormat returns the save_npz format ("csr", "csc", "coo") or "" for
// a plain np.savez archive.
func (z *npz) scipyFormat() (string, error) {
	if _, ok := z.records["format"]; !ok {
		return z.implied, nil
	}
	a, err := z.array("format")
	if err != nil {
		return "", err
	}
	s, ok := a.Data.([]string)
	if !ok || len(s) != 1 {
		return "", FormatError(fmt.Sprintf("scipy format entry is %s %v, want a string", a.DType, a.Shape))
	}
	switch s[0] {
	case "csr", "csc", "coo":
		return s[0], nil
	}
	return "", UnsupportedError(fmt.Sprintf("scipy sparse format %q (known: csr, csc, coo)", s[0]))
}

func (z *npz) shape() (rows, cols int, err error) {
	a, err := z.array("shape")
	if err != nil {
		return 0, 0, err
	}
	s, err := a.Int64()
	if err != nil || len(s) != 2 {
		return 0, 0, FormatError(fmt.Sprintf("scipy shape is %s %v, want 2 integers", a.DType, a.Shape))
	}
	if err := coo.CheckShape(s[0], s[1]); err != nil {
		return 0, 0, FormatError(err.Error())
	}
	return int(s[0]), int(s[1]), nil
}

// pick chooses the array of a plain .npz: key, or the only 2-D array.
func (z *npz) pick(key string) (string, error) {
	if key != "" {
		if _, ok := z.records[key]; ok {
			return key, nil
		}
		return "", fmt.Errorf("npy: no array %q in the .npz (arrays: %s)", key, strings.Join(z.names, ", "))
	}
	found := ""
	var desc []string
	for _, n := range z.names {
		h, err := z.header(n)
		if err != nil {
			return "", err
		}
		desc = append(desc, fmt.Sprintf("%q (%s %v)", n, h.DType, h.Shape))
		if len(h.Shape) == 2 {
			if found != "" {
				found = "\x00"
			} else {
				found = n
			}
		}
	}
	if found != "" && found != "\x00" {
		return found, nil
	}
	if found == "" {
		return "", fmt.Errorf("npy: the .npz holds no 2-D array and no scipy matrix (arrays: %s)", strings.Join(desc, ", "))
	}
	return "", fmt.Errorf("npy: the .npz holds %d arrays; name the matrix with a key (arrays: %s)", len(z.names), strings.Join(desc, ", "))
}

// DecodeNPZHeader describes the matrix of the .npz file r of size bytes:
// a scipy.sparse.save_npz matrix, or the array named key (or the only 2-D
// array) of an np.savez archive.
func DecodeNPZHeader(r io.ReaderAt, size int64, key string) (MatrixHeader, error) {
	z, key, err := openMatrix(r, size, key)
	if err != nil {
		return MatrixHeader{}, err
	}
	format, err := z.scipyFormat()
	if err != nil {
		return MatrixHeader{}, err
	}
	if format == "" {
		name, err := z.pick(key)
		if err != nil {
			return MatrixHeader{}, err
		}
		h, err := z.header(name)
		if err != nil {
			return MatrixHeader{}, err
		}
		if len(h.Shape) != 2 {
			return MatrixHeader{}, FormatError(fmt.Sprintf("array %q has shape %v, want a 2-D matrix", name, h.Shape))
		}
		return MatrixHeader{Format: "dense", DType: h.DType, Rows: h.Shape[0], Cols: h.Shape[1], NNZ: h.Shape[0] * h.Shape[1], Key: name}, nil
	}
	if key != "" {
		return MatrixHeader{}, fmt.Errorf("npy: a scipy %s .npz holds one matrix: no key %q", format, key)
	}
	rows, cols, err := z.shape()
	if err != nil {
		return MatrixHeader{}, err
	}
	h, err := z.header("data")
	if err != nil {
		return MatrixHeader{}, err
	}
	if len(h.Shape) != 1 {
		return MatrixHeader{}, FormatError(fmt.Sprintf("scipy data has shape %v, want 1-D", h.Shape))
	}
	return MatrixHeader{Format: format, DType: h.DType, Rows: rows, Cols: cols, NNZ: h.Shape[0]}, nil
}

// DecodeNPZ reads the matrix described by DecodeNPZHeader. Duplicates
// (scipy COO keeps them) are summed in float64 and rounded to float32,
// zeros dropped.
//
// The arrays are streamed from the archive and converted chunk by chunk
// into the int32 indices and float32 values of the result; a matrix in
// scipy's canonical form (csr, csc or coo with sorted, duplicate-free
// indices, as save_npz writes them) is assembled in place, so that
// decoding it allocates little more than the CSR it returns.
func DecodeNPZ(r io.ReaderAt, size int64, key string) (*sparse.CSR, error) {
	h, err := DecodeNPZHeader(r, size, key)
	if err != nil {
		return nil, err
	}
	z, _, _ := openMatrix(r, size, key)
	if h.Format == "dense" {
		e, err := z.entry(h.Key)
		if err != nil {
			return nil, err
		}
		s, err := e.open()
		if err != nil {
			return nil, err
		}
		m, err := decodeDense(s.elemReader, e.h)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("array %q: %w", h.Key, err)
		}
		return m, s.finish()
	}
	m, _, err := z.sparse(h, true)
	return m, err
}

// EncodeNPZ writes m as scipy.sparse.save_npz writes a csr_matrix
// (uncompressed; see NPZWriter.AddCSR). scipy.sparse.load_npz reads it
// back.
func EncodeNPZ(w io.Writer, m *sparse.CSR) error {
	z := NewNPZWriter(w)
	if err := z.AddCSR("", m); err != nil {
		return err
	}
	return z.Close()
}

// AddCSR stores m in the layout of scipy.sparse.save_npz for a csr_matrix:
// indices int32 [nnz], indptr int32 [rows+1], format b'csr' (0-d),
// shape int64 [2] and data float32 [nnz], in scipy's order. With a prefix,
// the records are PREFIX/indices, PREFIX/indptr, PREFIX/shape and
// PREFIX/data, without a format record, so that one archive holds several
// matrices and
// scipy.sparse.csr_matrix((z["P/data"], z["P/indices"], z["P/indptr"]), shape=z["P/shape"])
// rebuilds each (DecodeNPZ reads one back by its prefix as the key).
func (z *NPZWriter) AddCSR(prefix string, m *sparse.CSR) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("npy: encode: %w", err)
	}
	p := ""
	if prefix != "" {
		p = prefix + "/"
	}
	if err := z.Add(p+"indices", []int{len(m.ColIdx)}, m.ColIdx); err != nil {
		return err
	}
	if err := z.Add(p+"indptr", []int{len(m.RowPtr)}, m.RowPtr); err != nil {
		return err
	}
	if prefix == "" {
		if err := z.Add("format", nil, []string{"csr"}); err != nil {
			return err
		}
	}
	if err := z.Add(p+"shape", []int{2}, []int64{int64(m.Rows), int64(m.Cols)}); err != nil {
		return err
	}
	return z.Add(p+"data", []int{len(m.Val)}, m.Val)
}
