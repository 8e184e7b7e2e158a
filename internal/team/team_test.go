package team

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCallsEveryPartOnce(t *testing.T) {
	for _, parts := range []int{0, 1, 2, 3, 17, 100} {
		seen := make([]atomic.Int32, parts)
		j := &Job{Parts: parts, F: func(p int) { seen[p].Add(1) }}
		for range 50 { // reuse, as a hot loop does
			Run(j)
		}
		for p := range seen {
			if n := seen[p].Load(); n != 50 {
				t.Fatalf("parts %d: part %d ran %d times in 50 runs", parts, p, n)
			}
		}
	}
}

func TestForCoversRange(t *testing.T) {
	for _, n := range []int{0, 1, 5, 4096, 10000, 100003} {
		hits := make([]int32, n)
		For(n, 1000, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				hits[i]++ // ranges are disjoint: no race
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n %d: index %d covered %d times", n, i, h)
			}
		}
	}
}

func TestConcurrentAndNestedJobs(t *testing.T) {
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := &Job{Parts: 8, F: func(p int) {
				// A job inside a job runs serially on this goroutine.
				Run(&Job{Parts: 3, F: func(int) { total.Add(1) }})
				total.Add(int64(g))
			}}
			for range 20 {
				Run(j)
			}
		}()
	}
	wg.Wait()
	// Each run: 8 parts × (3 + g); 20 runs per goroutine, g = 0..3.
	want := int64(0)
	for g := range 4 {
		want += 20 * 8 * int64(3+g)
	}
	if got := total.Load(); got != want {
		t.Fatalf("total %d, want %d", got, want)
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	j := &Job{Parts: 8, F: func(int) {}}
	if n := testing.AllocsPerRun(50, func() { Run(j) }); n != 0 {
		t.Errorf("Run allocates %v times", n)
	}
}

// TestRunForgetsTheJob checks that the team keeps nothing a finished job's
// function refers to: a simulation's 30 MB output must not outlive it.
func TestRunForgetsTheJob(t *testing.T) {
	done := make(chan struct{})
	func() {
		buf := make([]float32, 1<<16)
		runtime.AddCleanup(&buf[0], func(ch chan struct{}) { close(ch) }, done)
		Run(&Job{Parts: 8, F: func(p int) { buf[p]++ }})
	}()
	for range 20 {
		runtime.GC()
		select {
		case <-done:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("a finished job's data is still reachable")
}

// TestReusedJobRunsEachPartOnce: a Job reused run after run, with its
// part count changing, runs every part of every run exactly once. A helper
// that woke for one run used to be able to claim a part of the next (the
// runs reset a plain counter it could still advance): a part ran twice
// and the caller, its pending count below zero, waited for ever.
func TestReusedJobRunsEachPartOnce(t *testing.T) {
	if Helpers() == 0 {
		t.Skip("no helpers (GOMAXPROCS 1)")
	}
	var j Job
	counts := make([]atomic.Int32, 16)
	j.F = func(p int) {
		counts[p].Add(1)
		if p%3 == 0 {
			runtime.Gosched() // let a helper fall behind
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for run := 0; run < 20000; run++ {
			j.Parts = 2 + run%15
			Run(&j)
			for p := range counts {
				want := int32(0)
				if p < j.Parts {
					want = 1
				}
				if got := counts[p].Swap(0); got != want {
					t.Errorf("run %d: part %d ran %d times, want %d", run, p, got, want)
					return
				}
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("a run never finished")
	}
}

// TestStaleClaimClaimsNothing: a participant that woke for an earlier run
// of a Job claims no part of the current one; one of the current run
// claims every part once.
func TestStaleClaimClaimsNothing(t *testing.T) {
	var j Job
	ran := make([]int, 4)
	j.F = func(p int) { ran[p]++ }
	j.Parts = 4
	j.pending.Store(4)
	j.parts.Store(4)
	j.claims.Store(7 << partBits) // run 7 set up, nothing claimed yet
	j.claim(6)
	if j.pending.Load() != 4 || slices.Max(ran) != 0 {
		t.Fatalf("a helper of run 6 ran parts %v of run 7", ran)
	}
	j.claim(7)
	if j.pending.Load() != 0 || !slices.Equal(ran, []int{1, 1, 1, 1}) {
		t.Fatalf("run 7: parts ran %v times, %d pending", ran, j.pending.Load())
	}
	j.claim(7) // late: every part claimed
	if !slices.Equal(ran, []int{1, 1, 1, 1}) {
		t.Fatalf("a late claim ran parts again: %v", ran)
	}
}

// Split runs each non-empty run of its boundaries once, however often it
// is reused.
func TestSplit(t *testing.T) {
	for _, b := range [][]int{{0, 0}, {0, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8}, {0, 0, 3, 3, 9, 10}, {0, 10, 10, 10}} {
		n := b[len(b)-1]
		hits := make([]int32, n)
		var s Split
		for range 3 {
			s.For(b, func(lo, hi int) {
				if lo >= hi {
					t.Errorf("bounds %v: empty run [%d, %d) called", b, lo, hi)
				}
				for i := lo; i < hi; i++ {
					hits[i]++ // runs are disjoint: no race
				}
			})
		}
		for i, h := range hits {
			if h != 3 {
				t.Fatalf("bounds %v: item %d covered %d times in 3 loops", b, i, h)
			}
		}
	}
}
