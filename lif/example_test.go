package lif_test

import (
	"fmt"

	"github.com/neuropil/neuropil/lif"
	"github.com/neuropil/neuropil/sparse"
)

// Two neurons, 0 → 1 with 6,000 synapses: one input event at 1 ms makes
// neuron 0 spike at the next step, and its spike reaches neuron 1 after
// t_dly = 18 steps, which spikes one step later.
func ExampleNew() {
	net := &lif.Network{Out: &sparse.CSR{Rows: 2, Cols: 2,
		RowPtr: []int32{0, 1, 1}, ColIdx: []int32{1}, Val: []float32{6000}}}
	p := lif.Defaults()
	p.NRun, p.TRun = 1, 0.01
	s, err := lif.New(net, p, lif.Experiment{Input: []lif.Input{{Neuron: 0, T: 0.001, Trial: -1}}})
	if err != nil {
		panic(err)
	}
	res := s.Run()
	for _, sp := range res.Spikes[0] {
		fmt.Printf("neuron %d at t = %.4f s\n", sp.Neuron, float64(sp.Step)*res.Dt)
	}
	// Output:
	// neuron 0 at t = 0.0011 s
	// neuron 1 at t = 0.0030 s
}
