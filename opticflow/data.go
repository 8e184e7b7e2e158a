package opticflow

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sync"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/opticlobe"
)

// Config describes the data set; the zero value of each field means the
// documented default.
type Config struct {
	Extent int     // eye extent; 0: opticlobe.DefaultExtent (15, 721 columns)
	Kernel int     // box side in pixels; 0: opticlobe.DefaultKernel (13, flyvis BoxEye kernel_size)
	Frames int     // frames per movie; 0: 19 (flyvis n_frames)
	Dt     float64 // seconds between frames; 0: 0.02 (flyvis dt)
	Seed   uint64  // the data set's seed: scene i of a split depends on (Seed, split, i) alone

	Speed     float64 // largest translation speed, pixels/s; 0: 400 (8 pixels, under a column spacing, per frame)
	Rotation  float64 // largest rotation rate, rad/s; 0: 2
	Expansion float64 // largest expansion rate, 1/s; 0: 2
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Extent, opticlobe.DefaultExtent)
	def(&c.Kernel, opticlobe.DefaultKernel)
	def(&c.Frames, 19)
	deff(&c.Dt, 0.02)
	deff(&c.Speed, 400)
	deff(&c.Rotation, 2)
	deff(&c.Expansion, 2)
	return c
}

// Split names a stream of scenes: training and validation scenes never
// coincide.
type Split int

// The splits.
const (
	Train Split = iota
	Validation
)

// MotionKind is the kind of a scene's motion.
type MotionKind int

// The motion kinds, drawn with equal probability.
const (
	Translation MotionKind = iota
	Rotation
	Expansion
	Combination
	numMotions
)

// TextureKind is the kind of a scene's texture.
type TextureKind int

// The texture kinds, drawn with equal probability.
const (
	Noise TextureKind = iota // sinusoids with a 1/f amplitude spectrum, as natural images
	Edges                    // sharp edges between half-planes, over faint noise
	Dots                     // discs, over faint noise
	Mixed                    // all three
	numTextures
)

// Data is the procedural data set of a Config.
type Data struct {
	cfg  Config
	eye  *opticlobe.Eye
	zs   []complex128 // [columns] pixel offset of each column's box
	grid *boxGrid     // the boxes by their coordinates
}

// New returns the data set of cfg. It returns an error for negative or
// non-finite settings.
func New(cfg Config) (*Data, error) {
	c := cfg.withDefaults()
	if c.Extent < 0 || c.Kernel < 1 || c.Frames < 1 || !(c.Dt > 0) || math.IsInf(c.Dt, 0) {
		return nil, fmt.Errorf("opticflow: bad extent %d, kernel %d, frames %d or dt %v", c.Extent, c.Kernel, c.Frames, c.Dt)
	}
	for _, v := range []float64{c.Speed, c.Rotation, c.Expansion} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("opticflow: speeds %v, %v, %v must be finite and non-negative", c.Speed, c.Rotation, c.Expansion)
		}
	}
	d := &Data{cfg: c, eye: opticlobe.NewEye(c.Extent, c.Kernel)}
	for col := range d.eye.Columns() {
		dy, dx := d.eye.Offset(col)
		d.zs = append(d.zs, complex(float64(dx), float64(dy)))
	}
	d.grid = newBoxGrid(d.zs)
	return d, nil
}

// Config returns the data set's settings with defaults filled in.
func (d *Data) Config() Config { return d.cfg }

// Columns returns the number of columns sampled.
func (d *Data) Columns() int { return d.eye.Columns() }

// Scene returns scene i of split: its texture and motion drawn from a
// generator seeded with (Seed, split, i).
func (d *Data) Scene(split Split, i int) *Scene {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, uint64(split)<<56^uint64(i)))
	mk, tk := MotionKind(rng.IntN(int(numMotions))), TextureKind(rng.IntN(int(numTextures)))
	return &Scene{Motion: d.motion(mk, rng), Texture: texture(tk, rng), MotionKind: mk, TextureKind: tk}
}

// motion draws a motion of kind k.
func (d *Data) motion(k MotionKind, rng *rand.Rand) Motion {
	c := d.cfg
	span := float64(d.Kernel()) * float64(c.Extent) // the eye's radius in pixels
	sym := func(m float64) float64 { return m * (2*rng.Float64() - 1) }
	trans := func(m float64) complex128 { return cmplx.Rect(m*rng.Float64(), 2*math.Pi*rng.Float64()) }
	centre := complex(sym(span/2), sym(span/2))
	switch k {
	case Translation:
		return Motion{T: trans(c.Speed)}
	case Rotation:
		return Motion{Mu: complex(0, sym(c.Rotation)), Centre: centre}
	case Expansion:
		return Motion{Mu: complex(sym(c.Expansion), 0), Centre: centre}
	default:
		return Motion{Mu: complex(sym(c.Expansion/2), sym(c.Rotation/2)), Centre: centre, T: trans(c.Speed / 2)}
	}
}

// Kernel returns the box side in pixels.
func (d *Data) Kernel() int { return d.cfg.Kernel }

// texture draws a texture of kind k: noise of standard deviation 0.15
// (0.05 under edges or dots), edges of contrast ±0.2, discs of ±0.3.
func texture(k TextureKind, rng *rand.Rand) Texture {
	var x Texture
	std := 0.15
	if k != Noise {
		std = 0.05
	}
	// Wavelengths log-uniform from 6 to 800 pixels with equal amplitudes:
	// a power spectrum falling as 1/f² over the plane, as natural images.
	const waves = 48
	amp := std * math.Sqrt(2.0/waves)
	for range waves {
		lambda := 6 * math.Exp(rng.Float64()*math.Log(800.0/6))
		x.Waves = append(x.Waves, Wave{K: cmplx.Rect(2*math.Pi/lambda, 2*math.Pi*rng.Float64()),
			Amp: amp, Phase: 2 * math.Pi * rng.Float64()})
	}
	if k == Edges || k == Mixed {
		for range 2 + rng.IntN(4) {
			x.Edges = append(x.Edges, Edge{N: cmplx.Rect(1, 2*math.Pi*rng.Float64()),
				D: 300 * (2*rng.Float64() - 1), Amp: 0.2 * sign(rng)})
		}
	}
	if k == Dots || k == Mixed {
		for range 8 + rng.IntN(16) {
			x.Dots = append(x.Dots, Dot{C: complex(500*(2*rng.Float64()-1), 500*(2*rng.Float64()-1)),
				R: 10 + 60*rng.Float64(), Amp: 0.3 * sign(rng)})
		}
	}
	return x
}

func sign(rng *rand.Rand) float64 {
	if rng.IntN(2) == 0 {
		return -1
	}
	return 1
}

// FlowScale returns the factor from a displacement in pixels to flyvis's
// flow units: Kernel²/h, h the height of the eye's smallest frame
// (opticlobe.Eye.MinSize), since flyvis divides Sintel's flow by the
// image height and sums it over each column's box.
func (d *Data) FlowScale() float64 {
	h, _ := d.eye.MinSize()
	return float64(d.cfg.Kernel*d.cfg.Kernel) / float64(h)
}

// Sample writes scene s's movie and flow as the eye sees them: frames
// [frames][columns], flow [frames][2][columns] (see the package doc). It
// panics if the lengths are not those.
func (d *Data) Sample(frames, flow []float32, s *Scene) {
	nf, nc := d.cfg.Frames, d.Columns()
	if len(frames) != nf*nc || len(flow) != nf*2*nc {
		panic(fmt.Sprintf("opticflow: %d frame and %d flow values, want %d×%d and %d×2×%d", len(frames), len(flow), nf, nc, nf, nc))
	}
	var ex, ey []float64
	for f := range nf {
		ex, ey = d.frame(frames[f*nc:(f+1)*nc], s, f, ex, ey)
	}
	d.flow(flow, s, 1)
}

// frame writes frame f of scene s's movie (columns values) to dst; ex and
// ey are scratch, returned for reuse.
func (d *Data) frame(dst []float32, s *Scene, f int, ex, ey []float64) ([]float64, []float64) {
	return s.boxPlan(d.cfg.Kernel, float64(f)*d.cfg.Dt).means(dst, d.zs, d.grid, ex, ey)
}

// flow writes scene s's flow, the same in every frame, to dst:
// [frames][2][columns] with frame f's at dst[f·stride·2·columns:].
func (d *Data) flow(dst []float32, s *Scene, stride int) {
	nf, nc, k := d.cfg.Frames, d.Columns(), d.cfg.Kernel
	mid := float64(-(k / 2)) + float64(k-1)/2
	scale := d.FlowScale()
	for c, z := range d.zs {
		disp := s.Motion.Displacement(z+complex(mid, mid), d.cfg.Dt)
		for f := range nf {
			o := f * stride * 2 * nc
			dst[o+c] = float32(scale * real(disp))
			dst[o+nc+c] = float32(-scale * imag(disp))
		}
	}
}

// frameScratch is a frame's scratch for boxPlan.means, kept between
// frames in framePool.
type frameScratch struct{ ex, ey []float64 }

var framePool = sync.Pool{New: func() any { return new(frameScratch) }}

// Batch writes scenes start … start+batch−1 of split as a batch: frames
// [frames][batch][columns] and flow [frames][batch][2][columns], with
// batch = len(frames)/(frames×columns). The frames of all scenes are
// rendered in parallel, claimed one at a time (scenes of many edges and
// dots take longer).
func (d *Data) Batch(frames, flow []float32, split Split, start int) {
	nf, nc := d.cfg.Frames, d.Columns()
	batch := len(frames) / (nf * nc)
	if batch < 1 || len(frames) != nf*batch*nc || len(flow) != 2*len(frames) {
		panic(fmt.Sprintf("opticflow: batch of %d frame and %d flow values for %d frames of %d columns", len(frames), len(flow), nf, nc))
	}
	scenes := make([]*Scene, batch)
	team.For(batch, 1, func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			scenes[b] = d.Scene(split, start+b)
			d.flow(flow[b*2*nc:], scenes[b], batch)
		}
	})
	team.Run(&team.Job{Parts: batch * nf, F: func(part int) {
		f, b := part/batch, part%batch
		sc := framePool.Get().(*frameScratch)
		sc.ex, sc.ey = d.frame(frames[(f*batch+b)*nc:(f*batch+b+1)*nc], scenes[b], f, sc.ex, sc.ey)
		framePool.Put(sc)
	}})
}
