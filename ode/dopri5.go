package ode

import (
	"fmt"
	"math"
)

// Dormand–Prince 5(4) coefficients (Dormand & Prince 1980; Hairer, Nørsett
// & Wanner, Solving ODEs I, table 5.2). The seventh stage is evaluated at
// the new state (first same as last), so an accepted step costs six
// right-hand-side evaluations.
var (
	dpC = [7]float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	dpA = [7][6]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	// dpE is b − b̂, the difference of the fifth- and fourth-order weights,
	// which gives the local error estimate.
	dpE = [7]float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40}
	// dpD are the coefficients of Hairer's fourth-order continuous
	// extension (DOPRI5's CONTD5).
	dpD = [7]float64{-12715105075.0 / 11282082432, 0, 87487479700.0 / 32700410799,
		-10690763975.0 / 1880347072, 701980252875.0 / 199316789632,
		-1453857185.0 / 822651844, 69997945.0 / 29380423}
)

// Step-size controller constants: the integral controller of torchode
// (IntegralController, from diffrax): factor = safety·err^(−1/5), clipped
// to [factorMin, factorMax].
const (
	safety    = 0.9
	factorMin = 0.2
	factorMax = 10.0
	dpOrder   = 5 // error-estimate order + 1, the exponent's denominator
)

type dopri5[T Float] struct {
	p       Problem[T]
	s       Settings
	st      Stats
	n       int
	y, y1   []T    // [dim][batch] state and candidate
	k       [7][]T // stages
	tmp     []T
	t, h    []float64 // [batch] time and step size of each sample
	ts      []float64 // [batch] stage times
	errSum  []float64 // [batch] Σ (err/scale)²
	ratio   []float64 // [batch] RMS error ratios
	done    []bool    // [batch] sample reached T1
	seg     []int     // [batch] segment between breaks
	restart []bool    // [batch] crossed a break: k1 must be evaluated anew
	next    []int     // [batch] index of the next output time
}

func newDopri5[T Float](p Problem[T], s Settings) *dopri5[T] {
	if s.Atol == 0 {
		s.Atol = DefaultAtol
	}
	if s.Rtol == 0 {
		s.Rtol = DefaultRtol
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = DefaultMaxSteps
	}
	n := p.Dim * p.Batch
	d := &dopri5[T]{p: p, s: s, n: n,
		st: Stats{Accepted: make([]int, p.Batch), Rejected: make([]int, p.Batch)},
		y:  append([]T(nil), p.Y0...), y1: make([]T, n), tmp: make([]T, n),
		t: make([]float64, p.Batch), h: make([]float64, p.Batch), ts: make([]float64, p.Batch),
		errSum: make([]float64, p.Batch), ratio: make([]float64, p.Batch),
		done: make([]bool, p.Batch), next: make([]int, p.Batch),
		seg: make([]int, p.Batch), restart: make([]bool, p.Batch)}
	for i := range d.k {
		d.k[i] = make([]T, n)
	}
	return d
}

func (d *dopri5[T]) eval(k, y []T, ts []float64) {
	d.p.F(k, y, ts)
	d.st.RHSEvals++
}

func (d *dopri5[T]) solve(out []T) error {
	p, s := d.p, d.s
	if s.Atol < 0 || s.Rtol < 0 || math.IsNaN(s.Atol) || math.IsNaN(s.Rtol) || s.Atol+s.Rtol == 0 {
		return fmt.Errorf("dopri5: tolerances atol %v, rtol %v must be non-negative and not both zero", s.Atol, s.Rtol)
	}
	if s.MaxSteps < 0 || s.FirstStep < 0 || math.IsNaN(s.FirstStep) {
		return fmt.Errorf("dopri5: bad step budget %d or first step %v", s.MaxSteps, s.FirstStep)
	}
	if err := checkFinite(d.y, p.T0); err != nil {
		return fmt.Errorf("initial state: %w", err)
	}
	for b := range d.t {
		d.t[b] = p.T0
		enter(&d.p, b, 0)
		d.emit(out, b, nil)
	}
	copy(d.ts, d.t)
	d.eval(d.k[0], d.y, d.ts)
	if err := checkFinite(d.k[0], p.T0); err != nil {
		return fmt.Errorf("right-hand side at the initial state: %w", err)
	}
	if s.FirstStep > 0 {
		for b := range d.h {
			d.h[b] = s.FirstStep
		}
	} else {
		d.initialStep()
	}
	if s.Shared {
		hmin := math.Inf(1)
		for _, h := range d.h {
			hmin = min(hmin, h)
		}
		for b := range d.h {
			d.h[b] = hmin
		}
	}
	for {
		active := false
		for b := range d.done {
			if !d.done[b] {
				active = true
				if d.st.Accepted[b]+d.st.Rejected[b] >= s.MaxSteps {
					return fmt.Errorf("dopri5: step budget of %d steps exhausted at t = %g (sample %d)", s.MaxSteps, d.t[b], b)
				}
				d.h[b] = min(d.h[b], bound(&d.p, d.seg[b])-d.t[b])
				if d.h[b] <= 16*math.Abs(d.t[b])*0x1p-52 || d.h[b] < 1e-300 {
					return fmt.Errorf("dopri5: step size %g underflows at t = %g (sample %d)", d.h[b], d.t[b], b)
				}
			} else {
				d.h[b] = 0
			}
		}
		if !active {
			return nil
		}
		d.step()
		d.errors()
		if s.Shared {
			worst := 0.0
			for b, r := range d.ratio {
				if !d.done[b] && !(r <= worst) {
					worst = r
				}
			}
			for b := range d.ratio {
				d.ratio[b] = worst
			}
		}
		d.accept(out)
		d.restartStages()
		if s.Progress != nil {
			tmin := math.Inf(1)
			for _, t := range d.t {
				tmin = min(tmin, t)
			}
			s.Progress(tmin)
		}
	}
}

// step computes stages 2..7 and the candidate y1 for every sample, each
// with its own h (0 for finished samples).
func (d *dopri5[T]) step() {
	batch := d.p.Batch
	for i := 1; i < 7; i++ {
		for b := range d.ts {
			d.ts[b] = d.t[b] + dpC[i]*d.h[b]
		}
		dst := d.tmp
		if i == 6 {
			dst = d.y1 // the seventh stage's argument is the fifth-order solution
		}
		for j := 0; j < d.n; j += batch {
			yy := d.y[j : j+batch]
			o := dst[j : j+batch]
			for b := range o {
				acc := 0.0
				for l := 0; l < i; l++ {
					if a := dpA[i][l]; a != 0 {
						acc += a * float64(d.k[l][j+b])
					}
				}
				o[b] = yy[b] + T(d.h[b]*acc)
			}
		}
		d.eval(d.k[i], dst, d.ts)
	}
}

// errors computes each sample's RMS error ratio
// sqrt(mean((h·Σ e_i k_i / (atol + rtol·max(|y|, |y1|)))²)).
func (d *dopri5[T]) errors() {
	batch := d.p.Batch
	clear(d.errSum)
	atol, rtol := d.s.Atol, d.s.Rtol
	for j := 0; j < d.n; j += batch {
		for b := 0; b < batch; b++ {
			e := 0.0
			for l, c := range dpE {
				if c != 0 {
					e += c * float64(d.k[l][j+b])
				}
			}
			e *= d.h[b]
			sc := atol + rtol*max(math.Abs(float64(d.y[j+b])), math.Abs(float64(d.y1[j+b])))
			r := e / sc
			d.errSum[b] += r * r
		}
	}
	for b := range d.ratio {
		if d.p.Dim == 0 {
			d.ratio[b] = 0
			continue
		}
		d.ratio[b] = math.Sqrt(d.errSum[b] / float64(d.p.Dim))
	}
}

// accept takes or rejects each sample's step, writes dense output for the
// output times it passed, and sets its next step size.
func (d *dopri5[T]) accept(out []T) {
	batch := d.p.Batch
	for b := 0; b < batch; b++ {
		if d.done[b] {
			continue
		}
		r := d.ratio[b]
		var factor float64
		switch {
		case math.IsNaN(r) || math.IsInf(r, 0):
			factor = factorMin
		case r == 0:
			factor = factorMax
		default:
			factor = min(factorMax, max(factorMin, safety*math.Pow(r, -1.0/dpOrder)))
		}
		if !(r <= 1) {
			d.st.Rejected[b]++
			d.h[b] *= min(1, factor)
			continue
		}
		d.st.Accepted[b]++
		t0, h := d.t[b], d.h[b]
		tNew := t0 + h
		end := bound(&d.p, d.seg[b])
		if end-tNew <= 16*math.Abs(end)*0x1p-52 {
			tNew = end
		}
		d.emit(out, b, func(t float64) float64 { return (t - t0) / h })
		// Take the step: y ← y1, k1 ← k7 (first same as last).
		for j := b; j < d.n; j += batch {
			d.y[j] = d.y1[j]
			d.k[0][j] = d.k[6][j]
		}
		d.t[b] = tNew
		d.h[b] = h * factor
		if tNew >= d.p.T1 {
			d.done[b] = true
		} else if tNew == end {
			d.seg[b]++
			enter(&d.p, b, d.seg[b])
			d.restart[b] = true
		}
	}
}

// restartStages evaluates the first stage anew for the samples that have
// just crossed a break, where the last stage of the previous step (first
// same as last) belongs to the old piece of F.
func (d *dopri5[T]) restartStages() {
	any := false
	for _, r := range d.restart {
		any = any || r
	}
	if !any {
		return
	}
	copy(d.ts, d.t)
	d.eval(d.tmp, d.y, d.ts)
	batch := d.p.Batch
	for b, r := range d.restart {
		if r {
			for j := b; j < d.n; j += batch {
				d.k[0][j] = d.tmp[j]
			}
			d.restart[b] = false
		}
	}
}

// emit writes sample b's outputs for every output time up to its current
// step's end. theta maps a time to its fraction of the step; nil means the
// sample has not stepped yet (output times equal to T0 take y).
func (d *dopri5[T]) emit(out []T, b int, theta func(float64) float64) {
	p := d.p
	batch := p.Batch
	for d.next[b] < len(p.Times) {
		t := p.Times[d.next[b]]
		slot := outSlot(out, d.next[b], b, batch, p.Dim)
		if theta == nil {
			if t > d.t[b] {
				return
			}
			putSample(slot, d.y, b, batch)
			d.next[b]++
			continue
		}
		th := theta(t)
		if th > 1+1e-12 && !(d.t[b]+d.h[b] >= p.T1) {
			return
		}
		th = min(th, 1)
		d.dense(slot, b, th)
		d.next[b]++
	}
}

// dense evaluates Hairer's continuous extension of the current step of
// sample b at fraction th of the step into slot ([dim]).
func (d *dopri5[T]) dense(slot []T, b int, th float64) {
	batch := d.p.Batch
	h := d.h[b]
	if th == 1 {
		putSample(slot, d.y1, b, batch)
		return
	}
	if th == 0 {
		putSample(slot, d.y, b, batch)
		return
	}
	t1 := 1 - th
	for i := range slot {
		j := i*batch + b
		y0, y1 := float64(d.y[j]), float64(d.y1[j])
		k1, k7 := float64(d.k[0][j]), float64(d.k[6][j])
		diff := y1 - y0
		bspl := h*k1 - diff
		r4 := diff - h*k7 - bspl
		r5 := 0.0
		for l, c := range dpD {
			if c != 0 {
				r5 += c * float64(d.k[l][j])
			}
		}
		r5 *= h
		slot[i] = T(y0 + th*(diff+t1*(bspl+th*(r4+t1*r5))))
	}
}

// initialStep chooses each sample's first step as in Hairer, Nørsett &
// Wanner I, II.4 (the algorithm of torchode and SciPy), at the cost of one
// extra right-hand-side evaluation for the whole batch.
func (d *dopri5[T]) initialStep() {
	p, batch := d.p, d.p.Batch
	atol, rtol := d.s.Atol, d.s.Rtol
	d0 := make([]float64, batch)
	d1 := make([]float64, batch)
	for j := 0; j < d.n; j += batch {
		for b := 0; b < batch; b++ {
			sc := atol + rtol*math.Abs(float64(d.y[j+b]))
			y, f := float64(d.y[j+b])/sc, float64(d.k[0][j+b])/sc
			d0[b] += y * y
			d1[b] += f * f
		}
	}
	h0 := make([]float64, batch)
	dim := float64(max(1, p.Dim))
	for b := range h0 {
		d0[b], d1[b] = math.Sqrt(d0[b]/dim), math.Sqrt(d1[b]/dim)
		if d0[b] < 1e-5 || d1[b] < 1e-5 {
			h0[b] = 1e-6
		} else {
			h0[b] = 0.01 * d0[b] / d1[b]
		}
		h0[b] = min(h0[b], p.T1-p.T0)
	}
	for j := 0; j < d.n; j += batch {
		for b := 0; b < batch; b++ {
			d.tmp[j+b] = d.y[j+b] + T(h0[b])*d.k[0][j+b]
		}
	}
	for b := range d.ts {
		d.ts[b] = p.T0 + h0[b]
	}
	f1 := d.k[1]
	d.eval(f1, d.tmp, d.ts)
	d2 := make([]float64, batch)
	for j := 0; j < d.n; j += batch {
		for b := 0; b < batch; b++ {
			sc := atol + rtol*math.Abs(float64(d.y[j+b]))
			r := (float64(f1[j+b]) - float64(d.k[0][j+b])) / sc
			d2[b] += r * r
		}
	}
	for b := range d.h {
		d2[b] = math.Sqrt(d2[b]/dim) / h0[b]
		var h1 float64
		if m := max(d1[b], d2[b]); m <= 1e-15 {
			h1 = max(1e-6, h0[b]*1e-3)
		} else {
			h1 = math.Pow(0.01/m, 1.0/dpOrder)
		}
		d.h[b] = min(100*h0[b], h1)
	}
}
