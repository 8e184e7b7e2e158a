package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Header is the header of a .npy file.
type Header struct {
	Shape   []int  // dimensions; empty for a 0-d (scalar) array
	DType   string // NumPy descr as written, e.g. "<f4", "|u1", "|S3"
	Fortran bool   // data in column-major order
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
