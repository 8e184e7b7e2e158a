package opticflow

import (
	"math"
	"math/cmplx"
)

// Motion is a steady linear vector field dz/dt = Mu·(z − Centre) + T in
// scene coordinates (see the package doc).
type Motion struct {
	Mu     complex128 // expansion rate (real, 1/s) + i·rotation rate (imaginary, rad/s)
	Centre complex128 // centre of rotation and expansion, pixels
	T      complex128 // translation velocity, pixels/s
}

// Map returns Φ_t(z), where the scene point at z moves in time t (t < 0:
// where the point now at z was −t earlier).
func (m Motion) Map(z complex128, t float64) complex128 {
	a, e := m.coef(t)
	return m.Centre + a*(z-m.Centre) + m.T*e
}

// coef returns e^{μt} and (e^{μt} − 1)/μ (its limit t for μ → 0).
func (m Motion) coef(t float64) (a, e complex128) {
	x := m.Mu * complex(t, 0)
	a = cmplx.Exp(x)
	if cmplx.Abs(x) < 1e-4 {
		// series of (e^x − 1)/x to x³: the error is below 1e-20
		return a, complex(t, 0) * (1 + x/2 + x*x/6 + x*x*x/24)
	}
	return a, (a - 1) / m.Mu
}

// Affine returns A and B with Φ_t(z) = A·z + B.
func (m Motion) Affine(t float64) (a, b complex128) {
	a, e := m.coef(t)
	return a, m.Centre - a*m.Centre + m.T*e
}

// Displacement returns Φ_dt(z) − z: where the scene point at z goes in
// time dt, relative to z.
func (m Motion) Displacement(z complex128, dt float64) complex128 { return m.Map(z, dt) - z }

// Texture is a luminance pattern on the plane, relative to the mean
// luminance 0.5: a sum of sinusoids (noise with a 1/f amplitude
// spectrum), sharp edges between half-planes and discs.
type Texture struct {
	Waves []Wave
	Edges []Edge
	Dots  []Dot
}

// Wave is the sinusoid Amp·cos(Re(conj(K)·z) + Phase).
type Wave struct {
	K          complex128 // wave vector kx + i·ky, rad/pixel
	Amp, Phase float64
}

// Edge adds Amp on the side Re(conj(N)·z) > D of a line and −Amp on the
// other.
type Edge struct {
	N      complex128 // unit normal
	D, Amp float64    // offset (pixels) and contrast
}

// Dot adds Amp inside the disc |z − C| < R.
type Dot struct {
	C      complex128
	R, Amp float64
}

// At returns the texture's value at z.
func (x *Texture) At(z complex128) float64 {
	var v float64
	for _, w := range x.Waves {
		v += w.Amp * math.Cos(dotC(w.K, z)+w.Phase)
	}
	return v + x.shapesAt(z, x.Edges, x.Dots)
}

// shapesAt returns the sum of the given edges and dots at z.
func (x *Texture) shapesAt(z complex128, edges []Edge, dots []Dot) float64 {
	var v float64
	for _, e := range edges {
		if dotC(e.N, z) > e.D {
			v += e.Amp
		} else {
			v -= e.Amp
		}
	}
	for _, d := range dots {
		if q := z - d.C; real(q)*real(q)+imag(q)*imag(q) < d.R*d.R {
			v += d.Amp
		}
	}
	return v
}

// dotC returns Re(conj(k)·z), the dot product of k and z as vectors.
func dotC(k, z complex128) float64 { return real(k)*real(z) + imag(k)*imag(z) }

// Scene is a texture moving with a motion.
type Scene struct {
	Texture     Texture
	Motion      Motion
	MotionKind  MotionKind  // what the motion was drawn as
	TextureKind TextureKind // what the texture was drawn as
}

// At returns the luminance at pixel offset z (from the image centre) at
// time t: 0.5 plus the texture at Φ_{−t}(z).
func (s *Scene) At(z complex128, t float64) float64 {
	return 0.5 + s.Texture.At(s.Motion.Map(z, -t))
}

// Render returns the h×w image (row-major) of the scene at time t, pixel
// (row r, column c) at z = (c − w/2) + i(r − h/2).
func (s *Scene) Render(t float64, h, w int) []float32 {
	img := make([]float32, h*w)
	for r := range h {
		for c := range w {
			img[r*w+c] = float32(s.At(complex(float64(c-w/2), float64(r-h/2)), t))
		}
	}
	return img
}

// BoxMean returns the mean luminance at time t over the k×k pixels
// z0 + (j, l), j and l from −k/2 to k−1−k/2 (an opticlobe.Eye box
// centred at pixel offset z0).
func (s *Scene) BoxMean(z0 complex128, k int, t float64) float64 {
	return s.boxPlan(k, t).mean(z0)
}

// boxPlan holds what BoxMean computes once per time and box size, for
// the boxes of every column.
type boxPlan struct {
	s         *Scene
	k, lo     int
	mid, a, b complex128 // the box's mean offset; Φ_{−t}(z) = a·z + b
	rho       float64    // half-diagonal of a box's image in the texture
	waves     []planWave
}

// planWave is a wave seen through Φ_{−t}: its vector conj(a)·K, its phase
// shift Re(conj(K)·b) and its Dirichlet kernels.
type planWave struct {
	kk             complex128
	amp, kb, phase float64
	dx, dy         float64
}

// boxPlan returns the plan of boxes of side k at time t.
func (s *Scene) boxPlan(k int, t float64) *boxPlan {
	a, b := s.Motion.Affine(-t)
	lo := -(k / 2)
	p := &boxPlan{s: s, k: k, lo: lo, a: a, b: b, mid: complex(float64(lo)+float64(k-1)/2, float64(lo)+float64(k-1)/2),
		rho: cmplx.Abs(a) * float64(k) * math.Sqrt2 / 2, waves: make([]planWave, len(s.Texture.Waves))}
	for i, w := range s.Texture.Waves {
		kk := cmplx.Conj(a) * w.K
		p.waves[i] = planWave{kk: kk, amp: w.Amp, kb: dotC(w.K, b), phase: w.Phase, dx: dirichlet(real(kk), k), dy: dirichlet(imag(kk), k)}
	}
	return p
}

// mean is BoxMean of the box at z0.
func (p *boxPlan) mean(z0 complex128) float64 {
	// The waves, in closed form: a wave seen through z ↦ a·z + b is the
	// wave of vector conj(a)·K; its mean over the box offsets is its value
	// at the mean offset times the Dirichlet kernels of kx and ky.
	v := 0.5
	for _, w := range p.waves {
		v += w.amp * math.Cos(dotC(w.kk, z0+p.mid)+w.kb+w.phase) * w.dx * w.dy
	}
	return p.shapes(z0, v)
}

// boxGrid is a set of boxes (an eye's columns) by the distinct
// coordinates of their centres z0: the box at (xs[ix[c]], ys[iy[c]]).
type boxGrid struct {
	xs, ys []float64 // distinct real and imaginary parts of the centres
	ix, iy []int     // [boxes] each box's index in xs and ys
}

// newBoxGrid returns the grid of boxes centred at zs.
func newBoxGrid(zs []complex128) *boxGrid {
	g := &boxGrid{ix: make([]int, len(zs)), iy: make([]int, len(zs))}
	index := func(vals *[]float64, v float64) int {
		for i, u := range *vals {
			if u == v {
				return i
			}
		}
		*vals = append(*vals, v)
		return len(*vals) - 1
	}
	for c, z := range zs {
		g.ix[c], g.iy[c] = index(&g.xs, real(z)), index(&g.ys, imag(z))
	}
	return g
}

// means writes to dst[c] (as float32) the mean of box c of grid g, box
// centres zs: mean's values, the waves' cosines taken as the real part
// of A·e^{i(kx·x + Re(conj(K)·b) + phase)}·e^{i·ky·y}, A the wave's
// amplitude times its Dirichlet kernels, whose factors are computed once
// per distinct x and y and laid out by coordinate, then wave, so that a
// box's sum over the waves reads them in sequence (the difference from
// mean's math.Cos is a few float64 roundings). ex and ey are scratch,
// returned for reuse.
func (p *boxPlan) means(dst []float32, zs []complex128, g *boxGrid, ex, ey []float64) ([]float64, []float64) {
	nw := len(p.waves)
	ex, ey = grow(ex, 2*nw*len(g.xs)), grow(ey, 2*nw*len(g.ys)) // every value is written below
	for w, wv := range p.waves {
		amp := wv.amp * wv.dx * wv.dy
		for i, x := range g.xs {
			s, c := math.Sincos(real(wv.kk)*(x+real(p.mid)) + wv.kb + wv.phase)
			ex[2*i*nw+w], ex[(2*i+1)*nw+w] = amp*c, amp*s
		}
		for i, y := range g.ys {
			s, c := math.Sincos(imag(wv.kk) * (y + imag(p.mid)))
			ey[2*i*nw+w], ey[(2*i+1)*nw+w] = c, s
		}
	}
	for c, z0 := range zs {
		ix, iy := 2*int(g.ix[c])*nw, 2*int(g.iy[c])*nw
		ar, ai := ex[ix:ix+nw], ex[ix+nw:ix+2*nw]
		br, bi := ey[iy:iy+nw:iy+nw], ey[iy+nw:iy+2*nw:iy+2*nw]
		br, bi = br[:len(ar)], bi[:len(ar)]
		ai = ai[:len(ar)]
		v := 0.5
		for w, a := range ar {
			v += a*br[w] - ai[w]*bi[w]
		}
		dst[c] = float32(p.shapes(z0, v))
	}
	return ex, ey
}

// grow returns s resized to n values, reallocated only when too small
// (the values are not cleared).
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// shapes returns v plus the mean of the texture's edges and dots over the
// box at z0.
func (p *boxPlan) shapes(z0 complex128, v float64) float64 {
	a, b, k, lo := p.a, p.b, p.k, p.lo
	// The shapes: those that do not cross the box (whose image in the
	// texture is a square of half-diagonal ρ about zc) add a constant.
	zc, rho := a*(z0+p.mid)+b, p.rho
	var edges []Edge
	var dots []Dot
	for _, e := range p.s.Texture.Edges {
		switch d := dotC(e.N, zc) - e.D; {
		case d > rho:
			v += e.Amp
		case d < -rho:
			v -= e.Amp
		default:
			edges = append(edges, e)
		}
	}
	for _, d := range p.s.Texture.Dots {
		switch r := cmplx.Abs(zc - d.C); {
		case r > d.R+rho:
		case r+rho < d.R:
			v += d.Amp
		default:
			dots = append(dots, d)
		}
	}
	if len(edges)+len(dots) == 0 {
		return v
	}
	var sum float64
	for j := lo; j < lo+k; j++ {
		for l := lo; l < lo+k; l++ {
			sum += p.s.Texture.shapesAt(a*(z0+complex(float64(l), float64(j)))+b, edges, dots)
		}
	}
	return v + sum/float64(k*k)
}

// dirichlet returns the mean of e^{iωj} over k consecutive integers j,
// relative to its value at their mean: sin(kω/2)/(k·sin(ω/2)), 1 at ω = 0.
func dirichlet(w float64, k int) float64 {
	s := math.Sin(w / 2)
	if math.Abs(s) < 1e-12 {
		// ω = 2πm: the limit is (−1)^{m(k−1)}
		if m := int(math.Round(w / (2 * math.Pi))); m*(k-1)%2 != 0 {
			return -1
		}
		return 1
	}
	return math.Sin(float64(k)*w/2) / (float64(k) * s)
}
