package sim

import "github.com/neuropil/neuropil/internal/budget"

// stateVectors is about how many [dim][batch] float32 vectors a solve
// holds besides its output: dopri5's seven stages, the state, its error
// estimate and the dense-output coefficients.
const stateVectors = 12

// Bytes returns about how many bytes a run holds: times output times of
// width recorded values per sample, and the solver's states of dim
// variables, for batch samples. It is a float64 so that it cannot overflow.
func Bytes(times, batch, width, dim int) float64 {
	return 4 * (float64(times)*float64(batch)*float64(width) + stateVectors*float64(batch)*float64(dim))
}

// Fits returns an error, beginning with what, if need bytes are more than
// the memory budget (package internal/budget: --max-memory, by default half
// of the memory the process may use): better than the runtime's fatal
// "out of memory" after the work has begun.
func Fits(what string, need float64) error {
	return budget.Check(what+": the run", need)
}

// PeakRSS returns the peak resident set size of this process in bytes
// (VmHWM of /proc/self/status), or 0 where that is not available.
func PeakRSS() int64 { return budget.PeakRSS() }
