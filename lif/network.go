package lif

import (
	"fmt"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/sparse"
)

// Network is the connectome as the simulator reads it: presynaptic-major,
// so that a spike walks one row.
type Network struct {
	// Out is [pre][post]: Out.Val holds Shiu's "Excitatory x Connectivity",
	// the signed synapse count of each connection (exact in float32 up
	// to 2^24). The synaptic weight is Val·w_syn.
	Out *sparse.CSR
	// IDs are the FlyWire ids of the neurons, [neurons]; nil: 0..N−1.
	IDs []int64
}

// Neurons returns the number of neurons.
func (n *Network) Neurons() int { return n.Out.Rows }

// Synapses returns the number of connections (pre, post).
func (n *Network) Synapses() int { return n.Out.NNZ() }

// ID returns the FlyWire id of neuron i.
func (n *Network) ID(i int) int64 {
	if n.IDs == nil {
		return int64(i)
	}
	return n.IDs[i]
}

// Index returns a map from FlyWire id to neuron index.
func (n *Network) Index() map[int64]int {
	m := make(map[int64]int, n.Neurons())
	for i := range n.Neurons() {
		m[n.ID(i)] = i
	}
	return m
}

// Validate checks that Out is square and well formed, with integral
// counts, and that IDs has one entry per neuron.
func (n *Network) Validate() error {
	if n.Out == nil {
		return fmt.Errorf("lif: network has no connections")
	}
	if n.Out.Rows != n.Out.Cols {
		return fmt.Errorf("lif: connectome is not square: %d×%d", n.Out.Rows, n.Out.Cols)
	}
	if err := n.Out.Validate(); err != nil {
		return fmt.Errorf("lif: connectome: %w", err)
	}
	if n.IDs != nil && len(n.IDs) != n.Out.Rows {
		return fmt.Errorf("lif: %d ids for %d neurons", len(n.IDs), n.Out.Rows)
	}
	return nil
}

// FromConnectome returns the network of c, whose weights W[post][pre] are
// taken as signed synapse counts (as the FlyWire readers of package format
// give them; any real value is multiplied by w_syn), transposed to
// presynaptic-major.
func FromConnectome(c *connectome.Connectome) (*Network, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Network{Out: c.W.T(), IDs: c.IDs}, nil
}
