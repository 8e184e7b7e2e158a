package ode

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

	// Record, when not nil, is called after every iteration of an adaptive
	// solve (every step of a fixed one) in which some sample took a step,
	// with the state after it ([dim][batch], valid only during the call),
	// each sample's time after it, and the step each sample took (0 for a
	// sample that rejected its step or had finished). Training keeps these
	// to replay the accepted steps backwards.
	Record func(y []T, t, h []float64)

	// Events, when not nil, is called after every step (every iteration
	// of an adaptive solve in which some sample took a step) with the state
	// ([dim][batch]) and each sample's time, before the outputs due by then
	// are written and before Record. It applies discrete events in place —
	// threshold crossings and resets, refractory clamps, delayed spikes due
	// — and reports whether it changed the state, in which case an
	// adaptive method evaluates its first stage anew rather than reusing
	// the last one (first same as last). With Events an adaptive solve steps
	// onto the output times (as with Settings.StepToOutputs), so an output
	// holds the state after the events of its time, as with fixed steps.
	Events func(y []T, t []float64) (changed bool)
}

// Settings choose and tune the method. The zero value means dopri5 with
// the defaults documented on each field.
type Settings struct {
	Method string  // a registered method (see Names), "" for dopri5; an adaptive method with Steps or Dt takes fixed steps without error control
	Steps  int     // fixed steps: number of steps over [T0, T1]
	Dt     float64 // fixed steps: step size (used when Steps is 0); neither, for a fixed-step method: one step per output interval

	Atol      float64 // adaptive: absolute tolerance, default 1e-6 (torchode, bioplnn)
	Rtol      float64 // adaptive: relative tolerance, default 1e-3
	FirstStep float64 // adaptive: initial step; 0: chosen automatically (Hairer, Nørsett & Wanner II.4)
	MaxSteps  int     // step budget (accepted + rejected, per sample; fixed steps are counted before the first); 0: 100000
	Shared    bool    // adaptive: one step size for the whole batch instead of one per sample

	// StepToOutputs makes steps end on every output time, and the outputs
	// those step ends, not interpolations (training uses this: no gradient
	// through the interpolation). Fixed steps always do.
	StepToOutputs bool

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
