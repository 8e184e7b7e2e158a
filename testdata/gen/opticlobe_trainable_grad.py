#!/usr/bin/python3
"""Gradient fixture for opticlobe.Trainable: PyTorch autograd of the flyvis
voltage model on the optic lobe of extent 3 (the network, parameters,
movie and Euler steps of opticlobe_dynamics.py), with the parameters as
leaves: nodes_bias and nodes_time_const per type, edges_syn_strength per
spec pair (w_e = sign·n_syn·strength[pair]). V(0) = Vrest is held fixed
(no gradient through it). The loss is

    L = sum over the ends of the 3 frames (t = 0.1, 0.2, 0.3) of
        sum_i cos(i) V_i(t)

Usage (from the repository root):

    /usr/bin/python3 testdata/gen/opticlobe_trainable_grad.py \
        ../shared/data/flyvis/fib25-fib19_v2.2.json opticlobe/testdata

Writes trainable_grad.npy (float64 [3][max(types, pairs)]: rows the
gradients of nodes_bias, nodes_time_const, edges_syn_strength, zero padded)
and trainable_grad_f32.npy (the same computed by PyTorch in float32, as
flyvis trains), and reads the movie dynamics_movie.npy that
opticlobe_dynamics.py wrote.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opticlobe_dynamics import DT, EXTENT, FRAMES, STEPS, default_strength, network  # noqa: E402
from opticlobe_pairs import columns  # noqa: E402


def gradients(spec, out, dtype):
    """The three gradient rows, computed by autograd in dtype."""
    index, types, where, src, tar, coef, pair = network(spec, EXTENT)
    nt, npairs, nn = len(spec["nodes"]), len(spec["edges"]), len(index)
    k = torch.arange(nt, dtype=dtype)
    tau = (0.03 + 0.001 * k).requires_grad_()
    vrest = (0.5 + 0.05 * torch.sin(k)).requires_grad_()
    strength = torch.tensor(default_strength(spec, coef, pair), dtype=dtype, requires_grad=True)
    ty = torch.tensor(types)
    w = torch.tensor(coef, dtype=dtype) * strength[torch.tensor(pair)]
    movie = np.load(os.path.join(out, "dynamics_movie.npy"))
    cols = columns(EXTENT, (1, 1))
    inputs = torch.zeros(FRAMES, nn, dtype=dtype)
    for name in spec["input_units"]:
        for c, (u, v) in enumerate(cols):
            inputs[:, where[(name, u, v)]] = torch.from_numpy(movie[:, c]).to(dtype)
    tgt, srt = torch.tensor(tar), torch.tensor(src)
    c = torch.cos(torch.arange(nn, dtype=dtype))
    V = vrest[ty].detach().clone()
    loss = 0
    for j in range(STEPS):
        x = inputs[j * FRAMES // STEPS]
        syn = torch.zeros(nn, dtype=dtype).index_add(0, tgt, w * torch.relu(V)[srt])
        V = V + DT * (-V + vrest[ty] + syn + x) / tau[ty]
        if (j + 1) % (STEPS // FRAMES) == 0:
            loss = loss + (c * V).sum()
    loss.backward()
    g = np.zeros((3, max(nt, npairs)), dtype=np.float64 if dtype == torch.float64 else np.float32)
    g[0, :nt], g[1, :nt], g[2, :npairs] = vrest.grad.numpy(), tau.grad.numpy(), strength.grad.numpy()
    return g


def main():
    spec = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    np.save(os.path.join(out, "trainable_grad.npy"), gradients(spec, out, torch.float64))
    np.save(os.path.join(out, "trainable_grad_f32.npy"), gradients(spec, out, torch.float32))


if __name__ == "__main__":
    main()
