package team

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A team is the process-wide set of helper goroutines that run the parts
// of a job (a sparse product, a solver's elementwise loop) alongside the
// calling goroutine, like an OpenMP thread team.
// Waking a parked goroutine through a channel costs tens of microseconds
// and, worse, the woken goroutine is queued on the waker's own P, so two
// workers often ran one after the other; instead the helpers spin on an
// atomic generation counter for a while after each job (so back-to-back
// products, as in an ODE solve, find them awake) and only then sleep.
//
// One team serves the whole process: only one job runs on it at a time. A
// job submitted while another is running (from another goroutine, or from
// inside a part of the running job) runs its parts serially on the calling
// goroutine instead, which is correct, never deadlocks, and only loses the
// parallelism.
type team struct {
	helpers int

	busy sync.Mutex    // held by the goroutine whose job is on the team
	gen  atomic.Uint64 // incremented to publish a new job
	cur  atomic.Pointer[Job]

	sleepMu  sync.Mutex
	wake     *sync.Cond
	sleeping int
}

// Job is a piece of parallel work: Parts calls of F, with the part numbers
// 0..Parts-1, claimed dynamically by the participants. A Job may be reused
// for any number of runs (one at a time), so that a hot loop that keeps
// its Job allocates nothing.
type Job struct {
	F     func(part int)
	Parts int

	// claims is the run's id (high bits) and the next part to claim (low
	// partBits bits), changed only by compare-and-swap: a helper that
	// woke for an earlier run of a reused Job cannot claim a part of the
	// next one (it once could, run the part twice and drive pending below
	// zero, so that the caller waited for ever).
	claims  atomic.Uint64
	parts   atomic.Int64 // Parts of the current run, read by the helpers
	pending atomic.Int64 // parts not yet finished
}

// partBits is the width of the part counter in Job.claims; a job of more
// parts runs serially.
const partBits = 24

// spinFor is how long a helper keeps polling for the next job before it
// sleeps: longer than the elementwise work an ODE solver does between two
// products, short enough that an idle program stops burning CPU at once.
const spinFor = time.Millisecond

var (
	teamOnce   sync.Once
	sharedTeam *team
)

// Helpers returns the number of helper goroutines (GOMAXPROCS-1 at first
// use), so that a job can run on Helpers()+1 goroutines at most.
func Helpers() int { return getTeam().helpers }

// Run calls j.F(0), ..., j.F(j.Parts-1) on the calling goroutine and the
// helpers and returns when all calls are done. Parts run concurrently and
// must touch disjoint data.
func Run(j *Job) { getTeam().run(j) }

// For runs fn on about equal, contiguous ranges [lo, hi) covering [0, n),
// in parallel when n is at least 2·minChunk. It allocates one small Job;
// a loop that must not allocate keeps a Ranges.
func For(n, minChunk int, fn func(lo, hi int)) {
	var r Ranges
	r.For(n, minChunk, fn)
}

// Ranges is For with its Job kept: after the first call, a Ranges reused
// in a loop allocates nothing (when fn does not). One call at a time.
type Ranges struct {
	job      Job
	n, parts int
	fn       func(lo, hi int)
}

// For is the package's For on r's Job.
func (r *Ranges) For(n, minChunk int, fn func(lo, hi int)) {
	parts := min(Helpers()+1, n/max(1, minChunk))
	if parts <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	if r.job.F == nil {
		r.job.F = r.part
	}
	r.n, r.parts, r.fn, r.job.Parts = n, parts, fn, parts
	Run(&r.job)
	r.fn = nil
}

func (r *Ranges) part(p int) { r.fn(r.n*p/r.parts, r.n*(p+1)/r.parts) }

// Split runs a loop over runs of items given by boundaries (as
// sparse.SplitByNNZ returns them) on the team, more runs than workers
// balancing as they claim them. After the first call a Split reused in a
// loop allocates nothing (when fn does not). One call at a time.
type Split struct {
	job    Job
	bounds []int
	fn     func(lo, hi int)
}

// For calls fn(bounds[p], bounds[p+1]) for every run p, in parallel.
func (s *Split) For(bounds []int, fn func(lo, hi int)) {
	if s.job.F == nil {
		s.job.F = s.part
	}
	s.bounds, s.fn, s.job.Parts = bounds, fn, len(bounds)-1
	Run(&s.job)
	s.fn, s.bounds = nil, nil
}

func (s *Split) part(p int) {
	if s.bounds[p] < s.bounds[p+1] {
		s.fn(s.bounds[p], s.bounds[p+1])
	}
}

// getTeam returns the shared team, starting GOMAXPROCS-1 helpers on first
// use.
func getTeam() *team {
	teamOnce.Do(func() {
		t := &team{helpers: runtime.GOMAXPROCS(0) - 1}
		t.wake = sync.NewCond(&t.sleepMu)
		for range t.helpers {
			go t.help()
		}
		sharedTeam = t
	})
	return sharedTeam
}

// run calls j.f(0), ..., j.f(j.Parts-1), spread over the calling goroutine
// and the helpers, and returns when all are done.
func (t *team) run(j *Job) {
	if j.Parts <= 1 || j.Parts >= 1<<partBits || t.helpers == 0 || !t.busy.TryLock() {
		for i := range j.Parts {
			j.F(i)
		}
		return
	}
	id := t.gen.Load() + 1 // only the holder of busy changes gen
	j.pending.Store(int64(j.Parts))
	j.parts.Store(int64(j.Parts))
	j.claims.Store(id << partBits)
	t.cur.Store(j)
	t.gen.Store(id)
	t.sleepMu.Lock()
	if t.sleeping > 0 {
		t.wake.Broadcast()
	}
	t.sleepMu.Unlock()
	j.claim(id)
	for i := 0; j.pending.Load() != 0; i++ {
		if i%1024 == 1023 {
			runtime.Gosched() // a helper was descheduled: let others run
		}
	}
	// Forget the job, so that the team does not keep what its function
	// refers to (a solver's buffers, a simulation's output) alive.
	t.cur.Store(nil)
	t.busy.Unlock()
}

// claim runs parts of run id of j until none is left to claim. A helper
// that comes late, after that run ended, finds every part claimed or
// another run's id, and returns.
func (j *Job) claim(id uint64) {
	id &= 1<<(64-partBits) - 1 // as it stands in claims
	for {
		c := j.claims.Load()
		if c>>partBits != id {
			return
		}
		i := int(c & (1<<partBits - 1))
		if int64(i) >= j.parts.Load() {
			return
		}
		if !j.claims.CompareAndSwap(c, c+1) {
			continue
		}
		j.F(i)
		j.pending.Add(-1)
	}
}

// help is the loop of a helper goroutine; helpers live as long as the
// process.
func (t *team) help() {
	seen := t.gen.Load()
	for {
		seen = t.await(seen)
		if j := t.cur.Load(); j != nil {
			j.claim(seen)
		}
	}
}

// await returns the generation once it differs from seen: spinning for
// spinFor, then sleeping until run wakes the helpers.
func (t *team) await(seen uint64) uint64 {
	var start time.Time
	for i := 0; ; i++ {
		if g := t.gen.Load(); g != seen {
			return g
		}
		if i%256 == 255 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				break
			}
		}
	}
	t.sleepMu.Lock()
	defer t.sleepMu.Unlock()
	t.sleeping++
	for t.gen.Load() == seen {
		t.wake.Wait()
	}
	t.sleeping--
	return t.gen.Load()
}
