// Package npz writes NumPy .npz archives (numpy.savez: a zip of .npy
// files, stored uncompressed) of several named arrays, byte strings
// included, for the tables opticlobe writes beside a connectome.
// Connectome matrices go through package format/npy instead.
package npz
