#!/usr/bin/python3
"""Writes opticflow/testdata/sintel_resample.json: how flyvis resamples a
Sintel movie from 24 frames/s to 1/dt, computed with PyTorch's
interpolate as flyvis's Interpolate calls it.

Run from the repository root:  /usr/bin/python3 testdata/gen/flo_sintel_resample.py

For n_frames in (19, 5, 2) and dt in (0.02, 0.01, 1/24): a random movie
lum (n_frames, 1, 3) resampled with mode "nearest-exact" and a random flow
(n_frames, 2, 3) with mode "linear", align_corners=True, both to
ceil(1/dt / 24 * n_frames) frames along the first axis (flyvis
datasets/augmentation/temporal.py: the frames axis moved last, then
back).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as nnf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "opticflow", "testdata", "sintel_resample.json")


def interpolate(seq, rate, mode):
    """flyvis Interpolate(24, rate, mode).transform(seq, dim=0)."""
    size = math.ceil(rate / 24 * seq.shape[0])
    align = True if mode == "linear" else None
    return nnf.interpolate(seq.transpose(0, -1), size=size, mode=mode, align_corners=align).transpose(0, -1)


def main():
    rng = np.random.RandomState(24)
    cases = []
    for n in (19, 5, 2):
        for dt in (0.02, 0.01, 1 / 24):
            lum = torch.tensor(rng.rand(n, 1, 3), dtype=torch.float32)
            flow = torch.tensor(rng.randn(n, 2, 3), dtype=torch.float32)
            x = interpolate(lum, 1 / dt, "nearest-exact")
            v = interpolate(flow, 1 / dt, "linear")
            f = lambda t: [repr(float(a)) for a in t.flatten()]
            cases.append({"frames": n, "dt": dt, "out": x.shape[0], "lum": f(lum), "flow": f(flow), "x": f(x), "v": f(v)})
    with open(OUT, "w") as fd:
        fd.write("[\n" + ",\n".join(json.dumps(c) for c in cases) + "\n]\n")


if __name__ == "__main__":
    main()
