#!/usr/bin/python3
"""Dynamics fixture for opticlobe: the flyvis voltage model on the optic
lobe of extent 3, integrated with explicit Euler in PyTorch.

The network is built by opticlobe_pairs.py's independent code (numpy,
scipy's Qhull, matplotlib's contains_points). Each edge goes from a source
neuron at (u, v) to the target-type neuron at (u + du, v + dv), with weight
sign * n_syn * strength, strength = 0.01 / mean(n_syn over the pair's
edges). Then, per neuron i of type k,

    tau_k dV_i/dt = -V_i + Vrest_k + sum_e w_e relu(V_src(e)) + x_i(t)

with tau_k = 0.03 + 0.001 k s, Vrest_k = 0.5 + 0.05 sin(k), x the column
value of a 3-frame movie (each frame 0.1 s) for R1-R8 and 0 elsewhere,
V(0) = Vrest, dt = 0.01 s over [0, 0.3] s.

Usage (from the repository root):

    /usr/bin/python3 testdata/gen/opticlobe_dynamics.py \
        ../shared/data/flyvis/fib25-fib19_v2.2.json opticlobe/testdata

Writes dynamics_movie.npy (float32 [3][37]) and dynamics_v.npy (float32
[3][neurons]: V at t = 0.1, 0.2, 0.3, the ends of the frames).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opticlobe_pairs import columns, completed  # noqa: E402

EXTENT, DT, STEPS, FRAMES = 3, 0.01, 30, 3


def network(spec, extent):
    """Returns the neurons' columns, types and index by (type, u, v), and
    the edges: source, target, sign·n_syn and spec pair of each."""
    names = [n["name"] for n in spec["nodes"]]
    index, types, where = [], [], {}
    for k, n in enumerate(spec["nodes"]):
        for (u, v) in columns(extent, n["pattern"][1]):
            where[(n["name"], u, v)] = len(index)
            index.append((u, v))
            types.append(k)
    src, tar, coef, pair = [], [], [], []
    for p, e in enumerate(spec["edges"]):
        offs = [(tuple(o[0]), float(o[1])) for o in e["offsets"]]
        add, nsyn = completed(e["offsets"])
        offs += list(zip(add, nsyn))
        for (du, dv), n in offs:
            for (u, v) in columns(extent, spec["nodes"][names.index(e["src"])]["pattern"][1]):
                t = where.get((e["tar"], u + du, v + dv))
                if t is not None:
                    src.append(where[(e["src"], u, v)])
                    tar.append(t)
                    coef.append(e["alpha"] * n)
                    pair.append(p)
    return index, types, where, src, tar, coef, pair


def default_strength(spec, coef, pair):
    """0.01 / mean(n_syn over each pair's edges) (0 for a pair without)."""
    out = np.zeros(len(spec["edges"]))
    for p in range(len(out)):
        n = [abs(c) for c, q in zip(coef, pair) if q == p]
        if n:
            out[p] = 0.01 / np.mean(n)
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    index, types, where, src, tar, coef, pair = network(spec, EXTENT)
    strength = default_strength(spec, coef, pair)
    w = [c * strength[p] for c, p in zip(coef, pair)]
    nn = len(index)
    W = torch.sparse_coo_tensor(torch.tensor([tar, src]), torch.tensor(w, dtype=torch.float64), (nn, nn)).coalesce()
    k = torch.tensor(types, dtype=torch.float64)
    tau = 0.03 + 0.001 * k
    vrest = 0.5 + 0.05 * torch.sin(k)
    cols = columns(EXTENT, (1, 1))
    rng = np.random.default_rng(11)
    movie = rng.random((FRAMES, len(cols))).astype(np.float32)
    inputs = torch.zeros(FRAMES, nn, dtype=torch.float64)
    for name in spec["input_units"]:
        for c, (u, v) in enumerate(cols):
            inputs[:, where[(name, u, v)]] = torch.from_numpy(movie[:, c]).double()
    V = vrest.clone()
    trace = []
    for j in range(STEPS):
        x = inputs[j * FRAMES // STEPS]
        syn = torch.sparse.mm(W, torch.relu(V)[:, None])[:, 0]
        V = V + DT * (-V + vrest + syn + x) / tau
        if (j + 1) % (STEPS // FRAMES) == 0:
            trace.append(V.clone())
    np.save(os.path.join(out, "dynamics_movie.npy"), movie)
    np.save(os.path.join(out, "dynamics_v.npy"), torch.stack(trace).numpy().astype(np.float32))


if __name__ == "__main__":
    main()
