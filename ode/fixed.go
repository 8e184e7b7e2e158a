package ode

import (
	"fmt"
	"math"
	"slices"
)

// FixedGrid returns the step sizes of a fixed-step solve over [t0, t1]
// with the given number of steps (or step dt when steps is 0; neither:
// one step per interval), cut so that no step straddles a mark (output
// times, breaks): each interval between consecutive marks gets equal steps
// no longer than the requested one. at[k] is the number of steps taken
// when mark k is reached. Errors: non-positive/NaN dt, more steps than
// budget (0: DefaultMaxSteps). The steps are counted before the grid is
// made, so a tiny dt meets the budget rather than overflowing an int.
// FixedGrid panics if the marks do not ascend within [t0, t1].
func FixedGrid(t0, t1 float64, marks []float64, steps int, dt float64, budget int) (hs []float64, at []int, err error) {
	for k, m := range marks {
		if !(m >= t0 && m <= t1) || (k > 0 && m < marks[k-1]) {
			panic(fmt.Sprintf("ode: FixedGrid: marks must ascend within [%v, %v]; mark %d is %v", t0, t1, k, m))
		}
	}
	switch {
	case steps > 0:
		dt = (t1 - t0) / float64(steps)
	case dt > 0:
	case steps < 0 || dt < 0 || math.IsNaN(dt):
		return nil, nil, fmt.Errorf("fixed-step solver: steps %d and dt %v must be positive", steps, dt)
	}
	if math.IsInf(dt, 0) || budget < 0 {
		return nil, nil, fmt.Errorf("fixed-step solver: dt %v must be finite and the step budget %d positive", dt, budget)
	}
	if budget == 0 {
		budget = DefaultMaxSteps
	}
	ends := append(slices.Clip(marks), t1)
	total, from := 0.0, t0
	for _, m := range ends {
		if m > from {
			total += stepsOver(m-from, dt)
			from = m
		}
	}
	if total > float64(budget) {
		return nil, nil, fmt.Errorf("fixed-step solver: step %g needs %.4g steps over [%g, %g], more than the step budget of %d", dt, total, t0, t1, budget)
	}
	hs = make([]float64, 0, int(total))
	at = make([]int, len(marks))
	from = t0
	for k, m := range ends {
		if span := m - from; span > 0 {
			n := int(stepsOver(span, dt))
			for range n {
				hs = append(hs, span/float64(n))
			}
			from = m
		}
		if k < len(at) {
			at[k] = len(hs)
		}
	}
	return hs, at, nil
}

// stepsOver returns the number of equal steps no longer than dt that cover
// span (one when dt is 0), as a float so that it cannot overflow.
func stepsOver(span, dt float64) float64 {
	if dt <= 0 {
		return 1
	}
	return max(1, math.Ceil(span/dt-1e-9)) // a sliver shorter than 1e-9 dt still gets its step
}

// fixed integrates with fixed steps of m (without error control, for an
// adaptive m too), through a Stepper. The steps never straddle an output
// time or a break (see FixedGrid), so outputs are exact grid values, not
// interpolations.
func fixed[T Float](out []T, p Problem[T], s Settings, st *Stats, m *Method) error {
	// Marks: output times, breaks and T1, in order.
	marks := append(append(append([]float64(nil), p.Times...), p.Breaks...), p.T1)
	slices.Sort(marks)
	hs, at, err := FixedGrid(p.T0, p.T1, marks, s.Steps, s.Dt, s.MaxSteps)
	if err != nil {
		return err
	}
	step := NewStepper[T](m, p.Dim, p.Batch)
	y, y1 := initialState(p), make([]T, p.Dim*p.Batch)
	ts, hb := make([]float64, p.Batch), make([]float64, p.Batch)
	eval := func(_ int, k, y []T, t []float64) { p.F(k, y, t) }
	t, seg, next, j := p.T0, 0, 0, 0
	for b := 0; b < p.Batch; b++ {
		enter(&p, b, 0)
	}
	for mi, target := range marks {
		for seg < len(p.Breaks) && p.Breaks[seg] <= t {
			seg++
			for b := 0; b < p.Batch; b++ {
				enter(&p, b, seg)
			}
		}
		for ; j < at[mi]; j++ {
			for b := range ts {
				ts[b], hb[b] = t, hs[j]
			}
			step.Step(y1, y, ts, hb, eval)
			y, y1 = y1, y
			if j == at[mi]-1 {
				t = target
			} else {
				t += hs[j]
			}
			st.RHSEvals += m.evaluated()
			for b := range st.Accepted {
				st.Accepted[b]++
			}
			if err := checkFinite(y, t); err != nil {
				return err
			}
			for b := range ts {
				ts[b] = t
			}
			if p.Events != nil && p.Events(y, ts) {
				if err := checkFinite(y, t); err != nil {
					return fmt.Errorf("after events: %w", err)
				}
			}
			if p.Record != nil {
				p.Record(y, ts, hb)
			}
			if s.Progress != nil {
				s.Progress(t)
			}
		}
		for next < len(p.Times) && p.Times[next] <= t {
			for b := 0; b < p.Batch; b++ {
				putSample(outSlot(out, next, b, p.Batch, p.Dim), y, b, p.Batch)
			}
			next++
		}
	}
	return nil
}
