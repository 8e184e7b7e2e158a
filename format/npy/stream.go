package npy

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
)

// chunkBytes is the size of the raw buffer an elemReader reads through:
// the data of an array is never held whole in its file form, only
// converted chunk by chunk into the caller's representation.
const chunkBytes = 1 << 16

// chunkElems is the length of the int64 and float64 scratch slices the
// decoders convert a chunk into (64 KiB each).
const chunkElems = chunkBytes / 8

// An elemReader decodes the elements of one array from the stream that
// follows its header, a chunk at a time, in file order.
type elemReader struct {
	r     io.Reader
	dt    dtype
	shape []int   // for error messages
	descr string  // for error messages
	n     int     // elements in the array
	k     int     // elements decoded so far
	buf   []byte  // [chunk elements × element size]
	ibuf  []int64 // scratch of floats for integer arrays
}

func newElemReader(r io.Reader, h Header) (*elemReader, error) {
	dt, err := parseDType(h.DType)
	if err != nil {
		return nil, err
	}
	n, err := count(h.Shape)
	if err != nil {
		return nil, err
	}
	if n > maxElements/dt.size {
		return nil, FormatError(fmt.Sprintf("shape %v of %s is too large", h.Shape, h.DType))
	}
	per := max(1, chunkBytes/dt.size)
	return &elemReader{r: r, dt: dt, shape: h.Shape, descr: h.DType, n: n,
		buf: make([]byte, min(per, max(n, 1))*dt.size)}, nil
}

// numeric reports whether the elements are numbers (float, int or bool).
func (e *elemReader) numeric() bool { return e.dt.kind != 'S' && e.dt.kind != 'U' }

// integer reports whether the elements are integers or bools.
func (e *elemReader) integer() bool {
	return e.dt.kind == 'i' || e.dt.kind == 'u' || e.dt.kind == 'b'
}

// chunk returns the length of the scratch slices to decode e through:
// chunkElems, or fewer for a small array.
func (e *elemReader) chunk() int { return max(1, min(chunkElems, e.n)) }

// left returns the number of elements not yet decoded.
func (e *elemReader) left() int { return e.n - e.k }

// raw reads the next min(max, left, chunk) elements' bytes, byte-swapped
// to little-endian for numbers of a big-endian array. It returns the
// bytes and the element count.
func (e *elemReader) raw(max int) ([]byte, int, error) {
	es := e.dt.size
	m := min(max, e.n-e.k, len(e.buf)/es)
	b := e.buf[:m*es]
	if _, err := io.ReadFull(e.r, b); err != nil {
		return nil, 0, fmt.Errorf("npy: data of shape %v %s: %w", e.shape, e.descr, eof(err))
	}
	if e.dt.order == '>' && es > 1 && e.numeric() {
		for i := 0; i < len(b); i += es {
			for x, y := i, i+es-1; x < y; x, y = x+1, y-1 {
				b[x], b[y] = b[y], b[x]
			}
		}
	}
	return b, m, nil
}

// ints decodes the next min(len(dst), left, chunk) elements of an integer
// or bool array into dst and returns their count. Bools are 0 or 1; a
// uint64 beyond int64 is a FormatError.
func (e *elemReader) ints(dst []int64) (int, error) {
	if !e.integer() {
		panic("npy: ints of a " + e.descr + " array")
	}
	b, m, err := e.raw(len(dst))
	if err != nil {
		return 0, err
	}
	d := dst[:m]
	le := binary.LittleEndian
	switch signed := e.dt.kind == 'i'; e.dt.size {
	case 1:
		switch e.dt.kind {
		case 'i':
			for i := range d {
				d[i] = int64(int8(b[i]))
			}
		case 'u':
			for i := range d {
				d[i] = int64(b[i])
			}
		default:
			for i := range d {
				d[i] = int64(min(b[i], 1))
			}
		}
	case 2:
		if signed {
			for i := range d {
				d[i] = int64(int16(le.Uint16(b[2*i:])))
			}
		} else {
			for i := range d {
				d[i] = int64(le.Uint16(b[2*i:]))
			}
		}
	case 4:
		if signed {
			for i := range d {
				d[i] = int64(int32(le.Uint32(b[4*i:])))
			}
		} else {
			for i := range d {
				d[i] = int64(le.Uint32(b[4*i:]))
			}
		}
	case 8:
		for i := range d {
			d[i] = int64(le.Uint64(b[8*i:]))
		}
		if !signed {
			for i, v := range d {
				if v < 0 {
					return 0, FormatError(fmt.Sprintf("uint64 element %d is %d, beyond int64", e.k+i, uint64(v)))
				}
			}
		}
	}
	e.k += m
	return m, nil
}

// floats decodes the next min(len(dst), left, chunk) elements of a
// numeric array into dst as float64 (integers through int64, as ints
// returns them) and returns their count.
func (e *elemReader) floats(dst []float64) (int, error) {
	if e.dt.kind != 'f' {
		if !e.integer() {
			panic("npy: floats of a " + e.descr + " array")
		}
		if e.ibuf == nil {
			e.ibuf = make([]int64, e.chunk())
		}
		m, err := e.ints(e.ibuf[:min(len(dst), len(e.ibuf))])
		for i, v := range e.ibuf[:m] {
			dst[i] = float64(v)
		}
		return m, err
	}
	b, m, err := e.raw(len(dst))
	if err != nil {
		return 0, err
	}
	d := dst[:m]
	le := binary.LittleEndian
	switch e.dt.size {
	case 2:
		for i := range d {
			d[i] = float64(halfToFloat32(le.Uint16(b[2*i:])))
		}
	case 4:
		for i := range d {
			d[i] = float64(math.Float32frombits(le.Uint32(b[4*i:])))
		}
	case 8:
		for i := range d {
			d[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	}
	e.k += m
	return m, nil
}

// grow returns s with room for add more elements, its capacity doubling
// but never beyond n: a slice filled as data arrives, so that a header
// that claims a huge array cannot make the reader allocate it.
func grow[T any](s []T, add, n int) []T {
	if cap(s)-len(s) >= add {
		return s
	}
	c := min(n, max(2*cap(s), len(s)+add))
	ns := make([]T, len(s), c)
	copy(ns, s)
	return ns
}

// fortranToC reorders a column-major array to row-major.
func fortranToC[T any](src []T, shape []int) []T {
	out := make([]T, len(src))
	nd := len(shape)
	idx := make([]int, nd)
	// Walk the C order; compute the Fortran position of each element.
	fstride := make([]int, nd)
	s := 1
	for d := 0; d < nd; d++ {
		fstride[d] = s
		s *= shape[d]
	}
	pos := 0
	for k := range out {
		out[k] = src[pos]
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			pos += fstride[d]
			if idx[d] < shape[d] {
				break
			}
			pos -= fstride[d] * idx[d]
			idx[d] = 0
		}
	}
	return out
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
	cr := &countReader{r: rc}
	h, err := DecodeHeader(cr)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	e := &entry{name: name, f: f, h: h, hlen: cr.n}
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

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
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
func (s *stream) readInts(dst []int64) ([]int64, error) {
	m := min(len(dst), s.left())
	for k := 0; k < m; {
		j, err := s.ints(dst[k:m])
		if err != nil {
			return nil, fmt.Errorf("array %q: %w", s.name, err)
		}
		k += j
	}
	return dst[:m], nil
}

// readFloats decodes the next min(len(dst), left) elements of a numeric
// array into dst and returns them.
func (s *stream) readFloats(dst []float64) ([]float64, error) {
	m := min(len(dst), s.left())
	for k := 0; k < m; {
		j, err := s.floats(dst[k:m])
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
