#!/usr/bin/python3
"""Reference losses and gradients of the connectome ODE RNN classifier
(package train) made by PyTorch 1.13 autograd in float32, through the same
fixed solver steps neuropil takes: euler, rk4, and dopri5 replayed with
given per-sample step sizes (the accepted steps of an adaptive pass).

Usage: /usr/bin/python3 testdata/gen/train_grad.py   (from the repository root)
Writes train/testdata/grad_<case>.json.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "train", "testdata")

PHI = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": F.softplus, "elu": F.elu}

TABLEAU = {
    "euler": ([[]], [1.0]),
    "rk4": ([[], [0.5], [0, 0.5], [0, 0, 1]], [1 / 6, 1 / 3, 1 / 3, 1 / 6]),
    "dopri5": ([[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
                [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
                [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]],
               [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]),
}


def case(name, seed, n, inputs, outputs, hidden, classes, batch, phi, method, hs, times, loss_all,
         dale=False, per_type=False, proj=False, dropout=False):
    rng = np.random.default_rng(seed)
    dense = (rng.random((n, n)) < 0.35) * rng.normal(0, 0.6, (n, n))
    if dale:
        dense = np.abs(dense)
    rows, cols = np.nonzero(dense)  # row-major: sorted columns in each row
    rowptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(int)
    w_val = torch.tensor(dense[rows, cols], dtype=torch.float32, requires_grad=True)
    sign = rng.choice([-1, 1], size=n) if dale else np.ones(n, dtype=int)
    in_idx = rng.integers(0, n, size=inputs)
    ih_order = np.lexsort((np.arange(inputs), in_idx))  # CSR order: by row, then column
    ih_val = torch.tensor(rng.uniform(0.5, 1.5, inputs), dtype=torch.float32, requires_grad=True)
    bias = torch.tensor(rng.normal(0, 0.3, n), dtype=torch.float32, requires_grad=True)
    types = rng.integers(0, 3, size=n) if per_type else None
    tau = torch.tensor(rng.uniform(0.3, 1.3, 3 if per_type else n), dtype=torch.float32, requires_grad=True)
    out_idx = rng.permutation(n)[:outputs]
    out_val = torch.tensor(rng.uniform(0.5, 1.5, outputs) if proj else np.ones(outputs), dtype=torch.float32,
                           requires_grad=proj)
    out_bias = torch.tensor(rng.normal(0, 0.1, outputs if proj else 0), dtype=torch.float32, requires_grad=proj)
    fc1 = torch.tensor(rng.uniform(-1, 1, (hidden, outputs)) * 3 / np.sqrt(outputs), dtype=torch.float32, requires_grad=True)
    b1 = torch.tensor(rng.uniform(0.5, 1.5, hidden), dtype=torch.float32, requires_grad=True)
    fc2 = torch.tensor(rng.uniform(-1, 1, (classes, hidden)) * 3 / np.sqrt(hidden), dtype=torch.float32, requires_grad=True)
    b2 = torch.tensor(rng.uniform(-0.3, 0.3, classes), dtype=torch.float32, requires_grad=True)
    x = rng.normal(0, 1, (batch, inputs)).astype(np.float32)
    labels = rng.integers(0, classes, size=batch)
    evals = len(times)
    mask = np.ones((evals, hidden, batch), dtype=np.float32)
    if dropout:
        mask = ((rng.random((evals, hidden, batch)) >= 0.3) / 0.7).astype(np.float32)

    # Forward pass in the layout of neuropil: states [neurons][batch].
    wv = torch.clamp(w_val, min=0) * torch.tensor(sign[cols], dtype=torch.float32) if dale else w_val
    W = torch.zeros((n, n)).index_put((torch.tensor(rows), torch.tensor(cols)), wv)
    Wih = torch.zeros((n, inputs)).index_put((torch.tensor(in_idx), torch.arange(inputs)), ih_val, accumulate=True)
    drive = Wih @ torch.tensor(x).T + bias[:, None]
    inv_tau = 1 / (tau[torch.tensor(types)] if per_type else tau)
    fs = [PHI[p] for p in phi.split(",")]

    def f(h):
        r = W @ h + drive
        for g in fs:
            r = g(r)
        if dale:
            r = torch.relu(r)
        return (r - h) * inv_tau[:, None]

    a, b = TABLEAU[method]
    hs_t = torch.tensor(np.array(hs), dtype=torch.float64)
    y = torch.zeros((n, batch))
    states = [y]
    for h in hs_t:
        k = []
        for i in range(len(b)):
            yi = y
            if i > 0:
                acc = sum(a[i][l] * k[l].double() for l in range(i) if a[i][l] != 0)
                yi = y + (h[None, :] * acc).float()
            k.append(f(yi))
        acc = sum(b[i] * k[i].double() for i in range(len(b)) if b[i] != 0)
        y = y + (h[None, :] * acc).float()
        states.append(y)
    # Output times: the checkpoint each sample reaches each time at.
    out_at = []
    cum = np.concatenate([np.zeros((1, batch)), np.cumsum(np.array(hs), axis=0)])
    for t in times:
        out_at.append([int(np.argmin(np.abs(cum[:, s] - t))) for s in range(batch)])
    Wout = torch.zeros((outputs, n)).index_put((torch.arange(outputs), torch.tensor(out_idx)), out_val)
    after = [e for e, t in enumerate(times) if t > 0]
    weights = {e: 1 / len(after) for e in after} if loss_all else {evals - 1: 1.0}
    loss = 0
    for e, wgt in weights.items():
        H = torch.stack([states[out_at[e][s]][:, s] for s in range(batch)], dim=1)
        o = Wout @ H + (out_bias[:, None] if proj else 0)
        u = torch.relu(fc1 @ o + b1[:, None]) * torch.tensor(mask[e])
        logits = fc2 @ u + b2[:, None]
        loss = loss + wgt * F.cross_entropy(logits.T, torch.tensor(labels))
    loss.backward()
    g = lambda t: [] if t.grad is None else t.grad.detach().numpy().astype(float).ravel().tolist()
    res = {
        "n": n, "inputs": inputs, "outputs": outputs, "hidden": hidden, "classes": classes, "batch": batch,
        "phi": phi, "dale": dale, "proj": proj, "method": method, "hs": np.array(hs).tolist(), "times": times,
        "out_at": out_at, "loss_all": loss_all,
        "sign": sign.tolist(), "neuron_type": None if types is None else types.tolist(),
        "w_rowptr": rowptr.tolist(), "w_col": cols.tolist(), "w_val": w_val.detach().numpy().astype(float).tolist(),
        "in_idx": in_idx.tolist(), "ih_perm": ih_order.tolist(),
        "ih_val": ih_val.detach().numpy().astype(float).tolist(),
        "bias": bias.detach().numpy().astype(float).tolist(), "tau": tau.detach().numpy().astype(float).tolist(),
        "out_idx": out_idx.tolist(), "out_val": out_val.detach().numpy().astype(float).tolist(),
        "out_bias": out_bias.detach().numpy().astype(float).tolist(),
        "fc1": fc1.detach().numpy().astype(float).ravel().tolist(), "b1": b1.detach().numpy().astype(float).tolist(),
        "fc2": fc2.detach().numpy().astype(float).ravel().tolist(), "b2": b2.detach().numpy().astype(float).tolist(),
        "x": x.astype(float).ravel().tolist(), "labels": labels.tolist(), "mask": mask.astype(float).ravel().tolist(),
        "loss": float(loss),
        "grad": {"hh.weight": g(w_val), "ih.weight": g(ih_val), "bias": g(bias), "tau": g(tau),
                 "out.weight": g(out_val), "out.bias": g(out_bias), "fc1.weight": g(fc1), "fc1.bias": g(b1),
                 "fc2.weight": g(fc2), "fc2.bias": g(b2)},
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "grad_%s.json" % name), "w") as fh:
        json.dump(res, fh)


if __name__ == "__main__":
    torch.manual_seed(0)
    case("euler_sigmoid_proj", 1, 12, 5, 4, 6, 3, 3, "sigmoid", "euler", [[0.125] * 3] * 8, [1.0], False,
         proj=True, dropout=True)
    case("rk4_tanh_dale_type", 2, 10, 4, 5, 5, 4, 3, "tanh", "rk4", [[0.25] * 3] * 4,
         [0.0, 0.25, 0.5, 0.75, 1.0], True, dale=True, per_type=True)
    # dopri5 replay: each sample has its own accepted steps (0: rejected).
    hs = [[0.05, 0.1, 0.02], [0.15, 0.0, 0.08], [0.2, 0.2, 0.3], [0.1, 0.2, 0.1], [0.0, 0.5, 0.5]]
    hs.append([1.0 - sum(r[s] for r in hs) for s in range(3)])
    case("dopri5_softplus_tanh", 3, 9, 4, 3, 4, 3, 3, "softplus,tanh", "dopri5", hs, [1.0], False, proj=True)
    case("euler_elu_batch8", 4, 11, 6, 4, 5, 3, 8, "elu", "euler", [[0.1] * 8] * 10, [0.5, 1.0], True,
         dropout=True)
