#!/usr/bin/python3
"""Eye fixture for opticlobe: images sampled onto the 721 hexagonal columns
with PyTorch, following SPEC.md's BoxEye description (13×13 box filter with
zero padding, column (u, v) read at row h//2 + trunc(13(u + v/2)) and
column w//2 + 13v, bilinear resize with align_corners=False of images
smaller than 391×391).

Usage (from the repository root):

    /usr/bin/python3 testdata/gen/opticlobe_eye.py opticlobe/testdata

Writes eye_small.npy (float32, a 28×28 random image, resized by the eye)
and eye_columns.npy (float32 [2][721]): the columns of that image and of
the 400×420 image 0.5 + 0.4 sin(x/17) cos(y/11) (x the column, y the row),
which the test computes itself rather than storing it.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

EXTENT, KERNEL = 15, 13


def centres():
    out = []
    for u in range(-EXTENT, EXTENT + 1):
        for v in range(max(-EXTENT, -EXTENT - u), min(EXTENT, EXTENT - u) + 1):
            out.append((KERNEL * (u + v / 2), KERNEL * v))
    return torch.tensor(out, dtype=torch.long)  # truncates toward zero


def sample(img):
    c = centres()
    size = (c.max(0).values - c.min(0).values + 1).tolist()
    x = torch.from_numpy(img)[None, None]
    h, w = img.shape
    if size[0] > h or size[1] > w:
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        h, w = size
    pad = (KERNEL - 1) / 2
    p = (int(np.ceil(pad)), int(np.floor(pad)))
    x = F.pad(x, (p[0], p[1], p[0], p[1]))
    box = torch.ones(1, 1, KERNEL, KERNEL) / KERNEL**2
    y = F.conv2d(x, box)[0, 0]
    c = c + torch.tensor([h // 2, w // 2])
    return y[c[:, 0], c[:, 1]].numpy().astype(np.float32)


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(4)
    small = rng.random((28, 28), dtype=np.float32)
    yy, xx = np.mgrid[0:400, 0:420]
    large = (0.5 + 0.4 * np.sin(xx / 17.0) * np.cos(yy / 11.0)).astype(np.float32)
    np.save(os.path.join(out, "eye_small.npy"), small)
    np.save(os.path.join(out, "eye_columns.npy"), np.stack([sample(small), sample(large)]))


main()
