package npy

import (
	"fmt"
	"slices"

	"github.com/neuropil/neuropil/sparse"
)

// ReadFloat32File reads a numeric .npy file as float32 with its shape.
// Errors name the file.
func ReadFloat32File(path string) (shape []int, data []float32, err error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if data, err = a.Float32(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return a.Shape, data, nil
}

// ReadFiniteFile reads a numeric .npy file of finite values with exactly
// the shape want ([neurons] for a per-neuron parameter, [batch][neurons]
// for an initial state) as float32. A count alone would not do: it would
// take a transposed [neurons][batch] state, PyTorch's other habit, and
// scramble it. Errors name the file.
func ReadFiniteFile(path string, want ...int) ([]float32, error) {
	shape, data, err := ReadFloat32File(path)
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

// ReadIndexFile reads a 1-D integer .npy file of indices, each in
// [0, n). Errors name the file.
func ReadIndexFile(path string, n int) ([]int, error) {
	a, err := ReadFile(path)
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
	idx := make([]int, len(v))
	for k, x := range v {
		if x < 0 || x >= int64(n) {
			return nil, fmt.Errorf("%s: index %d is %d, outside [0, %d)", path, k, x, n)
		}
		idx[k] = int(x)
	}
	return idx, nil
}
