"""Writes a flyvis-shaped checkpoint with non-default parameters and the
central-column response of an independent float64 implementation of
flyvis's dynamics (PPNeuronIGRSynapses, explicit Euler) to a flash
(flash_central.npy), and flyvis's flash protocol with its flash response
indices (flash_fri.npy, flash_on_full.npy); also bad checkpoints (a
missing entry, a pickle naming print). The output directory is a flyvis
network directory of three checkpoints of different val_loss
(chkpts/chkpt_0000{0,1,2}: 0.125, 0.0625, 0.25), and no_val_loss/ one
whose checkpoint lacks val_loss.

Run with Debian's PyTorch 1.13 from the repository root:

    go run ./cmd/neuropil build optic-lobe \
        --spec ../shared/data/flyvis/fib25-fib19_v2.2.json \
        --out /tmp/fv/ol.npz --tables npz
    /usr/bin/python3 opticlobe/testdata/gen/flyvis_checkpoint.py /tmp/fv/ol opticlobe/testdata/flyvis

The edge structure comes from neuropil's tables (its construction is tested
against flyvis separately); the parameter groups, their storage and the
dynamics are rebuilt here from flyvis's definitions:

- groups are numbered by first appearance in the edge list
  (pandas groupby sort=False): sign and syn_strength per (source type,
  target type), syn_count per (source type, target type, dv, du);
- edges_syn_count holds log(n_syn), edges_syn_strength is clamped at 0
  before use, the time constant is max(tau, dt) in the velocity.
"""
import collections
import os
import sys

import numpy as np
import torch

DT, RELAX, DURATION, GREY, FLASH = 0.005, 1.0, 0.5, 0.5, 1.0


class Call:
    """Pickles as a call of builtins.print: a global outside the allow-list."""

    def __reduce__(self):
        return (print, ("unpickled",))


def first_appearance(keys):
    """Group index per element, groups numbered by first appearance."""
    uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inv], first[order]


def main(prefix, out):
    edges = np.load(prefix + ".edges.npz")
    neurons = np.load(prefix + ".neurons.npz")
    pairs = np.load(prefix + ".pairs.npz")
    src, tgt = edges["source"].astype(np.int64), edges["target"].astype(np.int64)
    pair = edges["pair"].astype(np.int64)
    nsyn = edges["n_syn"].astype(np.float64)
    u, v, typ = neurons["u"], neurons["v"], neurons["type"].astype(np.int64)
    names = [n.decode() for n in neurons["type_names"]]
    du, dv = (u[tgt] - u[src]).astype(np.int64), (v[tgt] - v[src]).astype(np.int64)

    pg, pfirst = first_appearance(pair)
    cg, cfirst = first_appearance((pair * 1000 + dv + 500) * 1000 + du + 500)
    count_mean = np.bincount(cg, weights=nsyn) / np.bincount(cg)
    pair_mean = np.bincount(pg, weights=nsyn) / np.bincount(pg)

    rng = np.random.default_rng(15)
    torch.manual_seed(15)
    nt = len(names)
    bias = (0.5 + 0.2 * rng.standard_normal(nt)).astype(np.float32)
    tau = (0.02 + 0.08 * rng.random(nt)).astype(np.float32)
    tau[3] = 0.004  # below dt: flyvis uses max(tau, dt)
    sign = pairs["sign"][pair[pfirst]].astype(np.float32)
    syn_count = (np.log(count_mean) + 0.1 * rng.standard_normal(len(cfirst))).astype(np.float32)
    strength = (0.01 / pair_mean * np.exp(0.3 * rng.standard_normal(len(pfirst)))).astype(np.float32)
    strength[[5, 17]] = -0.001  # flyvis clamps syn_strength at 0

    network = collections.OrderedDict([
        ("nodes_bias", torch.tensor(bias)),
        ("nodes_time_const", torch.tensor(tau)),
        ("edges_sign", torch.tensor(sign)),
        ("edges_syn_count", torch.tensor(syn_count)),
        ("edges_syn_strength", torch.tensor(strength)),
    ])
    params = [torch.nn.Parameter(network[k].clone()) for k in ("nodes_bias", "nodes_time_const", "edges_syn_strength")]
    optim = torch.optim.Adam(params, lr=5e-5)
    sum(p.sum() for p in params).backward()
    optim.step()
    decoder = {"flow": collections.OrderedDict([
        ("base.0.weight", torch.randn(2, 34, 5, 5)), ("base.0.bias", torch.randn(2))])}
    chkpt = {
        "network": network, "decoder": decoder, "optim": optim.state_dict(),
        "time": "Mon Dec  7 04:00:00 2026", "val_loss": np.float64(0.125),
        "iteration": 1234, "dt": 0.02,
    }
    os.makedirs(os.path.join(out, "chkpts"), exist_ok=True)
    torch.save(chkpt, os.path.join(out, "chkpts", "chkpt_00000"))
    # A network directory of three checkpoints: the best (smallest
    # val_loss) is chkpt_00001 (bias + 0.25), the latest chkpt_00002
    # (bias + 0.5).
    for k, (shift, loss) in enumerate([(0.25, 0.0625), (0.5, 0.25)], start=1):
        later = dict(chkpt, iteration=1000 * (k + 1), val_loss=np.float64(loss),
                     network=collections.OrderedDict(network))
        later["network"]["nodes_bias"] = torch.tensor(bias + shift)
        torch.save(later, os.path.join(out, "chkpts", "chkpt_%05d" % k))
    # A network directory whose checkpoint has no val_loss: no best.
    os.makedirs(os.path.join(out, "no_val_loss", "chkpts"), exist_ok=True)
    torch.save({k: v for k, v in chkpt.items() if k != "val_loss"},
               os.path.join(out, "no_val_loss", "chkpts", "chkpt_00000"))
    bad = dict(chkpt, network=collections.OrderedDict(
        (k, t) for k, t in network.items() if k != "edges_syn_count"))
    torch.save(bad, os.path.join(out, "missing_syn_count.pt"))
    torch.save(dict(chkpt, time=Call()), os.path.join(out, "names_a_global.pt"))

    # flyvis dynamics in float64.
    w = sign[pg].astype(np.float64) * np.exp(syn_count[cg].astype(np.float64)) * \
        np.maximum(strength[pg].astype(np.float64), 0)
    restn = bias.astype(np.float64)[typ]
    inputs = np.isin(typ, [names.index("R%d" % k) for k in range(1, 9)])
    central = np.array([np.flatnonzero((typ == k) & (u == 0) & (v == 0))[0] for k in range(nt)])

    col = np.zeros(len(typ), dtype=np.int64)  # column index of each input neuron
    r1 = typ == names.index("R1")
    colidx = {(a, b): k for k, (a, b) in enumerate(zip(u[r1], v[r1]))}
    col[inputs] = [colidx[a, b] for a, b in zip(u[inputs], v[inputs])]

    def step(x, level, dt=DT):
        """One Euler step; level is a scalar or one value per column."""
        cur = np.bincount(tgt, weights=w * np.maximum(x[src], 0), minlength=len(x))
        drive = np.where(inputs, np.broadcast_to(level, (r1.sum(),))[col], 0.0)
        return x + dt / np.maximum(tau.astype(np.float64), dt)[typ] * (-x + restn + cur + drive)

    x = restn.copy()
    for _ in range(round(RELAX / DT)):
        x = step(x, GREY)
    trace = [x[central]]
    for _ in range(round(DURATION / DT)):
        x = step(x, FLASH)
        trace.append(x[central])
    np.save(os.path.join(out, "flash_central.npy"), np.array(trace))
    flash_protocol(step, restn, central, u[inputs_first(typ, names)], v[inputs_first(typ, names)], out)


def inputs_first(typ, names):
    """The R1 neurons: one per column, in column order."""
    return typ == names.index("R1")


def flash_protocol(step, restn, central, cu, cv, out):
    """flyvis's flash_responses (Flashes: grey t_pre, flash t_stim, grey
    t_pre from the grey steady state; radius -1 and 6) and
    flash_response_index, at dt = 1/200, for the central cells."""
    dt, n = 1 / 200, 200
    x0 = restn.copy()
    for _ in range(n):
        x0 = step(x0, GREY)
    disk = np.maximum(np.maximum(abs(cu), abs(cv)), abs(cu + cv)) <= 6
    traces = {}
    for intensity in (0.0, 1.0):
        for radius in (-1, 6):
            level = np.where(disk | (radius == -1), intensity, GREY)
            x, trace = x0.copy(), []
            for seg in (np.full_like(level, GREY), level, np.full_like(level, GREY)):
                for _ in range(n):
                    x = step(x, seg)
                    trace.append(x[central])
            traces[intensity, radius] = np.array(trace)
    time = np.arange(3 * n).astype(float) * dt - 1.0
    win = (-dt <= time) & (time <= 1.0)
    fri = []
    for radius in (-1, 6):
        on, off = traces[1.0, radius][win], traces[0.0, radius][win]
        lo = np.minimum(on.min(axis=0), off.min(axis=0))
        on, off = on + np.abs(lo), off + np.abs(lo)
        pon, poff = on.max(axis=0), off.max(axis=0)
        fri.append([(pon - poff) / (pon + poff + 1e-16), pon + poff])
    # [radius][FRI, its denominator on + off][types]: the denominator
    # bounds how far float32 voltages may move an FRI.
    np.save(os.path.join(out, "flash_fri.npy"), np.array(fri))
    np.save(os.path.join(out, "flash_on_full.npy"), traces[1.0, -1].astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
