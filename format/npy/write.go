package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
)

// Encode writes data with the given shape as a C-order .npy array. data is
// []float32, []float64, []int32, []int64 or []uint8; its length must be the
// product of shape.
func Encode(w io.Writer, shape []int, data any) error {
	descr, n, err := describe(data)
	if err != nil {
		return err
	}
	count := 1
	for _, s := range shape {
		if s < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		count *= s
	}
	if count != n {
		return fmt.Errorf("npy: shape %v holds %d elements, data has %d", shape, count, n)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString(header(descr, shape)); err != nil {
		return err
	}
	var buf [8]byte
	switch d := data.(type) {
	case []float32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			bw.Write(buf[:4])
		}
	case []float64:
		for _, v := range d {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			bw.Write(buf[:8])
		}
	case []int32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:], uint32(v))
			bw.Write(buf[:4])
		}
	case []int64:
		for _, v := range d {
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			bw.Write(buf[:8])
		}
	case []uint8:
		bw.Write(d)
	}
	return bw.Flush()
}

func describe(data any) (descr string, n int, err error) {
	switch d := data.(type) {
	case []float32:
		return "<f4", len(d), nil
	case []float64:
		return "<f8", len(d), nil
	case []int32:
		return "<i4", len(d), nil
	case []int64:
		return "<i8", len(d), nil
	case []uint8:
		return "|u1", len(d), nil
	}
	return "", 0, fmt.Errorf("npy: cannot encode %T", data)
}

// header returns the magic, version 1.0 and the padded dict.
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
