package team

import (
	"runtime"
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
