package membw

import "testing"

func TestTriadComputes(t *testing.T) {
	a := make([]float64, 5)
	triad(a, []float64{1, 2, 3, 4, 5}, []float64{1, 1, 2, 2, 0}, 2)
	want := []float64{3, 4, 7, 8, 5}
	for i := range a {
		if a[i] != want[i] {
			t.Fatalf("a = %v, want %v", a, want)
		}
	}
}

func TestTriadMeasures(t *testing.T) {
	r := Triad(1<<16, 2, 3)
	// 0.1 GB/s is far below any machine that runs the tests; a zero or
	// infinite figure would mean the timing is broken.
	if !(r.GBps > 0.1 && r.GBps < 1e5) || r.Workers != 2 || r.Elements != 1<<16 {
		t.Fatalf("implausible result %+v", r)
	}
}
