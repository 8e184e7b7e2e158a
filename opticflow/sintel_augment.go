package opticflow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/opticlobe"
)

// HexTransform is a symmetry of the hexagonal lattice as flyvis's
// augmentations apply it (flyvis datasets/augmentation/hex.py): a flip
// across one of the lattice's axes, then a rotation by a multiple of 60°.
// A column's value moves to the transformed column; a flow vector (x
// right, y up) is transformed with it.
type HexTransform struct {
	Perm []int         // [columns] the output's column i is the input's column Perm[i]
	M    [2][2]float64 // the flow vectors' matrix, (x, y) up
}

// NewHexTransform returns flip across axis flip (0: none; 1: v = 0, the
// vertical axis, x → −x; 2: u = 0; 3: u + v = 0), then rot rotations by
// 60° counterclockwise, on the lattice of the given extent. The columns
// are opticlobe.Columns(extent); u points down the screen and v to the
// right and down (flyvis hex_to_pixel: x = 3v/2, y = −√3(u + v/2)). It
// panics for a flip outside 0 … 3.
func NewHexTransform(extent, flip, rot int) HexTransform {
	if flip < 0 || flip > 3 {
		panic(fmt.Sprintf("opticflow: flip axis %d, want 0 … 3", flip))
	}
	cols := opticlobe.Columns(extent)
	t := HexTransform{Perm: make([]int, len(cols)), M: [2][2]float64{{1, 0}, {0, 1}}}
	if flip > 0 {
		// flyvis flip_matrix at 90°, 150°, 210°: a reflection across the line at that angle.
		th := 2 * (90 + 60*float64(flip-1)) * math.Pi / 180
		t.M = [2][2]float64{{math.Cos(th), math.Sin(th)}, {math.Sin(th), -math.Cos(th)}}
	}
	rot = ((rot % 6) + 6) % 6
	th := float64(rot) * math.Pi / 3
	r := [2][2]float64{{math.Cos(th), -math.Sin(th)}, {math.Sin(th), math.Cos(th)}}
	t.M = [2][2]float64{
		{r[0][0]*t.M[0][0] + r[0][1]*t.M[1][0], r[0][0]*t.M[0][1] + r[0][1]*t.M[1][1]},
		{r[1][0]*t.M[0][0] + r[1][1]*t.M[1][0], r[1][0]*t.M[0][1] + r[1][1]*t.M[1][1]},
	}
	for j, c := range cols {
		u, v := c.U, c.V
		switch flip {
		case 1:
			u, v = u+v, -v
		case 2:
			u, v = -u, u+v
		case 3:
			u, v = -v, -u
		}
		for range rot {
			u, v = -v, u+v
		}
		t.Perm[opticlobe.ColumnIndex(extent, u, v)] = j
	}
	return t
}

// Apply writes src transformed into dst: values [n][columns] with dims
// values per column, [n][dims][columns]; with dims 2, the vectors are
// transformed by M. It panics for other dims or lengths.
func (t HexTransform) Apply(dst, src []float32, dims int) {
	nc := len(t.Perm)
	if (dims != 1 && dims != 2) || len(src)%(dims*nc) != 0 || len(dst) != len(src) {
		panic(fmt.Sprintf("opticflow: transform of %d values to %d, %d per column of %d", len(src), len(dst), dims, nc))
	}
	for off := 0; off < len(src); off += dims * nc {
		s, d := src[off:off+dims*nc], dst[off:off+dims*nc]
		if dims == 1 {
			for i, j := range t.Perm {
				d[i] = s[j]
			}
			continue
		}
		for i, j := range t.Perm {
			x, y := float64(s[j]), float64(s[nc+j])
			d[i] = float32(t.M[0][0]*x + t.M[0][1]*y)
			d[nc+i] = float32(t.M[1][0]*x + t.M[1][1]*y)
		}
	}
}

// movie returns the index into s.seqs of movie g of split: validation
// movies in order, cycled; training movies in a fresh random order every
// pass over them (flyvis's SubsetRandomSampler), drawn from (Seed, pass).
func (s *Sintel) movie(split Split, g int) int {
	if g < 0 {
		panic(fmt.Sprintf("opticflow: movie %d", g))
	}
	if split == Validation {
		return s.val[g%len(s.val)]
	}
	n := len(s.train)
	rng := rand.New(rand.NewPCG(s.cfg.Seed, 1<<62^uint64(g/n)))
	return s.train[rng.Perm(n)[g%n]]
}

// augmentation is one movie's draw of flyvis's augmentations.
type augmentation struct {
	start                int     // first Sintel frame (flyvis CropFrames)
	flip, rot            int     // HexFlip axis and HexRotate steps
	contrast, brightness float64 // ContrastBrightness factors
}

// draw draws movie g's augmentations as flyvis's set_or_sample does, from
// a generator seeded with (Seed, split, g); frames is the rendered
// scene's length.
func (s *Sintel) draw(rng *rand.Rand, frames int) augmentation {
	c := s.cfg
	var a augmentation
	if rng.Float64() < c.PRot {
		a.rot = 1 + rng.IntN(5)
	}
	if rng.Float64() < c.PFlip {
		a.flip = 1 + rng.IntN(3)
	}
	a.contrast = math.Exp(c.Contrast * rng.NormFloat64())
	a.brightness = c.Brightness * rng.NormFloat64()
	// numpy randint(0, total − n_frames or 1): the last start is never drawn
	a.start = rng.IntN(max(frames-c.Frames, 1))
	return a
}

// sample writes movie g of split (sequence q of scene r) into x,
// [frames][columns], and v, [frames][2][columns]: flyvis's
// MultiTaskSintel.apply_augmentation — a temporal crop of Frames Sintel
// frames; for training, noise then contrast and brightness on the
// columns (clamped at 0), a flip and a rotation of frames and flow; then
// the frames resampled piecewise constant (nearest-exact) and the flow
// linearly (align_corners) to 1/Dt.
func (s *Sintel) sample(x, v []float32, r *renderedScene, q int, split Split, g int) {
	c, nc, nf, ns := s.cfg, s.Columns(), s.cfg.Frames, s.cfg.Splits
	j := s.seqs[q].split
	lum, flow := make([]float32, nf*nc), make([]float32, nf*2*nc)
	a := augmentation{}
	rng := rand.New(rand.NewPCG(c.Seed, uint64(split)<<56^uint64(g)))
	augment := split == Train && !c.NoAugment
	if augment {
		a = s.draw(rng, r.frames)
	}
	for f := range nf {
		t := a.start + f
		copy(lum[f*nc:(f+1)*nc], r.lum[(t*ns+j)*nc:])
		copy(flow[f*2*nc:(f+1)*2*nc], r.flow[(t*ns+j)*2*nc:])
	}
	if augment {
		for i, l := range lum {
			l += float32(c.Noise * rng.NormFloat64())
			l = max(l, 0)
			lum[i] = max(float32(a.contrast*(float64(l)-0.5)+0.5+a.contrast*a.brightness), 0)
		}
		if a.flip != 0 || a.rot != 0 {
			t := s.transform(a.flip, a.rot)
			tl, tf := make([]float32, len(lum)), make([]float32, len(flow))
			t.Apply(tl, lum, 1)
			t.Apply(tf, flow, 2)
			lum, flow = tl, tf
		}
	}
	resample(x, v, lum, flow, nf, s.nOut, nc)
}

// resample writes lum, [in][columns], resampled piecewise constant to x,
// [out][columns] (torch interpolate, mode "nearest-exact": frame
// floor((o + 1/2)·in/out)), and flow, [in][2][columns], linearly to v,
// [out][2][columns] (mode "linear", align_corners: position o·(in −
// 1)/(out − 1)), as flyvis's Interpolate resamples Sintel's 24 frames/s
// to 1/dt.
func resample(x, v, lum, flow []float32, in, out, nc int) {
	for o := range out {
		src := min(int((float64(o)+0.5)*float64(in)/float64(out)), in-1)
		copy(x[o*nc:(o+1)*nc], lum[src*nc:])
		pos := 0.0
		if out > 1 {
			pos = float64(o) * float64(in-1) / float64(out-1)
		}
		i0 := min(int(pos), in-1)
		i1, l := min(i0+1, in-1), float32(pos-float64(i0))
		for k := range 2 * nc {
			v[o*2*nc+k] = (1-l)*flow[i0*2*nc+k] + l*flow[i1*2*nc+k]
		}
	}
}

// transform returns the lattice symmetry of a flip and a rotation.
func (s *Sintel) transform(flip, rot int) HexTransform {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := flip*6 + rot
	if s.transforms == nil {
		s.transforms = map[int]HexTransform{}
	}
	t, ok := s.transforms[key]
	if !ok {
		t = NewHexTransform(s.cfg.Extent, flip, rot)
		s.transforms[key] = t
	}
	return t
}

// Batch writes movies start … start+batch−1 of split as a batch: frames
// [frames][batch][columns] and flow [frames][batch][2][columns], with
// batch = len(frames)/(frames×columns) and frames = Config().Frames. The
// scenes are read on first use; a read error leaves the batch zero and is
// kept for Err. Training movies are augmented (unless NoAugment), each
// from a generator seeded with (Seed, split, movie), so that a batch
// depends on its arguments alone.
func (s *Sintel) Batch(frames, flow []float32, split Split, start int) {
	nf, nc := s.nOut, s.Columns()
	batch := len(frames) / (nf * nc)
	if batch < 1 || len(frames) != nf*batch*nc || len(flow) != 2*len(frames) {
		panic(fmt.Sprintf("opticflow: batch of %d frame and %d flow values for %d frames of %d columns", len(frames), len(flow), nf, nc))
	}
	qs, rs := make([]int, batch), make([]*renderedScene, batch)
	for b := range batch {
		qs[b] = s.movie(split, start+b)
		r, err := s.scene(s.seqs[qs[b]].scene)
		if err != nil {
			s.setErr(err)
			clear(frames)
			clear(flow)
			return
		}
		rs[b] = r
	}
	team.For(batch, 1, func(b0, b1 int) {
		x, v := make([]float32, nf*nc), make([]float32, nf*2*nc)
		for b := b0; b < b1; b++ {
			s.sample(x, v, rs[b], qs[b], split, start+b)
			for f := range nf {
				copy(frames[(f*batch+b)*nc:], x[f*nc:(f+1)*nc])
				copy(flow[(f*batch+b)*2*nc:], v[f*2*nc:(f+1)*2*nc])
			}
		}
	})
}
