package native

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"unsafe"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/sparse"
)

// Extension is the file extension of the format.
const Extension = ".npc"

// Version is the format version this package writes.
const Version = 1

const (
	magic      = "NPILCONN"
	endMagic   = "NPCE"
	headerSize = 56
	flagIDs    = 1 << 0
	flagSigns  = 1 << 1
	flagTypes  = 1 << 2
	maxDim     = math.MaxInt32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// A FormatError reports that the input is not a valid .npc file.
type FormatError string

func (e FormatError) Error() string { return "native: invalid file: " + string(e) }

// An UnsupportedError reports a file of a newer version or with unknown
// flags.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "native: unsupported: " + string(e) }

// Header is the fixed header of a .npc file.
type Header struct {
	Version           uint32
	Rows, Cols, NNZ   int
	IDs, Signs, Types bool
	typeBytes         int64
}

// Size returns the total file size the header implies.
func (h Header) Size() int64 {
	pad := func(n int64) int64 { return (n + 7) &^ 7 }
	r, z := int64(h.Rows), int64(h.NNZ)
	s := int64(headerSize) + pad(4*(r+1)) + pad(4*z) + pad(4*z)
	if h.IDs {
		s += 8 * r
	}
	if h.Signs {
		s += pad(r)
	}
	if h.Types {
		s += pad(4*r) + pad(h.typeBytes)
	}
	return s + 8
}

func parseHeader(b []byte) (Header, error) {
	if string(b[:8]) != magic {
		return Header{}, FormatError(fmt.Sprintf("wrong magic %q, want %q", b[:8], magic))
	}
	if got, want := binary.LittleEndian.Uint32(b[52:]), crc32.Checksum(b[:52], castagnoli); got != want {
		return Header{}, FormatError(fmt.Sprintf("header checksum %08x, want %08x", got, want))
	}
	h := Header{Version: binary.LittleEndian.Uint32(b[8:])}
	if h.Version != Version {
		return Header{}, UnsupportedError(fmt.Sprintf("format version %d (this build reads version %d)", h.Version, Version))
	}
	flags := binary.LittleEndian.Uint32(b[12:])
	if flags&^(flagIDs|flagSigns|flagTypes) != 0 {
		return Header{}, UnsupportedError(fmt.Sprintf("flags %#x", flags))
	}
	h.IDs, h.Signs, h.Types = flags&flagIDs != 0, flags&flagSigns != 0, flags&flagTypes != 0
	dims := [3]uint64{binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:]), binary.LittleEndian.Uint64(b[32:])}
	for i, d := range dims {
		if d > maxDim {
			return Header{}, FormatError(fmt.Sprintf("%s %d exceeds the int32 limit", [3]string{"rows", "cols", "nnz"}[i], d))
		}
	}
	h.Rows, h.Cols, h.NNZ = int(dims[0]), int(dims[1]), int(dims[2])
	tb := binary.LittleEndian.Uint64(b[40:])
	if tb > 1<<40 || (tb != 0) != h.Types {
		return Header{}, FormatError(fmt.Sprintf("type-name block of %d bytes with types flag %v", tb, h.Types))
	}
	h.typeBytes = int64(tb)
	if binary.LittleEndian.Uint32(b[48:]) != 0 {
		return Header{}, FormatError("reserved header bytes are not zero")
	}
	return h, nil
}

// DecodeHeader reads the header of a .npc file.
func DecodeHeader(r io.Reader) (Header, error) {
	var b [headerSize]byte
	if n, err := io.ReadFull(r, b[:]); err != nil {
		if err := checkMagic(b[:n]); err != nil {
			return Header{}, err
		}
		return Header{}, fmt.Errorf("native: header of %d bytes: %w", n, eof(err))
	}
	return parseHeader(b[:])
}

// checkMagic returns a FormatError unless b starts like a .npc file.
func checkMagic(b []byte) error {
	n := min(len(b), len(magic))
	if string(b[:n]) != magic[:n] {
		return FormatError(fmt.Sprintf("wrong magic %q, want %q: not a .npc file", b[:n], magic))
	}
	return nil
}

func eof(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// sizer reports the size of the input when it is known.
func sizeOf(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size(), true
	case *os.File:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			off, err := v.Seek(0, io.SeekCurrent)
			if err == nil {
				return fi.Size() - off, true
			}
		}
	}
	return 0, false
}

// reader reads sections into typed slices, hashing them.
type reader struct {
	r     io.Reader
	h     hash.Hash32
	known bool // the input size was checked against the header
}

// bytesOf views a slice's memory as bytes.
func bytesOf[T int8 | int32 | int64 | float32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// section reads n elements and the padding after them. Without a known
// input size it grows the slice as data arrives, so that a forged header
// cannot exhaust memory.
func section[T int8 | int32 | int64 | float32](rd *reader, n int) ([]T, error) {
	var zero T
	es := int(unsafe.Sizeof(zero))
	// With a known input size (checked against the header) allocate all
	// at once; else start small and double, so that a forged header
	// cannot make a short stream allocate much.
	chunk := n
	if !rd.known {
		chunk = min(n, 1<<16)
	}
	s := make([]T, 0, chunk)
	for len(s) < n {
		m := min(n-len(s), max(chunk, len(s)))
		s = append(s, make([]T, m)...)
		b := bytesOf(s[len(s)-m:])
		if _, err := io.ReadFull(rd.r, b); err != nil {
			return nil, eof(err)
		}
		rd.h.Write(b)
	}
	if pad := (8 - (n*es)%8) % 8; pad > 0 {
		var p [8]byte
		if _, err := io.ReadFull(rd.r, p[:pad]); err != nil {
			return nil, eof(err)
		}
		rd.h.Write(p[:pad])
	}
	if !littleEndian {
		swap(bytesOf(s), es)
	}
	return s, nil
}

func swap(b []byte, es int) {
	for i := 0; i+es <= len(b); i += es {
		for a, z := i, i+es-1; a < z; a, z = a+1, z-1 {
			b[a], b[z] = b[z], b[a]
		}
	}
}

// Decode reads a .npc file: the weight matrix (square or not) and the
// neuron table. The checksum and the matrix structure are verified.
func Decode(r io.Reader) (*connectome.Connectome, error) {
	size, known := sizeOf(r)
	h, err := DecodeHeader(r)
	if err != nil {
		return nil, err
	}
	if known && size != h.Size() {
		if size < h.Size() {
			return nil, fmt.Errorf("native: file of %d bytes, header needs %d (truncated): %w", size, h.Size(), io.ErrUnexpectedEOF)
		}
		return nil, FormatError(fmt.Sprintf("file of %d bytes, header needs %d (trailing data)", size, h.Size()))
	}
	rd := &reader{r: r, h: crc32.New(castagnoli), known: known}
	m := &sparse.CSR{Rows: h.Rows, Cols: h.Cols}
	fail := func(what string, err error) error { return fmt.Errorf("native: reading %s: %w", what, err) }
	if m.RowPtr, err = section[int32](rd, h.Rows+1); err != nil {
		return nil, fail("row pointers", err)
	}
	if m.ColIdx, err = section[int32](rd, h.NNZ); err != nil {
		return nil, fail("column indices", err)
	}
	if m.Val, err = section[float32](rd, h.NNZ); err != nil {
		return nil, fail("values", err)
	}
	c := &connectome.Connectome{W: m}
	if h.IDs {
		if c.IDs, err = section[int64](rd, h.Rows); err != nil {
			return nil, fail("ids", err)
		}
	}
	if h.Signs {
		if c.Sign, err = section[int8](rd, h.Rows); err != nil {
			return nil, fail("signs", err)
		}
		for i, s := range c.Sign {
			if s != 1 && s != -1 {
				return nil, FormatError(fmt.Sprintf("neuron %d has sign %d, want ±1", i, s))
			}
		}
	}
	if h.Types {
		if c.Type, err = section[int32](rd, h.Rows); err != nil {
			return nil, fail("types", err)
		}
		block, err := section[int8](rd, int(h.typeBytes))
		if err != nil {
			return nil, fail("type names", err)
		}
		if c.TypeNames, err = parseNames(bytesOf(block)); err != nil {
			return nil, err
		}
	}
	var tail [8]byte
	if _, err := io.ReadFull(r, tail[:]); err != nil {
		return nil, fail("checksum", eof(err))
	}
	if string(tail[4:]) != endMagic {
		return nil, FormatError(fmt.Sprintf("wrong end magic %q, want %q", tail[4:], endMagic))
	}
	if got, want := binary.LittleEndian.Uint32(tail[:]), rd.h.Sum32(); got != want {
		return nil, FormatError(fmt.Sprintf("data checksum %08x, want %08x (file damaged)", want, got))
	}
	if !known {
		if n, _ := io.ReadFull(r, tail[:1]); n > 0 {
			return nil, FormatError("trailing data after the checksum")
		}
	}
	if err := m.Validate(); err != nil {
		return nil, FormatError("weights: " + err.Error())
	}
	for i, t := range c.Type {
		if t < 0 || int(t) >= len(c.TypeNames) {
			return nil, FormatError(fmt.Sprintf("neuron %d has type %d, but %d type names", i, t, len(c.TypeNames)))
		}
	}
	return c, nil
}

func parseNames(b []byte) ([]string, error) {
	if len(b) < 4 {
		return nil, FormatError("type-name block shorter than its count")
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b))/4 {
		return nil, FormatError(fmt.Sprintf("%d type names in %d bytes", n, len(b)))
	}
	names := make([]string, n)
	for i := range names {
		if len(b) < 4 {
			return nil, FormatError("type-name block ends early")
		}
		l := binary.LittleEndian.Uint32(b)
		b = b[4:]
		if uint64(l) > uint64(len(b)) {
			return nil, FormatError("type name runs past its block")
		}
		names[i] = string(b[:l])
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, FormatError(fmt.Sprintf("%d stray bytes after the type names", len(b)))
	}
	return names, nil
}

// Encode writes c in the .npc format. c.W may be rectangular; its
// structure must be valid (sparse.CSR.Validate).
func Encode(w io.Writer, c *connectome.Connectome) error {
	m := c.W
	if m == nil {
		return errors.New("native: encode: no weight matrix")
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("native: encode: %w", err)
	}
	n := m.Rows
	for name, l := range map[string]int{"ids": len(c.IDs), "signs": len(c.Sign), "types": len(c.Type)} {
		if l != 0 && l != n {
			return fmt.Errorf("native: encode: %d %s for %d rows", l, name, n)
		}
	}
	var names []byte
	var flags uint32
	if c.IDs != nil {
		flags |= flagIDs
	}
	if c.Sign != nil {
		flags |= flagSigns
	}
	if c.Type != nil {
		flags |= flagTypes
		names = binary.LittleEndian.AppendUint32(names, uint32(len(c.TypeNames)))
		for _, s := range c.TypeNames {
			names = binary.LittleEndian.AppendUint32(names, uint32(len(s)))
			names = append(names, s...)
		}
	}
	var hb [headerSize]byte
	copy(hb[:], magic)
	binary.LittleEndian.PutUint32(hb[8:], Version)
	binary.LittleEndian.PutUint32(hb[12:], flags)
	binary.LittleEndian.PutUint64(hb[16:], uint64(m.Rows))
	binary.LittleEndian.PutUint64(hb[24:], uint64(m.Cols))
	binary.LittleEndian.PutUint64(hb[32:], uint64(m.NNZ()))
	binary.LittleEndian.PutUint64(hb[40:], uint64(len(names)))
	binary.LittleEndian.PutUint32(hb[52:], crc32.Checksum(hb[:52], castagnoli))
	if _, err := w.Write(hb[:]); err != nil {
		return err
	}
	h := crc32.New(castagnoli)
	put := func(b []byte, es int) error {
		if !littleEndian {
			b = bytes.Clone(b)
			swap(b, es)
		}
		var pad [8]byte
		b2 := pad[:(8-len(b)%8)%8]
		for _, p := range [][]byte{b, b2} {
			h.Write(p)
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
	type part struct {
		b  []byte
		es int // element size, for byte swapping
	}
	parts := []part{{bytesOf(m.RowPtr), 4}, {bytesOf(m.ColIdx), 4}, {bytesOf(m.Val), 4}}
	if c.IDs != nil {
		parts = append(parts, part{bytesOf(c.IDs), 8})
	}
	if c.Sign != nil {
		parts = append(parts, part{bytesOf(c.Sign), 1})
	}
	if c.Type != nil {
		parts = append(parts, part{bytesOf(c.Type), 4}, part{names, 1})
	}
	for _, p := range parts {
		if err := put(p.b, p.es); err != nil {
			return err
		}
	}
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:], h.Sum32())
	copy(tail[4:], endMagic)
	_, err := w.Write(tail[:])
	return err
}
