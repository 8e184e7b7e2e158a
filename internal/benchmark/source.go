package benchmark

import (
	"fmt"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/sim"
)

// Source is the connectome "neuropil bench" multiplies, by the names of
// its flags: a file (--connectome), a random one (--neurons, --synapses)
// or the built-in one.
type Source struct {
	Connectome        string // a file of any format, or "default"
	Load              format.Options
	Neurons, Synapses int // a random connectome instead; 0, 0: none
	Batch             int // the product's batch, for the memory estimate
}

func (s Source) random() bool { return s.Neurons != 0 || s.Synapses != 0 }

// Check checks the source before the minutes of a benchmark: a file by its
// header, a random connectome by its size against the machine's memory.
func (s Source) Check() error {
	err := cli.First(
		cli.Need(s.Connectome == "default" || !s.random(), "bench: --connectome and --neurons/--synapses both given: choose one"),
		cli.Need(!s.random() || s.Neurons >= 1 && s.Synapses >= 0 && int64(s.Synapses) <= int64(s.Neurons)*int64(s.Neurons),
			"bench: cannot make %d synapses among %d neurons", s.Synapses, s.Neurons))
	switch {
	case err != nil:
		return err
	case s.Connectome != "default":
		_, err := format.ReadHeader(s.Connectome, s.Load)
		return cli.Wrap("bench: --connectome", err)
	case s.random(): // the builder's triplets, the CSR and the product's vectors
		need := 24*float64(s.Synapses) + 8*float64(s.Neurons)*float64(2*s.Batch+1)
		return sim.Fits(fmt.Sprintf("bench: --neurons %d --synapses %d", s.Neurons, s.Synapses), need)
	}
	return nil
}

// Read returns the connectome and records its source and size in r.
func (s Source) Read(r *Report) (c *connectome.Connectome, err error) {
	switch {
	case s.Connectome != "default":
		if c, r.Source, err = format.LoadOrDefault(s.Connectome, s.Load); err != nil {
			return nil, fmt.Errorf("bench: --connectome: %w", err)
		}
	case s.random():
		c = connectome.Random(s.Neurons, s.Synapses, connectome.DefaultSeed)
		r.Source = fmt.Sprintf("random %d×%d", s.Neurons, s.Neurons)
	default:
		c = connectome.Default()
		r.Source = "default"
	}
	r.Neurons, r.Synapses = c.Neurons(), c.Synapses()
	return c, nil
}
