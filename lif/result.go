package lif

import (
	"math"
	"time"
)

// Result is what a simulation produced.
type Result struct {
	Neurons, Trials, Steps int
	Dt                     float64 // seconds per step
	// Spikes are [trials][spikes], each trial's in time order (neurons
	// of one step in the order they crossed), nil with Experiment.NoSpikes.
	Spikes [][]Spike
	// Counts are [trials][neurons] spike counts.
	Counts     [][]int32
	SimSeconds float64 // wall time of the simulation itself
}

func (s *Sim) result() *Result {
	r := &Result{Neurons: s.net.Neurons(), Trials: len(s.trials), Steps: int(s.c.steps),
		Dt: s.c.p.Dt, SimSeconds: s.elapsed.Seconds()}
	for k := range s.trials {
		tr := s.trial(k)
		if !s.exp.NoSpikes {
			r.Spikes = append(r.Spikes, tr.spikes)
		}
		r.Counts = append(r.Counts, tr.counts)
	}
	return r
}

// Duration returns the simulated time of a trial in seconds.
func (r *Result) Duration() float64 { return float64(r.Steps) * r.Dt }

// Total returns the number of spikes of all trials.
func (r *Result) Total() int {
	n := 0
	for _, c := range r.Counts {
		for _, x := range c {
			n += int(x)
		}
	}
	return n
}

// Rates returns each neuron's rate in Hz, mean and standard deviation over
// trials (ddof 0, as Shiu's get_rate with numpy's std), [neurons].
func (r *Result) Rates() (mean, std []float64) {
	mean, std = make([]float64, r.Neurons), make([]float64, r.Neurons)
	d := r.Duration()
	for i := range r.Neurons {
		var s, s2 float64
		for _, c := range r.Counts {
			x := float64(c[i]) / d
			s += x
			s2 += x * x
		}
		m := s / float64(r.Trials)
		mean[i] = m
		std[i] = math.Sqrt(max(s2/float64(r.Trials)-m*m, 0))
	}
	return mean, std
}

// elapsed is a helper for callers timing a phase.
func elapsed(start time.Time) float64 { return time.Since(start).Seconds() }
