#!/usr/bin/python3
"""Reference solution of the tutorial's connectome ODE for ode/tutorial_test.go,
made with SciPy (float64 DOP853 at rtol 1e-10, atol 1e-12), independent of
neuropil's solvers:

    tau dh/dt = -h + sigmoid(W h + u),   u = W_ih x + b (constant input drive)

on a small random sparse connectome W (signed weights, COO triplets) for a
batch of samples, each with its own drive u and initial state h0.

Usage: /usr/bin/python3 ode/testdata/gen/tutorial.py   (from the repository root)
Writes ode/testdata/tutorial/*.npy.
"""
import os

import numpy as np
import scipy.integrate
import scipy.sparse

OUT = os.path.join(os.path.dirname(__file__), "..", "tutorial")

NEURONS = 240
BATCH = 3
DENSITY = 0.04
TAU = 0.1          # time constant, the same for all neurons
T0, T1 = 0.0, 1.0
EVALS = 11


def main():
    rng = np.random.default_rng(10)
    w = scipy.sparse.random(NEURONS, NEURONS, density=DENSITY, random_state=rng,
                            data_rvs=lambda k: rng.normal(0, 1, k)).tocoo()
    # Scale the weights so that recurrent input is of order one: about
    # DENSITY*NEURONS synapses per neuron.
    w.data *= 3.0 / np.sqrt(DENSITY * NEURONS)
    u = rng.normal(0, 1.5, (NEURONS, BATCH))          # [neurons][batch]
    h0 = rng.uniform(0, 1, (NEURONS, BATCH))          # [neurons][batch]
    wc = w.tocsr()
    times = np.linspace(T0, T1, EVALS)

    sol = np.empty((EVALS, BATCH, NEURONS))           # [times][batch][neurons]
    for b in range(BATCH):
        def f(t, h):
            return (-h + 1 / (1 + np.exp(-(wc @ h + u[:, b])))) / TAU
        r = scipy.integrate.solve_ivp(f, (T0, T1), h0[:, b], method="DOP853", t_eval=times,
                                      rtol=1e-10, atol=1e-12)
        assert r.success, r.message
        sol[:, b, :] = r.y.T

    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "rows.npy"), w.row.astype(np.int64))
    np.save(os.path.join(OUT, "cols.npy"), w.col.astype(np.int64))
    np.save(os.path.join(OUT, "weights.npy"), w.data.astype(np.float64))
    np.save(os.path.join(OUT, "drive.npy"), u)
    np.save(os.path.join(OUT, "h0.npy"), h0)
    np.save(os.path.join(OUT, "times.npy"), times)
    np.save(os.path.join(OUT, "tau.npy"), np.array([TAU]))
    np.save(os.path.join(OUT, "solution.npy"), sol)


if __name__ == "__main__":
    main()
