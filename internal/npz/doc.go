// Package npz writes NumPy .npz archives (numpy.savez: a zip of .npy
// files, stored uncompressed) and sparse matrices in the layout of
// scipy.sparse.save_npz, so that numpy.load and scipy.sparse.load_npz read
// what neuropil writes.
//
// It is internal: the format registry (format.Save) is to take over the
// connectome case; the archive writer stays useful for tables.
package npz
