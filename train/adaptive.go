package train

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/ode"
)

// dopri5State is the step-size control of the adaptive forward pass.
type dopri5State[T ode.Float] struct {
	t, h, hstep, ratio []float64 // [batch]
	next, tries        []int     // [batch] next output time, steps tried
}

// adaptive runs Dormand–Prince 5(4) with error control, each sample with
// its own step size (or one shared step), steps clipped so that they end on
// the output times. It records every iteration in which some sample took a
// step: the state after it as a checkpoint and each sample's step (0 for a
// sample that was rejected or had finished), which the backward pass
// replays.
func (nt *net[T]) adaptive() error {
	s := nt.sol
	b, n := nt.batch, nt.n
	nb := n * b
	if nt.dp5 == nil {
		nt.dp5 = &dopri5State[T]{}
	}
	d := nt.dp5
	mk := func(v []float64) []float64 {
		if len(v) != b {
			return make([]float64, b)
		}
		clear(v)
		return v
	}
	d.t, d.h, d.hstep, d.ratio = mk(d.t), mk(d.h), mk(d.hstep), mk(d.ratio)
	d.next, d.tries = make([]int, b), make([]int, b)
	nt.hs = nt.hs[:0]
	nt.outAt = nt.outAt[:0]
	first := 0
	for first < len(s.times) && s.times[first] <= s.T0 {
		first++
	}
	for range s.times {
		nt.outAt = append(nt.outAt, make([]int, b))
	}
	for sm := range d.t {
		d.t[sm] = s.T0
		d.next[sm] = first
	}
	y := nt.ys[0]
	K, Y := nt.K, nt.Y
	nt.eval(K[0], nt.Z[0], nil, y, false)
	nt.initialStep(y)
	c := 0
	for {
		active := false
		for sm := 0; sm < b; sm++ {
			if d.next[sm] >= len(s.times) {
				d.hstep[sm] = 0
				continue
			}
			active = true
			if d.tries[sm] >= s.MaxSteps {
				return fmt.Errorf("dopri5: step budget of %d steps exhausted at t = %g (sample %d)", s.MaxSteps, d.t[sm], sm)
			}
			d.tries[sm]++
			mark := s.times[d.next[sm]]
			d.hstep[sm] = min(d.h[sm], mark-d.t[sm])
			if d.hstep[sm] <= 16*math.Abs(d.t[sm])*0x1p-52 || d.hstep[sm] < 1e-300 {
				return fmt.Errorf("dopri5: step size %g underflows at t = %g (sample %d)", d.hstep[sm], d.t[sm], sm)
			}
		}
		if !active {
			return nil
		}
		tab := &dopri5Tab
		for i := 1; i < 6; i++ {
			nt.combine(Y[i], y, K, tab.a[i], d.hstep)
			nt.eval(K[i], nt.Z[i], nil, Y[i], false)
		}
		y1 := Y[6]
		nt.combine(y1, y, K, tab.b, d.hstep)
		nt.eval(K[6], nt.Z[6], nil, y1, false)
		nt.errorRatios(y, y1)
		if s.Shared {
			worst := 0.0
			for sm, r := range d.ratio {
				if d.hstep[sm] > 0 && !(r <= worst) {
					worst = r
				}
			}
			for sm := range d.ratio {
				d.ratio[sm] = worst
			}
		}
		taken := make([]float64, b)
		anyTaken := false
		for sm := 0; sm < b; sm++ {
			if d.hstep[sm] == 0 {
				continue
			}
			r := d.ratio[sm]
			factor := ode.StepFactor(r)
			if ode.Accepts(r) {
				taken[sm] = d.hstep[sm]
				anyTaken = true
				d.h[sm] = d.hstep[sm] * factor
			} else {
				d.h[sm] = d.hstep[sm] * min(1, factor)
			}
		}
		if s.Shared {
			hmin := math.Inf(1)
			for sm, h := range d.h {
				if d.hstep[sm] > 0 {
					hmin = min(hmin, h)
				}
			}
			for sm := range d.h {
				d.h[sm] = hmin
			}
		}
		if !anyTaken {
			continue
		}
		next := nt.checkpoint(c + 1)
		copy(next, y)
		for sm := 0; sm < b; sm++ {
			if taken[sm] == 0 {
				continue
			}
			for q := sm; q < nb; q += b {
				next[q] = y1[q]
				K[0][q] = K[6][q]
			}
			mark := s.times[d.next[sm]]
			t := d.t[sm] + taken[sm]
			if math.Abs(mark-t) <= 16*math.Abs(mark)*0x1p-52 || t > mark {
				t = mark
			}
			d.t[sm] = t
			for d.next[sm] < len(s.times) && s.times[d.next[sm]] <= t {
				nt.outAt[d.next[sm]][sm] = c + 1
				d.next[sm]++
			}
		}
		nt.hs = append(nt.hs, taken)
		c++
		y = next
		if err := checkFinite(y, d.t[0]); err != nil {
			return err
		}
	}
}

// errorRatios sets each sample's RMS error ratio
// sqrt(mean((h·Σ e_l k_l / (atol + rtol·max(|y|, |y1|)))²)).
func (nt *net[T]) errorRatios(y, y1 []T) {
	d, b, s := nt.dp5, nt.batch, nt.sol
	sum := make([]float64, b)
	for q := range y {
		sm := q % b
		e := 0.0
		for l, c := range dpErr {
			if c != 0 {
				e += c * float64(nt.K[l][q])
			}
		}
		e *= d.hstep[sm]
		sc := s.Atol + s.Rtol*max(math.Abs(float64(y[q])), math.Abs(float64(y1[q])))
		r := e / sc
		sum[sm] += r * r
	}
	for sm := range d.ratio {
		d.ratio[sm] = math.Sqrt(sum[sm] / float64(nt.n))
	}
}

// initialStep chooses each sample's first step as in Hairer, Nørsett &
// Wanner I, II.4 (as torchode and package ode), with one extra evaluation.
func (nt *net[T]) initialStep(y []T) {
	d, b, s := nt.dp5, nt.batch, nt.sol
	f0 := nt.K[0]
	d0, d1, d2 := make([]float64, b), make([]float64, b), make([]float64, b)
	for q := range y {
		sm := q % b
		sc := s.Atol + s.Rtol*math.Abs(float64(y[q]))
		d0[sm] += math.Pow(float64(y[q])/sc, 2)
		d1[sm] += math.Pow(float64(f0[q])/sc, 2)
	}
	h0 := make([]float64, b)
	dim := float64(nt.n)
	for sm := range h0 {
		d0[sm], d1[sm] = math.Sqrt(d0[sm]/dim), math.Sqrt(d1[sm]/dim)
		if d0[sm] < 1e-5 || d1[sm] < 1e-5 {
			h0[sm] = 1e-6
		} else {
			h0[sm] = 0.01 * d0[sm] / d1[sm]
		}
		h0[sm] = min(h0[sm], s.T1-s.T0)
	}
	y1 := nt.Y[1]
	for q := range y {
		y1[q] = y[q] + T(h0[q%b])*f0[q]
	}
	f1 := nt.K[1]
	nt.eval(f1, nt.Z[1], nil, y1, false)
	for q := range y {
		sm := q % b
		sc := s.Atol + s.Rtol*math.Abs(float64(y[q]))
		d2[sm] += math.Pow((float64(f1[q])-float64(f0[q]))/sc, 2)
	}
	for sm := range d.h {
		d2[sm] = math.Sqrt(d2[sm]/dim) / h0[sm]
		var h1 float64
		if mx := max(d1[sm], d2[sm]); mx <= 1e-15 {
			h1 = max(1e-6, h0[sm]*1e-3)
		} else {
			h1 = math.Pow(0.01/mx, 0.2)
		}
		d.h[sm] = min(100*h0[sm], h1)
	}
	if s.Shared {
		hmin := math.Inf(1)
		for _, h := range d.h {
			hmin = min(hmin, h)
		}
		for sm := range d.h {
			d.h[sm] = hmin
		}
	}
}
