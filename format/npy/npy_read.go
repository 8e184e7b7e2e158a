package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// Array is a decoded .npy array, in C (row-major) order whatever the
// file's order. Data is []float32 for float16 and float32, []float64 for
// float64, []int64 for every integer and bool type, and []string for byte
// (S) and unicode (U) strings.
type Array struct {
	Shape []int
	DType string
	Data  any
}

// Len returns the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, s := range a.Shape {
		n *= s
	}
	return n
}

// Float32 returns the elements converted to float32 (integers rounded to
// the nearest float32). Strings are an error.
func (a *Array) Float32() ([]float32, error) {
	switch d := a.Data.(type) {
	case []float32:
		return d, nil
	case []float64:
		out := make([]float32, len(d))
		for i, v := range d {
			out[i] = float32(v)
		}
		return out, nil
	case []int64:
		out := make([]float32, len(d))
		for i, v := range d {
			out[i] = float32(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("npy: array of dtype %s is not numeric", a.DType)
}

// Int64 returns the elements of an integer or bool array. A float or
// string array is an error.
func (a *Array) Int64() ([]int64, error) {
	if d, ok := a.Data.([]int64); ok {
		return d, nil
	}
	return nil, fmt.Errorf("npy: array of dtype %s, want integers", a.DType)
}

// ReadFile reads the .npy file at path. Errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := readFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// readFile reads the .npy file f, allocating the data at once when the
// file is large enough to hold it.
func readFile(f *os.File) (*Array, error) {
	h, err := DecodeHeader(f)
	if err != nil {
		return nil, err
	}
	avail := int64(-1)
	fi, err1 := f.Stat()
	pos, err2 := f.Seek(0, io.SeekCurrent)
	if err1 == nil && err2 == nil && fi.Mode().IsRegular() {
		avail = fi.Size() - pos
	}
	return readData(f, h, avail)
}

// Read reads a .npy array. Object arrays (pickles) are refused.
func Read(r io.Reader) (*Array, error) {
	h, err := DecodeHeader(r)
	if err != nil {
		return nil, err
	}
	return readData(r, h, -1)
}

// readData reads the elements that follow header h. avail is the number
// of bytes the input is known to hold after the header, or -1: when the
// data fits in avail its slice is allocated once, at its size; otherwise
// it grows as data arrives, so that a header claiming a huge array cannot
// exhaust memory. The file's bytes are converted a chunk at a time, never
// held whole.
func readData(r io.Reader, h Header, avail int64) (*Array, error) {
	e, err := newElemReader(r, h)
	if err != nil {
		return nil, err
	}
	room := 0
	if avail >= 0 && int64(e.n)*int64(e.dt.size) <= avail {
		room = e.n
	}
	a := &Array{Shape: h.Shape, DType: h.DType}
	switch {
	case e.dt.kind == 'f' && e.dt.size == 8:
		a.Data, err = fill(e, room, e.floats)
	case e.dt.kind == 'f':
		scratch := make([]float64, e.chunk())
		a.Data, err = fill(e, room, func(dst []float32) (int, error) {
			m, err := e.floats(scratch[:len(dst)])
			for i, v := range scratch[:m] {
				dst[i] = float32(v)
			}
			return m, err
		})
	case e.integer():
		a.Data, err = fill(e, room, e.ints)
	default:
		a.Data, err = fill(e, room, func(dst []string) (int, error) {
			b, m, err := e.raw(len(dst))
			if err != nil {
				return 0, err
			}
			es := e.dt.size
			for i := range dst[:m] {
				dst[i] = decodeString(b[i*es:(i+1)*es], e.dt)
			}
			e.k += m
			return m, nil
		})
	}
	if err != nil {
		return nil, err
	}
	if h.Fortran && len(h.Shape) > 1 {
		switch d := a.Data.(type) {
		case []float64:
			a.Data = fortranToC(d, h.Shape)
		case []float32:
			a.Data = fortranToC(d, h.Shape)
		case []int64:
			a.Data = fortranToC(d, h.Shape)
		case []string:
			a.Data = fortranToC(d, h.Shape)
		}
	}
	return a, nil
}

// fill decodes all elements of e with next, which converts up to
// len(dst) of them into dst and returns how many. With room > 0 the
// result is allocated once with that capacity.
func fill[T any](e *elemReader, room int, next func(dst []T) (int, error)) ([]T, error) {
	s := make([]T, 0, room)
	for e.left() > 0 {
		m := min(e.left(), chunkElems)
		s = grow(s, m, e.n)
		k, err := next(s[len(s) : len(s)+m])
		if err != nil {
			return nil, err
		}
		s = s[:len(s)+k]
	}
	return s, nil
}

// decodeString decodes one element of a bytes (S) or unicode (U) array,
// dropping the trailing NULs that pad it.
func decodeString(b []byte, dt dtype) string {
	if dt.kind == 'S' {
		return strings.TrimRight(string(b), "\x00")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if dt.order == '>' {
		order = binary.BigEndian
	}
	var sb strings.Builder
	for j := 0; j < len(b); j += 4 {
		c := rune(order.Uint32(b[j:]))
		if c == 0 {
			break
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0:
		f := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

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
