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
	switch d := data.(type) {
	case []float32:
		err = writeLE(bw, d, 4, func(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) })
	case []float64:
		err = writeLE(bw, d, 8, func(b []byte, v float64) { binary.LittleEndian.PutUint64(b, math.Float64bits(v)) })
	case []int32:
		err = writeLE(bw, d, 4, func(b []byte, v int32) { binary.LittleEndian.PutUint32(b, uint32(v)) })
	case []int64:
		err = writeLE(bw, d, 8, func(b []byte, v int64) { binary.LittleEndian.PutUint64(b, uint64(v)) })
	case []uint8:
		_, err = bw.Write(d)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// writeLE writes d little-endian, size bytes per element, converting a
// block at a time (one Write per 64 KiB rather than one per element: the
// default simulation's 30 MB activity took 35 ms the other way).
func writeLE[E any](w io.Writer, d []E, size int, put func([]byte, E)) error {
	const block = 1 << 16
	buf := make([]byte, block)
	for len(d) > 0 {
		n := min(len(d), block/size)
		for i, v := range d[:n] {
			put(buf[i*size:], v)
		}
		if _, err := w.Write(buf[:n*size]); err != nil {
			return err
		}
		d = d[n:]
	}
	return nil
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
