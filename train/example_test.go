package train_test

import (
	"fmt"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/train"
)

// Train the connectome ODE RNN classifier on a toy task, step by step:
// forward through 10 rk4 steps, exact gradients backward through them,
// an AdamW update. The library's path of "neuropil train".
func ExampleRunner() {
	c := connectome.Random(60, 600, 4)
	m, err := train.New(train.Config{W: c.W, Inputs: 4, Outputs: 20, Hidden: 16, Classes: 2,
		Nonlinearity: model.Nonlinearity{model.Tanh}, Seed: 1})
	if err != nil {
		panic(err)
	}
	opt, err := train.NewOptimizer(train.OptimConfig{LR: 1e-2}, m.Params())
	if err != nil {
		panic(err)
	}
	r := train.NewRunner(m, 4, 1)
	defer r.Close()
	x := []float32{ // [batch][inputs]: class 0 lights inputs 0 and 1, class 1 inputs 2 and 3
		1, 1, 0, 0,
		0, 0, 1, 1,
		1, 1, 0, 0,
		0, 0, 1, 1}
	labels := []int{0, 1, 0, 1}
	solve := train.Solve{Method: "rk4", Steps: 10}
	var first, last float64
	for step := 0; step < 30; step++ {
		res, err := r.Forward(x, labels, nil, solve)
		if err != nil {
			panic(err)
		}
		r.Backward()
		if _, _, err := opt.Update(m.Params(), r.Grads, nil); err != nil {
			panic(err)
		}
		m.Project() // keep tau above its floor
		if step == 0 {
			first = res.Loss
		}
		last = res.Loss
	}
	fmt.Printf("loss fell: %v\n", last < first/4)
	// Output: loss fell: true
}
