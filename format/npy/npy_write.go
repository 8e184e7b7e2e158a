package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// Elem is an element type a .npy array is written from, with the descr
// it is written as: float32 '<f4', float64 '<f8', int8 '|i1', int16
// '<i2', int32 '<i4', int64 '<i8', uint8 '|u1', uint16 '<u2', uint32
// '<u4', uint64 '<u8', bool '|b1'.
type Elem interface {
	float32 | float64 | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | bool
}

// writeBlock is the most bytes a Writer converts before one Write to its
// destination (one Write per element took the default simulation's 30 MB
// activity 35 ms).
const writeBlock = 1 << 16

// A Writer streams one C-order .npy array (format version 1.0) of a
// shape given up front: NewWriter writes the header, Write the elements
// in order in as many calls as suit the producer, and Close checks that
// the shape is filled. Elements are converted to little-endian a block
// (64 KiB) at a time, never the whole array.
type Writer[E Elem] struct {
	w    io.Writer
	left int // elements the shape still holds
	size int // bytes an element
	buf  []byte
}

// NewWriter writes the header of an array of shape (nil or empty: a 0-d
// array of one element) to w and returns the Writer for its elements. A
// negative dimension is an error.
func NewWriter[E Elem](w io.Writer, shape ...int) (*Writer[E], error) {
	var zero E
	n, err := elements(shape)
	if err != nil {
		return nil, err
	}
	size := binary.Size(zero)
	if _, err := io.WriteString(w, header(descrOf(zero), shape)); err != nil {
		return nil, err
	}
	return &Writer[E]{w: w, left: n, size: size, buf: make([]byte, min(writeBlock, n*size))}, nil
}

// Write appends data to the array. Writing more elements than the shape
// holds is an error, and nothing of data is written.
func (w *Writer[E]) Write(data []E) error {
	if len(data) > w.left {
		return fmt.Errorf("npy: %d more elements than the shape holds", len(data)-w.left)
	}
	w.left -= len(data)
	if b, ok := any(data).([]uint8); ok {
		_, err := w.w.Write(b)
		return err
	}
	per := len(w.buf) / w.size
	for len(data) > 0 {
		n := min(len(data), per)
		b := w.buf[:n*w.size]
		binary.Encode(b, binary.LittleEndian, data[:n])
		if _, err := w.w.Write(b); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// Close reports an error when fewer elements were written than the shape
// holds. It does not close the underlying writer.
func (w *Writer[E]) Close() error {
	if w.left != 0 {
		return fmt.Errorf("npy: array closed %d elements short of its shape", w.left)
	}
	return nil
}

// Encode writes data with the given shape as a C-order .npy array. data
// is a slice of an Elem type, or []string for a byte-string array (see
// EncodeStrings); its length must be the product of shape. Any other
// type is an error.
func Encode(w io.Writer, shape []int, data any) error {
	switch d := data.(type) {
	case []float32:
		return encode(w, shape, d)
	case []float64:
		return encode(w, shape, d)
	case []int8:
		return encode(w, shape, d)
	case []int16:
		return encode(w, shape, d)
	case []int32:
		return encode(w, shape, d)
	case []int64:
		return encode(w, shape, d)
	case []uint8:
		return encode(w, shape, d)
	case []uint16:
		return encode(w, shape, d)
	case []uint32:
		return encode(w, shape, d)
	case []uint64:
		return encode(w, shape, d)
	case []bool:
		return encode(w, shape, d)
	case []string:
		return EncodeStrings(w, shape, d)
	}
	return fmt.Errorf("npy: cannot encode %T", data)
}

// encode writes a whole array through a Writer.
func encode[E Elem](w io.Writer, shape []int, data []E) error {
	if err := checkLen(shape, len(data)); err != nil {
		return err
	}
	aw, err := NewWriter[E](w, shape...)
	if err != nil {
		return err
	}
	if err := aw.Write(data); err != nil {
		return err
	}
	return aw.Close()
}

// EncodeStrings writes s with the given shape (nil or empty: 0-d, one
// string, as scipy stores its format entry) as a C-order array of
// fixed-width byte strings, descr '|S<n>' with n the longest string's
// length in bytes (at least 1), each string padded with zero bytes.
func EncodeStrings(w io.Writer, shape []int, s []string) error {
	if err := checkLen(shape, len(s)); err != nil {
		return err
	}
	width := 1
	for _, x := range s {
		width = max(width, len(x))
	}
	if _, err := io.WriteString(w, header(fmt.Sprintf("|S%d", width), shape)); err != nil {
		return err
	}
	buf := make([]byte, 0, min(writeBlock, width*len(s)))
	for i, x := range s {
		buf = append(buf, x...)
		buf = append(buf, make([]byte, width-len(x))...)
		if len(buf)+width > cap(buf) || i == len(s)-1 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return nil
}

// elements returns the number of elements of shape.
func elements(shape []int) (int, error) {
	n := 1
	for _, s := range shape {
		if s < 0 {
			return 0, fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		n *= s
	}
	return n, nil
}

// checkLen reports an error unless shape holds n elements.
func checkLen(shape []int, n int) error {
	count, err := elements(shape)
	if err != nil {
		return err
	}
	if count != n {
		return fmt.Errorf("npy: shape %v holds %d elements, data has %d", shape, count, n)
	}
	return nil
}

// descrOf returns the descr of v's type (see Elem).
func descrOf(v any) string {
	switch v.(type) {
	case float32:
		return "<f4"
	case float64:
		return "<f8"
	case int8:
		return "|i1"
	case int16:
		return "<i2"
	case int32:
		return "<i4"
	case int64:
		return "<i8"
	case uint8:
		return "|u1"
	case uint16:
		return "<u2"
	case uint32:
		return "<u4"
	case uint64:
		return "<u8"
	case bool:
		return "|b1"
	}
	panic(fmt.Sprintf("npy: no descr for %T", v))
}

// header returns the magic, version 1.0 and the dict, padded with spaces
// and a newline so that the data starts on a 64-byte boundary.
func header(descr string, shape []int) string {
	var sb strings.Builder
	sb.WriteString("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (")
	for i, s := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%d", s)
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	dict := sb.String()
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	hl := len(dict)
	return "\x93NUMPY\x01\x00" + string([]byte{byte(hl), byte(hl >> 8)}) + dict
}
