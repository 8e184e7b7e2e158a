package train

import (
	"testing"
	"time"

	"github.com/neuropil/neuropil/connectome"
)

func TestSpeedDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("default connectome")
	}
	c := connectome.Default()
	m, err := New(Config{W: c.W, Inputs: 784})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(m, 8, 0)
	defer r.Close()
	x := make([]float32, 8*784)
	for i := range x {
		x[i] = float32(i%7) * 0.3
	}
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for _, s := range []Solve{{}, {StoreZ: true}} {
		for k := 0; k < 3; k++ {
			st := time.Now()
			res, err := r.Forward(x, labels, nil, s)
			if err != nil {
				t.Fatal(err)
			}
			f := time.Since(st)
			r.Backward()
			t.Log(s.StoreZ, res.Loss, f, time.Since(st), r.StateBytes()>>20)
		}
	}
}
