// Command lif runs Shiu et al.'s whole-brain spiking model on the built-in
// synthetic brain with its default excitation, three one-second trials,
// what "neuropil simulate --model lif --trials 3" does.
//
//	go run ./examples/lif
package main

import (
	"fmt"
	"log"

	"github.com/neuropil/neuropil/lif"
)

func main() {
	p := lif.Defaults() // Brian2's parameters of Shiu et al.
	p.NRun = 3
	s, err := lif.Run(lif.Config{Params: p, Out: "lif-out"}) // writes spikes.parquet, rates.csv, summary.json, figures
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d neurons, %d synapses: %d spikes in %d trials, %.3f s of simulation\n", s.Neurons, s.Synapses, s.Spikes, s.Trials, s.SimSeconds)
}
