package opticflow

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
)

// Tolerances: the flow map is computed in float64 (errors ~1e-12 pixels);
// frames and flow are stored as float32 (relative ~6e-8 of values ≲ 10).
const (
	mapTol  = 1e-9
	f32Tol  = 1e-5
	boxTol  = 1e-9
	extentS = 2 // a small eye for the pixel-by-pixel checks
)

func randomZ(rng *rand.Rand) complex128 {
	return complex(400*(2*rng.Float64()-1), 400*(2*rng.Float64()-1))
}

// A translated texture's flow is the translation, everywhere.
func TestTranslationFlow(t *testing.T) {
	m := Motion{T: complex(120, -75)}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		z := randomZ(rng)
		if d := m.Displacement(z, 0.02); cmplx.Abs(d-m.T*0.02) > mapTol {
			t.Fatalf("displacement %v at %v, want %v", d, z, m.T*0.02)
		}
	}
}

// The flow map is a flow: Φ_{−t}∘Φ_t is the identity, Φ_s∘Φ_t = Φ_{s+t},
// and its time derivative is the vector field μ(z − c) + T, also for
// rotations and expansions (and tiny μ, where the series is used).
func TestMotionIsFlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, m := range []Motion{
		{Mu: complex(0, 1.5), Centre: complex(30, -20)},
		{Mu: complex(-1.2, 0), Centre: complex(-50, 10)},
		{Mu: complex(0.7, -0.9), Centre: complex(5, 5), T: complex(-80, 200)},
		{Mu: complex(1e-7, 0), T: complex(10, 0)},
	} {
		for range 50 {
			z, s, u := randomZ(rng), rng.Float64(), rng.Float64()
			if w := m.Map(m.Map(z, s), -s); cmplx.Abs(w-z) > mapTol {
				t.Fatalf("%+v: Φ_−s(Φ_s(%v)) = %v", m, z, w)
			}
			if a, b := m.Map(m.Map(z, s), u), m.Map(z, s+u); cmplx.Abs(a-b) > 1e-8*(1+cmplx.Abs(b)) {
				t.Fatalf("%+v: Φ_u∘Φ_s = %v, Φ_{s+u} = %v", m, a, b)
			}
			const h = 1e-5
			fd := (m.Map(z, s+h) - m.Map(z, s-h)) / (2 * h)
			z1 := m.Map(z, s)
			if v := m.Mu*(z1-m.Centre) + m.T; cmplx.Abs(fd-v) > 1e-5*(1+cmplx.Abs(v)) {
				t.Fatalf("%+v: dΦ/dt = %v, field %v", m, fd, v)
			}
		}
	}
}

// What the scene shows at z at time t it shows at z + flow(z) one frame
// later: rendering and flow agree, for every kind of scene.
func TestRenderingFollowsFlow(t *testing.T) {
	d, err := New(Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	const dt = 0.02
	kinds := map[[2]int]bool{}
	for i := range 40 {
		s := d.Scene(Train, i)
		kinds[[2]int{int(s.MotionKind), int(s.TextureKind)}] = true
		for range 20 {
			z, tt := randomZ(rng), 0.3*rng.Float64()
			a := s.At(z, tt)
			b := s.At(z+s.Motion.Displacement(z, dt), tt+dt)
			if math.Abs(a-b) > 1e-9 {
				t.Fatalf("scene %d (%v, %v): %v at %v, t=%v; %v one frame later at the flow's end", i, s.MotionKind, s.TextureKind, a, z, tt, b)
			}
		}
	}
	if len(kinds) < 12 {
		t.Errorf("40 scenes drew only %d of the 16 motion and texture kinds", len(kinds))
	}
}

// The closed-form box mean (waves) and the shortcuts for shapes that do
// not cross the box agree with the mean of the pixels.
func TestBoxMean(t *testing.T) {
	d, _ := New(Config{Seed: 4})
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range 16 {
		s := d.Scene(Validation, i)
		for _, k := range []int{13, 4} {
			z0, tt := complex(float64(rng.IntN(400)-200), float64(rng.IntN(400)-200)), 0.36*rng.Float64()
			var sum float64
			lo := -(k / 2)
			for j := lo; j < lo+k; j++ {
				for l := lo; l < lo+k; l++ {
					sum += s.At(z0+complex(float64(l), float64(j)), tt)
				}
			}
			if got, want := s.BoxMean(z0, k, tt), sum/float64(k*k); math.Abs(got-want) > boxTol {
				t.Fatalf("scene %d, kernel %d: box mean %v, pixels' mean %v", i, k, got, want)
			}
		}
	}
}

// Sample is opticlobe's BoxEye applied to the rendered frames and to the
// rendered flow field.
func TestSampleIsEyeOfRendering(t *testing.T) {
	d, err := New(Config{Extent: extentS, Frames: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	eye := opticlobe.NewEye(extentS, opticlobe.DefaultKernel)
	mh, mw := eye.MinSize()
	h, w := mh+2*opticlobe.DefaultKernel, mw+2*opticlobe.DefaultKernel // no padding at the borders
	nc, nf := d.Columns(), 3
	frames, flow := make([]float32, nf*nc), make([]float32, nf*2*nc)
	want := make([]float32, nc)
	for i := range 8 {
		s := d.Scene(Train, i)
		d.Sample(frames, flow, s)
		for f := range nf {
			eye.Sample(want, s.Render(float64(f)*0.02, h, w), h, w)
			expectClose(t, "frame", frames[f*nc:(f+1)*nc], want)
		}
		fx, fy := make([]float32, h*w), make([]float32, h*w)
		for r := range h {
			for c := range w {
				v := s.Motion.Displacement(complex(float64(c-w/2), float64(r-h/2)), 0.02)
				fx[r*w+c], fy[r*w+c] = float32(real(v)), float32(imag(v))
			}
		}
		// flyvis's units: the box sum of the displacement over the
		// height of the eye's frame, y up
		scale := float64(opticlobe.DefaultKernel*opticlobe.DefaultKernel) / float64(mh)
		if d.FlowScale() != scale {
			t.Fatalf("flow scale %v, want %v", d.FlowScale(), scale)
		}
		eye.Sample(want, fx, h, w)
		expectClose(t, "flow x", flow[2*nc:3*nc], scaled(want, scale))
		eye.Sample(want, fy, h, w)
		expectClose(t, "flow y", flow[(2*nf-1)*nc:], scaled(want, -scale))
	}
}

func scaled(v []float32, s float64) []float32 {
	w := make([]float32, len(v))
	for i, x := range v {
		w[i] = float32(float64(x) * s)
	}
	return w
}

func expectClose(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for c := range want {
		if math.Abs(float64(got[c]-want[c])) > f32Tol*(1+math.Abs(float64(want[c]))) {
			t.Fatalf("%s, column %d: %v sampled, %v by the eye", what, c, got[c], want[c])
		}
	}
}

// A batch lays out the scenes' samples as [frames][batch][columns] and
// [frames][batch][2][columns]; the same seed gives the same batch, the
// other split or seed another.
func TestBatch(t *testing.T) {
	d, _ := New(Config{Extent: extentS, Frames: 4, Seed: 6})
	nc, nf, b := d.Columns(), 4, 3
	x, v := make([]float32, nf*b*nc), make([]float32, nf*b*2*nc)
	d.Batch(x, v, Train, 10)
	fr, fl := make([]float32, nf*nc), make([]float32, nf*2*nc)
	for s := range b {
		d.Sample(fr, fl, d.Scene(Train, 10+s))
		for f := range nf {
			for c := range nc {
				if x[(f*b+s)*nc+c] != fr[f*nc+c] {
					t.Fatalf("frame %d sample %d column %d differs", f, s, c)
				}
				for ch := range 2 {
					if v[((f*b+s)*2+ch)*nc+c] != fl[(f*2+ch)*nc+c] {
						t.Fatalf("flow %d sample %d channel %d column %d differs", f, s, ch, c)
					}
				}
			}
		}
	}
	x2, v2 := make([]float32, len(x)), make([]float32, len(v))
	d.Batch(x2, v2, Validation, 10)
	if x2[0] == x[0] && x2[len(x2)-1] == x[len(x)-1] {
		t.Error("the validation split repeats the training scenes")
	}
	d2, _ := New(Config{Extent: extentS, Frames: 4, Seed: 6})
	d2.Batch(x2, v2, Train, 10)
	for i := range x {
		if x2[i] != x[i] {
			t.Fatal("the same seed gave another batch")
		}
	}
}

// The noise has natural images' spectrum: equal amplitudes at
// log-uniform wavelengths, so the power per octave of wavelength is flat.
func TestNoiseSpectrum(t *testing.T) {
	d, _ := New(Config{Seed: 7})
	var short, long float64 // power at wavelengths 6–69 px and 69–800 px (equal log spans)
	for i := range 200 {
		for _, w := range d.Scene(Train, i).Texture.Waves {
			if 2*math.Pi/cmplx.Abs(w.K) < math.Sqrt(6*800) {
				short += w.Amp * w.Amp
			} else {
				long += w.Amp * w.Amp
			}
		}
	}
	if r := short / long; r < 0.9 || r > 1.1 {
		t.Errorf("power ratio of the two halves of the log-wavelength range %v, want about 1", r)
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []Config{{Frames: -1}, {Dt: -1}, {Speed: math.Inf(1)}, {Kernel: -2}} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// BenchmarkBatch4 generates one training batch of flyvis's shape: 4
// movies of 19 frames on 721 columns.
func BenchmarkBatch4(b *testing.B) {
	d, _ := New(Config{Seed: 8})
	x, v := make([]float32, 19*4*d.Columns()), make([]float32, 19*4*2*d.Columns())
	for i := 0; b.Loop(); i++ {
		d.Batch(x, v, Train, 4*i)
	}
}

// The motion is in the sampled movie where the sampled flow says: for
// translations, a Lucas–Kanade estimate over the whole eye (the
// brightness-constancy least squares, spatial gradients fitted over each
// column's neighbours) finds the displacement between frames that the
// flow gives, in direction (flow's y up) and size.
func TestSampledMotionIsRecoverable(t *testing.T) {
	d, err := New(Config{Extent: 8})
	if err != nil {
		t.Fatal(err)
	}
	nf, nc := d.cfg.Frames, d.Columns()
	frames, flow := make([]float32, nf*nc), make([]float32, nf*2*nc)
	spacing := math.Inf(1)
	for c := 1; c < nc; c++ {
		spacing = min(spacing, cmplx.Abs(d.zs[c]-d.zs[0]))
	}
	n := 0
	for i := 0; n < 8; i++ {
		s := d.Scene(Train, i)
		if s.MotionKind != Translation || cmplx.Abs(s.Motion.T) < 50 {
			continue
		}
		n++
		d.Sample(frames, flow, s)
		var a11, a12, a22, b1, b2 float64
		for f := 1; f < nf; f++ {
			i0, i1 := frames[(f-1)*nc:f*nc], frames[f*nc:(f+1)*nc]
			for c := range nc {
				var g11, g12, g22, h1, h2 float64
				for c2 := range nc {
					dz := d.zs[c2] - d.zs[c]
					if r := cmplx.Abs(dz); r == 0 || r > 1.5*spacing {
						continue
					}
					dv := float64(i0[c2]+i1[c2]-i0[c]-i1[c]) / 2
					x, y := real(dz), imag(dz)
					g11, g12, g22, h1, h2 = g11+x*x, g12+x*y, g22+y*y, h1+x*dv, h2+y*dv
				}
				det := g11*g22 - g12*g12
				gx, gy := (g22*h1-g12*h2)/det, (g11*h2-g12*h1)/det
				it := float64(i1[c] - i0[c])
				a11, a12, a22, b1, b2 = a11+gx*gx, a12+gx*gy, a22+gy*gy, b1-gx*it, b2-gy*it
			}
		}
		det := a11*a22 - a12*a12
		lk := complex((a22*b1-a12*b2)/det, -(a11*b2-a12*b1)/det) // pixels a frame, y up as the flow
		fl := complex(float64(flow[0]), float64(flow[nc])) / complex(d.FlowScale(), 0)
		angle := math.Abs(cmplx.Phase(lk / fl))
		if ratio := cmplx.Abs(lk) / cmplx.Abs(fl); angle > 15*math.Pi/180 || ratio < 0.8 || ratio > 1.6 {
			t.Errorf("scene %d: Lucas–Kanade %.2f pixels a frame, flow %.2f: %.0f° apart, ratio %.2f", i, lk, fl, angle*180/math.Pi, ratio)
		}
	}
}
