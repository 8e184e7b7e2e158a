package opticlobe

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // LoadImage reads JPEG too
	_ "image/png"
	"io"
	"os"
	"strings"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/sparse"
)

// DefaultKernel is the side of the eye's box filter in pixels (flyvis
// BoxEye kernel_size).
const DefaultKernel = 13

// Eye samples Cartesian images onto the columns of a hexagonal lattice, as
// flyvis's BoxEye does. Column (u, v) reads the mean of a Kernel×Kernel box
// of pixels (zero outside the image) centred at row h/2 + trunc(K(u + v/2))
// and column w/2 + Kv, K = Kernel, where h×w is the image size (integer
// halves). Images smaller than MinSize in either dimension are first
// resized to exactly MinSize by bilinear interpolation with half-pixel
// centres (torch's interpolate, align_corners=False).
type Eye struct {
	Extent, Kernel int
	dy, dx         []int // [columns] pixel offsets of the column centres
	minH, minW     int
}

// NewEye returns the eye for a lattice of the given extent and a box of
// kernel pixels. It panics if extent < 0 or kernel < 1.
func NewEye(extent, kernel int) *Eye {
	if extent < 0 || kernel < 1 {
		panic(fmt.Sprintf("opticlobe: bad eye extent %d or kernel %d", extent, kernel))
	}
	e := &Eye{Extent: extent, Kernel: kernel}
	lo, hi := [2]int{}, [2]int{}
	for _, c := range Columns(extent) {
		// float64 then truncation toward zero, as torch.tensor(..., long).
		y := int(float64(kernel) * (float64(c.U) + float64(c.V)/2))
		x := kernel * c.V
		e.dy, e.dx = append(e.dy, y), append(e.dx, x)
		lo = [2]int{min(lo[0], y), min(lo[1], x)}
		hi = [2]int{max(hi[0], y), max(hi[1], x)}
	}
	e.minH, e.minW = hi[0]-lo[0]+1, hi[1]-lo[1]+1
	return e
}

// Columns returns the number of columns the eye samples.
func (e *Eye) Columns() int { return len(e.dy) }

// MinSize returns the smallest image the eye samples without resizing:
// the span of the column centres (391×391 for extent 15, kernel 13).
func (e *Eye) MinSize() (h, w int) { return e.minH, e.minW }

// Sample writes the columns' values for the row-major h×w image img into
// dst, [columns]. It panics if the lengths disagree with the shapes.
func (e *Eye) Sample(dst, img []float32, h, w int) {
	if h < 1 || w < 1 || len(img) != h*w {
		panic(fmt.Sprintf("opticlobe: image of %d pixels, shape %d×%d", len(img), h, w))
	}
	if len(dst) != e.Columns() {
		panic(fmt.Sprintf("opticlobe: dst has %d values for %d columns", len(dst), e.Columns()))
	}
	if h < e.minH || w < e.minW {
		img, h, w = Resize(img, h, w, e.minH, e.minW), e.minH, e.minW
	}
	k := e.Kernel
	top := k / 2 // ceil((k-1)/2): the box spans rows y-top .. y-top+k-1
	norm := 1 / float64(k*k)
	for c := range dst {
		y0, x0 := h/2+e.dy[c]-top, w/2+e.dx[c]-top
		var sum float64
		for y := max(y0, 0); y < min(y0+k, h); y++ {
			row := img[y*w : (y+1)*w]
			for x := max(x0, 0); x < min(x0+k, w); x++ {
				sum += float64(row[x])
			}
		}
		dst[c] = float32(sum * norm)
	}
}

// SampleFrames samples n frames, [n][h][w], into dst, [n][columns].
func (e *Eye) SampleFrames(dst, frames []float32, n, h, w int) {
	if len(frames) != n*h*w || len(dst) != n*e.Columns() {
		panic(fmt.Sprintf("opticlobe: %d frame values and %d outputs for %d frames of %d×%d and %d columns",
			len(frames), len(dst), n, h, w, e.Columns()))
	}
	nc := e.Columns()
	for f := 0; f < n; f++ {
		e.Sample(dst[f*nc:(f+1)*nc], frames[f*h*w:(f+1)*h*w], h, w)
	}
}

// SampleImage samples img (h×w, row-major) with the default eye (extent
// 15, kernel 13) and returns the 721 column values.
func SampleImage(img []float32, h, w int) []float32 {
	e := NewEye(DefaultExtent, DefaultKernel)
	dst := make([]float32, e.Columns())
	e.Sample(dst, img, h, w)
	return dst
}

// Resize returns img (h×w) resized to oh×ow by bilinear interpolation with
// half-pixel centres and edge clamping (torch.nn.functional.interpolate,
// mode "bilinear", align_corners=False).
func Resize(img []float32, h, w, oh, ow int) []float32 {
	if h < 1 || w < 1 || oh < 1 || ow < 1 || len(img) != h*w {
		panic(fmt.Sprintf("opticlobe: resize of %d pixels from %d×%d to %d×%d", len(img), h, w, oh, ow))
	}
	type tap struct {
		i0, i1 int
		l      float64
	}
	taps := func(in, out int) []tap {
		t := make([]tap, out)
		scale := float64(in) / float64(out)
		for o := range t {
			src := max((float64(o)+0.5)*scale-0.5, 0)
			i0 := min(int(src), in-1)
			t[o] = tap{i0, min(i0+1, in-1), src - float64(i0)}
		}
		return t
	}
	ty, tx := taps(h, oh), taps(w, ow)
	out := make([]float32, oh*ow)
	for o, a := range ty {
		r0, r1 := img[a.i0*w:(a.i0+1)*w], img[a.i1*w:(a.i1+1)*w]
		for q, b := range tx {
			top := (1-b.l)*float64(r0[b.i0]) + b.l*float64(r0[b.i1])
			bot := (1-b.l)*float64(r1[b.i0]) + b.l*float64(r1[b.i1])
			out[o*ow+q] = float32((1-a.l)*top + a.l*bot)
		}
	}
	return out
}

// maxImagePixels bounds the images LoadImage reads (8192×8192; the eye
// samples 391×391 pixels).
const maxImagePixels = 1 << 26

// LoadImage reads a PNG or JPEG file as grey levels in [0, 1] (luminance,
// 16-bit precision), row-major h×w.
func LoadImage(path string) (img []float32, h, w int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("opticlobe: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, 0, 0, fmt.Errorf("opticlobe: %s: is a directory", path)
	}
	// The header first: a small file may declare a huge image, which
	// Decode would allocate (and the grey levels four times over).
	cfg, _, err := image.DecodeConfig(f)
	if errors.Is(err, image.ErrFormat) {
		return nil, 0, 0, fmt.Errorf("opticlobe: %s: unknown image format (known: png, jpeg)", path)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("opticlobe: %s: %w", path, err)
	}
	if float64(cfg.Width)*float64(cfg.Height) > maxImagePixels {
		return nil, 0, 0, fmt.Errorf("opticlobe: %s: image of %d×%d pixels, more than %d; scale it down first", path, cfg.Width, cfg.Height, maxImagePixels)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, 0, fmt.Errorf("opticlobe: %s: %w", path, err)
	}
	m, _, err := image.Decode(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("opticlobe: %s: %w", path, err)
	}
	b := m.Bounds()
	h, w = b.Dy(), b.Dx()
	img = make([]float32, h*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g := color.Gray16Model.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.Gray16)
			img[y*w+x] = float32(g.Y) / 0xffff
		}
	}
	return img, h, w, nil
}

// LoadMovie reads a .npy array of shape (h, w) (one frame) or (n, h, w):
// float values as they are, uint8 divided by 255 (an 8-bit movie). It
// returns the frames, [n][h][w].
func LoadMovie(path string) (frames []float32, n, h, w int, err error) {
	fail := func(format string, a ...any) ([]float32, int, int, int, error) {
		return nil, 0, 0, 0, fmt.Errorf("opticlobe: %s: "+format, append([]any{path}, a...)...)
	}
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, 0, 0, 0, fmt.Errorf("opticlobe: %w", err)
	}
	switch len(a.Shape) {
	case 2:
		n, h, w = 1, a.Shape[0], a.Shape[1]
	case 3:
		n, h, w = a.Shape[0], a.Shape[1], a.Shape[2]
	default:
		return fail("shape %v, want (h, w) or (frames, h, w)", a.Shape)
	}
	if n < 1 || h < 1 || w < 1 {
		return fail("empty movie of shape %v", a.Shape)
	}
	frames, err = a.Float32()
	if err != nil {
		return fail("%v", err)
	}
	if strings.TrimLeft(a.DType, "<>|=") == "u1" {
		for i := range frames {
			frames[i] /= 255
		}
	}
	if err := sparse.CheckFinite(frames); err != nil {
		return fail("%v", err)
	}
	return frames, n, h, w, nil
}

// Offset returns the pixel offset of column c's centre from the image
// centre (h/2, w/2): rows down, columns right.
func (e *Eye) Offset(c int) (dy, dx int) { return e.dy[c], e.dx[c] }
