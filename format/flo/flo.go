package flo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Magic is the float32 at the start of every .flo file (the bytes "PIEH").
const Magic float32 = 202021.25

// MaxSide bounds a file's width and height (Sintel's frames are 1024×436).
const MaxSide = 1 << 16

// headerLen is the length of the header: magic, width, height.
const headerLen = 12

// A FormatError reports that the input is not a valid .flo file.
type FormatError string

func (e FormatError) Error() string { return "flo: invalid file: " + string(e) }

// Flow is a flow field of H rows and W columns.
type Flow struct {
	W, H int
	UV   []float32 // [h][w][2]: u (right) then v (down), pixels
}

// At returns the flow (u, v) at row y, column x.
func (f *Flow) At(y, x int) (u, v float32) {
	i := 2 * (y*f.W + x)
	return f.UV[i], f.UV[i+1]
}

// DecodeConfig reads the header of a .flo stream and returns its width
// and height, leaving r just after the header.
func DecodeConfig(r io.Reader) (w, h int, err error) {
	var b [headerLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, 0, err
	}
	magic := math.Float32frombits(binary.LittleEndian.Uint32(b[0:]))
	if magic != Magic {
		return 0, 0, FormatError(fmt.Sprintf("magic %q (%v), want %v (\"PIEH\")", b[:4], magic, Magic))
	}
	w, h = int(int32(binary.LittleEndian.Uint32(b[4:]))), int(int32(binary.LittleEndian.Uint32(b[8:])))
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return 0, 0, FormatError(fmt.Sprintf("size %d×%d (width×height), want 1 to %d each", w, h, MaxSide))
	}
	return w, h, nil
}

// Size returns the length in bytes of a .flo file of w×h pixels.
func Size(w, h int) int64 { return headerLen + 8*int64(w)*int64(h) }

// Decode reads a .flo stream. Its buffer grows with the data read, so that
// a header declaring a huge field on a short stream costs little memory.
// Bytes after the flow are not read.
func Decode(r io.Reader) (*Flow, error) {
	w, h, err := DecodeConfig(r)
	if err != nil {
		return nil, err
	}
	return decodeData(r, w, h, 0)
}

// decodeData reads the [h][w][2] float32 values after the header; n > 0
// is their count known to be present (the file's length), 0 unknown.
func decodeData(r io.Reader, w, h, n int) (*Flow, error) {
	total := 2 * w * h
	const chunk = 1 << 14 // values read at a time
	f := &Flow{W: w, H: h, UV: make([]float32, 0, min(total, max(n, chunk)))}
	var buf [4 * chunk]byte
	for len(f.UV) < total {
		k := min(chunk, total-len(f.UV))
		if _, err := io.ReadFull(r, buf[:4*k]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		for i := range k {
			f.UV = append(f.UV, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
		}
	}
	return f, nil
}

// ReadHeader reads the header of the .flo file at path and checks that
// the file's length is the one the header declares.
func ReadHeader(path string) (w, h int, err error) {
	fd, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("flo: %w", err)
	}
	defer fd.Close()
	w, h, err = header(fd, path)
	return w, h, err
}

// header reads fd's header and checks the file's length against it.
func header(fd *os.File, path string) (w, h int, err error) {
	st, err := fd.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("flo: %w", err)
	}
	if st.IsDir() {
		return 0, 0, fmt.Errorf("flo: %s: is a directory", path)
	}
	if w, h, err = DecodeConfig(fd); err != nil {
		return 0, 0, fmt.Errorf("flo: %s: %w", path, err)
	}
	if want := Size(w, h); st.Size() != want {
		return 0, 0, fmt.Errorf("flo: %s: %w", path, FormatError(fmt.Sprintf(
			"%d bytes, but a %d×%d field takes %d", st.Size(), w, h, want)))
	}
	return w, h, nil
}

// ReadFile reads the .flo file at path. The file's length must be the
// one its header declares; it is checked before the field is allocated.
func ReadFile(path string) (*Flow, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("flo: %w", err)
	}
	defer fd.Close()
	w, h, err := header(fd, path)
	if err != nil {
		return nil, err
	}
	f, err := decodeData(bufio.NewReaderSize(fd, 1<<16), w, h, 2*w*h)
	if err != nil {
		return nil, fmt.Errorf("flo: %s: %w", path, err)
	}
	return f, nil
}

// Encode writes f in the .flo format. It panics if len(f.UV) is not
// 2·W·H or a side is outside 1 … MaxSide.
func Encode(w io.Writer, f *Flow) error {
	if f.W < 1 || f.H < 1 || f.W > MaxSide || f.H > MaxSide || len(f.UV) != 2*f.W*f.H {
		panic(fmt.Sprintf("flo: %d values for a %d×%d field", len(f.UV), f.W, f.H))
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var b [headerLen]byte
	binary.LittleEndian.PutUint32(b[0:], math.Float32bits(Magic))
	binary.LittleEndian.PutUint32(b[4:], uint32(f.W))
	binary.LittleEndian.PutUint32(b[8:], uint32(f.H))
	bw.Write(b[:])
	for _, v := range f.UV {
		binary.LittleEndian.PutUint32(b[:4], math.Float32bits(v))
		bw.Write(b[:4])
	}
	return bw.Flush()
}

// WriteFile writes f to path in the .flo format.
func WriteFile(path string, f *Flow) error {
	fd, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("flo: %w", err)
	}
	if err := Encode(fd, f); err != nil {
		fd.Close()
		return fmt.Errorf("flo: %s: %w", path, err)
	}
	if err := fd.Close(); err != nil {
		return fmt.Errorf("flo: %s: %w", path, err)
	}
	return nil
}
