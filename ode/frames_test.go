package ode

import "testing"

func TestFrameAt(t *testing.T) {
	for _, c := range []struct {
		t, t0, t1 float64
		n, want   int
	}{
		{0, 0, 1, 4, 0}, {0.24, 0, 1, 4, 0}, {0.25, 0, 1, 4, 1}, {0.99, 0, 1, 4, 3},
		{1, 0, 1, 4, 3},   // t1 uses the last frame
		{-1, 0, 1, 4, 0},  // before t0: the first
		{0.5, 0, 1, 1, 0}, // one frame: constant
		{3, 2, 4, 2, 1},
	} {
		if got := FrameAt(c.t, c.t0, c.t1, c.n); got != c.want {
			t.Errorf("FrameAt(%v, %v, %v, %d) = %d, want %d", c.t, c.t0, c.t1, c.n, got, c.want)
		}
	}
	// Between consecutive breaks, FrameAt names the segment.
	for _, n := range []int{1, 2, 3, 7, 20} {
		t0, t1 := 0.1, 0.7
		br := FrameBreaks(t0, t1, n)
		if len(br) != max(0, n-1) {
			t.Fatalf("%d frames: %d breaks", n, len(br))
		}
		edges := append(append([]float64{t0}, br...), t1)
		for k := 0; k < n; k++ {
			mid := (edges[k] + edges[k+1]) / 2
			if got := FrameAt(mid, t0, t1, n); got != k {
				t.Errorf("%d frames: FrameAt(%v) = %d, want %d", n, mid, got, k)
			}
		}
	}
}
