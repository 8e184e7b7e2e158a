package ode

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"unsafe"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/internal/vec"
)

// adaptive is the solver of an adaptive FSAL method with error control
// per sample: the stages of a step, the error norm, the step-size
// controller, Hairer's first step and the dense output, all read from the
// method's table.
type adaptive[T Float] struct {
	p        Problem[T]
	s        Settings
	m        *Method
	st       Stats
	n        int
	last     int         // index of the last stage, f(y1)
	onto     bool        // steps end on output times, which are the step ends
	y, y1    []T         // [dim][batch] state and candidate
	k        [][]T       // [stages][dim][batch] stages
	coef     [][][]T     // [stage][earlier stage][batch] h·a coefficients (nil where a = 0)
	ecoef    [][]float64 // [stage][batch] h·e coefficients of the error
	eterms   []int       // the stages with an error weight
	dterms   []int       // the stages with a dense-output weight
	errParts rowSums     // errorBlock's partial sums, added in row order
	posts    []func(r0, r1 int)
	par      team.Ranges      // the per-step parallel loops, without allocating
	takeFn   func(r0, r1 int) // takeRows, bound once
	denseFn  func(r0, r1 int) // denseRows into out, bound once
	out      []T              // the solve's output, for denseFn
	took     []bool           // [batch] accepted this step
	factor   []float64        // [batch] step-size factor of this step
	taken    []float64        // [batch] step taken this iteration, 0 if none (for Record)
	pending  []denseOut       // outputs due from this step
	starts   []int            // where each time index begins in pending, then len(pending)
	wf       []float64        // [stages] dense weights w_l(θ) of one output
	w        []T              // [pending][stages] h·w_l(θ) of each output
	wv       []T              // [time index due][stages][batch] the same by stage, 0 for samples not due
	t, h     []float64        // [batch] time and step size of each sample
	stop     []float64        // [batch] where this step of each sample must end at the latest
	ts       []float64        // [batch] stage times
	errSum   []float64        // [batch] Σ (err/scale)²
	ratio    []float64        // [batch] RMS error ratios
	done     []bool           // [batch] sample reached T1
	seg      []int            // [batch] segment between breaks
	restart  []bool           // [batch] crossed a break: k1 must be evaluated anew
	next     []int            // [batch] index of the next output time
}

func newAdaptive[T Float](p Problem[T], s Settings, m *Method) *adaptive[T] {
	if s.Atol == 0 {
		s.Atol = DefaultAtol
	}
	if s.Rtol == 0 {
		s.Rtol = DefaultRtol
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = DefaultMaxSteps
	}
	n, stages := p.Dim*p.Batch, m.Stages()
	batch := func() []float64 { return make([]float64, p.Batch) }
	d := &adaptive[T]{p: p, s: s, m: m, n: n, last: stages - 1,
		onto: s.StepToOutputs || m.Dense == nil || p.Events != nil,
		st:   Stats{Accepted: make([]int, p.Batch), Rejected: make([]int, p.Batch)},
		y:    initialState(p), y1: make([]T, n),
		k: make([][]T, stages), coef: make([][][]T, stages), ecoef: make([][]float64, stages),
		posts: make([]func(r0, r1 int), stages), wf: make([]float64, stages),
		t: batch(), h: batch(), stop: batch(), ts: batch(), errSum: batch(), ratio: batch(),
		factor: batch(), taken: batch(),
		done: make([]bool, p.Batch), next: make([]int, p.Batch),
		seg: make([]int, p.Batch), restart: make([]bool, p.Batch), took: make([]bool, p.Batch)}
	for i := range d.k {
		d.k[i] = make([]T, n)
		d.coef[i] = make([][]T, i)
		for l, a := range m.A[i] {
			if a != 0 {
				d.coef[i][l] = make([]T, p.Batch)
			}
		}
		if m.E[i] != 0 {
			d.eterms = append(d.eterms, i)
			d.ecoef[i] = batch()
		}
		if m.Dense != nil && slices.ContainsFunc(m.Dense[i], func(c float64) bool { return c != 0 }) {
			d.dterms = append(d.dterms, i)
		}
	}
	d.takeFn = d.takeRows
	d.denseFn = func(r0, r1 int) { d.denseRows(d.out, r0, r1) }
	for i := range d.last {
		d.posts[i] = func(r0, r1 int) { d.combine(i+1, r0, r1) }
	}
	d.posts[d.last] = d.errorBlock
	return d
}

// evalThen evaluates the right-hand side into k and calls post on blocks
// of finished rows.
func (d *adaptive[T]) evalThen(k, y []T, ts []float64, post func(r0, r1 int)) {
	if d.p.FBlocks != nil {
		d.p.FBlocks(k, y, ts, post)
	} else {
		d.p.F(k, y, ts)
		d.par.For(d.p.Dim, parallelChunk, post)
	}
	d.st.RHSEvals++
}

// argOf returns the buffer holding the argument of stage i ≥ 1. The last
// stage is evaluated at the new solution y1. The others alternate between
// y1 and the last stage's buffer, both free until they are written (y1 by
// the post of the stage before last, the last stage by its evaluation), so
// that a stage's post never writes the buffer its own evaluation reads
// (dopri5: stages 1, 3, 5 in k[6]; 2, 4 in y1). Beyond the state, the
// solver holds y1 and the stages, nothing more.
func (d *adaptive[T]) argOf(i int) []T {
	if (d.last-i)%2 == 0 {
		return d.y1
	}
	return d.k[d.last]
}

// combine writes rows [r0, r1) of stage i's argument,
// y + Σ_{l<i} h·a[i][l]·k_l, with per-sample step sizes.
func (d *adaptive[T]) combine(i, r0, r1 int) {
	batch := d.p.Batch
	lo, hi := r0*batch, r1*batch
	dst := d.argOf(i)[lo:hi]
	copy(dst, d.y[lo:hi])
	for l, c := range d.coef[i] {
		if c != nil {
			axpyRows(dst, d.k[l][lo:hi], c)
		}
	}
}

// as32 returns v as []float32 when T is float32 (or a type of its
// representation), for the kernels of internal/vec.
func as32[T Float](v []T) ([]float32, bool) {
	var z T
	if unsafe.Sizeof(z) != 4 {
		return nil, false
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(v))), len(v)), true
}

// errorBlock adds rows [r0, r1) of each sample's squared scaled error
// (h·Σ e_l k_l / (atol + rtol·max(|y|, |y1|)))² to errSum (through
// errParts, which step adds up once the last stage is done).
func (d *adaptive[T]) errorBlock(r0, r1 int) {
	batch := d.p.Batch
	var local [64]float64
	var sums []float64
	if batch <= len(local) {
		sums = local[:batch]
	} else {
		sums = make([]float64, batch)
	}
	atol, rtol := d.s.Atol, d.s.Rtol
	lo, hi := r0*batch, r1*batch
	if y32, ok := as32(d.y[lo:hi]); ok && len(d.eterms) <= vec.MaxTerms {
		var ks [vec.MaxTerms][]float32
		var cs [vec.MaxTerms][]float64
		for t, l := range d.eterms {
			ks[t], _ = as32(d.k[l][lo:hi])
			cs[t] = d.ecoef[l]
		}
		y132, _ := as32(d.y1[lo:hi])
		terms := len(d.eterms)
		vec.ErrorSq(sums, ks[:terms], cs[:terms], y32, y132, atol, rtol)
	} else {
		for j := lo; j < hi; j += batch {
			for b := 0; b < batch; b++ {
				e := 0.0
				for _, l := range d.eterms {
					if c := d.ecoef[l][b]; c != 0 {
						e += c * float64(d.k[l][j+b])
					}
				}
				sc := atol + rtol*max(math.Abs(float64(d.y[j+b])), math.Abs(float64(d.y1[j+b])))
				r := e / sc
				sums[b] += r * r
			}
		}
	}
	d.errParts.add(r0, sums)
}

func (d *adaptive[T]) eval(k, y []T, ts []float64) {
	d.p.F(k, y, ts)
	d.st.RHSEvals++
}

func (d *adaptive[T]) solve(out []T) error {
	p, s := d.p, d.s
	if s.Atol < 0 || s.Rtol < 0 || math.IsNaN(s.Atol) || math.IsNaN(s.Rtol) || s.Atol+s.Rtol == 0 || math.IsInf(s.Atol+s.Rtol, 0) {
		return fmt.Errorf("%s: tolerances atol %v, rtol %v must be finite, non-negative and not both zero", d.m.Name, s.Atol, s.Rtol)
	}
	if s.MaxSteps < 0 || s.FirstStep < 0 || math.IsNaN(s.FirstStep) || math.IsInf(s.FirstStep, 0) {
		return fmt.Errorf("%s: bad step budget %d or first step %v", d.m.Name, s.MaxSteps, s.FirstStep)
	}
	if err := checkFinite(d.y, p.T0); err != nil {
		return fmt.Errorf("initial state: %w", err)
	}
	for b := range d.t {
		d.t[b] = p.T0
		enter(&d.p, b, 0)
		d.emitInitial(out, b)
	}
	copy(d.ts, d.t)
	d.eval(d.k[0], d.y, d.ts)
	if err := checkFinite(d.k[0], p.T0); err != nil {
		return fmt.Errorf("right-hand side at the initial state: %w", err)
	}
	if s.FirstStep > 0 {
		for b := range d.h {
			d.h[b] = s.FirstStep
		}
	} else {
		d.initialStep()
	}
	if s.Shared {
		hmin := math.Inf(1)
		for _, h := range d.h {
			hmin = min(hmin, h)
		}
		for b := range d.h {
			d.h[b] = hmin
		}
	}
	for {
		if active, err := d.limitSteps(); !active || err != nil {
			return err
		}
		d.step()
		if s.Shared {
			worst := 0.0
			for b, r := range d.ratio {
				if !d.done[b] && !(r <= worst) {
					worst = r
				}
			}
			for b := range d.ratio {
				d.ratio[b] = worst
			}
		}
		if d.accept(out) {
			if err := d.events(out); err != nil {
				return err
			}
			if p.Record != nil {
				p.Record(d.y, d.t, d.taken)
			}
		}
		d.restartStages()
		if s.Progress != nil {
			tmin := math.Inf(1)
			for _, t := range d.t {
				tmin = min(tmin, t)
			}
			s.Progress(tmin)
		}
	}
}

// limitSteps sets the step size of each sample for the next iteration:
// cut to end on the next break (or output time, when steps end on them),
// 0 for finished samples. It reports whether any sample is still running,
// and errors for an exhausted step budget or a step size that underflows.
func (d *adaptive[T]) limitSteps() (active bool, err error) {
	for b := range d.done {
		if d.done[b] {
			d.h[b] = 0
			continue
		}
		active = true
		if d.st.Accepted[b]+d.st.Rejected[b] >= d.s.MaxSteps {
			return true, fmt.Errorf("%s: step budget of %d steps exhausted at t = %g (sample %d)", d.m.Name, d.s.MaxSteps, d.t[b], b)
		}
		d.stop[b] = bound(&d.p, d.seg[b])
		if d.onto && d.next[b] < len(d.p.Times) {
			d.stop[b] = min(d.stop[b], d.p.Times[d.next[b]])
		}
		d.h[b] = min(d.h[b], d.stop[b]-d.t[b])
		if d.h[b] <= 16*math.Abs(d.t[b])*0x1p-52 || d.h[b] < 1e-300 {
			return true, fmt.Errorf("%s: step size %g underflows at t = %g (sample %d)", d.m.Name, d.h[b], d.t[b], b)
		}
	}
	return active, nil
}

// step computes stages 2..s, the candidate y1 and the error sums for
// every sample, each with its own h (0 for finished samples). The
// elementwise work of each stage runs fused into the evaluation of the
// previous one (see Problem.FBlocks).
func (d *adaptive[T]) step() {
	m := d.m
	for i, row := range d.coef {
		for l, c := range row {
			if c != nil {
				for b, h := range d.h {
					c[b] = T(h * m.A[i][l])
				}
			}
		}
	}
	for _, l := range d.eterms {
		for b, h := range d.h {
			d.ecoef[l][b] = h * m.E[l]
		}
	}
	clear(d.errSum)
	d.par.For(d.p.Dim, parallelChunk, d.posts[0])
	for i := 1; i <= d.last; i++ {
		for b := range d.ts {
			d.ts[b] = d.t[b] + m.C[i]*d.h[b]
		}
		d.evalThen(d.k[i], d.argOf(i), d.ts, d.posts[i])
	}
	d.errParts.addTo(d.errSum)
	for b := range d.ratio {
		if d.p.Dim == 0 {
			d.ratio[b] = 0
			continue
		}
		d.ratio[b] = math.Sqrt(d.errSum[b] / float64(d.p.Dim))
	}
}

// accept takes or rejects each sample's step, writes the outputs it
// passed (from the dense output, or the step's end when steps end on
// outputs), and sets its next step size. It reports whether any sample
// took its step.
func (d *adaptive[T]) accept(out []T) bool {
	batch := d.p.Batch
	d.pending = d.pending[:0]
	all, any := true, false // every sample still running accepted its step; some did
	for b := 0; b < batch; b++ {
		d.took[b], d.taken[b] = false, 0
		if d.done[b] {
			continue
		}
		r := d.ratio[b]
		factor := d.m.StepFactor(r)
		if !Accepts(r) {
			d.st.Rejected[b]++
			d.h[b] *= min(1, factor)
			all = false
			continue
		}
		d.st.Accepted[b]++
		d.took[b], d.taken[b], any = true, d.h[b], true
		d.factor[b] = factor
		if d.onto {
			if d.p.Events == nil { // else after the events (see events)
				d.emitEnd(out, b, d.stepEnd(b), d.y1)
			}
			continue
		}
		t0, h := d.t[b], d.h[b]
		reachesEnd := t0+h >= d.p.T1
		for d.next[b] < len(d.p.Times) {
			t := d.p.Times[d.next[b]]
			th := (t - t0) / h
			if th > 1+1e-12 && !reachesEnd {
				break
			}
			d.pending = append(d.pending, denseOut{k: d.next[b], b: b, th: min(th, 1)})
			d.next[b]++
		}
	}
	d.flushDense(out)
	// Take the step: y ← y1, k1 ← k_s (first same as last).
	if all {
		d.y, d.y1 = d.y1, d.y
		d.k[0], d.k[d.last] = d.k[d.last], d.k[0]
	} else {
		d.par.For(d.p.Dim, parallelChunk, d.takeFn)
	}
	for b, ok := range d.took {
		if !ok {
			continue
		}
		tNew := d.stepEnd(b)
		d.t[b] = tNew
		d.h[b] *= d.factor[b]
		if tNew >= d.p.T1 {
			d.done[b] = true
		} else if tNew == bound(&d.p, d.seg[b]) {
			d.seg[b]++
			enter(&d.p, b, d.seg[b])
			d.restart[b] = true
		}
	}
	return any
}

// stepEnd returns the time at the end of sample b's step: t + h, or the
// step's stop (a break, an output time, T1) when it is within rounding of
// it.
func (d *adaptive[T]) stepEnd(b int) float64 {
	tNew, end := d.t[b]+d.h[b], d.stop[b]
	if end-tNew <= 16*math.Abs(end)*0x1p-52 {
		tNew = end
	}
	return tNew
}

// emitEnd writes sample b's state in y ([dim][batch]) at the end of its
// step, tNew, to the outputs due by then.
func (d *adaptive[T]) emitEnd(out []T, b int, tNew float64, y []T) {
	p := &d.p
	for d.next[b] < len(p.Times) && p.Times[d.next[b]] <= tNew {
		putSample(outSlot(out, d.next[b], b, p.Batch, p.Dim), y, b, p.Batch)
		d.next[b]++
	}
}

// events applies the problem's Events, if any, to the state after the
// steps just taken, marks every running sample for a fresh first stage
// when they changed it, and writes the outputs due at the ends of the
// steps taken (withheld by accept until the events were applied).
func (d *adaptive[T]) events(out []T) error {
	if d.p.Events == nil {
		return nil
	}
	if d.p.Events(d.y, d.t) {
		for b, done := range d.done {
			d.restart[b] = !done
		}
		if err := checkFinite(d.y, d.t[0]); err != nil {
			return fmt.Errorf("after events: %w", err)
		}
	}
	for b, ok := range d.took {
		if ok {
			d.emitEnd(out, b, d.t[b], d.y)
		}
	}
	return nil
}

// takeRows takes the step on rows [r0, r1) for the samples that accepted
// it: y ← y1, k1 ← k_s.
func (d *adaptive[T]) takeRows(r0, r1 int) {
	batch := d.p.Batch
	k0, ks := d.k[0], d.k[d.last]
	for j := r0 * batch; j < r1*batch; j += batch {
		for b, ok := range d.took {
			if ok {
				d.y[j+b] = d.y1[j+b]
				k0[j+b] = ks[j+b]
			}
		}
	}
}

// denseOut is an output due from the current step: time index k of sample
// b at fraction th of the step.
type denseOut struct {
	k, b int
	th   float64
}

// flushDense writes the pending outputs from the method's continuous
// extension of the current step, y0 + h·Σ w_l(θ)·k_l. All of them are
// computed in one pass over the rows, which reads each stage once.
func (d *adaptive[T]) flushDense(out []T) {
	if len(d.pending) == 0 {
		return
	}
	batch, stages := d.p.Batch, len(d.k)
	// Group the outputs by time index (stable: samples stay in order).
	slices.SortStableFunc(d.pending, func(a, b denseOut) int { return cmp.Compare(a.k, b.k) })
	d.w = grow(d.w, stages*len(d.pending))
	d.starts = d.starts[:0]
	for i, p := range d.pending {
		if i == 0 || p.k != d.pending[i-1].k {
			d.starts = append(d.starts, i)
		}
		h := d.h[p.b]
		d.m.denseWeights(d.wf, p.th)
		w := d.w[i*stages : (i+1)*stages]
		for l, wl := range d.wf {
			w[l] = T(h * wl)
		}
	}
	groups := len(d.starts)
	d.starts = append(d.starts, len(d.pending))
	d.wv = grow(d.wv, groups*stages*batch)
	for g := range groups {
		for i := d.starts[g]; i < d.starts[g+1]; i++ {
			for l := range stages {
				d.wv[(g*stages+l)*batch+d.pending[i].b] = d.w[i*stages+l]
			}
		}
	}
	d.out = out
	d.par.For(d.p.Dim, parallelChunk, d.denseFn)
	d.out = nil
	d.pending = d.pending[:0]
}

// grow returns s with length n, all zero, reusing its array if it can.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// denseRows writes rows [r0, r1) of the pending outputs.
func (d *adaptive[T]) denseRows(out []T, r0, r1 int) {
	batch, dim, stages := d.p.Batch, d.p.Dim, len(d.k)
	if y, ok := as32(d.y); ok && batch <= denseBuf {
		d.denseRows32(out, y, r0, r1)
		return
	}
	for i := r0; i < r1; i++ {
		j := i * batch
		for pi, p := range d.pending {
			w := d.w[pi*stages : (pi+1)*stages]
			jb := j + p.b
			v := d.y[jb]
			for _, l := range d.dterms {
				v += w[l] * d.k[l][jb]
			}
			out[(p.k*batch+p.b)*dim+i] = v
		}
	}
}

// denseBuf is the size in float32 of the block denseRows32 evaluates the
// continuous extension into before it writes the samples' rows: 8 KiB,
// in L1.
const denseBuf = 2048

// denseRows32 is denseRows for float32 states: on each block of rows, for
// each time index due, it evaluates y + Σ_l wv_l ⊙ k_l for all samples
// with internal/vec (the stages' blocks stay in cache from one time index
// to the next) and copies the due samples out.
func (d *adaptive[T]) denseRows32(out []T, y []float32, r0, r1 int) {
	batch, dim, stages := d.p.Batch, d.p.Dim, len(d.k)
	out32, _ := as32(out)
	wv, _ := as32(d.wv)
	var buf [denseBuf]float32
	rows := denseBuf / batch
	for i0 := r0; i0 < r1; i0 += rows {
		i1 := min(i0+rows, r1)
		lo, hi := i0*batch, i1*batch
		v := buf[:hi-lo]
		for g := 0; g+1 < len(d.starts); g++ {
			copy(v, y[lo:hi])
			for _, l := range d.dterms {
				k32, _ := as32(d.k[l][lo:hi])
				vec.AxpyPattern(v, k32, wv[(g*stages+l)*batch:(g*stages+l+1)*batch])
			}
			for _, p := range d.pending[d.starts[g]:d.starts[g+1]] {
				o := out32[(p.k*batch+p.b)*dim+i0 : (p.k*batch+p.b)*dim+i1]
				for i := range o {
					o[i] = v[i*batch+p.b]
				}
			}
		}
	}
}

// restartStages evaluates the first stage anew for the samples that have
// just crossed a break, where the last stage of the previous step (first
// same as last) belongs to the old piece of F.
func (d *adaptive[T]) restartStages() {
	any := false
	for _, r := range d.restart {
		any = any || r
	}
	if !any {
		return
	}
	copy(d.ts, d.t)
	d.eval(d.k[d.last], d.y, d.ts)
	batch := d.p.Batch
	for b, r := range d.restart {
		if r {
			for j := b; j < d.n; j += batch {
				d.k[0][j] = d.k[d.last][j]
			}
			d.restart[b] = false
		}
	}
}

// emitInitial writes sample b's outputs at times equal to T0.
func (d *adaptive[T]) emitInitial(out []T, b int) {
	p := d.p
	for d.next[b] < len(p.Times) && p.Times[d.next[b]] <= d.t[b] {
		putSample(outSlot(out, d.next[b], b, p.Batch, p.Dim), d.y, b, p.Batch)
		d.next[b]++
	}
}

// errorSq adds vec.ErrorSq of whole [dim][batch] vectors to sums, in
// parallel over rows.
func (d *adaptive[T]) errorSq(sums []float64, ks [][]float32, cs [][]float64, y, y1 []float32) {
	batch := d.p.Batch
	var parts rowSums
	parallel(d.p.Dim, func(r0, r1 int) {
		lo, hi := r0*batch, r1*batch
		part := make([]float64, batch)
		kp := make([][]float32, len(ks))
		for l, k := range ks {
			kp[l] = k[lo:hi]
		}
		vec.ErrorSq(part, kp, cs, y[lo:hi], y1[lo:hi], d.s.Atol, d.s.Rtol)
		parts.add(r0, part)
	})
	parts.addTo(sums)
}

// rowSums collects per-sample partial sums over blocks of rows from
// concurrent workers and adds them up in row order, so that a sum does not
// depend on which worker finished first: the step sizes, and with them the
// whole solution, are the same from run to run.
type rowSums struct {
	mu     sync.Mutex
	starts []int     // first row of each part
	vals   []float64 // the parts' sums, one after the other
	order  []int
}

// add records the sums of the block of rows starting at r0.
func (r *rowSums) add(r0 int, sums []float64) {
	r.mu.Lock()
	r.starts = append(r.starts, r0)
	r.vals = append(r.vals, sums...)
	r.mu.Unlock()
}

// addTo adds the recorded sums to dst in order of their first rows and
// forgets them.
func (r *rowSums) addTo(dst []float64) {
	r.order = r.order[:0]
	for i := range r.starts {
		r.order = append(r.order, i)
	}
	slices.SortFunc(r.order, func(a, b int) int { return cmp.Compare(r.starts[a], r.starts[b]) })
	n := len(dst)
	for _, i := range r.order {
		for b, v := range r.vals[i*n : (i+1)*n] {
			dst[b] += v
		}
	}
	r.starts, r.vals = r.starts[:0], r.vals[:0]
}

// initialStep chooses each sample's first step as in Hairer, Nørsett &
// Wanner I, II.4 (the algorithm of torchode and SciPy), at the cost of one
// extra right-hand-side evaluation for the whole batch.
func (d *adaptive[T]) initialStep() {
	p, batch := d.p, d.p.Batch
	atol, rtol := d.s.Atol, d.s.Rtol
	d0 := make([]float64, batch)
	d1 := make([]float64, batch)
	y32, is32 := as32(d.y)
	k032, _ := as32(d.k[0])
	ones, negs := make([]float64, batch), make([]float64, batch)
	for b := range ones {
		ones[b], negs[b] = 1, -1
	}
	if is32 { // the same sums with internal/vec: max(|y|, |y|) = |y|
		d.errorSq(d0, [][]float32{y32}, [][]float64{ones}, y32, y32)
		d.errorSq(d1, [][]float32{k032}, [][]float64{ones}, y32, y32)
	} else {
		for j := 0; j < d.n; j += batch {
			for b := 0; b < batch; b++ {
				sc := atol + rtol*math.Abs(float64(d.y[j+b]))
				y, f := float64(d.y[j+b])/sc, float64(d.k[0][j+b])/sc
				d0[b] += y * y
				d1[b] += f * f
			}
		}
	}
	h0 := make([]float64, batch)
	dim := float64(max(1, p.Dim))
	for b := range h0 {
		d0[b], d1[b] = math.Sqrt(d0[b]/dim), math.Sqrt(d1[b]/dim)
		if d0[b] < 1e-5 || d1[b] < 1e-5 {
			h0[b] = 1e-6
		} else {
			h0[b] = 0.01 * d0[b] / d1[b]
		}
		h0[b] = min(h0[b], p.T1-p.T0)
	}
	if is32 {
		k632, _ := as32(d.k[d.last])
		h032 := make([]float32, batch)
		for b, h := range h0 {
			h032[b] = float32(h)
		}
		parallel(p.Dim, func(r0, r1 int) {
			lo, hi := r0*batch, r1*batch
			copy(k632[lo:hi], y32[lo:hi])
			vec.AxpyPattern(k632[lo:hi], k032[lo:hi], h032)
		})
	} else {
		for j := 0; j < d.n; j += batch {
			for b := 0; b < batch; b++ {
				d.k[d.last][j+b] = d.y[j+b] + T(h0[b])*d.k[0][j+b]
			}
		}
	}
	for b := range d.ts {
		d.ts[b] = p.T0 + h0[b]
	}
	f1 := d.k[1]
	d.eval(f1, d.k[d.last], d.ts)
	d2 := make([]float64, batch)
	if is32 {
		f132, _ := as32(f1)
		d.errorSq(d2, [][]float32{f132, k032}, [][]float64{ones, negs}, y32, y32)
	} else {
		for j := 0; j < d.n; j += batch {
			for b := 0; b < batch; b++ {
				sc := atol + rtol*math.Abs(float64(d.y[j+b]))
				r := (float64(f1[j+b]) - float64(d.k[0][j+b])) / sc
				d2[b] += r * r
			}
		}
	}
	for b := range d.h {
		d2[b] = math.Sqrt(d2[b]/dim) / h0[b]
		var h1 float64
		if m := max(d1[b], d2[b]); m <= 1e-15 {
			h1 = max(1e-6, h0[b]*1e-3)
		} else {
			h1 = math.Pow(0.01/m, 1/float64(d.m.ErrorOrder))
		}
		d.h[b] = min(100*h0[b], h1)
	}
}
