#!/usr/bin/python3
"""Writes the fixtures of the .flo reader (package format/flo) and of the
MPI-Sintel source's grey levels (package opticflow) with NumPy and PIL.

Run from the repository root:  /usr/bin/python3 testdata/gen/flo_fixtures.py

format/flo/testdata/small.flo: a 5x3 (width x height) field written the
way MPI-Sintel's flow_io.py writes it (magic 202021.25, int32 width and
height, then float32 [h][w][2]), with u = x + 0.25 y and v = -2 y + 0.5 x
- 1/3; small.json holds the values as NumPy reads them back (flyvis's
sample_flow reads the same bytes).

opticflow/testdata/sintel_grey.png: a 7x4 RGB image of random bytes;
sintel_grey.json its grey levels as flyvis reads a Sintel frame,
np.float32(Image.open(path).convert("L")) / 255.
"""
import json
import os

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLO = os.path.join(ROOT, "format", "flo", "testdata")
OPTIC = os.path.join(ROOT, "opticflow", "testdata")


def write_flo(path, uv):
    """Writes uv, float32 [h][w][2], as a .flo file."""
    h, w, _ = uv.shape
    with open(path, "wb") as f:
        np.array([202021.25], np.float32).tofile(f)
        np.array([w, h], np.int32).tofile(f)
        uv.astype(np.float32).tofile(f)


def main():
    os.makedirs(FLO, exist_ok=True)
    h, w = 3, 5
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    uv = np.stack([x + 0.25 * y, -2 * y + 0.5 * x - np.float32(1) / 3], axis=-1).astype(np.float32)
    path = os.path.join(FLO, "small.flo")
    write_flo(path, uv)
    with open(path, "rb") as f:
        magic = np.fromfile(f, np.float32, count=1)[0]
        ww, hh = np.fromfile(f, np.int32, count=2)
        back = np.fromfile(f, np.float32).reshape(hh, ww, 2)
    assert magic == np.float32(202021.25) and (ww, hh) == (w, h)
    with open(os.path.join(FLO, "small.json"), "w") as f:
        json.dump({"w": int(ww), "h": int(hh), "uv": [repr(float(v)) for v in back.ravel()]}, f)
        f.write("\n")

    os.makedirs(OPTIC, exist_ok=True)
    rng = np.random.RandomState(16)
    rgb = rng.randint(0, 256, size=(4, 7, 3)).astype(np.uint8)
    png = os.path.join(OPTIC, "sintel_grey.png")
    Image.fromarray(rgb, "RGB").save(png)
    grey = np.float32(Image.open(png).convert("L")) / 255
    with open(os.path.join(OPTIC, "sintel_grey.json"), "w") as f:
        json.dump({"h": grey.shape[0], "w": grey.shape[1], "grey": [repr(float(v)) for v in grey.ravel()]}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
