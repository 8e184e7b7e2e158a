package npy

import (
	"archive/zip"
	"fmt"
	"io"
	"sort"
	"strings"

	counting "github.com/neuropil/neuropil/format/internal/count"
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
		compressed := float64(e.f.CompressedSize64)
		m, err := decodeDense(s.elemReader, e.h, func(nonzeros int) error {
			if 4*float64(nonzeros) > maxNonzeroRatio*compressed+1<<20 {
				return FormatError(fmt.Sprintf("array %q: more than %d nonzeros from %.0f compressed bytes, beyond the %d-fold of real data",
					h.Key, nonzeros, compressed, maxNonzeroRatio))
			}
			return budgetCheck(nonzeros)
		})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("array %q: %w", h.Key, err)
		}
		return m, s.finish()
	}
	m, _, err := z.sparse(h, true)
	return m, err
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

// An entry is one array of an .npz archive whose header has been read and
// whose size has been checked against the archive, so that its elements
// can be streamed (more than once if need be) into arrays allocated at
// their final size.
type entry struct {
	name string
	f    *zip.File
	h    Header
	hlen int64 // bytes of the .npy header
	n    int   // elements
	dt   dtype
}

// maxNonzeroRatio bounds the bytes of nonzero values (4 each) a dense
// array may hold per compressed byte: 64. Deflate reaches 1032 on a flood
// of one repeated value; a real matrix compresses its zeros, not its
// weights.
const maxNonzeroRatio = 64

// deflateRatio bounds the expansion of deflate (258 bytes from 2 bits
// at best: 1032:1); an entry that declares more is forged or corrupt.
const deflateRatio = 1032

// entry reads the header of the array name and checks that the archive
// holds its data: the declared uncompressed size covers header and
// elements, a stored entry's bytes lie within the file and a deflated
// one's expansion is possible. The zip reader enforces the declared size,
// so arrays sized from the header afterwards cannot be forged beyond the
// file.
func (z *npz) entry(name string) (*entry, error) {
	f, ok := z.records[name]
	if !ok {
		return nil, FormatError(fmt.Sprintf("npz has no array %q (arrays: %s)", name, strings.Join(z.names, ", ")))
	}
	off, err := f.DataOffset()
	if err != nil {
		return nil, FormatError(fmt.Sprintf("array %q: %v", name, err))
	}
	switch {
	case off < 0 || uint64(off) > uint64(z.size) || f.CompressedSize64 > uint64(z.size)-uint64(off):
		return nil, FormatError(fmt.Sprintf("array %q: %d bytes at offset %d run past the end of the %d-byte file", name, f.CompressedSize64, off, z.size))
	case f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64:
		return nil, FormatError(fmt.Sprintf("array %q: stored entry of %d bytes declares %d uncompressed", name, f.CompressedSize64, f.UncompressedSize64))
	case f.UncompressedSize64/deflateRatio > f.CompressedSize64:
		return nil, FormatError(fmt.Sprintf("array %q: %d compressed bytes declare %d uncompressed, beyond deflate's %d:1", name, f.CompressedSize64, f.UncompressedSize64, deflateRatio))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, FormatError(fmt.Sprintf("array %q: %v", name, err))
	}
	defer rc.Close()
	cr := &counting.Reader{R: rc}
	h, err := DecodeHeader(cr)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	e := &entry{name: name, f: f, h: h, hlen: cr.N}
	e.dt, _ = parseDType(h.DType) // checked by DecodeHeader
	e.n, _ = count(h.Shape)
	if e.n > maxElements/e.dt.size {
		return nil, fmt.Errorf("array %q: %w", name, FormatError(fmt.Sprintf("shape %v of %s is too large", h.Shape, h.DType)))
	}
	if uint64(e.n)*uint64(e.dt.size) > f.UncompressedSize64-uint64(e.hlen) {
		return nil, fmt.Errorf("array %q: npy: data of shape %v %s: %w", name, h.Shape, h.DType, io.ErrUnexpectedEOF)
	}
	return e, nil
}

// array reads the whole of e as an Array.
func (e *entry) array() (*Array, error) {
	s, err := e.open()
	if err != nil {
		return nil, err
	}
	defer s.rc.Close()
	a, err := readData(s.rc, e.h, int64(e.f.UncompressedSize64)-e.hlen)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", e.name, err)
	}
	return a, s.finish()
}

// A stream reads the elements of an entry.
type stream struct {
	*elemReader
	name string
	rc   io.ReadCloser
}

// open opens e at its first element. The caller must call finish (after
// the last element) or close.
func (e *entry) open() (*stream, error) {
	rc, err := e.f.Open()
	if err != nil {
		return nil, FormatError(fmt.Sprintf("array %q: %v", e.name, err))
	}
	if _, err := io.CopyN(io.Discard, rc, e.hlen); err != nil {
		rc.Close()
		return nil, fmt.Errorf("array %q: %w", e.name, eof(err))
	}
	er, err := newElemReader(rc, e.h)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("array %q: %w", e.name, err)
	}
	return &stream{elemReader: er, name: e.name, rc: rc}, nil
}

func (s *stream) close() { s.rc.Close() }

// finish reads s to the end of its entry, so that the zip reader checks
// the entry's size and CRC, and closes it.
func (s *stream) finish() error {
	defer s.rc.Close()
	if _, err := io.Copy(io.Discard, s.rc); err != nil {
		return FormatError(fmt.Sprintf("array %q: %v", s.name, err))
	}
	return nil
}

// readInts decodes the next min(len(dst), left) elements of an integer
// array into dst and returns them.
func (s *stream) readInts(dst []int64) ([]int64, error) { return readNext(s, dst, s.ints) }

// readFloats decodes the next min(len(dst), left) elements of a numeric
// array into dst and returns them.
func (s *stream) readFloats(dst []float64) ([]float64, error) { return readNext(s, dst, s.floats) }

// readNext fills dst[:min(len(dst), left)] through decode, which may
// return fewer elements than asked, and returns it.
func readNext[E int64 | float64](s *stream, dst []E, decode func([]E) (int, error)) ([]E, error) {
	m := min(len(dst), s.left())
	for k := 0; k < m; {
		j, err := decode(dst[k:m])
		if err != nil {
			return nil, fmt.Errorf("array %q: %w", s.name, err)
		}
		k += j
	}
	return dst[:m], nil
}

// eachInt calls fn with the elements of the integer array e in chunks;
// k is the index of v[0].
func (e *entry) eachInt(fn func(k int, v []int64) error) error {
	return eachChunk(e, (*stream).readInts, fn)
}

// eachFloat calls fn with the elements of the numeric array e in chunks,
// as float64; k is the index of v[0].
func (e *entry) eachFloat(fn func(k int, v []float64) error) error {
	return eachChunk(e, (*stream).readFloats, fn)
}

// eachChunk streams e through read, a chunk at a time, into fn.
func eachChunk[E int64 | float64](e *entry, read func(*stream, []E) ([]E, error), fn func(k int, v []E) error) error {
	s, err := e.open()
	if err != nil {
		return err
	}
	buf := make([]E, s.chunk())
	for s.left() > 0 {
		k := s.k
		v, err := read(s, buf)
		if err == nil {
			err = fn(k, v)
		}
		if err != nil {
			s.close()
			return err
		}
	}
	return s.finish()
}
