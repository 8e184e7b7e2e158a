#!/usr/bin/python3
"""Writes the state-dict fixture of format/pt's tests with real PyTorch.

Run from anywhere:  /usr/bin/python3 testdata/gen/pt_state_dict.py

It writes format/pt/testdata/state_dict_torch.pt, torch.save of a small
collections.OrderedDict shaped like neuropil's model export (sparse COO
float32 matrices, dense float32 tensors of 0 to 3 dimensions, an int32
vector, an empty tensor), and state_dict_torch.entries.json, every entry as
torch sees it, in the file's order:

  {"name", "sparse": {"rows", "cols", "row", "col", "val"}}   coalesced COO, entries in row-major order
  {"name", "shape", "data": [...]}                             float32, row-major
  {"name", "shape", "int": [...]}                              int32, row-major

Float values are written with repr of the float32 value, so they parse
back exactly. The sparse matrices hold an explicit zero, which torch keeps.
"""
import collections
import json
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.join(ROOT, "format", "pt", "testdata")


def f32(t):
    return [repr(float(x)) for x in t.reshape(-1).tolist()]


def describe(name, t):
    if t.layout == torch.sparse_coo:
        t = t.coalesce()
        i = t.indices()
        return {"name": name, "sparse": {"rows": t.shape[0], "cols": t.shape[1], "row": i[0].tolist(),
                                         "col": i[1].tolist(), "val": f32(t.values())}}
    if t.dtype == torch.int32:
        return {"name": name, "shape": list(t.shape), "int": t.reshape(-1).tolist()}
    assert t.dtype == torch.float32, t.dtype
    return {"name": name, "shape": list(t.shape), "data": f32(t)}


def main():
    rng = np.random.default_rng(42)
    sd = collections.OrderedDict()
    # hh.weight: 6x6, uncoalesced on input (a duplicate) with an explicit zero.
    r = np.array([0, 0, 1, 2, 3, 3, 5, 4, 2])
    c = np.array([1, 4, 0, 2, 5, 3, 5, 0, 2])
    v = rng.standard_normal(len(r)).astype(np.float32)
    v[4] = 0
    t = torch.sparse_coo_tensor(torch.tensor(np.stack([r, c])), torch.tensor(v), (6, 6)).coalesce()
    # coalesce leaves its result a view of storages sized for the input;
    # copies hold exactly nnz entries, as a trained parameter's do.
    sd["hh.weight"] = torch.sparse_coo_tensor(t.indices().clone(), t.values().clone(), t.shape).coalesce()
    sd["ih.weight"] = torch.sparse_coo_tensor(torch.tensor([[0, 2, 5], [3, 1, 0]]), torch.ones(3), (6, 4)).coalesce()
    sd["bias"] = torch.tensor(rng.standard_normal(6), dtype=torch.float32)
    sd["tau"] = torch.tensor(0.25, dtype=torch.float32)  # a scalar
    sd["out.weight"] = torch.sparse_coo_tensor(torch.zeros((2, 0), dtype=torch.int64), torch.zeros(0), (3, 6)).coalesce()
    sd["out.bias"] = torch.zeros(0)
    sd["fc1.weight"] = torch.tensor(rng.standard_normal((4, 6)), dtype=torch.float32)
    sd["conv"] = torch.tensor(rng.standard_normal((2, 3, 4)), dtype=torch.float32)
    sd["sign"] = torch.tensor([1, -1, 1, 1, -1, 1], dtype=torch.int32)
    torch.save(sd, os.path.join(PT, "state_dict_torch.pt"))
    with open(os.path.join(PT, "state_dict_torch.entries.json"), "w") as f:
        json.dump([describe(k, t) for k, t in sd.items()], f)
        f.write("\n")


if __name__ == "__main__":
    main()
