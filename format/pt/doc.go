// Package pt reads and writes PyTorch tensor files in the zip format that
// torch.save writes since PyTorch 1.6, without Python and without running
// any code from the file.
//
// Byte layout: a zip archive (records usually stored uncompressed, each
// aligned to 64 bytes by padding in the local header's extra field) with
// the records, under one directory whose name is free ("archive/" when
// this package writes):
//
//	DIR/data.pkl    a pickle (protocol 2) describing the object graph
//	DIR/data/KEY    the raw little-endian bytes of the storage named KEY
//	DIR/version     the format version, "3\n"
//
// In data.pkl a tensor is
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
// requires_grad, hooks), where storage is a persistent id
// ('storage', torch.FloatStorage, KEY, location, numel): the tensor is the
// strided view of numel elements of record data/KEY. A sparse COO tensor
// is torch._utils._rebuild_sparse_tensor(layout, (indices, values, size))
// with indices [2][nnz] and values [nnz]; a sparse CSR tensor is
// _rebuild_sparse_csr_tensor(layout, (crow_indices, col_indices, values,
// size)). A state_dict is a collections.OrderedDict of tensors.
//
// Safety: unpickling in Python runs code named by the pickle. This
// package has its own unpickler that knows only plain data and an
// allow-list of globals (the tensor rebuild functions, storage classes,
// dtypes, torch.Size, the layout lookup, OrderedDict, and the pieces of
// a pickled numpy scalar: numpy.core.multiarray.scalar, numpy.dtype and
// _codecs.encode, which a flyvis checkpoint's val_loss needs), each
// implemented in Go; a file that names any other global (os.system, builtins.eval, a
// user class) is refused with an UnsupportedError naming it, and opcodes
// that build arbitrary objects (INST, OBJ, NEWOBJ, ...) are refused too.
// Sizes and offsets from the file are checked against the records before
// anything is allocated.
//
// Hostile files: the unpickler makes at most 2^20 objects and nests
// containers at most 100 deep, and formats pickled values in errors
// without recursion; data.pkl is at most 32 MiB. A view with a stride of
// 0 (torch's expand) is materialised only within 4096 bytes per byte of
// the file and the memory budget (internal/budget, --max-memory); no
// capacity is taken from a count such a view claims. A matrix whose
// entries exceed the budget is refused before it is read.
//
// Encode writes one sparse matrix; EncodeStateDict writes an OrderedDict
// of named sparse and dense tensors (a model's parameters), which
// DecodeStateDict reads back whole. EncodeCheckpoint writes a training
// checkpoint, a dict holding a state dict under a key beside plain items;
// DecodeStateDictIn reads the state dict under a key of such a dict.
//
// Decode streams contiguous tensors from the archive, so loading a .pt of
// N stored entries holds about 16·N bytes beside the result.
package pt
