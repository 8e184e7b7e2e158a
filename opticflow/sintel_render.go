package opticflow

import (
	"fmt"
	"image"
	"image/color"
	_ "image/png" // Sintel's frames
	"math"
	"os"
	"slices"

	"github.com/neuropil/neuropil/format/flo"
	"github.com/neuropil/neuropil/internal/team"
)

// renderedScene is a scene sampled onto the columns, as flyvis's
// RenderedSintel stores it: frame t is Sintel's frame t+2 and flow t the
// flow from frame t+1 to t+2 (the flow that leads to the frame).
type renderedScene struct {
	frames int
	lum    []float32 // [frames][splits][columns]
	flow   []float32 // [frames][splits][2][columns], flyvis's units
}

func (r *renderedScene) bytes() int { return 4 * (len(r.lum) + len(r.flow)) }

// sceneCache keeps the most recently used rendered scenes up to limit
// bytes (at least one). Its users hold Sintel.mu.
type sceneCache struct {
	limit, used int
	order       []int // scene indices, least recently used first
	scenes      map[int]*renderedScene
}

func (c *sceneCache) get(k int) *renderedScene {
	r := c.scenes[k]
	if r != nil {
		c.order = append(slices.DeleteFunc(c.order, func(q int) bool { return q == k }), k)
	}
	return r
}

func (c *sceneCache) put(k int, r *renderedScene) {
	if c.scenes == nil {
		c.scenes = map[int]*renderedScene{}
	}
	if c.scenes[k] != nil {
		return
	}
	c.scenes[k], c.used, c.order = r, c.used+r.bytes(), append(c.order, k)
	for c.used > c.limit && len(c.order) > 1 {
		old := c.order[0]
		c.used -= c.scenes[old].bytes()
		delete(c.scenes, old)
		c.order = c.order[1:]
	}
}

// scene returns scene k rendered, from the cache or read now.
func (s *Sintel) scene(k int) (*renderedScene, error) {
	s.mu.Lock()
	r := s.cache.get(k)
	s.mu.Unlock()
	if r != nil {
		return r, nil
	}
	r, err := s.render(k)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache.put(k, r)
	s.mu.Unlock()
	return r, nil
}

// splitWindows returns the columns flyvis's split keeps of a frame w
// pixels wide: the centre crop starts at column lo, and split j spans
// lo+starts[j] … lo+starts[j]+width−1. Splits are Eye.MinSize's width
// plus two kernels wide, overlapping to cover the crop (flyvis
// rendering.utils.split with out_nelements = min_frame_size[1] +
// 2·kernel_size).
func (s *Sintel) splitWindows(w int) (lo int, starts []int, width int, err error) {
	c := s.cfg
	crop := int(c.CenterCrop * float64(w))
	lo = (w - crop) / 2
	if c.Splits == 1 {
		return lo, []int{0}, crop, nil
	}
	_, minW := s.eye.MinSize()
	width = max(minW+2*c.Kernel, crop/c.Splits)
	overlap := int(math.Ceil(float64(width*c.Splits-crop) / float64(c.Splits-1)))
	for j := range c.Splits {
		starts = append(starts, j*(width-overlap))
	}
	if crop < 1 || starts[c.Splits-1] < 0 || starts[c.Splits-1]+width > crop {
		return 0, nil, 0, fmt.Errorf("frames %d pixels wide, cropped to %d: too narrow for %d splits of %d", w, crop, c.Splits, width)
	}
	return lo, starts, width, nil
}

// render reads scene k's frames and flow and samples them onto the
// columns, frames in parallel.
func (s *Sintel) render(k int) (*renderedScene, error) {
	sc := &s.scenes[k]
	lo, starts, width, err := s.splitWindows(sc.w)
	if err != nil {
		return nil, fmt.Errorf("opticflow: %s: %w", sc.frames[0], err)
	}
	nt, ns, nc := len(sc.flows), len(starts), s.Columns()
	r := &renderedScene{frames: nt, lum: make([]float32, nt*ns*nc), flow: make([]float32, nt*ns*2*nc)}
	errs := make([]error, nt)
	team.For(nt, 1, func(t0, t1 int) {
		buf := make([]float32, sc.h*width)
		for t := t0; t < t1; t++ {
			errs[t] = s.renderFrame(r, buf, sc, t, lo, starts, width)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// renderFrame samples frame t+1 (0-based) and flow t of sc into r.
func (s *Sintel) renderFrame(r *renderedScene, buf []float32, sc *sintelScene, t, lo int, starts []int, width int) error {
	h, w, ns, nc := sc.h, sc.w, len(starts), s.Columns()
	grey, gh, gw, err := loadGrey(sc.frames[t+1])
	if err != nil {
		return err
	}
	if gh != h || gw != w {
		return fmt.Errorf("opticflow: %s: frame of %d×%d pixels (width×height), but %s has %d×%d", sc.frames[t+1], gw, gh, sc.frames[0], w, h)
	}
	fl, err := flo.ReadFile(sc.flows[t])
	if err != nil {
		return fmt.Errorf("opticflow: %w", err)
	}
	if fl.W != w || fl.H != h {
		return fmt.Errorf("opticflow: %s: flow of %d×%d pixels, but the frames have %d×%d", sc.flows[t], fl.W, fl.H, w, h)
	}
	// flyvis's units: pixels / image height, y up, summed over the box.
	k2, inv := float32(s.cfg.Kernel*s.cfg.Kernel), 1/float32(h)
	for j := range ns {
		x0 := lo + starts[j]
		for y := range h {
			copy(buf[y*width:(y+1)*width], grey[y*w+x0:])
		}
		s.eye.Sample(r.lum[(t*ns+j)*nc:][:nc], buf, h, width)
		for ch, sign := range []float32{inv, -inv} {
			for y := range h {
				row, uv := buf[y*width:(y+1)*width], fl.UV[2*(y*w+x0)+ch:]
				for x := range row {
					row[x] = sign * uv[2*x]
				}
			}
			dst := r.flow[((t*ns+j)*2+ch)*nc:][:nc]
			s.eye.Sample(dst, buf, h, width)
			for c := range dst {
				dst[c] *= k2
			}
		}
	}
	return nil
}

// loadGrey reads a PNG as flyvis reads a Sintel frame: PIL's
// convert("L"), L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16 on 8-bit
// channels (ITU-R 601-2; alpha ignored), divided by 255. It returns the
// grey levels, [h][w].
func loadGrey(path string) (grey []float32, h, w int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("opticflow: %w", err)
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("opticflow: %s: a PNG that does not decode: %w", path, err)
	}
	b := m.Bounds()
	h, w = b.Dy(), b.Dx()
	grey = make([]float32, h*w)
	luma := func(r, g, b uint8) float32 {
		return float32((19595*uint32(r)+38470*uint32(g)+7471*uint32(b)+1<<15)>>16) / 255
	}
	for y := range h {
		row := grey[y*w : (y+1)*w]
		switch m := m.(type) {
		case *image.Gray:
			for x, g := range m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w] {
				row[x] = float32(g) / 255
			}
		case *image.RGBA: // opaque RGB (Go's decoder gives NRGBA for translucent ones)
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range row {
				row[x] = luma(p[4*x], p[4*x+1], p[4*x+2])
			}
		case *image.NRGBA:
			p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range row {
				row[x] = luma(p[4*x], p[4*x+1], p[4*x+2])
			}
		default:
			for x := range row {
				c := color.NRGBAModel.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				row[x] = luma(c.R, c.G, c.B)
			}
		}
	}
	return grey, h, w, nil
}
