package sim

import (
	"fmt"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
)

// build makes the model from the connectome, the input and the parameter
// files, and the readout and initial state of the run.
func (n *Network) build() (err error) {
	c, conn, nn, name := &n.cfg, n.Conn, n.Conn.Neurons(), n.cfg.Names.Name
	cfg := model.Config{W: conn.W, Nonlinearity: c.Nonlinearity, Tau: float32(c.Tau), Dale: c.Dale, Sign: conn.Sign, Product: c.Product}
	if cfg.Input, err = n.inputWeights(); err != nil {
		return err
	}
	if c.Dale && conn.Sign == nil {
		return fmt.Errorf("%s: the connectome %s has no neuron signs", name("Dale"), n.ConnName)
	}
	if c.Dale {
		_, clamped, err := model.DaleMagnitudes(conn.W, conn.Sign)
		if err != nil {
			return fmt.Errorf("%s: %w", name("Dale"), err)
		}
		if clamped > 0 && !c.DaleClamp {
			return fmt.Errorf("%s: the weights of %s are signed, and %d negative weights disagree with the signs of their presynaptic neurons "+
				"(the neuron table's): the dale variant takes magnitudes and one sign per neuron, so it would delete those synapses; "+
				"drop %s to run the signed weights as they are, give magnitudes with the signs in the neuron table, "+
				"or, for bioplnn's raw parameter (relu(W) ⊙ sign: negative entries are pruned synapses), add %s",
				name("Dale"), n.ConnName, clamped, name("Dale"), name("DaleClamp"))
		}
	}
	if c.Bias != "" {
		if cfg.Bias, err = npy.ReadFiniteFile(c.Bias, nn); err != nil {
			return fmt.Errorf("%s %w", name("Bias"), err)
		}
	}
	if c.TauFile != "" {
		if cfg.TauNeuron, err = npy.ReadFiniteFile(c.TauFile, nn); err != nil {
			return fmt.Errorf("%s %w", name("TauFile"), err)
		}
	}
	if c.TauType != "" {
		if conn.Type == nil {
			return fmt.Errorf("%s: the connectome %s has no neuron types", name("TauType"), n.ConnName)
		}
		if cfg.TauType, err = npy.ReadFiniteFile(c.TauType, len(conn.TypeNames)); err != nil {
			return fmt.Errorf("%s %w", name("TauType"), err)
		}
		cfg.NeuronType = conn.Type
	}
	if err := n.readout(); err != nil {
		return err
	}
	if err := n.initialState(); err != nil {
		return err
	}
	if c.Discrete {
		n.Model, err = model.NewRNN(cfg, c.Batch)
	} else {
		n.Model, err = model.New(cfg, c.Batch)
	}
	return err
}

// loadMatrix reads a matrix file of any format, square or not.
func loadMatrix(path string) (*sparse.CSR, error) {
	a, err := format.LoadMatrix(path, format.Options{})
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// inputWeights returns the input projection W_ih [neurons][inputs]: from
// InputProjection, from InputIndices, or the tutorial's
// torch.randint(high=num_neurons, size=(input_size,)) from the seeded
// generator.
func (n *Network) inputWeights() (*sparse.CSR, error) {
	c, nn, name := &n.cfg, n.Conn.Neurons(), n.cfg.Names.Name
	if c.InputProjection != "" {
		win, err := loadMatrix(c.InputProjection)
		if err != nil {
			return nil, err
		}
		if win.Rows != nn {
			return nil, fmt.Errorf("%s %s: %d rows, want one per neuron (%d)", name("InputProjection"), c.InputProjection, win.Rows, nn)
		}
		if win.Cols != n.Inputs {
			return nil, fmt.Errorf("%s %s: %d columns, but the input has %d values per sample", name("InputProjection"), c.InputProjection, win.Cols, n.Inputs)
		}
		return win, nil
	}
	if c.InputIndices == "" {
		idx := make([]int, n.Inputs)
		for k := range idx {
			idx[k] = n.rng.IntN(nn)
		}
		return sparse.Identity(nn, idx), nil
	}
	idx, err := npy.ReadIndexFile(c.InputIndices, nn)
	if err != nil {
		return nil, fmt.Errorf("%s %w", name("InputIndices"), err)
	}
	if len(idx) != n.Inputs {
		return nil, fmt.Errorf("%s %s: %d indices, but the input has %d values per sample", name("InputIndices"), c.InputIndices, len(idx), n.Inputs)
	}
	return sparse.Identity(nn, idx), nil
}

// readout sets what the run records: OutputProjection (with OutputBias),
// OutputNeurons, or every neuron; batch-first or not.
func (n *Network) readout() (err error) {
	c, nn, name, r := &n.cfg, n.Conn.Neurons(), n.cfg.Names.Name, &n.Readout
	r.BatchFirst = c.BatchFirst
	if c.OutputProjection != "" {
		if r.Projection, err = loadMatrix(c.OutputProjection); err != nil {
			return err
		}
		if r.Projection.Cols != nn {
			return fmt.Errorf("%s %s: %d columns, want one per neuron (%d)", name("OutputProjection"), c.OutputProjection, r.Projection.Cols, nn)
		}
	}
	if c.OutputBias != "" {
		if r.Bias, err = npy.ReadFiniteFile(c.OutputBias, r.Projection.Rows); err != nil {
			return fmt.Errorf("%s: %w", name("OutputBias"), err)
		}
	}
	if c.OutputNeurons != "" {
		if r.Neurons, err = npy.ReadIndexFile(c.OutputNeurons, nn); err != nil {
			return fmt.Errorf("%s %w", name("OutputNeurons"), err)
		}
	}
	return nil
}

// initialState sets Y0 from H0, [batch][neurons] in the file, as the
// state [neurons][batch]; nil (zeros) without it.
func (n *Network) initialState() error {
	c, nn := &n.cfg, n.Conn.Neurons()
	if c.H0 == "" {
		return nil
	}
	batch := c.Batch
	v, err := npy.ReadFiniteFile(c.H0, batch, nn)
	if err != nil {
		return fmt.Errorf("%s %w", c.Names.Name("H0"), err)
	}
	n.Y0 = make([]float32, nn*batch)
	for b := 0; b < batch; b++ {
		for i := 0; i < nn; i++ {
			n.Y0[i*batch+b] = v[b*nn+i]
		}
	}
	return nil
}
