#!/usr/bin/python3
"""Decoder fixture for opticflow: flyvis's DecoderGAVP (as its
flyvis/task/decoder.py describes it: hexagonal 5x5 convolutions on the
(u, v) map of the lattice, BatchNorm2d in training mode, softplus, a second
hexagonal convolution to three channels, the first two divided by
softplus(third) + 1) and the l2norm loss, written here with plain PyTorch
ops in float64, on a lattice of extent 2, 4 input channels, 3 hidden
channels, 2 samples of 2 frames, without dropout.

Usage (from the repository root):

    /usr/bin/python3 testdata/gen/opticflow_decoder.py opticflow/testdata

Writes decoder.json: the inputs (activity [samples][frames][channels]
[columns], target [samples][frames][2][columns], the parameters as flat
row-major lists), the outputs (flow, loss, running statistics after the
step) and the gradients of the loss (parameters, activity).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

E, C, H, K, S, NF = 2, 4, 3, 5, 2, 2


def hex_coords(e):
    u, v = [], []
    for q in range(-e, e + 1):
        for r in range(max(-e, -e - q), min(e, e - q) + 1):
            u.append(q)
            v.append(r)
    return np.array(u), np.array(v)


def main(out):
    torch.manual_seed(0)
    dt = torch.float64
    u, v = hex_coords(E)
    u, v = u + E, v + E
    side = 2 * E + 1
    ku, kv = hex_coords(K // 2)
    mask = torch.zeros(K, K, dtype=dt)
    mask[ku + K // 2, kv + K // 2] = 1

    act = torch.randn(S, NF, C, len(u), dtype=dt, requires_grad=True)
    target = torch.randn(S, NF, 2, len(u), dtype=dt)
    w1 = (0.3 * torch.randn(H, C, K, K, dtype=dt) * mask).requires_grad_()
    b1 = (0.1 * torch.randn(H, dtype=dt)).requires_grad_()
    gamma = (1 + 0.2 * torch.randn(H, dtype=dt)).requires_grad_()
    beta = (0.2 * torch.randn(H, dtype=dt)).requires_grad_()
    w2 = (0.3 * torch.randn(3, H, K, K, dtype=dt) * mask).requires_grad_()
    b2 = (0.1 * torch.randn(3, dtype=dt)).requires_grad_()
    run_mean = torch.zeros(H, dtype=dt)
    run_var = torch.ones(H, dtype=dt)

    x = F.relu(act)
    xmap = torch.zeros(S, NF, C, side, side, dtype=dt)
    xmap[:, :, :, u, v] = x
    xmap = xmap.view(-1, C, side, side)
    z1 = F.conv2d(xmap, w1 * mask, b1, padding=K // 2)
    y = F.batch_norm(z1, run_mean, run_var, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    a = F.softplus(y)
    z2 = F.conv2d(a, w2 * mask, b2, padding=K // 2)
    o = z2[:, :2] / (F.softplus(z2[:, 2:]) + 1)
    flow = o.view(S, NF, 2, side, side)[:, :, :, u, v]
    loss = ((flow - target) ** 2).sum(dim=(1, 2, 3)).sqrt().mean()
    loss.backward()

    def flat(t):
        return t.detach().reshape(-1).tolist()

    fix = {
        "extent": E, "channels": C, "hidden": H, "kernel": K, "samples": S, "frames": NF,
        "activity": flat(act), "target": flat(target),
        "w1": flat(w1), "b1": flat(b1), "gamma": flat(gamma), "beta": flat(beta), "w2": flat(w2), "b2": flat(b2),
        "flow": flat(flow), "loss": loss.item(), "running_mean": flat(run_mean), "running_var": flat(run_var),
        "grad_activity": flat(act.grad), "grad_w1": flat(w1.grad * mask), "grad_b1": flat(b1.grad),
        "grad_gamma": flat(gamma.grad), "grad_beta": flat(beta.grad), "grad_w2": flat(w2.grad * mask),
        "grad_b2": flat(b2.grad),
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "decoder.json"), "w") as f:
        json.dump(fix, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "opticflow/testdata")
