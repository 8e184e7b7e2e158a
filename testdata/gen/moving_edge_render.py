#!/usr/bin/python3
"""Moving-edge fixture for analysis: flyvis's MovingEdge stimulus as
moving_edge_responses configures it (width 80 LEDs, height 80 LEDs,
bar_loc_horizontal 0, bg 0.5, LEDs of 2.25 deg, ommatidia of 5.8 deg,
HexEye(721, 25): a 775x775 monitor), rendered by a float64 NumPy
reimplementation of flyvis's HexEye.render_offset_bars:

  render_bars_cartesian -> rotate_image (edge padding to the diagonal,
  uint8 of 255*img, PIL's bilinear affine rotation, /255, crop; PIL
  transposes for 90/180/270) -> mean over the pixels is_inside_hex puts in
  each hexagon, decided in float16 as HexEye does (NumPy's float16
  arithmetic, every operation rounded; the vertices' rotation, a half
  matmul in flyvis, as float32 products and sum rounded once), checked
  equal to the same test in PyTorch float16 tensors.

It also rotates the frames with PIL itself (Image.rotate), which the
NumPy rotation matches exactly, and prints how far float64 hexagons
would move the columns.

Usage (from the repository root):

    /usr/bin/python3 testdata/gen/moving_edge_render.py analysis/testdata

Writes moving_edge_frames.npy (float64 [angles][intensities][offsets][721],
float16 hexagons,
angles ANGLES, intensities 0 and 1, offsets OFFSETS in LEDs) and
moving_edge_indices.npy (int64: torch.linspace(0, 20, int(t_stim/dt))
.long() for each of flyvis's six speeds, concatenated, with dt 1/200).
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

ANGLES = [0, 30, 90, 150, 180, 240, 330]
OFFSETS = [-10, -4, 0, 3, 10]
SPEEDS = [2.4, 4.8, 9.7, 13, 19, 25]
W = 775  # 25 pixels per ommatidium, 31 ommatidia across
LED, OMM = np.radians(2.25), np.radians(5.8)


def cartesian(offset, intensity):
    width_px = int(80 * LED / OMM * 25)
    height_px = int(80 * LED / OMM * 25)
    loc_h = int(W * (0 + offset * LED) / np.radians(180))
    loc_v = int(W * np.radians(90) / np.radians(180))
    img = np.ones([W, W]) * 0.5
    rows = slice(max(int(loc_v - height_px / 2), 0), int(loc_v + height_px / 2) + 1)
    loc_w = int(loc_h - width_px / 2)
    img[rows, max(loc_w, 0):loc_w + width_px + 1] = intensity
    return img


def pad_u8(img):
    diag = int(np.sqrt(2 * W * W))
    p = (diag - W) // 2
    return (255 * np.pad(img, ((p, p), (p, p)), mode="edge")).astype("uint8"), p


def rotate_numpy(u8, angle):
    """PIL's Image.rotate(angle, BILINEAR) of a square uint8 image."""
    a = angle % 360
    if a == 90:
        return np.rot90(u8, 1)
    if a == 180:
        return np.rot90(u8, 2)
    if a == 270:
        return np.rot90(u8, 3)
    n = u8.shape[0]
    r = -np.radians(angle)
    m = [round(np.cos(r), 15), round(np.sin(r), 15), 0.0, round(-np.sin(r), 15), round(np.cos(r), 15), 0.0]
    c = n / 2.0
    m[2] = m[0] * -c + m[1] * -c + m[2] + c
    m[5] = m[3] * -c + m[4] * -c + m[5] + c
    y, x = np.mgrid[0:n, 0:n].astype(float)
    xin = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2]
    yin = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5]
    inside = (xin >= 0) & (xin < n) & (yin >= 0) & (yin < n)
    xs, ys = xin - 0.5, yin - 0.5
    x0 = np.where(xs < 0, np.floor(xs), np.trunc(xs)).astype(int)
    y0 = np.where(ys < 0, np.floor(ys), np.trunc(ys)).astype(int)
    dx, dy = xs - x0, ys - y0
    src = u8.astype(float)
    xa, xb = np.clip(x0, 0, n - 1), np.clip(x0 + 1, 0, n - 1)
    ya = np.clip(y0, 0, n - 1)
    v1 = src[ya, xa] + (src[ya, xb] - src[ya, xa]) * dx
    has = (y0 + 1 >= 0) & (y0 + 1 < n)
    yb = np.clip(y0 + 1, 0, n - 1)
    v2 = np.where(has, src[yb, xa] + (src[yb, xb] - src[yb, xa]) * dx, v1)
    v = v1 + (v2 - v1) * dy
    return np.where(inside, v.astype(np.uint8), 0).astype(np.uint8)


def rotate(img, angle, use_pil):
    if angle % 360 == 0:
        return img
    u8, p = pad_u8(img)
    if use_pil:
        out = np.array(Image.fromarray(u8).rotate(angle, Image.BILINEAR, False, None), dtype=float)
    else:
        out = rotate_numpy(u8, angle).astype(float)
    out /= 255.0
    return out[p:out.shape[0] - p, p:out.shape[1] - p]


def centres():
    """Hexagon (q, r) of HexEye(721, 25) at column W//2 + 25r, row
    W//2 + 25(q + r/2), in hexal order."""
    n = 15
    xc, yc = [], []
    for q in range(-n, n + 1):
        for r in range(max(-n, -n - q), min(n, n - q) + 1):
            xc.append(25.0 * r + W // 2)
            yc.append(25.0 * (q + r / 2) + W // 2)
    return xc, yc


def window(xc, yc):
    """The monitor pixels (row, col) near a centre: a hexagon reaches
    less than 16 pixels from it."""
    r0, c0 = int(yc) - 16, int(xc) - 16
    row, col = np.mgrid[r0:r0 + 34, c0:c0 + 34]
    row, col = row.reshape(-1), col.reshape(-1)
    ok = (row >= 0) & (row < W) & (col >= 0) & (col < W)
    return row[ok], col[ok]


def vertices(dtype):
    """The seven vertices (the first repeated) relative to the centre:
    (2/sqrt(3)*12.5, 0) rotated by 60 degrees in turn."""
    t = dtype
    c, s = t(np.cos(t(np.pi) / t(3))), t(np.sin(t(np.pi) / t(3)))
    vert = [(t(2 / np.sqrt(3) * 12.5), t(0))]
    f = np.float32 if dtype == np.float16 else dtype
    for _ in range(6):
        # The 2x2 rotation as PyTorch's half matmul computes it (on the GPU,
        # and on CPUs where it runs at all: PyTorch 1.13's CPU has no half
        # matmul): float32 products and sum, one rounding to float16.
        x, y = f(vert[-1][0]), f(vert[-1][1])
        vert.append((t(f(c) * x + f(-s) * y), t(f(s) * x + f(c) * y)))
    return vert


def membership(dtype, array=np.array, sign=np.sign):
    """is_inside_hex for HexEye(721, 25): the pixels (index row*W + col)
    inside each hexagon, every operation in dtype (NumPy's, or PyTorch's
    with array=torch.tensor and sign=torch.sign), pixels x = image row,
    y = image column as HexEye passes them."""
    vert = vertices(np.float16 if dtype in (np.float16, torch.float16) else np.float64)
    cx, cy = centres()
    xc, yc = array(cx, dtype=dtype), array(cy, dtype=dtype)
    vx = array([float(v[0]) for v in vert], dtype=dtype)
    vy = array([float(v[1]) for v in vert], dtype=dtype)
    inside = []
    for k in range(len(cx)):
        row, col = window(cx[k], cy[k])
        px, py = array(col, dtype=dtype), array(row, dtype=dtype)
        keep = np.ones(len(row), dtype=bool)
        for i in range(6):
            x1, y1 = vx[i] + xc[k], vy[i] + yc[k]
            x2, y2 = vx[i + 1] + xc[k], vy[i + 1] + yc[k]
            slope = (y2 - y1) / (x2 - x1)
            fc = y1 + slope * (xc[k] - x1) - yc[k]
            fp = y1 + slope * (px - x1) - py
            keep &= np.asarray(sign(fc) == sign(fp))
        inside.append(row[keep] * W + col[keep])
    return inside


def hexmean(img, inside):
    flat = img.reshape(-1)
    return np.array([flat[p].sum() / len(p) for p in inside])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    in64, in16 = membership(np.float64), membership(np.float16)
    in_torch = membership(torch.float16, torch.tensor, torch.sign)
    assert all(np.array_equal(a, b) for a, b in zip(in16, in_torch)), "NumPy and PyTorch float16 hexagons differ"
    frames = np.zeros((len(ANGLES), 2, len(OFFSETS), 721))
    d_pil, d_64 = 0.0, 0.0
    for a, angle in enumerate(ANGLES):
        for i, inten in enumerate([0, 1]):
            for o, off in enumerate(OFFSETS):
                img = cartesian(off, inten)
                ours = rotate(img, angle, False)
                frames[a, i, o] = hexmean(ours, in16)
                pil = rotate(img, angle, True)
                d_pil = max(d_pil, np.abs(pil - ours).max())
                d_64 = max(d_64, np.abs(hexmean(ours, in64) - frames[a, i, o]).max())
    print("pixels: PIL's rotation vs the NumPy reimplementation: largest difference %.3g" % d_pil)
    print("hexagons: float16 (as flyvis; NumPy and PyTorch agree) vs float64: %d of %d pixel-hexagon pairs differ"
          % (sum(len(np.setxor1d(a, b)) for a, b in zip(in16, in64)), sum(len(a) for a in in16)))
    print("columns: float16 hexagons (as flyvis) vs float64 ones: largest difference %.3g" % d_64)
    np.save(os.path.join(out, "moving_edge_frames.npy"), frames)
    idx = []
    for s in SPEEDS:
        t = 21 * LED / (s * OMM)
        idx.append(torch.linspace(0, 20, int(t / (1 / 200))).long().numpy())
    np.save(os.path.join(out, "moving_edge_indices.npy"), np.concatenate(idx).astype(np.int64))


if __name__ == "__main__":
    main()
