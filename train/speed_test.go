package train

import (
	"testing"

	"github.com/neuropil/neuropil/connectome"
)

// BenchmarkTrainStepDefault is one forward and backward pass of 20 euler
// steps over [0, 1] at batch 8 on the built-in default connectome, loss on
// the last state, with and without stored pre-activations.
func BenchmarkTrainStepDefault(b *testing.B) {
	c := connectome.Default()
	m, err := New(Config{W: c.W, Inputs: 784})
	if err != nil {
		b.Fatal(err)
	}
	r := NewRunner(m, 8, 0)
	defer r.Close()
	x := make([]float32, 8*784)
	for i := range x {
		x[i] = float32(i%7) * 0.3
	}
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for _, s := range []struct {
		name string
		s    Solve
	}{{"checkpointed", Solve{}}, {"storez", Solve{StoreZ: true}}} {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := r.Forward(x, labels, nil, s.s); err != nil {
					b.Fatal(err)
				}
				r.Backward()
			}
		})
	}
}
