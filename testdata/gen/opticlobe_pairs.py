#!/usr/bin/python3
"""Per-type-pair edge counts of the flyvis optic lobe, computed independently
of neuropil's Go code, for opticlobe's cross-check test.

The network follows SPEC.md ("The fly optic lobe"): hexagonal lattice of the
given extent, strided cell types, offsets of pairs with 3 or more points
completed with the integer points inside their convex hull (scipy's Qhull
with joggle "QJ", as flyvis does) where "inside" is decided by
matplotlib.path.Path.contains_points, and one edge per source neuron whose
target column exists.

Usage (from the repository root):

    /usr/bin/python3 testdata/gen/opticlobe_pairs.py \
        ../shared/data/flyvis/fib25-fib19_v2.2.json 15 > opticlobe/testdata/pairs_extent15.csv

Output: CSV with header source,target,sign,offsets,filled,edges,n_syn_sum
(one row per pair of the file, in file order; filled = offsets added by the
hull completion; n_syn_sum = sum of n_syn over the pair's edges, rounded to
4 decimals).
"""
import json
import sys

import numpy as np
from matplotlib.path import Path
from scipy.spatial import ConvexHull


def columns(extent, stride):
    su, sv = stride
    out = []
    for u in range(-extent, extent + 1):
        for v in range(-extent, extent + 1):
            if abs(u + v) <= extent and u % su == 0 and v % sv == 0:
                out.append((u, v))
    return out


def completed(offsets):
    pts = np.array([o[0] for o in offsets], dtype=float)
    if len(pts) < 3:
        return [], []
    hull = ConvexHull(pts * (1 + 1e-6), qhull_options="QJ")
    poly = Path(pts[hull.vertices])
    lo, hi = pts.min(axis=0).astype(int), pts.max(axis=0).astype(int)
    grid = np.array([(u, v) for u in range(lo[0], hi[0] + 1) for v in range(lo[1], hi[1] + 1)])
    inside = poly.contains_points(grid)
    known = {tuple(map(int, p)) for p in pts}
    added = [tuple(map(int, g)) for g, ok in zip(grid, inside) if ok and tuple(map(int, g)) not in known]
    return added, [1.0] * len(added)


def main():
    path, extent = sys.argv[1], int(sys.argv[2])
    spec = json.load(open(path))
    cols = {n["name"]: set(columns(extent, n["pattern"][1])) for n in spec["nodes"]}
    order = {n["name"]: columns(extent, n["pattern"][1]) for n in spec["nodes"]}
    print("source,target,sign,offsets,filled,edges,n_syn_sum")
    total = exc = inh = realised = 0
    for e in spec["edges"]:
        offs = [(tuple(o[0]), float(o[1])) for o in e["offsets"]]
        add, nsyn = completed(e["offsets"])
        offs += list(zip(add, nsyn))
        n, s = 0, 0.0
        tgt = cols[e["tar"]]
        for (du, dv), w in offs:
            for (u, v) in order[e["src"]]:
                if (u + du, v + dv) in tgt:
                    n += 1
                    s += w
        print(f'{e["src"]},{e["tar"]},{e["alpha"]},{len(e["offsets"])},{len(add)},{n},{s:.4f}')
        total += n
        realised += n > 0
        if e["alpha"] > 0:
            exc += n
        else:
            inh += n
    print(f"# edges {total} excitatory {exc} inhibitory {inh} pairs realised {realised}", file=sys.stderr)


if __name__ == "__main__":
    main()
