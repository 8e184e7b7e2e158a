package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// A FormatError reports that the input is not a valid .npy or .npz file.
type FormatError string

func (e FormatError) Error() string { return "npy: invalid file: " + string(e) }

// An UnsupportedError reports a valid file that uses a feature this
// package does not read (object arrays, structured dtypes, complex).
type UnsupportedError string

func (e UnsupportedError) Error() string { return "npy: unsupported: " + string(e) }

// Header is the header of a .npy file.
type Header struct {
	Shape   []int  // dimensions; empty for a 0-d (scalar) array
	DType   string // NumPy descr as written, e.g. "<f4", "|u1", "|S3"
	Fortran bool   // data in column-major order
}

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

// dtype is a parsed descr.
type dtype struct {
	order byte // '<', '>' or '|'
	kind  byte // 'f', 'i', 'u', 'b', 'S', 'U'
	size  int
}

func parseDType(s string) (dtype, error) {
	if len(s) >= 2 && s[1] == 'O' {
		return dtype{}, UnsupportedError("object array (a pickle): refused, it could run code")
	}
	if len(s) < 3 {
		return dtype{}, FormatError(fmt.Sprintf("dtype %q", s))
	}
	d := dtype{order: s[0], kind: s[1]}
	n, err := strconv.Atoi(s[2:])
	if err != nil || n <= 0 || n > 1<<20 {
		return dtype{}, FormatError(fmt.Sprintf("dtype %q", s))
	}
	d.size = n
	if d.order == '=' {
		d.order = '<'
	}
	if d.order != '<' && d.order != '>' && d.order != '|' {
		return dtype{}, FormatError(fmt.Sprintf("dtype %q has byte order %q", s, d.order))
	}
	ok := false
	switch d.kind {
	case 'f':
		ok = n == 2 || n == 4 || n == 8
	case 'i', 'u':
		ok = n == 1 || n == 2 || n == 4 || n == 8
	case 'b':
		ok = n == 1
	case 'S':
		ok = true
	case 'U':
		ok = n <= 1<<18
		d.size = 4 * n
	}
	if !ok {
		return dtype{}, UnsupportedError(fmt.Sprintf("dtype %q (known: float16/32/64, int and uint 8 to 64, bool, bytes and str)", s))
	}
	return d, nil
}

// DecodeHeader reads the magic, version and header dict of a .npy stream,
// leaving r at the start of the data.
//
// Byte layout: "\x93NUMPY", major and minor version bytes, the header
// length (uint16 little-endian in version 1, uint32 in 2 and 3), then the
// header, a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// padded with spaces and '\n'; then the elements, C or Fortran order.
func DecodeHeader(r io.Reader) (Header, error) {
	var pre [10]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n >= 6 && string(pre[:6]) != "\x93NUMPY" || n > 0 && n < 6 && !bytes.HasPrefix([]byte("\x93NUMPY"), pre[:n]) {
			return Header{}, FormatError(fmt.Sprintf("wrong magic %q, want \"\\x93NUMPY\"", pre[:n]))
		}
		return Header{}, headerEOF(err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return Header{}, FormatError(fmt.Sprintf("wrong magic %q, want \"\\x93NUMPY\"", pre[:6]))
	}
	var hlen int
	switch pre[6] {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return Header{}, headerEOF(err)
		}
		hlen = int(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...)))
		if hlen > 1<<20 {
			return Header{}, FormatError(fmt.Sprintf("header of %d bytes", hlen))
		}
	default:
		return Header{}, UnsupportedError(fmt.Sprintf("format version %d.%d", pre[6], pre[7]))
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(r, dict); err != nil {
		return Header{}, headerEOF(err)
	}
	return parseHeader(string(dict))
}

// headerEOF is eof for the header: an empty or truncated file says so,
// not just "unexpected EOF".
func headerEOF(err error) error {
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return fmt.Errorf("npy: file ends inside the header (empty or truncated): %w", eof(err))
}

func eof(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseHeader(s string) (Header, error) {
	p := &lit{s: s}
	var h Header
	bad := func(why string) (Header, error) {
		return Header{}, FormatError(fmt.Sprintf("header %q: %s", strings.TrimSpace(s), why))
	}
	if !p.eat('{') {
		return bad("not a dict")
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return bad("want 'key': value")
		}
		seen[key] = true
		switch key {
		case "descr":
			v, ok := p.str()
			if !ok {
				if p.peek() == '[' {
					return Header{}, UnsupportedError("structured dtype")
				}
				return bad("descr is not a string")
			}
			h.DType = v
		case "fortran_order":
			switch {
			case p.word("True"):
				h.Fortran = true
			case p.word("False"):
			default:
				return bad("fortran_order is not True or False")
			}
		case "shape":
			if !p.eat('(') {
				return bad("shape is not a tuple")
			}
			h.Shape = []int{}
			for !p.eat(')') {
				n, ok := p.int()
				if !ok {
					return bad("shape holds a non-integer")
				}
				if n < 0 {
					return bad("negative dimension")
				}
				h.Shape = append(h.Shape, n)
				if !p.eat(',') && p.peek() != ')' {
					return bad("shape is not a tuple of integers")
				}
			}
		default:
			return bad("unknown key " + key)
		}
		if !p.eat(',') && p.peek() != '}' {
			return bad("missing ','")
		}
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return bad("missing descr, fortran_order or shape")
	}
	if _, err := parseDType(h.DType); err != nil {
		return Header{}, err
	}
	if _, err := count(h.Shape); err != nil {
		return Header{}, err
	}
	return h, nil
}

// maxElements bounds the element count of one array (2^40).
const maxElements = 1 << 40

func count(shape []int) (int, error) {
	n := 1
	for _, s := range shape {
		if s > 0 && n > maxElements/s {
			return 0, FormatError(fmt.Sprintf("shape %v has too many elements", shape))
		}
		n *= s
	}
	return n, nil
}

// lit scans a Python literal.
type lit struct {
	s string
	i int
}

func (p *lit) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *lit) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *lit) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *lit) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *lit) str() (string, bool) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", false
	}
	j := strings.IndexByte(p.s[p.i+1:], q)
	if j < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+j]
	p.i += j + 2
	return v, true
}

func (p *lit) int() (int, bool) {
	p.space()
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' || j == p.i && j < len(p.s) && p.s[j] == '-' {
		j++
	}
	n, err := strconv.Atoi(strings.TrimSuffix(p.s[p.i:j], "L"))
	if err != nil {
		return 0, false
	}
	p.i = j
	if p.i < len(p.s) && p.s[p.i] == 'L' {
		p.i++
	}
	return n, true
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
