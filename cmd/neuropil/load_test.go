package main

import "github.com/neuropil/neuropil/format/npy"

// loadArray reads a numeric .npy array as float32 with its shape: what a
// test reads back from a run's files.
func loadArray(path string) ([]int, []float32, error) { return npy.ReadFloat32File(path) }
