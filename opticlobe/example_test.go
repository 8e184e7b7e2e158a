package opticlobe_test

import (
	"fmt"
	"strings"

	"github.com/neuropil/neuropil/opticlobe"
)

// Two photoreceptor-like types and a lamina type on a lattice of extent 1
// (7 columns): R excites L in its own column, L inhibits L in the three
// columns of the triangle (0, 0), (1, 0), (0, 1).
func ExampleBuild() {
	spec := `{
	 "nodes": [{"name": "R", "pattern": ["stride", [1, 1]]},
	           {"name": "L", "pattern": ["stride", [1, 1]]}],
	 "edges": [{"src": "R", "tar": "L", "alpha": 1, "offsets": [[[0, 0], 4]]},
	           {"src": "L", "tar": "L", "alpha": -1, "offsets": [[[0, 0], 2], [[1, 0], 1], [[0, 1], 1]]}],
	 "input_units": ["R"]
	}`
	s, err := opticlobe.ParseSpec(strings.NewReader(spec))
	if err != nil {
		fmt.Println(err)
		return
	}
	net, err := opticlobe.Build(s, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", net.Counts())
	for _, p := range net.Pairs {
		fmt.Printf("%s→%s: %d edges, strength %.4f\n", s.Types[p.Source].Name, s.Types[p.Target].Name, p.Edges, p.Strength)
	}
	// L→L: 7 edges at (0, 0), and 4 each at (1, 0) and (0, 1), whose
	// targets exist for 4 of the 7 sources; strength 0.01/mean(n_syn) =
	// 0.01/(22/15). R at column (0, 0) is neuron 3; L there is 7 + 3, and
	// W = 1·4·0.01/4.
	fmt.Printf("W[L(0,0), R(0,0)] = %.2f\n", net.Conn.W.At(10, 3))
	// Output:
	// {Neurons:14 Edges:22 Excitatory:7 Inhibitory:15 PairsRealised:2}
	// R→L: 7 edges, strength 0.0025
	// L→L: 15 edges, strength 0.0068
	// W[L(0,0), R(0,0)] = 0.01
}
