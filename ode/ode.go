package ode

import (
	"fmt"
	"strings"
)

// Float is the element type of a state: float32 for simulation (what
// PyTorch uses), float64 for checks that need more precision.
type Float interface{ ~float32 | ~float64 }

// Func evaluates the right-hand side dydt = f(t, y). y and dydt are
// [dim][batch]; t is [batch], the time of each sample. It must not keep y.
type Func[T Float] func(dydt, y []T, t []float64)

// Problem is an initial value problem for a batch of samples.
type Problem[T Float] struct {
	F     Func[T]
	Dim   int       // number of variables per sample
	Batch int       // number of samples
	Y0    []T       // [dim][batch] state at T0; nil: zeros
	T0    float64   // start time
	T1    float64   // end time, > T0
	Times []float64 // output times, ascending, within [T0, T1]

	// Breaks are times inside (T0, T1), ascending, where F is
	// discontinuous (the frame changes of a piecewise-constant input).
	// Steps end exactly on them, and Segment(b, k), when not nil, is called
	// before sample b integrates over segment k (k = 0 from T0 to the first
	// break), so F can choose its piece by segment rather than by t and use
	// the same piece at both ends of a step. Without breaks, a step across
	// a jump of F loses the method's order.
	Breaks  []float64
	Segment func(sample, k int)

	// FBlocks, when not nil, is called instead of F. It computes the same
	// dydt and calls post(r0, r1) on consecutive blocks of variables
	// [r0, r1) as soon as those rows of dydt are final, possibly from several
	// goroutines at once on disjoint blocks (sparse.Product.MulThen does
	// this). The solver does the elementwise work of a stage in post, while
	// the rows are still in cache and in parallel, instead of in extra
	// passes over the state.
	FBlocks func(dydt, y []T, t []float64, post func(r0, r1 int))
}

// Settings choose and tune the method. The zero value means dopri5 with
// the defaults documented on each field.
type Settings struct {
	Method string  // "dopri5" (default), "rk4" or "euler"; dopri5 with Steps or Dt takes fixed steps without error control
	Steps  int     // fixed-step methods: number of steps over [T0, T1]
	Dt     float64 // fixed-step methods: step size (used when Steps is 0); neither: one step per output interval

	Atol      float64 // dopri5 absolute tolerance, default 1e-6 (torchode, bioplnn)
	Rtol      float64 // dopri5 relative tolerance, default 1e-3
	FirstStep float64 // dopri5 initial step; 0: chosen automatically (Hairer, Nørsett & Wanner II.4)
	MaxSteps  int     // step budget (accepted + rejected, per sample; fixed steps are counted before the first); 0: 100000
	Shared    bool    // dopri5: one step size for the whole batch instead of one per sample

	Progress func(t float64) // called after each step with the earliest time reached; may be nil
}

// Stats counts the work a solve did.
type Stats struct {
	RHSEvals int   // calls of the right-hand side (each covers the whole batch)
	Accepted []int // [batch] accepted steps per sample
	Rejected []int // [batch] rejected steps per sample
}

// TotalAccepted returns the accepted steps summed over samples.
func (s Stats) TotalAccepted() int { return sum(s.Accepted) }

// TotalRejected returns the rejected steps summed over samples.
func (s Stats) TotalRejected() int { return sum(s.Rejected) }

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// Methods lists the known method names.
var Methods = []string{"dopri5", "rk4", "euler"}

// CheckMethod returns an error listing the known methods if name is not one.
func CheckMethod(name string) error {
	for _, m := range Methods {
		if strings.EqualFold(name, m) {
			return nil
		}
	}
	return fmt.Errorf("unknown solver %q (known: %s)", name, strings.Join(Methods, ", "))
}
