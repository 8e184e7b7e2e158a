#!/usr/bin/python3
"""Side-by-side speed of neuropil, PyTorch, SciPy and a plain C kernel on the same problems.

Run from the repository root with Debian's interpreter (python3-torch, python3-scipy,
python3-matplotlib):

    /usr/bin/python3 bench/compare.py [--out DIR] [--threads 2] [--quick]

In one run it
  1. builds ../shared/bench/stream.c and spmm_ref.c (gcc -O3 -march=native -fopenmp) and runs them,
  2. generates the tutorial-sized matrix with ../shared/bench/gen_connectome.py,
  3. times the batched product W @ H in PyTorch (CPU, torch.sparse CSR) and SciPy (CSR),
  4. times neuropil (go run ./cmd/neuropil bench --json) on the same sizes,
  5. times a dopri5 forward simulation of the tutorial model in PyTorch and in neuropil,
and prints a table of ratios, writes results.json, and draws time against nonzeros
(1M..50M, batch 8) and against batch size (1..256, default size) into bench.png.

The matrices of the sweeps have the statistics of gen_connectome.py (log-normal in-degree, mean
in-degree 100, uniform presynaptic partners, N(0, 0.1) weights); neuropil draws its own matrix with
the same statistics (connectome.Random), so the two sides multiply matrices of identical shape,
nonzero count and degree distribution, not identical values. Nothing here is copied into the
repository: ../shared/bench is read in place and all generated files go to a temporary directory.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

try:
    import torch
except ImportError:  # the table is still useful without PyTorch
    torch = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
TUTORIAL_N, TUTORIAL_NNZ = 47521, 4623254


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def median_time(f, reps, budget=3.0):
    """Median wall time of f() over up to reps calls after one warm-up (fewer if slow)."""
    f()
    t0 = time.perf_counter()
    f()
    first = time.perf_counter() - t0
    n = max(3, min(reps, int(budget / max(first, 1e-6))))
    ts = [first]
    for _ in range(n - 1):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


# ---------------------------------------------------------------- matrices

def random_csr(n, nnz, seed):
    """n×n CSR, float32 values, int32 indices, log-normal row degrees (sigma 1), like gen_connectome.py."""
    rng = np.random.default_rng(seed)
    raw = rng.lognormal(0.0, 1.0, size=n)
    deg = np.minimum(np.floor(raw / raw.sum() * nnz).astype(np.int64), n)
    rem = nnz - int(deg.sum())
    while rem > 0:
        np.add.at(deg, rng.choice(n, size=rem), 1)
        deg = np.minimum(deg, n)
        rem = nnz - int(deg.sum())
    rows = np.repeat(np.arange(n, dtype=np.int32), deg)
    cols = rng.integers(0, n, size=nnz, dtype=np.int32)
    vals = rng.normal(0.0, 0.1, size=nnz).astype(np.float32)
    w = sp.csr_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float32)  # duplicates summed
    w.sum_duplicates()
    w.indices = w.indices.astype(np.int32)
    w.indptr = w.indptr.astype(np.int32)
    return w


def dump_bin(w, path):
    """The raw layout spmm_ref.c reads: int32 N, nnz, indptr[N+1], indices[nnz], float32 data[nnz]."""
    with open(path, "wb") as f:
        np.array([w.shape[0], w.nnz], dtype=np.int32).tofile(f)
        w.indptr.astype(np.int32).tofile(f)
        w.indices.astype(np.int32).tofile(f)
        w.data.astype(np.float32).tofile(f)


# ---------------------------------------------------------------- tools

def time_scipy(w, batch, reps):
    h = np.random.default_rng(1).random((w.shape[1], batch), dtype=np.float32) - 0.5
    return median_time(lambda: w @ h, reps)


def torch_csr(w, device="cpu"):
    return torch.sparse_csr_tensor(torch.from_numpy(w.indptr.astype(np.int64)),
                                   torch.from_numpy(w.indices.astype(np.int64)),
                                   torch.from_numpy(w.data), size=w.shape).to(device)


def time_torch(w, batch, reps):
    if torch is None:
        return None
    wt = torch_csr(w)
    h = torch.rand(w.shape[1], batch) - 0.5
    with torch.no_grad():
        return median_time(lambda: torch.sparse.mm(wt, h), reps)


def time_c(spmm_ref, path, batch, threads, reps):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="true")
    out = subprocess.run([spmm_ref, path, str(batch), str(reps)], env=env, check=True,
                         capture_output=True, text=True).stdout
    best, variants = None, {}
    for line in out.splitlines():
        if not line.startswith("RESULT"):
            continue
        f = line.split()
        kv = dict(x.split("=", 1) for x in f[3:])
        if int(kv["B"]) != batch:
            continue
        t = float(kv["median_ms"]) / 1e3
        variants[f[2]] = t
        best = t if best is None else min(best, t)
    return best, variants


def neuropil_bench(args, threads):
    cmd = ["go", "run", "./cmd/neuropil", "bench", "--json", "--workers", str(threads)] + args
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True,
                         env=dict(os.environ, GOMAXPROCS=str(threads))).stdout
    return json.loads(out)


def stream(path, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([path], env=env, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "stream triad" in line:
            kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
            return float(kv["median_GBps"])
    raise RuntimeError("stream printed no triad line:\n" + out)


# ------------------------------------------------------ simulation (PyTorch)

# Dormand–Prince 5(4) tableau (Dormand & Prince 1980).
DP_C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1]
DP_A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
        [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
        [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
        [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
DP_B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0]
DP_E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]


def torch_dopri5(w, batch, inputs=784, t1=1.0, rtol=1e-3, atol=1e-6, device="cpu"):
    """The tutorial's forward pass in PyTorch: tau dh/dt = -h + sigmoid(W h + W_ih x), tau = 1, h(0) = 0,
    a constant input image on `inputs` random neurons, adaptive dopri5 (shared step, integral
    controller, first step by Hairer's rule), from 0 to t1. A hand-written loop with no
    per-sample bookkeeping: a lower bound on what torchode spends. On a GPU (device "cuda") the
    time includes the final synchronisation. Returns (seconds, evaluations)."""
    g = torch.Generator().manual_seed(0)
    wt = torch_csr(w, device)
    n = w.shape[0]
    idx = torch.randint(0, n, (inputs,), generator=g)
    x = torch.rand(inputs, batch, generator=g)
    drive = torch.zeros(n, batch).index_add_(0, idx, x).to(device)  # W_ih x, constant in time
    evals = [0]

    def f(h):
        evals[0] += 1
        return torch.sigmoid(torch.sparse.mm(wt, h) + drive) - h

    def norm(v):
        return float(torch.sqrt(torch.mean(v * v)))

    with torch.no_grad():
        t0 = time.perf_counter()
        h = torch.zeros(n, batch, device=device)
        k1 = f(h)
        # first step (Hairer, Nørsett & Wanner, II.4)
        sc = atol + rtol * h.abs()
        d0, d1 = norm(h / sc), norm(k1 / sc)
        dt = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
        d2 = norm((f(h + dt * k1) - k1) / sc) / dt
        dt = min(100 * dt, (0.01 / max(d1, d2)) ** (1 / 5) if max(d1, d2) > 1e-15 else max(1e-6, dt * 1e-3))
        t = 0.0
        while t < t1:
            dt = min(dt, t1 - t)
            k = [k1]
            for s in range(1, 7):
                y = h.clone()
                for j, a in enumerate(DP_A[s]):
                    if a:
                        y.add_(k[j], alpha=dt * a)
                k.append(f(y))
            ynew = y  # stage 7 is evaluated at the 5th-order solution (FSAL)
            err = torch.zeros_like(h)
            for j, e in enumerate(DP_E):
                err.add_(k[j], alpha=dt * e)
            en = norm(err / (atol + rtol * torch.maximum(h.abs(), ynew.abs())))
            if en <= 1:
                t += dt
                h, k1 = ynew, k[6]
            dt *= min(10.0, max(0.2, 0.9 * en ** -0.2)) if en > 0 else 10.0
        if str(device).startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - t0, evals[0]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"), help="where to write bench.png and bench-results.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3, help="turns each tool takes on the default problem (best kept)")
    ap.add_argument("--quick", action="store_true", help="smaller sweeps (for a smoke test)")
    ap.add_argument("--no-plot", action="store_true")
    opt = ap.parse_args()
    if torch is not None:
        torch.set_num_threads(opt.threads)
    tmp = tempfile.mkdtemp(prefix="neuropil-bench-")
    res = {"threads": opt.threads, "rounds": opt.rounds, "torch": torch.__version__ if torch else None,
           "scipy": __import__("scipy").__version__, "numpy": np.__version__}
    try:
        log("building the C reference from", SHARED)
        for name in ("stream", "spmm_ref"):
            subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", os.path.join(SHARED, name + ".c"),
                            "-o", os.path.join(tmp, name), "-lm"], check=True)
        spmm_ref = os.path.join(tmp, "spmm_ref")
        subprocess.run(["/usr/bin/python3", os.path.join(SHARED, "gen_connectome.py"), tmp], check=True,
                       capture_output=True)
        w = sp.load_npz(os.path.join(tmp, "W_random.npz")).tocsr()
        wbin = os.path.join(tmp, "W_random.bin")

        # The default problem: tutorial size, batch 8. The machines are shared and noisy, so the
        # tools take turns for several rounds and each keeps its best median.
        res["loadavg_before"] = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None
        best = {}

        def keep(key, value):
            if value is not None and (key not in best or value < best[key]):
                best[key] = value

        c_variants = {}
        for rnd in range(opt.rounds):
            log("round", rnd + 1, "of", opt.rounds)
            keep("stream_gbps_neg", -stream(os.path.join(tmp, "stream"), opt.threads))
            npb = neuropil_bench(["--batch", "8", "--reps", "50"] + (["--simulate=false"] if rnd else []), opt.threads)
            if rnd == 0:
                res["neuropil_default"] = npb  # with the simulation and the autotune table
            keep("neuropil_ms", npb["spmm_ms"])
            keep("neuropil_bw_neg", -npb["bandwidth_gbps"])
            c, variants = time_c(spmm_ref, wbin, 8, opt.threads, 30)
            keep("c_ms", c * 1e3)
            for k, v in variants.items():
                c_variants[k] = min(v, c_variants.get(k, v))
            keep("torch_ms", time_torch(w, 8, opt.reps) * 1e3 if torch else None)
            keep("scipy_ms", time_scipy(w, 8, opt.reps) * 1e3)
            if torch is not None:
                t, evals = torch_dopri5(w, 8)
                keep("torch_simulate_s", t)
                res["torch_simulate_evals"] = evals
        res.update({k: v for k, v in best.items() if not k.endswith("_neg")})
        res["stream_gbps"], res["neuropil_bw_gbps"] = -best["stream_gbps_neg"], -best["neuropil_bw_neg"]
        res["neuropil_ms"] = best["neuropil_ms"]
        res["c_variants"] = c_variants
        res.setdefault("torch_ms", float("nan"))
        log("neuropil narrow encodings")
        res["narrow"] = []
        for enc in (["--index16"], ["--weights", "bf16"], ["--weights", "f16"], ["--index16", "--weights", "bf16"],
                    ["--index16", "--weights", "f16"]):
            nb = neuropil_bench(["--batch", "8", "--reps", "50", "--bandwidth=false", "--simulate=false"] + enc, opt.threads)
            res["narrow"].append({"options": " ".join(enc), "ms": nb["spmm_ms"], "kernel": nb["kernel"],
                                  "mbytes": nb["spmm_bytes"] / 1e6, "rel_err": nb.get("rel_err_vs_f32")})

        # Sweeps.
        batches = [1, 8, 64] if opt.quick else [1, 2, 4, 8, 16, 32, 64, 128, 256]
        nnzs = [1_000_000, 5_000_000] if opt.quick else [1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000, 50_000_000]
        sweep_b = []
        for b in batches:
            log("batch", b)
            nb = neuropil_bench(["--batch", str(b), "--bandwidth=false", "--simulate=false", "--reps", "20"], opt.threads)
            c, _ = time_c(spmm_ref, wbin, b, opt.threads, 10)
            sweep_b.append({"batch": b, "neuropil_ms": nb["spmm_ms"], "neuropil_kernel": nb["kernel"],
                            "torch_ms": (time_torch(w, b, 10) or float("nan")) * 1e3,
                            "scipy_ms": time_scipy(w, b, 10) * 1e3, "c_ms": c * 1e3})
        sweep_n = []
        for nnz in nnzs:
            n = nnz // 100
            log("nnz", nnz, "neurons", n)
            ws = random_csr(n, nnz, 7)
            path = os.path.join(tmp, "sweep.bin")
            dump_bin(ws, path)
            nb = neuropil_bench(["--neurons", str(n), "--synapses", str(ws.nnz), "--batch", "8",
                                 "--bandwidth=false", "--simulate=false", "--reps", "20"], opt.threads)
            c, _ = time_c(spmm_ref, path, 8, opt.threads, 10)
            sweep_n.append({"nnz": ws.nnz, "neurons": n, "neuropil_ms": nb["spmm_ms"],
                            "torch_ms": (time_torch(ws, 8, 10) or float("nan")) * 1e3,
                            "scipy_ms": time_scipy(ws, 8, 10) * 1e3, "c_ms": c * 1e3})
            del ws
        res["sweep_batch"], res["sweep_nnz"] = sweep_b, sweep_n
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    os.makedirs(opt.out, exist_ok=True)
    with open(os.path.join(opt.out, "bench-results.json"), "w") as f:
        json.dump(res, f, indent=1)
    tab = table(res)
    print(tab)
    with open(os.path.join(opt.out, "bench.md"), "w") as f:
        f.write(PAGE.format(table=tab, when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                            cpu=cpu_name(), torch=res["torch"], scipy=res["scipy"]))
    if not opt.no_plot:
        plot(res, os.path.join(opt.out, "bench.png"))


PAGE = """# Speed: neuropil against PyTorch, SciPy and plain C

Measured {when} on {cpu}, 2 threads, by `bench/compare.py` (PyTorch {torch}, SciPy {scipy},
Debian packages; `gcc -O3 -march=native -fopenmp`). To reproduce, from the repository root with
`../shared/bench` beside it:

```sh
/usr/bin/python3 bench/compare.py            # about 10 minutes; writes docs/bench.md, docs/bench.png, docs/bench-results.json
go run ./cmd/neuropil bench                  # this machine alone: bandwidth, autotune, product, default simulation
go run ./cmd/neuropil bench --json --batch 32 --neurons 200000 --synapses 20000000
```

The script builds `../shared/bench/stream.c` and `spmm_ref.c`, generates the tutorial-sized
matrix with `gen_connectome.py`, and then lets stream, neuropil, the C kernels, PyTorch
(`torch.sparse.mm` on a CSR tensor) and SciPy (`csr_matrix @ ndarray`) take turns on the same
problem. Each keeps its best median, so that a moment of load from another process on a shared
machine does not decide a ratio. The PyTorch simulation is the tutorial's model
(tau dh/dt = -h + sigmoid(W h + W_ih x)) under a hand-written adaptive dopri5 with the same
tolerances and the same 38 right-hand-side evaluations: a lower bound on what torchode spends.
The sweeps use matrices with the statistics of `gen_connectome.py` at mean in-degree 100;
neuropil draws its own with the same statistics (same shape, nonzeros and degree law, not the
same values).

{table}

![time per product against nonzeros and batch size](bench.png)

## What the kernels are

- `avx2-8`: one 256-bit vector holds the batch of 8 of one presynaptic neuron; each synapse is a
  broadcast of its weight and one FMA from memory, in four independent accumulators; the row's
  sum is stored once. `avx512-16`, `avx512-32`, `avx2-16`, `avx2-32` do the same for wider
  batches; `avx512-n` and `avx2-n` take any batch in 16- or 8-lane chunks, the last one under a
  lane mask; `avx2-1` is a 4-accumulator SpMV, `avx512-1` gathers 16 synapses at a time.
- Rows are split into parts of equal nonzeros (in-degrees are skewed), four per thread, claimed
  dynamically by the caller and a team of helper goroutines that spin for a millisecond between
  products, so a solver's next product starts in microseconds.
- `neuropil bench` (and `ProductOptions{{Kernel: "tune"}}`) times every kernel on the actual matrix
  and batch once and keeps the fastest, the analogue of `torch.compile(mode="max-autotune")`.
- Narrow encodings, off by default: `--index16` stores columns as 16-bit offsets within row
  segments (exact), `--weights bf16|f16` rounds the weights once (the error column above).
  They cut the bytes per synapse from 8 to 4; at this size the product is bound by the latency
  of the scattered reads of x more than by bandwidth, so the gain is smaller than the bytes.
"""


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "this machine"


def table(r):
    npb = r["neuropil_default"]
    np_ms = r["neuropil_ms"]
    vec1 = r["c_variants"].get("nb8_vec1", float("nan")) * 1e3
    lines = [
        f"Tutorial-sized connectome ({npb['neurons']} neurons, {npb['synapses']} synapses), batch 8, "
        f"{r['threads']} threads; each tool's best median over {r.get('rounds', 1)} interleaved rounds of one run "
        f"(load average before: {' '.join(r.get('loadavg_before') or [])}):",
        "",
        "| measure | value | neuropil |",
        "| --- | --- | --- |",
        f"| memory bandwidth, STREAM triad (stream.c) | {r['stream_gbps']:.1f} GB/s | in-process triad {r['neuropil_bw_gbps']:.1f} GB/s |",
        f"| neuropil product, kernel {npb['kernel']} | {np_ms:.2f} ms | {npb['spmm_bytes'] / 1e6 / np_ms:.1f} GB/s moved "
        f"({npb['spmm_bytes'] / 1e6 / np_ms / r['stream_gbps'] * 100:.0f}% of STREAM) |",
        f"| plain C kernel nb8_vec1 (spmm_ref.c, the issue's reference) | {vec1:.2f} ms | {vec1 / np_ms:.2f}× as fast |",
        f"| plain C kernel, best variant of spmm_ref.c | {r['c_ms']:.2f} ms | {r['c_ms'] / np_ms:.2f}× as fast |",
        f"| PyTorch {r['torch']} CSR product | {r['torch_ms']:.1f} ms | {r['torch_ms'] / np_ms:.1f}× as fast |",
        f"| SciPy {r['scipy']} CSR product (1 thread) | {r['scipy_ms']:.1f} ms | {r['scipy_ms'] / np_ms:.1f}× as fast |",
    ]
    if "torch_simulate_s" in r:
        sim = npb.get("simulate_seconds")
        ts = r["torch_simulate_s"]
        if sim:
            solve = npb.get("simulate_solve_seconds") or float("nan")
            lines.append(f"| PyTorch dopri5 forward, solve only ({r['torch_simulate_evals']} evaluations) | {ts:.3f} s | "
                         f"solve {solve:.3f} s ({npb.get('simulate_rhs_evals')} evaluations): {ts / solve:.1f}× as fast |")
            lines.append(f"| the same, against the whole default `neuropil simulate` (generate, load MNIST, solve, write, plot) | {ts:.3f} s | "
                         f"{sim:.3f} s: {ts / sim:.1f}× as fast; peak RSS {npb.get('simulate_peak_rss_bytes', 0) / 1e6:.0f} MB |")
        else:
            lines.append(f"| PyTorch dopri5 forward ({r['torch_simulate_evals']} evaluations) | {ts:.3f} s | not measured: {npb.get('simulate_note', '')} |")
    if r.get("narrow"):
        lines += ["", "Narrow encodings (neuropil, batch 8, same run; error: ‖y − y_f32‖₂ / ‖y_f32‖₂):", "",
                  "| options | kernel | MB moved | ms | vs f32 | rel. error |", "| --- | --- | --- | --- | --- | --- |",
                  f"| (none) | {npb['kernel']} | {npb['spmm_bytes'] / 1e6:.1f} | {np_ms:.2f} | 1.00× | 0 |"]
        for n in r["narrow"]:
            lines.append(f"| `{n['options']}` | {n['kernel']} | {n['mbytes']:.1f} | {n['ms']:.2f} | {np_ms / n['ms']:.2f}× | {n['rel_err'] or 0:.1e} |")
    lines += ["", "| batch | neuropil ms | C ms | PyTorch ms | SciPy ms | vs C | vs PyTorch | vs SciPy |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in r["sweep_batch"]:
        lines.append(f"| {s['batch']} | {s['neuropil_ms']:.2f} | {s['c_ms']:.2f} | {s['torch_ms']:.1f} | {s['scipy_ms']:.1f} | "
                     f"{s['c_ms'] / s['neuropil_ms']:.2f}× | {s['torch_ms'] / s['neuropil_ms']:.1f}× | {s['scipy_ms'] / s['neuropil_ms']:.1f}× |")
    lines += ["", "| nonzeros | neurons | neuropil ms | C ms | PyTorch ms | SciPy ms | vs C | vs PyTorch | vs SciPy |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in r["sweep_nnz"]:
        lines.append(f"| {s['nnz'] / 1e6:.0f}M | {s['neurons']} | {s['neuropil_ms']:.2f} | {s['c_ms']:.2f} | {s['torch_ms']:.1f} | {s['scipy_ms']:.1f} | "
                     f"{s['c_ms'] / s['neuropil_ms']:.2f}× | {s['torch_ms'] / s['neuropil_ms']:.1f}× | {s['scipy_ms'] / s['neuropil_ms']:.1f}× |")
    return "\n".join(lines)


def plot(r, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=80)
    styles = [("neuropil_ms", "neuropil", "C0", "o"), ("c_ms", "plain C (spmm_ref.c)", "C7", "s"),
              ("torch_ms", "PyTorch CSR", "C3", "^"), ("scipy_ms", "SciPy CSR (1 thread)", "C2", "v")]
    for ax, key, data, xlabel in ((axes[0], "nnz", r["sweep_nnz"], "nonzeros (mean in-degree 100), batch 8"),
                                  (axes[1], "batch", r["sweep_batch"], "batch size (47,521 neurons, 4.6M synapses)")):
        xs = [d[key] for d in data]
        for k, label, color, m in styles:
            ax.plot(xs, [d[k] for d in data], marker=m, color=color, label=label)
        ax.set_xscale("log", base=10 if key == "nnz" else 2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("time per product (ms)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Batched sparse product, {r['threads']} threads, one run", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    log("wrote", path)


if __name__ == "__main__":
    main()
