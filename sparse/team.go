package sparse

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A team is the process-wide set of helper goroutines that run the parts
// of a product alongside the calling goroutine, like an OpenMP thread team.
// Waking a parked goroutine through a channel costs tens of microseconds
// and, worse, the woken goroutine is queued on the waker's own P, so two
// workers often ran one after the other; instead the helpers spin on an
// atomic generation counter for a while after each job (so back-to-back
// products, as in an ODE solve, find them awake) and only then sleep.
//
// One team serves all Products: only one job runs on it at a time. A job
// submitted while another is running (another goroutine's product, or a
// product called from a post function) runs its parts serially on the
// calling goroutine instead, which is correct, never deadlocks, and only
// loses the parallelism.
type team struct {
	helpers int

	busy sync.Mutex    // held by the goroutine whose job is on the team
	gen  atomic.Uint64 // incremented to publish a new job
	cur  atomic.Pointer[teamJob]

	sleepMu  sync.Mutex
	wake     *sync.Cond
	sleeping int
}

// teamJob is one kind of job: parts calls of f, claimed dynamically. A
// Product owns one and reuses it for every call, so dispatch allocates
// nothing.
type teamJob struct {
	f       func(part int)
	parts   int
	next    atomic.Int64 // next part to claim
	pending atomic.Int64 // parts not yet finished
}

// spinFor is how long a helper keeps polling for the next job before it
// sleeps: longer than the elementwise work an ODE solver does between two
// products, short enough that an idle program stops burning CPU at once.
const spinFor = time.Millisecond

var (
	teamOnce   sync.Once
	sharedTeam *team
)

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

// run calls j.f(0), ..., j.f(j.parts-1), spread over the calling goroutine
// and the helpers, and returns when all are done.
func (t *team) run(j *teamJob) {
	if j.parts <= 1 || t.helpers == 0 || !t.busy.TryLock() {
		for i := range j.parts {
			j.f(i)
		}
		return
	}
	j.pending.Store(int64(j.parts))
	j.next.Store(0)
	t.cur.Store(j)
	t.gen.Add(1)
	t.sleepMu.Lock()
	if t.sleeping > 0 {
		t.wake.Broadcast()
	}
	t.sleepMu.Unlock()
	j.claim()
	for i := 0; j.pending.Load() != 0; i++ {
		if i%1024 == 1023 {
			runtime.Gosched() // a helper was descheduled: let others run
		}
	}
	t.busy.Unlock()
}

// claim runs parts of j until none is left to claim. A helper that comes
// late, after its job ended, finds next ≥ parts and returns.
func (j *teamJob) claim() {
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.parts {
			return
		}
		j.f(i)
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
			j.claim()
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
