// Package format loads and saves connectomes in the file formats people
// already have, choosing the codec by file extension:
//
//	.pt .pth                 PyTorch (torch.save zip): sparse COO/CSR or dense tensors, dicts, lists (package pt)
//	.npz                     scipy.sparse.save_npz (csr, csc, coo) or np.savez arrays (package npy)
//	.npy                     a dense 2-D NumPy array (package npy)
//	.csv .tsv (.gz)          edge lists with a header row, FlyWire and neuPrint layouts (package edgelist)
//	.npc                     neuropil's native format, the fastest to load (package native)
//
// Formats live in a registry, as image.RegisterFormat has them: a Format
// is a value with its name, extensions and its Header, Decode, Encode (and
// optional Inspect) functions. This package registers the five above;
// Register adds another, which Load, Save, ReadHeader, Inspect,
// NeuronTablePath and the commands' extension lists then know. Formats,
// Names and Extensions return fresh slices. A path's format is the
// longest registered extension it ends with, ignoring case; an unknown one
// is an error that lists the known extensions.
//
// Loaders return float32 weights W[post, pre] with duplicates summed,
// zeros dropped and Validate passing; every error names the file. Save
// writes atomically: a temporary file in the target's directory renamed
// into place, so that a failed write leaves nothing behind.
package format
