#!/usr/bin/python3
"""Reference spikes of Shiu et al.'s LIF model from Brian2 itself.

Run with Debian's Brian2 2.5.1 (python3-brian), numpy target (no compiler):

    cd lif/testdata && /usr/bin/python3 gen/brian2_lif.py

Writes, beside this directory:
  brian2_net.npz        scipy.sparse CSR W[post, pre] = signed synapse count
  brian2_lif.json       drivers, silenced neurons, trials, seeds
  brian2_input.csv      neuron,t: the deterministic input events (t = step·dt)
  brian2_det.csv        neuron,step: Brian2's spikes for brian2_input.csv
  brian2_poisson.csv    neuron,count: spikes over all Poisson trials

The neuron model, synapses and Poisson input are set up as Shiu's model.py
sets them (NeuronGroup with method='linear' and refractory='rfc', Synapses
with on_pre='g += w' and delay t_dly, PoissonInput with N=1 onto v, rfc=0
for driven neurons). A deterministic input event is a SpikeGeneratorGroup
spike through a Synapses object with on_pre='v += w_syn*f_poi' and no
delay: it lands in the same 'synapses' slot of the same step as a
PoissonInput event.
"""
import json
from textwrap import dedent

import numpy as np
import scipy.sparse as sp
from brian2 import (NeuronGroup, Synapses, PoissonInput, SpikeMonitor, Network,
                    SpikeGeneratorGroup, mV, ms, Hz, prefs, seed, defaultclock)

prefs.codegen.target = 'numpy'

N = 1500
DEG = 80
TRIALS = 10
params = {
    'v_0': -52 * mV, 'v_rst': -52 * mV, 'v_th': -45 * mV, 't_mbr': 20 * ms,
    'tau': 5 * ms, 't_rfc': 2.2 * ms, 't_dly': 1.8 * ms, 'w_syn': .275 * mV,
    'r_poi': 150 * Hz, 'f_poi': 250,
}
eqs = dedent('''
    dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
    dg/dt = -g / tau               : volt (unless refractory)
    rfc                            : second
    ''')


def connectome(rng):
    """Signed counts: log-normal out-degree, heavy-tailed counts, 70 % excitatory."""
    deg = np.minimum(np.round(np.exp(np.log(DEG) - 0.5 + rng.standard_normal(N))).astype(int), N - 1)
    sign = np.where(rng.random(N) < 0.7, 1, -1)
    pre, post, cnt = [], [], []
    for i in range(N):
        tgt = rng.choice(N, size=deg[i], replace=False)
        c = np.minimum(np.ceil((1 - rng.random(deg[i])) ** (-1 / 1.15)), 400).astype(int)
        pre += [i] * deg[i]
        post += list(tgt)
        cnt += list(sign[i] * c)
    return np.array(pre), np.array(post), np.array(cnt)


def build(pre, post, cnt, drivers, silence):
    neu = NeuronGroup(N, eqs, method='linear', threshold='v > v_th',
                      reset='v = v_rst; w = 0; g = 0 * mV', refractory='rfc',
                      namespace=params)
    neu.v = params['v_0']
    neu.g = 0
    neu.rfc = params['t_rfc']
    syn = Synapses(neu, neu, 'w : volt', on_pre='g += w', delay=params['t_dly'])
    syn.connect(i=pre, j=post)
    syn.w = cnt * params['w_syn']
    for k in silence:
        syn.w[f'{k} == i'] = 0 * mV
    for i in drivers:
        neu[i].rfc = 0 * ms
    mon = SpikeMonitor(neu)
    return neu, syn, mon


def deterministic(pre, post, cnt, drivers, silence, rng):
    """One 1-s trial driven by fixed input events (Poisson-like, 150 Hz)."""
    steps = 10000
    ev = [(k, s) for k in range(len(drivers)) for s in np.nonzero(rng.random(steps) < 0.015)[0]]
    idx = np.array([k for k, _ in ev])
    times = np.array([s for _, s in ev]) * 0.1 * ms
    neu, syn, mon = build(pre, post, cnt, drivers, silence)
    gen = SpikeGeneratorGroup(len(drivers), idx, times)
    kick = Synapses(gen, neu, on_pre='v += w_syn*f_poi', namespace=params)
    kick.connect(i=np.arange(len(drivers)), j=np.array(drivers))
    Network(neu, syn, mon, gen, kick).run(1000 * ms)
    with open('brian2_input.csv', 'w') as f:
        f.write('neuron,t\n')
        for k, s in ev:
            f.write(f'{drivers[k]},{s * 1e-4!r}\n')
    steps_of = np.round(np.asarray(mon.t / defaultclock.dt)).astype(int)
    with open('brian2_det.csv', 'w') as f:
        f.write('neuron,step\n')
        for i, s in sorted(zip(np.asarray(mon.i), steps_of), key=lambda x: (x[1], x[0])):
            f.write(f'{i},{s}\n')
    return len(mon.i)


def poisson(pre, post, cnt, drivers):
    counts = np.zeros(N, dtype=int)
    for trial in range(TRIALS):
        seed(100 + trial)
        neu, syn, mon = build(pre, post, cnt, drivers, [])
        pois = [PoissonInput(target=neu[i], target_var='v', N=1, rate=params['r_poi'],
                             weight=params['w_syn'] * params['f_poi']) for i in drivers]
        Network(neu, syn, mon, *pois).run(1000 * ms)
        counts += np.bincount(np.asarray(mon.i), minlength=N)
    with open('brian2_poisson.csv', 'w') as f:
        f.write('neuron,count\n')
        for i in np.nonzero(counts)[0]:
            f.write(f'{i},{counts[i]}\n')
    return counts.sum()


def main():
    rng = np.random.default_rng(13)
    pre, post, cnt = connectome(rng)
    w = sp.csr_matrix((cnt.astype(np.float32), (post, pre)), shape=(N, N))
    sp.save_npz('brian2_net.npz', w, compressed=True)
    drivers = sorted(rng.choice(N, size=60, replace=False).tolist())
    silence = sorted(rng.choice(N, size=5, replace=False).tolist())
    det = deterministic(pre, post, cnt, drivers, silence, rng)
    tot = poisson(pre, post, cnt, drivers)
    with open('brian2_lif.json', 'w') as f:
        json.dump({'neurons': N, 'drivers': drivers, 'silence': silence, 'trials': TRIALS,
                   'brian2': '2.5.1', 'target': 'numpy', 'det_spikes': int(det),
                   'poisson_spikes': int(tot)}, f, indent=1)
    print('deterministic spikes', det, 'poisson spikes', tot)


if __name__ == '__main__':
    main()
