package opticflow

import "github.com/neuropil/neuropil/ode"

// ActivityPenalty is flyvis's activity penalty (penalizer.yaml): with m
// the mean voltage of each type's central neuron over the frames from
// frames/4 on, per sample, the penalty is Weight · mean over samples and
// types of (asym(Baseline − m))², asym(x) = Below·x for x > 0 (activity
// below the baseline), Above·x otherwise. flyvis minimises it with a
// separate SGD step on nodes_bias after each optimiser step.
type ActivityPenalty struct {
	Weight   float64 // 0.1 (activity_penalty)
	Baseline float64 // 5.0 (activity_baseline)
	Below    float64 // 1.0 (below_baseline_penalty_weight)
	Above    float64 // 0.1 (above_baseline_penalty_weight)
	Central  []int   // [types] the central neuron of each type
}

// DefaultPenalty returns flyvis's activity penalty for the central
// neurons central.
func DefaultPenalty(central []int) *ActivityPenalty {
	return &ActivityPenalty{Weight: 0.1, Baseline: 5, Below: 1, Above: 0.1, Central: central}
}

// asym returns the weighted x and its derivative.
func (a *ActivityPenalty) asym(x float64) (float64, float64) {
	switch {
	case x > 0:
		return a.Below * x, a.Below
	case x < 0:
		return a.Above * x, a.Above
	}
	return 0, 0
}

// penalty returns the penalty of the states after each frame (states[k]
// [neurons][batch]) and, when grads is not nil, adds its gradient to
// grads (aligned with states).
func penalty[T ode.Float](a *ActivityPenalty, grads, states [][]T, batch int) float64 {
	from := len(states) / 4
	span := float64(len(states) - from)
	norm := float64(batch * len(a.Central))
	var p float64
	for _, i := range a.Central {
		for b := range batch {
			var m float64
			for _, y := range states[from:] {
				m += float64(y[i*batch+b])
			}
			w, dw := a.asym(a.Baseline - m/span)
			p += w * w
			if grads != nil {
				g := T(a.Weight * 2 * w * dw * -1 / span / norm)
				for k := from; k < len(states); k++ {
					grads[k][i*batch+b] += g
				}
			}
		}
	}
	return a.Weight * p / norm
}
