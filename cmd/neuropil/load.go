package main

import (
	"fmt"
	"io"
	"time"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/sparse"
)

// loadConnectome reads a connectome file, or builds the default one when
// path is empty. It returns the connectome and a description for reports.
func loadConnectome(path string, stderr io.Writer) (*connectome.Connectome, string, error) {
	if path == "" {
		start := time.Now()
		c := connectome.Default()
		_ = start
		return c, fmt.Sprintf("built-in random (%d neurons, %d synapses, seed %d)", c.Neurons(), c.Synapses(), connectome.DefaultSeed), nil
	}
	w, err := loadMatrix(path)
	if err != nil {
		return nil, "", err
	}
	c := &connectome.Connectome{W: w}
	if err := c.Validate(); err != nil {
		return nil, "", fmt.Errorf("--connectome %s: %w", path, err)
	}
	return c, path, nil
}

// loadMatrix reads a matrix file (dense .npy for now).
func loadMatrix(path string) (*sparse.CSR, error) {
	shape, data, err := loadArray(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("%s: shape %v is not a matrix", path, shape)
	}
	c := sparse.NewCOO(shape[0], shape[1], 0)
	for i := 0; i < shape[0]; i++ {
		for j := 0; j < shape[1]; j++ {
			if v := data[i*shape[1]+j]; v != 0 {
				c.Add(i, j, v)
			}
		}
	}
	a := c.ToCSR()
	if err := sparse.CheckFinite(a.Val); err != nil {
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

// loadFloats reads a float .npy array of exactly n finite values.
func loadFloats(path string, n int) ([]float32, error) {
	shape, data, err := loadArray(path)
	if err != nil {
		return nil, err
	}
	if len(data) != n {
		return nil, fmt.Errorf("%s: shape %v holds %d values, want %d", path, shape, len(data), n)
	}
	if err := sparse.CheckFinite(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}
