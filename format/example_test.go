package format_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/neuropil/neuropil/format"
)

// Convert an edge list with FlyWire's columns to PyTorch's format; the
// neuron ids go beside it in a table.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	edges := filepath.Join(dir, "connections.csv")
	os.WriteFile(edges, []byte(`pre_root_id,post_root_id,neuropil,syn_count,nt_type
720575940600000001,720575940600000002,ME_R,12,ACH
720575940600000001,720575940600000002,LO_R,3,ACH
720575940600000002,720575940600000003,ME_R,7,GABA
`), 0o644)
	c, err := format.Load(edges, format.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	out := filepath.Join(dir, "connectome.pt")
	if err := format.Save(out, c, format.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	back, _ := format.Load(out, format.Options{})
	table, _ := os.ReadFile(format.NeuronTablePath(out))
	fmt.Println(back.Neurons(), "neurons,", back.Synapses(), "synapses; W[1,0] =", back.W.At(1, 0))
	fmt.Print(string(table))
	// Output:
	// 3 neurons, 2 synapses; W[1,0] = 15
	// index,id
	// 0,720575940600000001
	// 1,720575940600000002
	// 2,720575940600000003
}
