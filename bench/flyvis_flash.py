#!/usr/bin/python3
"""Side-by-side timing of flyvis's flash protocol (4 samples: ON/OFF, full
field and radius 6; 1 s of grey to the steady state, then grey 1 s, flash
1 s, grey 1 s, explicit Euler at 1/200 s: 800 steps at batch 4 for the
simulation, 200 at batch 1 for the steady state, as flyvis's
stimulus_response does) in neuropil (`neuropil analyze flash`, whole
command: build, simulate, FRI, files and figures) and in an independent
PyTorch implementation of flyvis's Network forward pass on the CPU (gather
of the sources' relu activity, weight = sign * exp(syn_count) *
clamp(syn_strength, 0) per edge, scatter_add onto the targets, as
flyvis's PPNeuronIGRSynapses and target_sum do; stimulus and simulation
only). Usage, from the repository root:

  go build -o /tmp/neuropil ./cmd/neuropil
  /usr/bin/python3 bench/flyvis_flash.py /tmp/neuropil ../shared/data/flyvis/fib25-fib19_v2.2.json \
      opticlobe/testdata/flyvis/chkpts/chkpt_00000 [--reps 3]
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np
import torch


def groups(keys):
    uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return torch.tensor(rank[inv])


def tables(prefix, chkpt):
    """The index tables of neuropil's build tables at prefix and the
    checkpoint's parameters (flyvis's names), shared with
    bench/flyvis_train.py: per edge its source, target, type pair pg and
    (pair, offset) group cg; per node its type, u, v; inputs, the nodes
    that take column input, and incol their column; names the type names;
    r1 the R1 nodes, whose (u, v) order the columns."""
    e, n = np.load(prefix + ".edges.npz"), np.load(prefix + ".neurons.npz")
    src, tgt = (torch.tensor(e[k].astype(np.int64)) for k in ("source", "target"))
    u, v, typ = n["u"].astype(np.int64), n["v"].astype(np.int64), torch.tensor(n["type"].astype(np.int64))
    names = [s.decode() for s in n["type_names"]]
    du, dv = u[e["target"]] - u[e["source"]], v[e["target"]] - v[e["source"]]
    pg = groups(e["pair"].astype(np.int64))
    cg = groups((e["pair"].astype(np.int64) * 1000 + dv + 500) * 1000 + du + 500)
    net = torch.load(chkpt)["network"]
    r1 = np.flatnonzero(n["type"] == names.index("R1"))
    inputs = torch.tensor(np.isin(n["type"], [names.index("R%d" % k) for k in range(1, 9)]))
    col = {(a, b): k for k, (a, b) in enumerate(zip(u[r1], v[r1]))}
    incol = torch.tensor([col[a, b] for a, b in zip(u[inputs.numpy()], v[inputs.numpy()])])
    return dict(src=src, tgt=tgt, typ=typ, pg=pg, cg=cg, u=u, v=v, ntype=n["type"], names=names, net=net,
                r1=r1, inputs=inputs, incol=incol, col=col)


def network(prefix, chkpt, dt):
    """The network of neuropil's build tables at prefix with the
    checkpoint's parameters: step(x, cols) is one explicit Euler step of
    dt for states x (batch, nodes) under column inputs cols (batch,
    columns), bias the resting potentials, central the central node of
    each type."""
    t = tables(prefix, chkpt)
    src, tgt, typ, pg, cg, net = t["src"], t["tgt"], t["typ"], t["pg"], t["cg"], t["net"]
    inputs, incol, names, u, v, r1 = t["inputs"], t["incol"], t["names"], t["u"], t["v"], t["r1"]
    with torch.no_grad():
        w = net["edges_sign"][pg] * net["edges_syn_count"].exp()[cg] * net["edges_syn_strength"].clamp(min=0)[pg]
        tau = torch.max(net["nodes_time_const"], torch.tensor(dt).float())[typ]
        bias = net["nodes_bias"][typ]

    def step(x, cols):  # x: (batch, nodes); cols: (batch, columns)
        stim = torch.zeros_like(x)
        stim[:, inputs] = cols[:, incol]
        cur = torch.zeros_like(x).scatter_add_(-1, tgt.expand(x.shape[0], -1), w * torch.relu(x[:, src]))
        return x + dt / tau * (-x + bias + cur + stim)

    central = [np.flatnonzero((t["ntype"] == k) & (u == 0) & (v == 0))[0] for k in range(len(names))]
    return step, bias, central, names, (u[r1], v[r1])


def torch_flash(prefix, chkpt, reps):
    dt = 1 / 200
    step, bias, central, _, (u, v) = network(prefix, chkpt, dt)
    disk = torch.tensor(np.maximum(np.maximum(abs(u), abs(v)), abs(u + v)) <= 6)
    nn, ncol = len(bias), len(u)

    def run():
        with torch.no_grad():
            grey = torch.full((1, ncol), 0.5)
            x = bias[None].clone()
            for _ in range(200):
                x = step(x, grey)
            x = x.expand(4, nn).clone()
            flash = torch.full((4, ncol), 0.5)
            for b, (level, radius) in enumerate([(0, -1), (0, 6), (1, -1), (1, 6)]):
                flash[b, disk if radius == 6 else slice(None)] = level
            greys = grey.expand(4, -1)
            for seg in (greys, flash, greys):
                for _ in range(200):
                    x = step(x, seg)
        return x

    times = []
    for _ in range(reps):
        t = time.perf_counter()
        x = run()
        times.append(time.perf_counter() - t)
    return min(times), x[:, central].numpy()


def parser():
    """The arguments every side-by-side script takes: the neuropil binary,
    flyvis's spec and a checkpoint."""
    ap = argparse.ArgumentParser()
    for name in ("neuropil", "spec", "chkpt"):
        ap.add_argument(name)
    return ap


def time_neuropil(a, analysis, d):
    """Writes neuropil's build tables to d/ol.*.npz and returns the times
    of a.reps runs of `neuropil analyze ANALYSIS` into d/out0, d/out1, ..."""
    subprocess.run([a.neuropil, "build", "optic-lobe", "--spec", a.spec, "--out", os.path.join(d, "ol.npz"),
                    "--tables", "npz"], check=True, capture_output=True)
    go = []
    for r in range(a.reps):
        t = time.perf_counter()
        subprocess.run([a.neuropil, "analyze", analysis, "--spec", a.spec, "--params", a.chkpt,
                        "--out", os.path.join(d, "out%d" % r)], check=True, capture_output=True)
        go.append(time.perf_counter() - t)
    return go


def main():
    torch.set_num_threads(os.cpu_count())
    ap = argparse.ArgumentParser()
    ap.add_argument("neuropil")
    ap.add_argument("spec")
    ap.add_argument("chkpt")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        go = time_neuropil(a, "flash", d)
        pt, last = torch_flash(os.path.join(d, "ol"), a.chkpt, a.reps)
        ours = np.load(os.path.join(d, "out0", "traces.npy"))[:, -1, :]
    print("torch threads %d, GOMAXPROCS default (%d CPUs)" % (torch.get_num_threads(), os.cpu_count()))
    print("largest difference of the final central voltages: %.3g" % np.abs(ours - last).max())
    print("neuropil analyze flash (whole command): %.2f s (best of %d)" % (min(go), a.reps))
    print("PyTorch flyvis forward pass (simulation only): %.2f s (best of %d)" % (pt, a.reps))
    print("ratio PyTorch / neuropil: %.1fx" % (pt / min(go)))


if __name__ == "__main__":
    main()
