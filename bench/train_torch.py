#!/usr/bin/python3
"""Side-by-side timing of one training step: the forward and backward pass
of 20 explicit Euler steps over [0, 1] at batch 8 through the connectome
ODE RNN classifier (sigmoid, identity input projection onto 784 random
neurons, all neurons read out -> Linear(n, 128) -> ReLU -> Linear(128, 10),
cross-entropy on the last state), in neuropil and in PyTorch on the CPU:

  handwritten  torch.autograd.Function around the sparse product, with a
               hand-written backward (W^T g by a transposed CSR, the
               per-synapse gradient by gathering g[post] * h[pre])
  autograd     plain autograd through torch.sparse.mm of a COO tensor whose
               values require grad (capped: --autograd-cap seconds)

Each PyTorch mode runs in its own process so that its peak RSS
(resource.getrusage ru_maxrss) is its own; neuropil reports its peak RSS
(VmHWM). Usage, from the repository root:

  /usr/bin/python3 bench/train_torch.py [--reps 3] [--autograd-cap 600] [--connectome FILE]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

N_IN, HIDDEN, CLASSES = 784, 128, 10


def worker(mode, conn, reps, steps, batch):
    import numpy as np
    import torch
    import torch.nn.functional as F
    torch.manual_seed(0)
    z = np.load(conn)
    n = int(z["shape"][0])
    indptr = torch.tensor(z["indptr"].astype(np.int64))
    indices = torch.tensor(z["indices"].astype(np.int64))
    vals = torch.tensor(z["data"], requires_grad=True)
    rows = torch.repeat_interleave(torch.arange(n), indptr[1:] - indptr[:-1])
    in_idx = torch.randint(n, (N_IN,))
    w_in = torch.ones(N_IN, requires_grad=True)
    bias = torch.zeros(n, 1, requires_grad=True)
    fc1 = torch.nn.Linear(n, HIDDEN)
    fc2 = torch.nn.Linear(HIDDEN, CLASSES)
    x = torch.randn(batch, N_IN)
    labels = torch.randint(CLASSES, (batch,))
    dt = 1.0 / steps

    if mode == "handwritten":
        # Transposed structure, built once: entry q of W^T is entry perm[q] of W.
        perm = torch.argsort(indices * n + rows)
        t_indptr = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(torch.bincount(indices, minlength=n), 0)])
        t_indices = rows[perm]

        class SpMM(torch.autograd.Function):
            @staticmethod
            def forward(ctx, v, h):
                ctx.save_for_backward(v, h)
                W = torch.sparse_csr_tensor(indptr, indices, v, (n, n))
                return torch.sparse.mm(W, h) if hasattr(torch.sparse, "mm") else W @ h

            @staticmethod
            def backward(ctx, g):
                v, h = ctx.saved_tensors
                WT = torch.sparse_csr_tensor(t_indptr, t_indices, v[perm], (n, n))
                gh = WT @ g
                gv = (g[rows] * h[indices]).sum(1)
                return gv, gh

        def recurrent(h):
            return SpMM.apply(vals, h)
    else:
        idx = torch.stack([rows, indices])

        def recurrent(h):
            W = torch.sparse_coo_tensor(idx, vals, (n, n))
            return torch.sparse.mm(W, h)

    times, fwd = [], []
    for _ in range(reps):
        for p in [vals, w_in, bias, *fc1.parameters(), *fc2.parameters()]:
            p.grad = None
        start = time.perf_counter()
        drive = torch.zeros(n, batch).index_add(0, in_idx, (x * w_in).T) + bias
        h = torch.zeros(n, batch)
        for _ in range(steps):
            h = h + dt * (torch.sigmoid(recurrent(h) + drive) - h)
        logits = fc2(torch.relu(fc1(h.T)))
        loss = F.cross_entropy(logits, labels)
        f = time.perf_counter() - start
        loss.backward()
        times.append(time.perf_counter() - start)
        fwd.append(f)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"mode": mode, "step_times": times, "forward_times": fwd, "peak_rss_bytes": rss,
                      "loss": float(loss), "threads": torch.get_num_threads()}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--autograd-cap", type=float, default=600, help="seconds before the autograd run is stopped")
    ap.add_argument("--skip-autograd", action="store_true")
    ap.add_argument("--connectome", default="", help="connectome file for neuropil (default: the built-in one)")
    ap.add_argument("--neuropil", default="", help="neuropil binary (default: go build ./cmd/neuropil)")
    ap.add_argument("--json", default="", help="also write the results to this file")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    ap.add_argument("--conn-npz", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker, a.conn_npz, a.reps, a.steps, a.batch)
        return
    tmp = tempfile.mkdtemp(prefix="neuropil-bench-")
    exe = a.neuropil
    if not exe:
        exe = os.path.join(tmp, "neuropil")
        subprocess.run(["go", "build", "-o", exe, "./cmd/neuropil"], check=True)
    conn_args = ["--connectome", a.connectome] if a.connectome else []
    npz = os.path.join(tmp, "connectome.npz")
    subprocess.run([exe, "bench-train", "--write-connectome", npz] + conn_args, check=True)
    out = subprocess.run([exe, "bench-train", "--json", "--reps", str(a.reps), "--steps", str(a.steps),
                          "--batch", str(a.batch)] + conn_args, check=True, capture_output=True, text=True).stdout
    go = json.loads(out)
    results = {"neuropil": go}
    modes = ["handwritten"] + ([] if a.skip_autograd else ["autograd"])
    for mode in modes:
        reps = a.reps if mode == "handwritten" else 1
        cmd = [sys.executable, __file__, "--worker", mode, "--conn-npz", npz, "--reps", str(reps),
               "--steps", str(a.steps), "--batch", str(a.batch)]
        try:
            r = subprocess.run(cmd, check=True, capture_output=True, text=True,
                               timeout=None if mode == "handwritten" else a.autograd_cap)
            results[mode] = json.loads(r.stdout)
        except subprocess.TimeoutExpired:
            results[mode] = {"mode": mode, "capped_seconds": a.autograd_cap}
    med = lambda v: sorted(v)[len(v) // 2]
    t_go = go["train_step_seconds"]
    print("one forward+backward pass: %d euler steps over [0, 1], batch %d, %d neurons, %d synapses"
          % (a.steps, a.batch, go["neurons"], go["synapses"]))
    print("%-36s %10s %10s %12s" % ("implementation", "seconds", "vs neuropil", "peak RSS MiB"))
    print("%-36s %10.3f %10s %12d" % ("neuropil (stored pre-activations)", t_go, "1.0", go["peak_rss_bytes"] >> 20))
    print("%-36s %10.3f %10.1f %12s" % ("neuropil (checkpointed)", go["train_step_seconds_checkpointed"],
                                         go["train_step_seconds_checkpointed"] / t_go, "same process"))
    for mode in modes:
        r = results[mode]
        if "capped_seconds" in r:
            print("%-36s %10s %10s %12s" % ("pytorch " + mode, "> %.0f" % r["capped_seconds"],
                                             "> %.0f" % (r["capped_seconds"] / t_go), "-"))
            continue
        t = med(r["step_times"])
        r["median_step_seconds"] = t
        r["ratio_to_neuropil"] = t / t_go
        print("%-36s %10.3f %10.1f %12d" % ("pytorch " + mode, t, t / t_go, r["peak_rss_bytes"] >> 20))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
