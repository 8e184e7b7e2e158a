package connectome

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuropil/neuropil/sparse"
)

// Connectome is a weight matrix with its neuron table. Every table field is
// optional (nil) and, when present, has one entry per neuron.
type Connectome struct {
	W *sparse.CSR // [post][pre] synaptic weights, square

	IDs       []int64  // [neurons] original neuron ids (e.g. FlyWire root ids); nil: 0..N-1
	Type      []int32  // [neurons] index into TypeNames; nil: untyped
	TypeNames []string // names of the cell types
	Sign      []int8   // [neurons] +1 excitatory, -1 inhibitory presynaptic sign; nil: unsigned

	// Columns are further per-neuron columns of the neuron table (the
	// optic lobe's hexagonal coordinates u and v, say), carried through
	// reading and writing as they were written.
	Columns []Column
}

// Column is a named per-neuron column of a neuron table.
type Column struct {
	Name   string
	Values []string // [neurons]
}

// Neurons returns the number of neurons.
func (c *Connectome) Neurons() int { return c.W.Rows }

// Synapses returns the number of stored (post, pre) entries.
func (c *Connectome) Synapses() int { return c.W.NNZ() }

// Validate checks that W is square and well formed with finite weights, and
// that the table fields have one entry per neuron.
func (c *Connectome) Validate() error {
	if c.W == nil {
		return fmt.Errorf("connectome has no weight matrix")
	}
	if c.W.Rows != c.W.Cols {
		return fmt.Errorf("connectome is not square: %d×%d", c.W.Rows, c.W.Cols)
	}
	if err := c.W.Validate(); err != nil {
		return fmt.Errorf("connectome weights: %w", err)
	}
	n := c.W.Rows
	check := func(name string, l int) error {
		if l != 0 && l != n {
			return fmt.Errorf("connectome %s has %d entries for %d neurons", name, l, n)
		}
		return nil
	}
	if err := check("ids", len(c.IDs)); err != nil {
		return err
	}
	if err := check("types", len(c.Type)); err != nil {
		return err
	}
	if err := check("signs", len(c.Sign)); err != nil {
		return err
	}
	for _, col := range c.Columns {
		if len(col.Values) != n {
			return fmt.Errorf("connectome column %q has %d entries for %d neurons", col.Name, len(col.Values), n)
		}
	}
	for i, t := range c.Type {
		if t < 0 || int(t) >= len(c.TypeNames) {
			return fmt.Errorf("connectome neuron %d has type %d, but %d type names", i, t, len(c.TypeNames))
		}
	}
	return nil
}

// Tutorial sizes: the Drosophila optic-lobe connectome of bioplnn's
// connectome_forward tutorial (turaga-dros-visual-connectome.pt).
const (
	TutorialNeurons  = 47521
	TutorialSynapses = 4623254
)

// DefaultSeed is the seed of the built-in default connectome (1234, the
// seed of the reference benchmark's random connectome generator).
const DefaultSeed = 1234

// Random returns a seeded random connectome with exactly the given numbers
// of neurons and synapses: in-degrees log-normal with shape 1 (skewed, as
// in real connectomes), presynaptic partners uniform and distinct, weights
// Normal(0, 0.1) so that each neuron receives excitation and inhibition.
// These are the statistics of the reference benchmark's generator (NumPy:
// lognormal row degrees with sigma 1, normal(0, 0.1) float32 weights);
// the draws differ.
func Random(neurons, synapses int, seed uint64) *Connectome {
	w := sparse.RandomExact(neurons, neurons, synapses, 1.0, seed,
		func(r *rand.Rand) float32 { return float32(0.1 * r.NormFloat64()) })
	return &Connectome{W: w}
}

// Default returns the built-in default connectome: Random at the tutorial's
// size with DefaultSeed.
func Default() *Connectome {
	return Random(TutorialNeurons, TutorialSynapses, DefaultSeed)
}
