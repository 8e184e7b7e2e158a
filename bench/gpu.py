#!/usr/bin/env python3
"""PyTorch on a GPU (and on that machine's CPU cores) on the tutorial-sized problem of compare.py,
for context beside neuropil's CPU numbers: the batched sparse product W @ H and the dopri5 forward
simulation (compare.torch_dopri5: same model, tolerances and controller).

The matrix is compare.random_csr (the statistics of ../shared/bench/gen_connectome.py: 47,521
neurons, 4,623,254 synapses, log-normal in-degree). Usage, on a machine with CUDA and PyTorch:

    python3 bench/gpu.py [--out gpu.json] [--reps 50]

Prints one JSON object (also written to --out): the device name, torch version, product
milliseconds per batch size on the GPU (cuSPARSE CSR through torch.sparse.mm, timed with CUDA
events around reps products after warm-up) and on the CPU (torch threads = all cores), and the
dopri5 solve seconds (best of 5 after a warm-up) on each.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (random_csr, torch_csr, torch_dopri5)


def product_ms_gpu(wt, n, batch, reps):
    h = torch.rand(n, batch, device="cuda") - 0.5
    for _ in range(5):
        torch.sparse.mm(wt, h)
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        torch.sparse.mm(wt, h)
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


def product_ms_cpu(wt, n, batch, reps):
    h = torch.rand(n, batch) - 0.5
    return 1e3 * compare.median_time(lambda: torch.sparse.mm(wt, h), reps)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="", help="also write the JSON here")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--batches", default="1,8,64,256")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    n, nnz = compare.TUTORIAL_N, compare.TUTORIAL_NNZ
    w = compare.random_csr(n, nnz, 1234)
    torch.set_num_threads(os.cpu_count())
    r = {"torch": torch.__version__, "cpu_threads": torch.get_num_threads(), "neurons": n, "synapses": int(w.nnz)}
    with torch.no_grad():
        if torch.cuda.is_available():
            r["gpu"] = torch.cuda.get_device_name(0)
            wt = compare.torch_csr(w, "cuda")
            r["gpu_product_ms"] = {b: product_ms_gpu(wt, n, b, args.reps) for b in batches}
            compare.torch_dopri5(w, 8, device="cuda")  # warm-up (cuSPARSE handles, kernels)
            runs = [compare.torch_dopri5(w, 8, device="cuda") for _ in range(5)]
            r["gpu_dopri5_seconds"] = min(t for t, _ in runs)
            r["gpu_dopri5_evals"] = runs[0][1]
        wc = compare.torch_csr(w)
        r["cpu_product_ms"] = {b: product_ms_cpu(wc, n, b, 10) for b in batches}
        compare.torch_dopri5(w, 8)
        runs = [compare.torch_dopri5(w, 8) for _ in range(2)]
        r["cpu_dopri5_seconds"] = min(t for t, _ in runs)
        r["cpu_dopri5_evals"] = runs[0][1]
    text = json.dumps(r, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
