#!/usr/bin/python3
"""Reference solutions of the connectome ODE RNN (shared/SPEC.md) for
model/odernn_test.go, made with PyTorch 1.13 (float32, classic RK4 with a
fixed step, the arithmetic neuropil uses) and SciPy (float64 DOP853 at tight
tolerance, the "exact" solution the adaptive dopri5 is held to).

Usage: /usr/bin/python3 testdata/gen/odernn.py   (from the repository root)
Writes model/testdata/odernn_<case>.json.
"""
import json
import os

import numpy as np
import scipy.integrate
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "model", "testdata")

PHI = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
    "elu": torch.nn.functional.elu,
    "leakyrelu": torch.nn.functional.leaky_relu,
    "identity": lambda z: z,
}


def chain(names):
    fs = [PHI[n] for n in names.split(",")]

    def phi(z):
        for f in fs:
            z = f(z)
        return z
    return phi


def case(name, seed, n, nnz, inputs, batch, frames, nonlin, dale=False, tau="scalar", bias=True,
         t0=0.0, t1=1.0, evals=5, steps=20):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=nnz)
    cols = rng.integers(0, n, size=nnz)
    vals = rng.normal(0, 0.6, size=nnz).astype(np.float32)
    W = torch.sparse_coo_tensor(np.stack([rows, cols]), vals, (n, n)).coalesce().to_dense()
    idx = rng.integers(0, n, size=inputs)
    Win = torch.zeros((n, inputs))
    for k, i in enumerate(idx):
        Win[i, k] += 1.0
    x = torch.tensor(rng.normal(0, 1, size=(frames, batch, inputs)).astype(np.float32))
    b = torch.tensor(rng.normal(0, 0.3, size=n).astype(np.float32)) if bias else torch.zeros(n)
    if tau == "neuron":
        tauv = torch.tensor(rng.uniform(0.3, 2.0, size=n).astype(np.float32))
    else:
        tauv = torch.full((n,), 0.7)
    sign = torch.tensor(np.where(rng.random(n) < 0.7, 1, -1).astype(np.float32))
    Weff = W
    if dale:
        Weff = W.clamp(min=0) * sign[None, :]
    phi = chain(nonlin)
    invtau = 1.0 / tauv

    def frame(t):
        f = int(np.floor((t - t0) / (t1 - t0) * frames))
        return min(max(f, 0), frames - 1)

    seg = [0]

    def f(t, h):  # h [batch, n]; the frame is the current segment's
        z = x[seg[0]] @ Win.T + h @ Weff.T + b
        r = phi(z)
        if dale:
            r = torch.relu(r)
        return (r - h) * invtau

    times = np.linspace(t0, t1, evals)
    # Classic RK4 with steps that end exactly on every output time and every
    # frame change, as neuropil does.
    h = torch.zeros((batch, n))
    out = [h.clone()]
    dt = (t1 - t0) / steps
    t = t0
    breaks = [t0 + (t1 - t0) * k / frames for k in range(1, frames)]
    marks = sorted(list(times[1:]) + breaks + [t1])
    for target in marks:
        while seg[0] < len(breaks) and breaks[seg[0]] <= t:
            seg[0] += 1
        span = target - t
        if span <= 0:
            continue
        m = int(np.ceil(span / dt - 1e-9))
        hs = span / m
        for j in range(m):
            k1 = f(t, h)
            k2 = f(t + 0.5 * hs, h + (hs * 0.5) * k1)
            k3 = f(t + 0.5 * hs, h + (hs * 0.5) * k2)
            k4 = f(t + hs, h + hs * k3)
            h = h + (hs / 6) * k1 + (hs / 3) * k2 + (hs / 3) * k3 + (hs / 6) * k4
            t = target if j == m - 1 else t + hs
        if any(abs(target - tt) == 0 for tt in times[1:]):
            out.append(h.clone())
    rk4 = torch.stack(out).numpy()  # [evals][batch][n]

    # float64 reference, integrated across frame boundaries piece by piece.
    W64, Win64, x64 = Weff.double().numpy(), Win.double().numpy(), x.double().numpy()
    b64, it64 = b.double().numpy(), invtau.double().numpy()

    def f64(t, hflat, s):
        z = Win64 @ x64[frame(t), s] + W64 @ hflat + b64
        r = phi(torch.tensor(z)).numpy()
        if dale:
            r = np.maximum(r, 0)
        return (r - hflat) * it64

    exact = np.zeros((evals, batch, n))
    bounds = [t0 + (t1 - t0) * k / frames for k in range(frames + 1)]
    for s in range(batch):
        h0 = np.zeros(n)
        for fi in range(frames):
            a, c = bounds[fi], bounds[fi + 1]
            te = [tt for tt in times if a <= tt <= c]
            sol = scipy.integrate.solve_ivp(lambda t, y: f64(min(max(t, a), c - 1e-12), y, s), (a, c), h0,
                                            method="DOP853", rtol=1e-11, atol=1e-13, t_eval=te)
            for tt, col in zip(sol.t, sol.y.T):
                exact[list(times).index(tt), s] = col
            h0 = sol.y[:, -1] if len(te) and te[-1] == c else scipy.integrate.solve_ivp(
                lambda t, y: f64(min(max(t, a), c - 1e-12), y, s), (a, c), h0,
                method="DOP853", rtol=1e-11, atol=1e-13).y[:, -1]
    d = dict(name=name, n=n, inputs=inputs, batch=batch, frames=frames, nonlinearity=nonlin,
             dale=dale, t0=t0, t1=t1, evals=evals, steps=steps,
             rows=rows.tolist(), cols=cols.tolist(), vals=[float(v) for v in vals],
             indices=idx.tolist(), x=x.flatten().tolist(), bias=b.tolist() if bias else None,
             tau=tauv.tolist() if tau == "neuron" else 0.7, sign=sign.int().tolist(),
             rk4=rk4.flatten().tolist(), exact=exact.flatten().tolist())
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f"odernn_{name}.json"), "w") as fh:
        json.dump(d, fh)
    print(name, "max |h|", float(np.abs(exact).max()), "rk4 vs exact", float(np.abs(rk4 - exact).max()))


torch.manual_seed(0)
case("sigmoid", 1, n=60, nnz=500, inputs=12, batch=3, frames=3, nonlin="sigmoid")
case("dale_tau", 2, n=50, nnz=400, inputs=8, batch=2, frames=1, nonlin="tanh", dale=True, tau="neuron")
case("chain", 3, n=40, nnz=300, inputs=10, batch=4, frames=5, nonlin="leakyrelu,tanh", bias=False,
     t0=0.5, t1=2.0, evals=7, steps=30)
case("softplus_elu", 4, n=30, nnz=200, inputs=6, batch=2, frames=2, nonlin="softplus,elu", tau="neuron")
