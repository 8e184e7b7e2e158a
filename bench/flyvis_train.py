#!/usr/bin/python3
"""Side-by-side timing of one training iteration of the optic lobe on the
flow task as flyvis's defaults define it: batch 4, 19 frames at dt = 0.02
(one explicit Euler step per frame) from the steady state, the decoder
(DecoderGAVP, shape [8, 2], kernel 5: hexagonal 5x5 convolution, BatchNorm,
Softplus, Dropout 0.5, hexagonal convolution to 3 channels, the flow the
first two divided by softplus(third) + 1), the l2norm loss, backward
(retain_graph, as flyvis's solver), the Adam step of network and decoder,
then flyvis's activity penalty (config/penalizer: central nodes' mean over
frames n_frames//4 on, asymmetric weights 1 below and 0.1 above the
baseline 5, times 0.1) backward and its SGD step on nodes_bias, and the
clamps (flyvis/solver.py, MultiTaskSolver.train's handle_batch and
Penalty.activity_penalty_step). The network is the independent PyTorch
implementation of flyvis's Network in bench/flyvis_flash.py (gather of the
sources' relu activity, weight = sign * exp(syn_count) * clamp(strength,
0) per edge computed once per forward with gradients, scatter_add onto the
targets), here with its parameters trainable (nodes_bias,
nodes_time_const, edges_syn_strength).

The steady state (0.5 s of grey, 25 steps, under no_grad, from the
resting potentials) is timed apart: flyvis's solver computes it once per
epoch, not per iteration, so iteration_seconds leaves it out (on both
sides); iteration_with_steady_seconds adds it. The batches are random
tensors made beforehand (flyvis reads Sintel from its dataloader outside
handle_batch); neuropil's iteration includes generating its data, and its
iteration_without_data_seconds leaves that out, like for like.

Usage, from the repository root (the PyTorch side alone prints JSON):

  go build -o /tmp/neuropil ./cmd/neuropil
  /usr/bin/python3 bench/flyvis_train.py /tmp/neuropil ../shared/data/flyvis/fib25-fib19_v2.2.json \\
      opticlobe/testdata/flyvis/chkpts/chkpt_00000 [--iters 5] [--go-steps 5] [--rounds 2] [--torch-only]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flyvis_flash import parser, tables  # noqa: E402

DT, FRAMES, BATCH, T_PRE, EXTENT = 0.02, 19, 4, 0.5, 15
PEN = dict(weight=0.1, baseline=5.0, below=1.0, above=0.1)


class Network(torch.nn.Module):
    """flyvis's Network with trainable parameters on neuropil's tables."""

    def __init__(self, t):
        super().__init__()
        net = t["net"]
        self.t = t
        self.bias = torch.nn.Parameter(net["nodes_bias"].clone().float())
        self.tau = torch.nn.Parameter(net["nodes_time_const"].clone().float())
        self.strength = torch.nn.Parameter(net["edges_syn_strength"].clone().float())
        self.sign, self.count = net["edges_sign"].float(), net["edges_syn_count"].float()

    def forward(self, lum, x0):
        """lum (samples, frames, columns), x0 (samples, nodes): the states
        after each frame, (samples, frames, nodes)."""
        t = self.t
        # gathered before the clamps, so that the graph holds no parameter
        # itself: the penalty's backward runs after the Adam step (as flyvis's)
        w = self.sign[t["pg"]] * self.count.exp()[t["cg"]] * self.strength[t["pg"]].clamp(min=0)
        tau = self.tau[t["typ"]].clamp(min=DT)
        bias = self.bias[t["typ"]]
        tgt = t["tgt"].expand(x0.shape[0], -1)
        x, out = x0, []
        for f in range(lum.shape[1]):
            stim = torch.zeros_like(x)
            stim[:, t["inputs"]] = lum[:, f][:, t["incol"]]
            cur = torch.zeros_like(x).scatter_add(-1, tgt, w * torch.relu(x[:, t["src"]]))
            x = x + DT / tau * (-x + bias + cur + stim)
            out.append(x)
        return torch.stack(out, 1)

    def steady(self, batch):
        """0.5 s of grey from the resting potentials, under no_grad."""
        with torch.no_grad():
            x0 = self.bias[self.t["typ"]][None].expand(batch, -1).clone()
            grey = torch.full((batch, int(round(T_PRE / DT)), len(self.t["r1"])), 0.5)
            return self.forward(grey, x0)[:, -1]

    def clamp(self):
        with torch.no_grad():
            self.strength.clamp_(min=0)
            self.tau.clamp_(min=DT)


def hexmask(k):
    r = k // 2
    m = torch.zeros(k, k)
    for du in range(-r, r + 1):
        for dv in range(-r, r + 1):
            if abs(du + dv) <= r:
                m[du + r, dv + r] = 1
    return m


class Decoder(torch.nn.Module):
    """flyvis's DecoderGAVP, shape [8, 2], kernel 5, const_weight 0.001."""

    def __init__(self, t, hidden=8, k=5, p=0.5, const=0.001):
        super().__init__()
        outs = ["T1", "T2", "T2a", "T3", "T4a", "T4b", "T4c", "T4d", "T5a", "T5b", "T5c", "T5d", "Tm1", "Tm2", "Tm3",
                "Tm4", "Tm5Y", "Tm5a", "Tm5b", "Tm5c", "Tm9", "Tm16", "Tm20", "Tm28", "Tm30", "TmY3", "TmY4", "TmY5a",
                "TmY9", "TmY10", "TmY13", "TmY14", "TmY15", "TmY18"]
        ncol = len(t["r1"])
        idx = np.zeros((len(outs), ncol), dtype=np.int64)
        for ch, name in enumerate(outs):
            for i in np.flatnonzero(t["ntype"] == t["names"].index(name)):
                idx[ch, t["col"][t["u"][i], t["v"][i]]] = i
        self.idx = torch.tensor(idx)
        self.hu = torch.tensor(t["u"][t["r1"]] + EXTENT)
        self.hv = torch.tensor(t["v"][t["r1"]] + EXTENT)
        self.side = 2 * EXTENT + 1
        self.conv1 = torch.nn.Conv2d(len(outs), hidden, k, padding=k // 2)
        self.bn = torch.nn.BatchNorm2d(hidden)
        self.drop = torch.nn.Dropout(p)
        self.conv2 = torch.nn.Conv2d(hidden, 3, k, padding=k // 2)
        for c in (self.conv1, self.conv2):
            torch.nn.init.constant_(c.weight, const)
            torch.nn.init.constant_(c.bias, const)
        self.register_buffer("mask", hexmask(k))

    def forward(self, act):
        """act (samples, frames, nodes): the flow (samples, frames, 2, columns)."""
        s, f, _ = act.shape
        x = F.relu(act[:, :, self.idx])  # (samples, frames, channels, columns)
        xm = torch.zeros(s, f, x.shape[2], self.side, self.side)
        xm[:, :, :, self.hu, self.hv] = x
        xm = xm.view(s * f, x.shape[2], self.side, self.side)
        z = F.conv2d(xm, self.conv1.weight * self.mask, self.conv1.bias, padding=self.conv1.padding)
        z = self.drop(F.softplus(self.bn(z)))
        z = F.conv2d(z, self.conv2.weight * self.mask, self.conv2.bias, padding=self.conv2.padding)
        z = z[:, :2] / (F.softplus(z[:, 2:]) + 1)
        return z.view(s, f, 2, self.side, self.side)[:, :, :, self.hu, self.hv]


def l2norm(est, gt):
    return ((est - gt) ** 2).sum(dim=(1, 2, 3)).sqrt().mean()


def penalty(act, central):
    m = act[:, act.shape[1] // 4:, central].mean(dim=1)
    d = PEN["baseline"] - m
    w = torch.where(d > 0, PEN["below"] * d, PEN["above"] * d)
    return PEN["weight"] * (w ** 2).mean()


def torch_train(prefix, chkpt, iters, lr=5e-5):
    t = tables(prefix, chkpt)
    torch.manual_seed(0)
    net, dec = Network(t), Decoder(t)
    central = [np.flatnonzero((t["ntype"] == k) & (t["u"] == 0) & (t["v"] == 0))[0] for k in range(len(t["names"]))]
    opt = torch.optim.Adam([dict(params=net.parameters()), dict(params=dec.parameters())], lr=lr)
    pen_opt = torch.optim.SGD([net.bias], lr=lr)
    ncol = len(t["r1"])
    g = torch.Generator().manual_seed(1)
    data = [(torch.rand(BATCH, FRAMES, ncol, generator=g), 0.1 * torch.randn(BATCH, FRAMES, 2, ncol, generator=g))
            for _ in range(iters + 1)]
    times, steady, fwd, bwd, cpu = [], [], [], [], []
    for it, (lum, flow) in enumerate(data):
        t0 = time.perf_counter()
        x0 = net.steady(BATCH)
        t1, c1 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        act = net(lum, x0)
        loss = l2norm(dec(act), flow)
        t2 = time.perf_counter()
        loss.backward(retain_graph=True)
        t3 = time.perf_counter()
        opt.step()
        pen_opt.zero_grad()
        penalty(act, central).backward()
        pen_opt.step()
        net.clamp()
        t4, c4 = time.perf_counter(), time.process_time()
        if it > 0:  # the first is a warm-up
            cpu.append(c4 - c1)
            steady.append(t1 - t0)
            times.append(t4 - t1)
            fwd.append(t2 - t1)
            bwd.append(t3 - t2)
    med = lambda x: float(np.median(x))  # noqa: E731
    return dict(implementation="PyTorch %s, CPU" % torch.__version__, threads=torch.get_num_threads(),
                iterations_timed=iters, iteration_seconds=med(times), iteration_min_seconds=min(times),
                iteration_cpu_seconds=med(cpu),
                steady_state_seconds=med(steady), iteration_with_steady_seconds=med(np.add(times, steady)),
                forward_seconds=med(fwd), backward_seconds=med(bwd), loss=float(loss),
                projected_250k_hours=250000 * med(times) / 3600)


def main():
    torch.set_num_threads(os.cpu_count())
    ap = parser()
    ap.add_argument("--iters", type=int, default=5, help="timed PyTorch iterations per round (after one warm-up)")
    ap.add_argument("--go-steps", type=int, default=5, help="timed neuropil steps per round (after one warm-up)")
    ap.add_argument("--rounds", type=int, default=1, help="alternate rounds: neuropil, PyTorch, neuropil, ...")
    ap.add_argument("--torch-only", action="store_true", help="only the PyTorch side, as JSON")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([a.neuropil, "build", "optic-lobe", "--spec", a.spec, "--out", os.path.join(d, "ol.npz"),
                        "--tables", "npz"], check=True, capture_output=True)
        if a.torch_only:
            print(json.dumps(torch_train(os.path.join(d, "ol"), a.chkpt, a.iters), indent=2))
            return
        rounds = []
        for _ in range(a.rounds):
            r = subprocess.run([a.neuropil, "bench", "--train", "--model", "optic-lobe", "--spec", a.spec, "--json",
                                "--steps", str(a.go_steps)], check=True, capture_output=True, text=True)
            rounds.append((json.loads(r.stdout), torch_train(os.path.join(d, "ol"), a.chkpt, a.iters)))
    print(json.dumps([dict(neuropil=go, pytorch=pt) for go, pt in rounds], indent=2))
    go, pt = rounds[0]
    print("torch threads %d, GOMAXPROCS %d (%d CPUs); %d alternate rounds" % (
        pt["threads"], go["gomaxprocs"], os.cpu_count(), len(rounds)))
    for k, (go, pt) in enumerate(rounds):
        print("round %d: neuropil %.3f s (processor %.3f s; steady state %.3f s), PyTorch %.3f s (processor %.3f s;"
              " steady state %.3f s) per iteration" % (
                  k, go["iteration_seconds"], go["iteration_cpu_seconds"], go["steady_state_seconds"],
                  pt["iteration_seconds"], pt["iteration_cpu_seconds"], pt["steady_state_seconds"]))
        print("  ratio PyTorch / neuropil: %.1fx wall, %.1fx processor time, %.1fx with the steady state every"
              " iteration" % (pt["iteration_seconds"] / go["iteration_seconds"],
                              pt["iteration_cpu_seconds"] / go["iteration_cpu_seconds"],
                              pt["iteration_with_steady_seconds"] / (go["iteration_seconds"] + go["steady_state_seconds"])))
        print("  like for like (neuropil less its batch's generation, %.3f s, as PyTorch's batches are drawn"
              " beforehand): %.1fx wall" % (go["iteration_without_data_seconds"],
                                           pt["iteration_seconds"] / go["iteration_without_data_seconds"]))
        print("  250,000 iterations: neuropil %.1f h, PyTorch %.1f h on these cores" % (
            go["projected_250k_hours"], pt["projected_250k_hours"]))


if __name__ == "__main__":
    main()
