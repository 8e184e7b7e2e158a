package ode

import (
	"fmt"
	"math"
	"slices"

	"github.com/neuropil/neuropil/internal/vec"
)

// tableau is an explicit Runge–Kutta method: stage i is evaluated at
// t + c[i]·h on y + h·Σ_j a[i][j]·k_j, and the step is y + h·Σ_i b[i]·k_i.
type tableau struct {
	c []float64
	a [][]float64
	b []float64
}

var eulerTableau = tableau{c: []float64{0}, a: [][]float64{{}}, b: []float64{1}}

// rk4Tableau is the classic fourth-order Runge–Kutta method.
var rk4Tableau = tableau{
	c: []float64{0, 0.5, 0.5, 1},
	a: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
	b: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
}

// dopri5Tableau is Dormand–Prince's fifth-order solution used with fixed
// steps (no error control).
var dopri5Tableau = tableau{
	c: dpC[:6],
	a: [][]float64{{}, dpA[1][:1], dpA[2][:2], dpA[3][:3], dpA[4][:4], dpA[5][:5]},
	b: dpA[6][:6],
}

// fixed integrates with a fixed-step method. The steps never straddle an
// output time: each interval between consecutive output times (and from T0
// to the first, from the last to T1) is cut into equal steps no longer than
// the requested step, so outputs are exact grid values, not interpolations.
func fixed[T Float](out []T, p Problem[T], s Settings, st *Stats, tb *tableau) error {
	dt := 0.0
	switch {
	case s.Steps > 0:
		dt = (p.T1 - p.T0) / float64(s.Steps)
	case s.Dt > 0:
		dt = s.Dt
	case s.Steps < 0 || s.Dt < 0 || math.IsNaN(s.Dt):
		return fmt.Errorf("fixed-step solver: steps %d and dt %v must be positive", s.Steps, s.Dt)
	}
	if math.IsInf(dt, 0) || s.MaxSteps < 0 {
		return fmt.Errorf("fixed-step solver: dt %v must be finite and the step budget %d positive", dt, s.MaxSteps)
	}
	n := p.Dim * p.Batch
	y := initialState(p)
	tmp := make([]T, n)
	k := make([][]T, len(tb.b))
	for i := range k {
		k[i] = make([]T, n)
	}
	ts := make([]float64, p.Batch)
	t := p.T0
	emit := func(idx int) {
		for b := 0; b < p.Batch; b++ {
			putSample(outSlot(out, idx, b, p.Batch, p.Dim), y, b, p.Batch)
		}
	}
	// Marks: output times, breaks and T1, in order.
	marks := append(append(append([]float64(nil), p.Times...), p.Breaks...), p.T1)
	slices.Sort(marks)
	// Count the steps first: a tiny dt must meet the step budget, not
	// overflow the conversion of the step count to int.
	budget := s.MaxSteps
	if budget == 0 {
		budget = DefaultMaxSteps
	}
	total, from := 0.0, p.T0
	for _, target := range marks {
		if span := target - from; span > 0 {
			total += stepsOver(span, dt)
			from = target
		}
	}
	if total > float64(budget) {
		return fmt.Errorf("fixed-step solver: step %g needs %.4g steps over [%g, %g], more than the step budget of %d", dt, total, p.T0, p.T1, budget)
	}
	seg := 0
	for b := 0; b < p.Batch; b++ {
		enter(&p, b, 0)
	}
	next := 0
	for next < len(p.Times) && p.Times[next] <= t {
		emit(next)
		next++
	}
	for _, target := range marks[next:] {
		for seg < len(p.Breaks) && p.Breaks[seg] <= t {
			seg++
			for b := 0; b < p.Batch; b++ {
				enter(&p, b, seg)
			}
		}
		span := target - t
		if span <= 0 {
			continue
		}
		steps := int(stepsOver(span, dt))
		h := span / float64(steps)
		for j := 0; j < steps; j++ {
			t0 := t
			rkStep(p.F, y, tmp, k, ts, t0, h, tb)
			if j == steps-1 {
				t = target
			} else {
				t = t0 + h
			}
			st.RHSEvals += len(tb.b)
			for b := range st.Accepted {
				st.Accepted[b]++
			}
			if err := checkFinite(y, t); err != nil {
				return err
			}
			if s.Progress != nil {
				s.Progress(t)
			}
		}
		for next < len(p.Times) && p.Times[next] <= t {
			emit(next)
			next++
		}
	}
	return nil
}

// stepsOver returns the number of equal steps no longer than dt that cover
// span (one when dt is 0), as a float so that it cannot overflow.
func stepsOver(span, dt float64) float64 {
	if dt <= 0 {
		return 1
	}
	return max(1, math.Ceil(span/dt-1e-9)) // a sliver shorter than 1e-9 dt still gets its step
}

// rkStep advances y in place by one step h of the method.
func rkStep[T Float](f Func[T], y, tmp []T, k [][]T, ts []float64, t, h float64, tb *tableau) {
	for i := range tb.b {
		for b := range ts {
			ts[b] = t + tb.c[i]*h
		}
		src := y
		if i > 0 {
			copy(tmp, y)
			for j, a := range tb.a[i] {
				if a != 0 {
					axpy(tmp, T(h*a), k[j])
				}
			}
			src = tmp
		}
		f(k[i], src, ts)
	}
	for i, bi := range tb.b {
		axpy(y, T(h*bi), k[i])
	}
}

// axpy computes y += a·x.
func axpy[T Float](y []T, a T, x []T) {
	x = x[:len(y)]
	if y32, ok := as32(y); ok {
		x32, _ := as32(x)
		vec.AxpyPattern(y32, x32, []float32{float32(a)})
		return
	}
	for i := range y {
		y[i] += a * x[i]
	}
}
