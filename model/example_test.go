package model_test

import (
	"fmt"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// Build the connectome ODE RNN of a connectome, drive every neuron with a
// constant input, integrate it with dopri5 and read the activity.
func ExampleNew() {
	c := connectome.Random(200, 2000, 1) // 200 neurons, 2,000 synapses
	n, batch := c.Neurons(), 2
	indices := make([]int, n) // input k drives neuron k
	for i := range indices {
		indices[i] = i
	}
	m, err := model.New(model.Config{W: c.W, Input: sparse.Identity(n, indices), Tau: 0.5}, batch)
	if err != nil {
		panic(err)
	}
	defer m.Close()
	x := make([]float32, batch*n) // [batch][inputs]: sample 1 driven at 1, sample 0 not
	for k := n; k < 2*n; k++ {
		x[k] = 1
	}
	if err := m.SetInput(x, 1, 0, 1); err != nil {
		panic(err)
	}
	times := ode.Linspace(0, 1, 3)
	out := make([]float32, len(times)*batch*n) // [times][batch][neurons]
	p := ode.Problem[float32]{F: func(dydt, y []float32, t []float64) { m.Derivative(dydt, y, t, nil) },
		Dim: n, Batch: batch, T0: 0, T1: 1, Times: times}
	if _, err := ode.Solve(out, p, ode.Settings{}); err != nil {
		panic(err)
	}
	at := func(k, b int) []float32 { return out[(k*batch+b)*n : (k*batch+b+1)*n] }
	fmt.Printf("neuron 0 at t = 1: %.2f undriven, %.2f driven\n", at(2, 0)[0], at(2, 1)[0])
	// Output: neuron 0 at t = 1: 0.43 undriven, 0.63 driven
}
