// Package connectome holds a connectome: the synaptic weight matrix
// W[post, pre] (see package sparse for the layout) together with its neuron
// table (original ids, cell types, signs, positions), and generators of
// synthetic connectomes.
//
// It knows nothing of how a connectome is stored on disk (see package
// format) or simulated (see package model).
package connectome
