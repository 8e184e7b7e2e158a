// Command simulate is the tutorial's job as a library call, what
// "neuropil simulate" does with its defaults: eight MNIST digits through the
// built-in 47,521-neuron connectome, integrated with dopri5, written as
// out/activity.npy (and the rest) for NumPy.
//
//	go run ./examples/simulate
package main

import (
	"fmt"
	"log"

	"github.com/neuropil/neuropil/sim"
)

func main() {
	n, err := sim.LoadNetwork(sim.NetworkConfig{}) // the zero value: the documented defaults
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close()
	res, err := n.Run(nil)
	if err != nil {
		log.Fatal(err)
	}
	out, err := sim.OpenDir("out", sim.Outputs()...)
	if err != nil {
		log.Fatal(err)
	}
	if err := out.WriteResult(res); err != nil {
		log.Fatal(err)
	}
	if err := out.WriteSummary(n.Summary(res)); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("activity %v ([evals][batch][neurons]), %d evaluations, solve %.3f s\n", res.Shape(), res.Stats.RHSEvals, res.Seconds)
}
