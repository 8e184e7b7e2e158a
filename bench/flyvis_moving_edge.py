#!/usr/bin/python3
"""Side-by-side timing of flyvis's moving-edge protocol (ON and OFF edges
in 12 directions at 6 speeds: per speed one batch of 24 samples, 1 s of
grey to the steady state at batch 1, then int((t_stim + 2 s)/dt) explicit
Euler steps at dt = 1/200 s, 3,857 steps in all, as flyvis's
moving_edge_responses) in neuropil (`neuropil analyze moving-edge`, the
whole command: build, rendering, simulation, peaks, DSI, files and
figures) and in the independent PyTorch implementation of flyvis's
Network forward pass of bench/flyvis_flash.py on the CPU (simulation and
peaks only: the frames are rendered beforehand, untimed, by the NumPy
reimplementation of flyvis's rendering (float16 hexagons) in
testdata/gen/moving_edge_render.py, as flyvis caches its renderings on
disk). It also compares the two DSI tables. Usage, from the repository
root:

  go build -o /tmp/neuropil ./cmd/neuropil
  /usr/bin/python3 bench/flyvis_moving_edge.py /tmp/neuropil ../shared/data/flyvis/fib25-fib19_v2.2.json \\
      opticlobe/testdata/flyvis/chkpts/chkpt_00000 [--reps 1]
"""
import argparse
import importlib.util
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flyvis_flash import network, time_neuropil  # noqa: E402

ANGLES = list(range(0, 360, 30))
SPEEDS = [2.4, 4.8, 9.7, 13, 19, 25]
DT, T_PRE, T_POST = 1 / 200, 1.0, 1.0
LED, OMM = np.radians(2.25), np.radians(5.8)


def render(uv):
    """[angles][intensities][21 offsets][columns in the order uv]."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "gen", "moving_edge_render.py")
    spec = importlib.util.spec_from_file_location("render", path)
    g = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(g)
    inside = g.membership(np.float16)  # flyvis's float16 hexagons, as neuropil renders them
    order = {}
    for q in range(-15, 16):
        for r in range(max(-15, -15 - q), min(15, 15 - q) + 1):
            order[q, r] = len(order)
    perm = np.array([order[a, b] for a, b in zip(*uv)])
    out = np.zeros((len(ANGLES), 2, 21, len(perm)))
    for a, angle in enumerate(ANGLES):
        for i in range(2):
            for o, off in enumerate(range(-10, 11)):
                out[a, i, o] = g.hexmean(g.rotate(g.cartesian(off, i), angle, False), inside)[perm]
    return torch.tensor(out, dtype=torch.float32)


def sequence(speed):
    t = 21 * LED / (speed * OMM)
    idx = torch.linspace(0, 20, int(t / DT)).long()
    n_pre = int((t + T_PRE) / DT) - len(idx)
    n_all = int((t + T_PRE + T_POST) / DT)
    return [-1] * n_pre + idx.tolist() + [int(idx[-1])] * (n_all - n_pre - len(idx)), t


def torch_edges(prefix, chkpt, reps):
    step, bias, central, names, uv = network(prefix, chkpt, DT)
    frames = render(uv).reshape(24, 21, -1)  # sample = angle * 2 + intensity

    def run():
        peaks = np.zeros((len(names), 2, len(SPEEDS), len(ANGLES)))
        with torch.no_grad():
            grey = torch.full((1, frames.shape[-1]), 0.5)
            x0 = bias[None].clone()
            for _ in range(int(T_PRE / DT)):
                x0 = step(x0, grey)
            for s, speed in enumerate(SPEEDS):
                seq, t = sequence(speed)
                x = x0.expand(24, -1).clone()
                rec = []
                for o in seq:
                    x = step(x, grey.expand(24, -1) if o < 0 else frames[:, o])
                    rec.append(x[:, central])
                rec = torch.stack(rec).numpy()  # (frames, samples, types)
                tm = np.arange(len(seq)) * DT - T_PRE
                t1 = (22.5 + 22.5 + 2.25) / 5.8 / speed  # time_window: -22.5 to 22.5 degrees, plus one LED
                win = (tm >= 0) & (tm <= t1)
                p = np.clip(rec[win], 0, None).max(axis=0)  # (samples, types)
                peaks[:, :, s, :] = p.reshape(len(ANGLES), 2, -1).transpose(2, 1, 0)
        z = (peaks * np.exp(1j * np.radians(ANGLES))).sum(-1)  # (types, intensities, speeds)
        norm = np.abs(peaks).sum(-1).max(axis=1, keepdims=True)
        return (np.abs(z) / (norm + 1e-15)).mean(-1)

    times = []
    for _ in range(reps):
        t = time.perf_counter()
        dsi = run()
        times.append(time.perf_counter() - t)
    return min(times), dsi


def main():
    torch.set_num_threads(os.cpu_count())
    ap = argparse.ArgumentParser()
    ap.add_argument("neuropil")
    ap.add_argument("spec")
    ap.add_argument("chkpt")
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        go = time_neuropil(a, "moving-edge", d)
        pt, dsi = torch_edges(os.path.join(d, "ol"), a.chkpt, a.reps)
        ours = np.loadtxt(os.path.join(d, "out0", "dsi.csv"), delimiter=",", skiprows=1, usecols=(1, 2))
    print("torch threads %d, GOMAXPROCS default (%d CPUs)" % (torch.get_num_threads(), os.cpu_count()))
    print("largest difference of the DSIs (65 types, OFF and ON): %.3g" % np.abs(ours - dsi).max())
    print("neuropil analyze moving-edge (whole command): %.2f s (best of %d)" % (min(go), a.reps))
    print("PyTorch flyvis forward pass (simulation and peaks): %.2f s (best of %d)" % (pt, a.reps))
    print("ratio PyTorch / neuropil: %.1fx" % (pt / min(go)))


if __name__ == "__main__":
    main()
