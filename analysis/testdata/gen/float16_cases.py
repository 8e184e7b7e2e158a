#!/usr/bin/python3
"""float32 -> float16 conversion cases for analysis.Half: NumPy's
float16 (and PyTorch's .half(), checked equal) of values chosen at the
edges of the format: zeros, the subnormal grid (2^-24) and its ties,
the smallest normal (2^-14), ties to even between neighbours, the
largest finite value (65504) and the rounding to infinity (65520),
infinities, NaN, and random values over the whole range, each also one
float32 step either side.

Usage (from the repository root):

    /usr/bin/python3 analysis/testdata/gen/float16_cases.py analysis/testdata

Writes float16_cases.npy: float64 [2][n], row 0 the float32 inputs,
row 1 their float16 values.
"""
import os
import sys

import numpy as np
import torch


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(16)
    base = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -25, 5 * 2.0 ** -25,
            2.0 ** -26, 2.0 ** -14, 2.0 ** -14 - 2.0 ** -25, 2.0 ** -14 - 2.0 ** -24,
            1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -10, 2 - 2.0 ** -11, 2048 + 1, 2048 + 3,
            65504.0, 65519.0, 65520.0, 65536.0, 1e10, -65520.0, np.inf, -np.inf, np.nan,
            np.pi, 2 / np.sqrt(3) * 12.5, 387.25, 762.75, 0.1, -0.3, 1e-8, -6e-8]
    base += list(rng.standard_normal(200) * 10.0 ** rng.integers(-9, 6, 200))
    base += list(rng.integers(0, 2048, 50) * 2.0 ** rng.integers(-24, 6, 50) * 1.5)  # ties
    x = np.array(base, dtype=np.float32)
    x = np.concatenate([x, np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))])
    h = x.astype(np.float16)
    t = torch.from_numpy(x).half().numpy()
    same = (h == t) | (np.isnan(h) & np.isnan(t))
    assert same.all() and (np.signbit(h) == np.signbit(t)).all(), "numpy and torch disagree"
    np.save(os.path.join(out, "float16_cases.npy"), np.stack([x.astype(np.float64), h.astype(np.float64)]))
    print("%d cases" % len(x))


if __name__ == "__main__":
    main()
