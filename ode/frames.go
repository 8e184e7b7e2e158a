package ode

import "math"

// FrameAt returns the frame in force at time t of an input of n frames
// held piecewise constant over [t0, t1]: floor((t − t0)/(t1 − t0)·n),
// clamped to [0, n−1], so that t1 uses the last frame (0 when n ≤ 1).
func FrameAt(t, t0, t1 float64, n int) int {
	if n <= 1 {
		return 0
	}
	f := int(math.Floor((t - t0) / (t1 - t0) * float64(n)))
	return max(0, min(f, n-1))
}

// FrameBreaks returns the times inside (t0, t1) where an input of n frames
// held piecewise constant over [t0, t1] changes frame,
// t0 + k(t1 − t0)/n for k = 1..n−1: the Problem.Breaks of such an input.
func FrameBreaks(t0, t1 float64, n int) []float64 {
	var br []float64
	for k := 1; k < n; k++ {
		br = append(br, t0+(t1-t0)*float64(k)/float64(n))
	}
	return br
}
