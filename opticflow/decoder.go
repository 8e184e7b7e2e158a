package opticflow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/opticlobe"
)

// DecoderConfig is flyvis's DecoderGAVP for the flow task
// (flyvis/config/task/task.yaml); zero values mean its defaults.
type DecoderConfig struct {
	Hidden      int     // channels of the hidden layer; 0: 8 (shape [8, 2])
	Kernel      int     // odd side of the hexagonal kernels; 0: 5
	Dropout     float64 // dropout probability after the hidden layer; 0: 0.5 (negative: none)
	ConstWeight float64 // initial value of every weight and bias; 0: 0.001

	// UniformInit, not flyvis's, draws the convolutions' weights and
	// biases as torch's nn.Conv2d does by default, uniform in
	// ±1/sqrt(fan in), from the decoder's seed, instead of ConstWeight.
	// flyvis's constant start makes every hidden channel the same, and
	// only dropout's masks tell them apart.
	UniformInit bool

	// SubtractGrey, not flyvis's, is an experiment's option: the decoder
	// reads relu(V) less its value in the steady state under grey (Fit
	// sets Decoder.Baseline at each steady state), so that it sees what the
	// movie changes and not the lattice border's static pattern.
	SubtractGrey bool
}

// Decoder indices of the parameters, in the order of Decoder.Params.
const (
	DW1    = iota // base.0.weight [hidden][outputs][k][k], hexagonal taps only
	DB1           // base.0.bias [hidden]
	DGamma        // base.1.weight [hidden] batch norm scale
	DBeta         // base.1.bias [hidden] batch norm shift
	DW2           // decoder.0.weight [3][hidden][k][k]
	DB2           // decoder.0.bias [3]
	numDecoderParams
)

// DecoderParamNames are the decoder's parameters by their names in
// flyvis's state dict of DecoderGAVP.
var DecoderParamNames = [numDecoderParams]string{"base.0.weight", "base.0.bias", "base.1.weight",
	"base.1.bias", "decoder.0.weight", "decoder.0.bias"}

// bnEps and bnMomentum are torch's BatchNorm2d defaults.
const (
	bnEps      = 1e-5
	bnMomentum = 0.1
)

// Decoder is flyvis's DecoderGAVP as a differentiable head, generic over
// the element type: the rectified activity of the output cell types
// (channels) is laid out on the (2e+1)×(2e+1) square map of the lattice's
// (u, v), zero off the lattice; a convolution with hexagonal kernels (the
// taps with |du|, |dv|, |du+dv| ≤ k/2, zero padding), batch norm over the
// images and map positions (training: batch statistics, updating the
// running ones; evaluation: the running ones), softplus and dropout; a
// second hexagonal convolution to three channels; the flow is the first
// two divided by softplus(the third) + 1, read at the lattice's columns.
// An image is one frame of one sample: images are [frames][batch].
type Decoder[T ode.Float] struct {
	Cfg              DecoderConfig
	P, G             [numDecoderParams][]T // parameters and their gradients
	RunMean, RunVar  []T                   // [hidden] batch norm running statistics
	Training         bool                  // batch statistics and dropout
	Baseline         []T                   // [neurons] subtracted from relu(V) before decoding (nil: none; DecoderConfig.SubtractGrey)
	xr               []T                   // with a Baseline: relu(V) as read, for relu's adjoint
	in, hidden, ncol int
	side, hw         int
	pos              []int32   // [columns] position of each column in the map
	src              [][]int32 // [channels][columns] neuron of each output type's column (-1: none)
	taps             []tap     // the hexagonal taps
	x, z1, xh, a1, m []T       // [images][channels or hidden][hw] input, conv, normalised, activation, dropout scale
	z2               []T       // [images][3][hw]
	out              []T       // [images][2][columns]
	den              []T       // [images][columns] softplus(the third output) + 1
	mean, invStd     []T       // [hidden]
	images           int
	rng              *rand.Rand
	pcg              *rand.PCG        // rng's source: its state is saved for resuming
	gz2, ga, gx      []T              // Backward's gradients of z2, of the hidden layer, of x
	ps               int              // side of the padded maps of the convolutions (side + kernel − 1)
	scratch          []convScratch[T] // per part of conv and convBack
}

// tap is a kernel position: its index in the k×k kernel and its offset in
// a padded map (decoder_conv.go).
type tap struct{ k, off int }

// NewDecoder returns the decoder reading the output cell types of net
// with all weights and biases at cfg.ConstWeight (flyvis's
// initialisation), the batch norm's scale 1 and shift 0; dropout masks are
// drawn from seed. It panics for an even kernel.
func NewDecoder[T ode.Float](net *opticlobe.Network, cfg DecoderConfig, seed uint64) *Decoder[T] {
	if cfg.Hidden == 0 {
		cfg.Hidden = 8
	}
	if cfg.Kernel == 0 {
		cfg.Kernel = 5
	}
	if cfg.Dropout == 0 {
		cfg.Dropout = 0.5
	}
	if cfg.ConstWeight == 0 {
		cfg.ConstWeight = 0.001
	}
	if cfg.Kernel%2 == 0 || cfg.Hidden < 1 {
		panic(fmt.Sprintf("opticflow: decoder kernel %d must be odd and hidden channels %d positive", cfg.Kernel, cfg.Hidden))
	}
	e := net.Extent
	var src [][]int32
	for _, name := range net.Spec.OutputUnits {
		s, en, _ := net.TypeNeurons(name)
		idx := make([]int32, opticlobe.ColumnCount(e))
		for i := range idx {
			idx[i] = -1
		}
		for i := s; i < en; i++ {
			if c := opticlobe.ColumnIndex(e, int(net.U[i]), int(net.V[i])); c >= 0 {
				idx[c] = int32(i)
			}
		}
		src = append(src, idx)
	}
	return newDecoder[T](e, src, cfg, seed)
}

// newDecoder returns the decoder on the lattice of the given extent whose
// input channel ch reads, at column c, state variable src[ch][c] (-1:
// none).
func newDecoder[T ode.Float](e int, src [][]int32, cfg DecoderConfig, seed uint64) *Decoder[T] {
	d := &Decoder[T]{Cfg: cfg, in: len(src), src: src, hidden: cfg.Hidden, side: 2*e + 1,
		ncol: opticlobe.ColumnCount(e), Training: true, pcg: rand.NewPCG(seed, 0x0de)}
	d.rng = rand.New(d.pcg)
	d.hw = d.side * d.side
	for _, c := range opticlobe.Columns(e) {
		d.pos = append(d.pos, int32((c.U+e)*d.side+c.V+e))
	}
	k, r := cfg.Kernel, cfg.Kernel/2
	d.ps = d.side + 2*r
	for du := -r; du <= r; du++ {
		for dv := -r; dv <= r; dv++ {
			if du+dv >= -r && du+dv <= r {
				d.taps = append(d.taps, tap{k: (du+r)*k + dv + r, off: du*d.ps + dv})
			}
		}
	}
	shapes := [numDecoderParams]int{d.hidden * d.in * k * k, d.hidden, d.hidden, d.hidden, 3 * d.hidden * k * k, 3}
	for i, n := range shapes {
		d.P[i], d.G[i] = make([]T, n), make([]T, n)
	}
	init := rand.New(rand.NewPCG(seed, 0x1417))
	for _, i := range []int{DW1, DB1, DW2, DB2} {
		fanIn := d.in * k * k
		if i == DW2 || i == DB2 {
			fanIn = d.hidden * k * k
		}
		bound := 1 / math.Sqrt(float64(fanIn))
		for q := range d.P[i] {
			if i == DB1 || i == DB2 || d.isTap(q%(k*k)) {
				d.P[i][q] = T(cfg.ConstWeight)
				if cfg.UniformInit {
					d.P[i][q] = T(bound * (2*init.Float64() - 1))
				}
			}
		}
	}
	for q := range d.hidden {
		d.P[DGamma][q] = 1
	}
	d.RunMean, d.RunVar = make([]T, d.hidden), make([]T, d.hidden)
	for q := range d.RunVar {
		d.RunVar[q] = 1
	}
	d.mean, d.invStd = make([]T, d.hidden), make([]T, d.hidden)
	return d
}

// isTap reports whether kernel position q is one of the hexagonal taps.
func (d *Decoder[T]) isTap(q int) bool {
	for _, t := range d.taps {
		if t.k == q {
			return true
		}
	}
	return false
}

// Shapes returns the torch shapes of the parameters.
func (d *Decoder[T]) Shapes() [numDecoderParams][]int {
	k := d.Cfg.Kernel
	return [numDecoderParams][]int{{d.hidden, d.in, k, k}, {d.hidden}, {d.hidden}, {d.hidden}, {3, d.hidden, k, k}, {3}}
}

// grow sizes the buffers for n images.
func (d *Decoder[T]) grow(n int) {
	if d.images == n {
		return
	}
	d.images = n
	d.x = make([]T, n*d.in*d.hw)
	d.z1, d.xh, d.a1, d.m = make([]T, n*d.hidden*d.hw), make([]T, n*d.hidden*d.hw), make([]T, n*d.hidden*d.hw), make([]T, n*d.hidden*d.hw)
	d.z2, d.out, d.den = make([]T, n*3*d.hw), make([]T, n*2*d.ncol), make([]T, n*d.ncol)
	d.gz2, d.ga, d.gx = make([]T, n*3*d.hw), make([]T, n*d.hidden*d.hw), make([]T, n*d.in*d.hw)
}

// Forward decodes the states after each frame, states[f] [neurons][batch],
// into the flow, returned as [frames][batch][2][columns] (the decoder's
// buffer, valid until the next Forward).
func (d *Decoder[T]) Forward(states [][]T, batch int) []T {
	n := len(states) * batch
	d.grow(n)
	if d.Baseline != nil && len(d.xr) != len(d.x) {
		d.xr = make([]T, len(d.x))
	}
	d.eachMap(len(states), batch, func(f, ch, b, o int) { // the images, read from the states
		y, idx, m := states[f], d.src[ch], d.x[o:o+d.hw]
		clear(m)
		for c, i := range idx {
			if i >= 0 {
				m[d.pos[c]] = max(y[int(i)*batch+b], 0)
			}
		}
		if d.Baseline != nil {
			copy(d.xr[o:o+d.hw], m)
			for c, i := range idx {
				if i >= 0 {
					m[d.pos[c]] -= d.Baseline[i]
				}
			}
		}
	})
	d.conv(d.z1, d.x, d.P[DW1], d.P[DB1], n, d.in, d.hidden)
	d.batchNorm(n)
	// The dropout masks: one draw of the decoder's generator seeds a
	// counter-based one (SplitMix64 of the seed and the element's index),
	// so that they are drawn in parallel, the same on any number of cores.
	keep, drop := 1-d.Cfg.Dropout, d.Training && d.Cfg.Dropout > 0
	var seed uint64
	if drop {
		seed = d.rng.Uint64()
	}
	team.For(n*d.hidden, 1, func(r0, r1 int) { // the maps of (image, channel) r0 … r1−1
		for r := r0; r < r1; r++ {
			o, ch := r*d.hw, r%d.hidden
			m := d.m[o : o+d.hw]
			for p := range m {
				m[p] = 1
				if drop {
					m[p] = 0
					if float64(splitMix(seed, o+p)>>11)*0x1p-53 < keep {
						m[p] = T(1 / keep)
					}
				}
			}
			softplusAffine(d.a1[o:o+d.hw], d.xh[o:o+d.hw], m, d.P[DGamma][ch], d.P[DBeta][ch])
		}
	})
	d.conv(d.z2, d.a1, d.P[DW2], d.P[DB2], n, d.hidden, 3)
	team.For(n, 1, func(i0, i1 int) {
		for img := i0; img < i1; img++ {
			z := d.z2[img*3*d.hw:]
			for c, p := range d.pos {
				den := softplus(z[2*d.hw+int(p)]) + 1
				d.den[img*d.ncol+c] = den
				d.out[(img*2)*d.ncol+c] = z[int(p)] / den
				d.out[(img*2+1)*d.ncol+c] = z[d.hw+int(p)] / den
			}
		}
	})
	return d.out
}

// eachMap calls fn for the map of every frame f < frames, output type ch
// and sample b < batch of the decoder's input, o its offset in d.x;
// (frame, type) units in parallel.
func (d *Decoder[T]) eachMap(frames, batch int, fn func(f, ch, b, o int)) {
	team.For(frames*d.in, 1, func(u0, u1 int) {
		for u := u0; u < u1; u++ {
			f, ch := u/d.in, u%d.in
			for b := range batch {
				fn(f, ch, b, ((f*batch+b)*d.in+ch)*d.hw)
			}
		}
	})
}

// splitMix returns value i of the SplitMix64 sequence of seed (Steele,
// Lea and Flood 2014): a well-mixed 64-bit hash of seed + (i+1)·γ.
func splitMix(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// batchNorm normalises z1 into xh with the batch statistics (training,
// updating the running ones as torch) or the running ones. The channels
// go in parallel, each summed in the same order as alone.
func (d *Decoder[T]) batchNorm(n int) {
	cnt := n * d.hw
	team.For(d.hidden, 1, func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			if d.Training {
				var s, ss float64
				for img := range n {
					for _, v := range d.z1[(img*d.hidden+ch)*d.hw : (img*d.hidden+ch+1)*d.hw] {
						s += float64(v)
					}
				}
				m := s / float64(cnt)
				for img := range n {
					for _, v := range d.z1[(img*d.hidden+ch)*d.hw : (img*d.hidden+ch+1)*d.hw] {
						ss += (float64(v) - m) * (float64(v) - m)
					}
				}
				d.mean[ch], d.invStd[ch] = T(m), T(1/math.Sqrt(ss/float64(cnt)+bnEps))
				d.RunMean[ch] = T((1-bnMomentum)*float64(d.RunMean[ch]) + bnMomentum*m)
				d.RunVar[ch] = T((1-bnMomentum)*float64(d.RunVar[ch]) + bnMomentum*ss/float64(max(cnt-1, 1)))
			} else {
				d.mean[ch], d.invStd[ch] = d.RunMean[ch], T(1/math.Sqrt(float64(d.RunVar[ch])+bnEps))
			}
			for img := range n {
				o := (img*d.hidden + ch) * d.hw
				for p := range d.hw {
					d.xh[o+p] = (d.z1[o+p] - d.mean[ch]) * d.invStd[ch]
				}
			}
		}
	})
}

// ZeroGrad clears the parameters' gradients.
func (d *Decoder[T]) ZeroGrad() {
	for _, g := range d.G {
		clear(g)
	}
}

// Backward takes gflow, ∂L/∂flow ([frames][batch][2][columns]) of the
// last Forward, accumulates the parameters' gradients into G and adds
// ∂L/∂states to dstates (per frame [neurons][batch], which train hands
// zeroed; only the output types' neurons get any).
func (d *Decoder[T]) Backward(dstates [][]T, gflow []T, batch int) {
	n := d.images
	if len(gflow) != n*2*d.ncol || len(dstates)*batch != n {
		panic(fmt.Sprintf("opticflow: decoder backward of %d flow values and %d frames of batch %d after %d images", len(gflow), len(dstates), batch, n))
	}
	gz2 := d.gz2
	team.For(n, 1, func(i0, i1 int) {
		for img := i0; img < i1; img++ {
			z, g := d.z2[img*3*d.hw:], gz2[img*3*d.hw:]
			for c, p := range d.pos {
				den := d.den[img*d.ncol+c]
				gx, gy := gflow[(img*2)*d.ncol+c], gflow[(img*2+1)*d.ncol+c]
				g[p] = gx / den
				g[d.hw+int(p)] = gy / den
				num := gx*z[p] + gy*z[d.hw+int(p)]
				g[2*d.hw+int(p)] = -num / (den * den) * sigmoid(z[2*d.hw+int(p)])
			}
		}
	})
	ga := d.ga
	d.convBack(ga, d.G[DW2], d.G[DB2], gz2, d.a1, d.P[DW2], n, d.hidden, 3)
	// through dropout, softplus, the batch norm's affine map (ga becomes
	// ∂L/∂xh, γ's and β's gradients summed in the order of the images) and
	// the batch norm; the channels in parallel
	team.For(d.hidden, 1, func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			gamma, beta := d.P[DGamma][ch], d.P[DBeta][ch]
			gg, gb := d.G[DGamma][ch], d.G[DBeta][ch]
			for img := range n {
				o := (img*d.hidden + ch) * d.hw
				g, xh := ga[o:o+d.hw], d.xh[o:o+d.hw:o+d.hw]
				sigmoidGrad(g, xh, d.m[o:o+d.hw], gamma, beta)
				for p, v := range g {
					gg += v * xh[p]
					gb += v
					g[p] = v * gamma
				}
			}
			d.G[DGamma][ch], d.G[DBeta][ch] = gg, gb
			d.batchNormBack(ga, n, ch)
		}
	})
	gx := d.gx
	d.convBack(gx, d.G[DW1], d.G[DB1], ga, d.x, d.P[DW1], n, d.in, d.hidden)
	relu := d.x // relu(V) as read, whose sign is relu's adjoint
	if d.Baseline != nil {
		relu = d.xr
	}
	// each neuron is read by one (channel, column) at most, so the maps
	// write apart
	d.eachMap(len(dstates), batch, func(f, ch, b, o int) {
		dst, x, g := dstates[f], relu[o:o+d.hw], gx[o:o+d.hw]
		for c, i := range d.src[ch] {
			if p := d.pos[c]; i >= 0 && x[p] > 0 {
				dst[int(i)*batch+b] += g[p]
			}
		}
	})
	d.maskTaps()
}

// batchNormBack turns channel ch of g, ∂L/∂xh, into ∂L/∂z1 in place: with
// batch statistics, g·σ⁻¹ − mean(g)·σ⁻¹ − xh·mean(g·xh)·σ⁻¹.
func (d *Decoder[T]) batchNormBack(g []T, n, ch int) {
	is := d.invStd[ch]
	var sg, sgx float64
	if d.Training {
		for img := range n {
			o := (img*d.hidden + ch) * d.hw
			for p := range d.hw {
				sg += float64(g[o+p])
				sgx += float64(g[o+p] * d.xh[o+p])
			}
		}
		cnt := float64(n * d.hw)
		sg, sgx = sg/cnt, sgx/cnt
	}
	for img := range n {
		o := (img*d.hidden + ch) * d.hw
		for p := range d.hw {
			g[o+p] = (g[o+p] - T(sg) - d.xh[o+p]*T(sgx)) * is
		}
	}
}

// maskTaps zeroes the weights' gradients off the hexagonal taps (flyvis
// masks the weights themselves before every use).
func (d *Decoder[T]) maskTaps() {
	kk := d.Cfg.Kernel * d.Cfg.Kernel
	for _, i := range []int{DW1, DW2} {
		for q := range d.G[i] {
			if !d.isTap(q % kk) {
				d.G[i][q] = 0
			}
		}
	}
}

// L2Norm returns flyvis's l2norm loss of flow against target (both
// [frames][batch][2][columns]): the mean over samples of the root of the
// sum of squared errors over frames, channels and columns. When grad is
// not nil it receives ∂loss/∂flow.
func L2Norm[T ode.Float](grad, flow, target []T, frames, batch int) float64 {
	if len(flow) != len(target) || len(flow)%(frames*batch*2) != 0 || (grad != nil && len(grad) != len(flow)) {
		panic(fmt.Sprintf("opticflow: l2norm of %d and %d values (gradient %d) for %d frames of batch %d", len(flow), len(target), len(grad), frames, batch))
	}
	per := len(flow) / (frames * batch) // 2×columns
	norms := make([]float64, batch)
	for f := range frames {
		for b := range batch {
			o := (f*batch + b) * per
			for q := o; q < o+per; q++ {
				e := float64(flow[q] - target[q])
				norms[b] += e * e
			}
		}
	}
	var loss float64
	for b := range norms {
		norms[b] = math.Sqrt(norms[b])
		loss += norms[b] / float64(batch)
	}
	if grad != nil {
		for f := range frames {
			for b := range batch {
				o := (f*batch + b) * per
				for q := o; q < o+per; q++ {
					grad[q] = 0
					if norms[b] > 0 {
						grad[q] = T(float64(flow[q]-target[q]) / (norms[b] * float64(batch)))
					}
				}
			}
		}
	}
	return loss
}
