package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
)

// Images are n grey images of Rows×Cols bytes, row-major.
type Images struct {
	N, Rows, Cols int
	Pix           []uint8 // [n][rows][cols], 0 (white) to 255 (black ink)
}

// Image returns the pixels of image i.
func (im *Images) Image(i int) []uint8 {
	s := im.Rows * im.Cols
	return im.Pix[i*s : (i+1)*s]
}

// FormatError reports a malformed IDX file.
type FormatError string

func (e FormatError) Error() string { return "mnist: invalid IDX data: " + string(e) }

// maxItems bounds the sizes in a header, so that a corrupt header cannot
// make a reader allocate without limit.
const maxItems = 1 << 28

// reader returns r, gunzipped if it starts with the gzip magic.
func reader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}

// header reads an IDX header of unsigned bytes with want dimensions.
func header(r io.Reader, want int) ([]int, error) {
	var m [4]byte
	if _, err := io.ReadFull(r, m[:]); err != nil {
		return nil, eof(err)
	}
	if m[0] != 0 || m[1] != 0 {
		return nil, FormatError("bad magic number")
	}
	if m[2] != 0x08 {
		return nil, FormatError(fmt.Sprintf("element type 0x%02x, want unsigned bytes (0x08)", m[2]))
	}
	if int(m[3]) != want {
		return nil, FormatError(fmt.Sprintf("%d dimensions, want %d", m[3], want))
	}
	dims := make([]int, want)
	total := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, eof(err)
		}
		dims[i] = int(d)
		total *= max(1, dims[i])
		if d > maxItems || total > maxItems*16 {
			return nil, FormatError(fmt.Sprintf("header claims sizes %v...: more than %d bytes", dims[:i+1], maxItems*16))
		}
	}
	return dims, nil
}

// maxImage bounds the pixels of one image read to pick a batch (4096×4096;
// MNIST's are 28×28).
const maxImage = 1 << 24

// readN reads exactly n bytes. It grows its buffer with the data that
// arrive, so that a header declaring gigabytes in a file of a few bytes
// costs a few bytes, not an allocation of the declared size.
func readN(r io.Reader, n int) ([]uint8, error) {
	const chunk = 1 << 20
	b := make([]uint8, 0, min(n, chunk))
	for len(b) < n {
		m := min(n-len(b), max(chunk, len(b))) // double, at least a chunk
		b = slices.Grow(b, m)
		k, err := io.ReadFull(r, b[len(b):len(b)+m])
		b = b[:len(b)+k]
		if err != nil {
			return nil, eof(err)
		}
	}
	return b, nil
}

func eof(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadImages reads an idx3 image file, raw or gzip-compressed. When keep
// is not nil, only the images whose indices it lists are kept, in the order
// listed (the rest are skipped as they stream by), so a batch can be taken
// from the 47 MB training set without holding all of it.
func ReadImages(r io.Reader, keep []int) (*Images, error) {
	r, err := reader(r)
	if err != nil {
		return nil, err
	}
	dims, err := header(r, 3)
	if err != nil {
		return nil, err
	}
	im := &Images{N: dims[0], Rows: dims[1], Cols: dims[2]}
	size := im.Rows * im.Cols
	if keep == nil {
		if im.Pix, err = readN(r, im.N*size); err != nil {
			return nil, err
		}
		return im, nil
	}
	want := make(map[int][]int, len(keep))
	for pos, i := range keep {
		if i < 0 || i >= im.N {
			return nil, fmt.Errorf("mnist: image index %d out of range [0, %d)", i, im.N)
		}
		want[i] = append(want[i], pos)
	}
	if size > maxImage {
		return nil, FormatError(fmt.Sprintf("images of %d×%d pixels, more than %d", im.Rows, im.Cols, maxImage))
	}
	im.Pix = make([]uint8, len(keep)*size)
	buf := make([]uint8, size)
	for i := 0; i < im.N && len(want) > 0; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, eof(err)
		}
		for _, pos := range want[i] {
			copy(im.Pix[pos*size:], buf)
		}
		delete(want, i)
	}
	im.N = len(keep)
	return im, nil
}

// ReadLabels reads an idx1 label file, raw or gzip-compressed.
func ReadLabels(r io.Reader) ([]uint8, error) {
	r, err := reader(r)
	if err != nil {
		return nil, err
	}
	dims, err := header(r, 1)
	if err != nil {
		return nil, err
	}
	return readN(r, dims[0])
}

// maxRatio bounds how many bytes a gzip-compressed IDX file may inflate
// to per compressed byte: deflate's own limit is 1032.
const maxRatio = 1032

// Count returns the number of items in an IDX file from its header,
// checked against the file's size: a header that claims more items than
// the file can hold (raw: its size; gzip: maxRatio times its size) is a
// FormatError, so that no caller allocates by a lying count.
func Count(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	gz := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	r, err := reader(br)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	var m [4]byte
	if _, err := io.ReadFull(r, m[:]); err != nil {
		return 0, fmt.Errorf("%s: %w", path, eof(err))
	}
	if m[0] != 0 || m[1] != 0 || m[2] != 0x08 || m[3] == 0 || m[3] > 4 {
		return 0, fmt.Errorf("%s: %w", path, FormatError("bad magic number"))
	}
	dims := make([]uint32, m[3])
	if err := binary.Read(r, binary.BigEndian, dims); err != nil {
		return 0, fmt.Errorf("%s: %w", path, eof(err))
	}
	claim := float64(1)
	for _, d := range dims {
		claim *= float64(d)
	}
	room := float64(fi.Size()) - float64(4+4*len(dims))
	if gz {
		room = maxRatio * float64(fi.Size())
	}
	if claim > room {
		return 0, fmt.Errorf("%s: %w", path, FormatError(fmt.Sprintf("header claims %d items of %v, %.0f bytes, in a file of %d bytes",
			dims[0], dims[1:], claim, fi.Size())))
	}
	return int(dims[0]), nil
}

// Normalization of torchvision's MNIST tutorial transform:
// ToTensor (x/255) then Normalize((0.1307,), (0.3081,)).
const (
	Mean = 0.1307
	Std  = 0.3081
)

// NormalizeTo writes (p/255 − Mean)/Std for each pixel into dst.
func NormalizeTo(dst []float32, pix []uint8) {
	if len(dst) != len(pix) {
		panic("mnist: NormalizeTo length mismatch")
	}
	for i, p := range pix {
		dst[i] = (float32(p)/255 - Mean) / Std
	}
}

// Shuffle returns a seeded random permutation of 0..n-1.
func Shuffle(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6e697374))
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Batches cuts a seeded shuffle of n items into batches of the given size;
// the last batch is shorter when size does not divide n.
func Batches(n, size int, seed uint64) [][]int {
	if size < 1 {
		panic("mnist: batch size < 1")
	}
	p := Shuffle(n, seed)
	var out [][]int
	for i := 0; i < n; i += size {
		out = append(out, p[i:min(i+size, n)])
	}
	return out
}
