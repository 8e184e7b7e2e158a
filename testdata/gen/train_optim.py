#!/usr/bin/python3
"""Reference trajectories of torch.optim (SGD with momentum, Adam, AdamW)
with gradient-norm clipping and a cosine learning-rate schedule, for
train/optim_test.go. Two parameters (a "sparse" value vector and a dense
one) share the clipping norm.

Usage: /usr/bin/python3 testdata/gen/train_optim.py   (from the repository root)
Writes train/testdata/optim.json.
"""
import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "train", "testdata")

rng = np.random.default_rng(11)
p0 = [rng.normal(0, 1, 7).astype(np.float32), rng.normal(0, 1, 3).astype(np.float32)]
grads = [[rng.normal(0, 2, 7).astype(np.float32), rng.normal(0, 2, 3).astype(np.float32)] for _ in range(4)]
cases = []
for name, make in [
    ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("adam", lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.01)),
    ("adamw", lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.01)),
]:
    ps = [torch.tensor(p, requires_grad=True) for p in p0]
    opt = make(ps)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    traj = []
    for g in grads:
        for p, gv in zip(ps, g):
            p.grad = torch.tensor(gv)
        torch.nn.utils.clip_grad_norm_(ps, max_norm=3.0)
        opt.step()
        sched.step()
        traj.append([p.detach().numpy().astype(float).tolist() for p in ps])
    lr = opt.defaults["lr"]
    cases.append({"method": name, "lr": lr, "traj": traj})
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "optim.json"), "w") as f:
    json.dump({"p0": [p.astype(float).tolist() for p in p0],
               "grads": [[g.astype(float).tolist() for g in gs] for gs in grads],
               "clip": 3.0, "total_steps": 4, "weight_decay": 0.01, "momentum": 0.9, "cases": cases}, f)
