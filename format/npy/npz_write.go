package npy

import (
	"archive/zip"
	"fmt"
	"hash/crc32"
	"io"

	counting "github.com/neuropil/neuropil/format/internal/count"
)

// An NPZWriter writes named arrays into an .npz archive as np.savez does:
// a zip of NAME.npy records, stored uncompressed. Each record is written
// with its size and CRC in its local header (no data descriptor), so an
// array is encoded twice: once to size it, once to write it. Close must be
// called to finish the archive.
type NPZWriter struct {
	zw    *zip.Writer
	names map[string]bool
}

// NewNPZWriter returns an NPZWriter that writes the archive to w.
func NewNPZWriter(w io.Writer) *NPZWriter {
	return &NPZWriter{zw: zip.NewWriter(w), names: map[string]bool{}}
}

// Add stores data with the given shape as the record name.npy. data is
// any slice Encode accepts. A name used twice panics.
func (z *NPZWriter) Add(name string, shape []int, data any) error {
	return z.add(name, func(w io.Writer) error { return Encode(w, shape, data) })
}

// add writes the record name.npy with the bytes encode writes, which must
// be the same on each call.
func (z *NPZWriter) add(name string, encode func(io.Writer) error) error {
	if z.names[name] {
		panic(fmt.Sprintf("npy: array %q added twice to an .npz", name))
	}
	z.names[name] = true
	h := crc32.NewIEEE()
	cw := &counting.Writer{W: h}
	if err := encode(cw); err != nil {
		return err
	}
	fw, err := z.zw.CreateRaw(&zip.FileHeader{Name: name + ".npy", Method: zip.Store, CRC32: h.Sum32(),
		CompressedSize64: uint64(cw.N), UncompressedSize64: uint64(cw.N)})
	if err != nil {
		return err
	}
	out := &counting.Writer{W: fw}
	if err := encode(out); err != nil {
		return err
	}
	if out.N != cw.N {
		panic(fmt.Sprintf("npy: array %q encoded to %d bytes, then %d", name, cw.N, out.N))
	}
	return nil
}

// Close finishes the archive. It does not close the underlying writer.
func (z *NPZWriter) Close() error { return z.zw.Close() }
