package main

import (
	"fmt"
	"slices"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/sparse"
)

// loadConnectome reads a connectome file in any format of package format,
// or builds the default one when path is empty. It returns the connectome
// and a description for reports.
func loadConnectome(path string, opt format.Options) (*connectome.Connectome, string, error) {
	if path == "" {
		c := connectome.Default()
		return c, fmt.Sprintf("built-in random (%d neurons, %d synapses, seed %d)", c.Neurons(), c.Synapses(), connectome.DefaultSeed), nil
	}
	c, err := format.Load(path, opt)
	if err != nil {
		return nil, "", err
	}
	return c, path, nil
}

// loadMatrix reads a matrix file of any format, square or not.
func loadMatrix(path string, opt format.Options) (*sparse.CSR, error) {
	a, err := format.LoadMatrix(path, opt)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// loadArray reads a numeric .npy array as float32 with its shape.
func loadArray(path string) ([]int, []float32, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	data, err := a.Float32()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return a.Shape, data, nil
}

// loadInts reads a 1-D integer .npy array.
func loadInts(path string) ([]int, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 1 {
		return nil, fmt.Errorf("%s: shape %v, want a 1-D array", path, a.Shape)
	}
	v, err := a.Int64()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out, nil
}

// loadFloats reads a float .npy array of finite values with exactly the
// shape want ([neurons] for a per-neuron parameter, [batch][neurons] for an
// initial state): a count alone would take a transposed [neurons][batch]
// state, PyTorch's other habit, and scramble it.
func loadFloats(path string, want ...int) ([]float32, error) {
	shape, data, err := loadArray(path)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(shape, want) {
		return nil, fmt.Errorf("%s: shape %v, want %v", path, shape, want)
	}
	if err := sparse.CheckFinite(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}
