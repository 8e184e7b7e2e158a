package sim_test

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sim"
	"github.com/neuropil/neuropil/sparse"
)

// Run the connectome ODE RNN on a two-frame input (input 0 on for the
// first second, input 1 for the next) with bosh3, recording three neurons
// batch-first: the library's path of "neuropil simulate".
func ExampleRun() {
	c := connectome.Random(100, 1000, 3)
	n, batch := c.Neurons(), 1
	m, err := model.New(model.Config{W: c.W, Input: sparse.Identity(n, []int{0, 1}), Nonlinearity: model.Nonlinearity{model.Tanh}}, batch)
	if err != nil {
		panic(err)
	}
	defer m.Close()
	in := sim.Input{X: []float32{1, 0, 0, 1}, Frames: 2, T0: 0, T1: 2} // [frames][batch][inputs]
	res, err := sim.Run(m, in, sim.Readout{Neurons: []int{0, 1, 2}, BatchFirst: true},
		sim.Settings{Solver: ode.Settings{Method: "bosh3"}, Times: ode.Linspace(0, 2, 5)})
	if err != nil {
		panic(err)
	}
	r := func(x float32) float64 { return math.Round(float64(x)*1000)/1000 + 0 } // no "-0.000"
	fmt.Println("activity shape", res.Shape())
	for k, t := range res.Times {
		v := res.Activity[k*3 : k*3+3] // sample 0, [times][3]
		fmt.Printf("t = %.1f: %.3f %.3f %.3f\n", t, r(v[0]), r(v[1]), r(v[2]))
	}
	// Output:
	// activity shape [1 5 3]
	// t = 0.0: 0.000 0.000 0.000
	// t = 0.5: 0.304 0.000 0.000
	// t = 1.0: 0.495 0.000 0.000
	// t = 1.5: 0.338 0.300 0.000
	// t = 2.0: 0.247 0.481 0.000
}
