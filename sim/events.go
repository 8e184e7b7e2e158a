package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// stepEvents is ode.Solve for a fixed-step solve of a model with events:
// it takes the steps package ode's fixed-step solver takes, each as one
// ode.Solve of a single step, and calls ev.Events between them. Package
// ode has no hook between its steps that may change the state; once it
// has one (and ode.FixedGrid), this becomes a Problem field.
func stepEvents(out []float32, p ode.Problem[float32], s ode.Settings, ev model.Events) (ode.Stats, error) {
	st := ode.Stats{Accepted: make([]int, p.Batch), Rejected: make([]int, p.Batch)}
	ends, err := fixedGrid(p, s)
	if err != nil {
		return st, err
	}
	n, batch := p.Dim, p.Batch
	y, buf := make([]float32, n*batch), make([]float32, n*batch)
	copy(y, p.Y0)
	ts := make([]float64, batch)
	one := ode.Settings{Method: s.Method, Steps: 1}
	q := ode.Problem[float32]{F: p.F, FBlocks: p.FBlocks, Dim: n, Batch: batch, Times: []float64{0}}
	emit := func(k int) {
		for b := 0; b < batch; b++ {
			o := out[(k*batch+b)*n : (k*batch+b+1)*n]
			for i := range o {
				o[i] = y[i*batch+b]
			}
		}
	}
	next, seg, t := 0, 0, p.T0
	for ; next < len(p.Times) && p.Times[next] <= t; next++ {
		emit(next)
	}
	for _, end := range ends {
		for seg < len(p.Breaks) && p.Breaks[seg] <= t {
			seg++
		}
		q.Y0, q.T0, q.T1, q.Times[0], q.Segment = y, t, end, end, shifted(p.Segment, seg)
		one1, err := ode.Solve(buf, q, one)
		if err != nil {
			return st, err
		}
		for b := 0; b < batch; b++ { // buf is [1][batch][dim]
			for i, v := range buf[b*n : (b+1)*n] {
				y[i*batch+b] = v
			}
			ts[b] = end
			st.Accepted[b] += one1.Accepted[b]
		}
		st.RHSEvals += one1.RHSEvals
		ev.Events(y, ts)
		if err := sparse.CheckFinite(y); err != nil {
			return st, fmt.Errorf("after the events at t = %g: %w: %w", end, ode.ErrNotFinite, err)
		}
		if s.Progress != nil {
			s.Progress(end)
		}
		t = end
		for ; next < len(p.Times) && p.Times[next] <= t; next++ {
			emit(next)
		}
	}
	return st, nil
}

// fixedGrid returns the end of every step of the fixed-step solve of p
// with s, the grid of package ode: each interval between consecutive
// marks (output times, breaks, T1) cut into equal steps no longer than the
// requested one (Steps over [T0, T1], or Dt; neither: one step per
// interval). It returns an error for a bad step or more steps than the
// budget.
func fixedGrid(p ode.Problem[float32], s ode.Settings) ([]float64, error) {
	dt := 0.0
	switch {
	case s.Steps > 0:
		dt = (p.T1 - p.T0) / float64(s.Steps)
	case s.Dt > 0 && !math.IsInf(s.Dt, 0):
		dt = s.Dt
	case s.Steps < 0 || s.Dt != 0:
		return nil, fmt.Errorf("fixed-step solver: steps %d and dt %v must be positive and finite", s.Steps, s.Dt)
	}
	budget := s.MaxSteps
	if budget == 0 {
		budget = ode.DefaultMaxSteps
	}
	marks := append(append(append([]float64(nil), p.Times...), p.Breaks...), p.T1)
	slices.Sort(marks)
	var ends []float64
	t := p.T0
	for _, target := range marks {
		span := target - t
		if span <= 0 {
			continue
		}
		steps := 1.0
		if dt > 0 {
			steps = max(1, math.Ceil(span/dt-1e-9)) // ode's rule: a sliver shorter than 1e-9 dt gets its own step
		}
		if float64(len(ends))+steps > float64(budget) {
			return nil, fmt.Errorf("fixed-step solver: step %g needs more than the step budget of %d steps over [%g, %g]", dt, budget, p.T0, p.T1)
		}
		h, u := span/steps, t
		for j := 1; j < int(steps); j++ {
			u += h // as ode steps: t0 + h, step after step
			ends = append(ends, u)
		}
		ends = append(ends, target)
		t = target
	}
	return ends, nil
}
