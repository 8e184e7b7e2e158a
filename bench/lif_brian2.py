#!/usr/bin/python3
"""Brian2 against neuropil on Shiu et al.'s whole-brain LIF model, same protocol, one run.

Run from the repository root with Debian's interpreter (python3-brian 2.5.1, gcc, Cython):

    /usr/bin/python3 bench/lif_brian2.py [--trials 30] [--reps 3] [--regimes low,high] [--keep DIR]

It
  1. builds the lif test binary (go test -c ./lif) and exports the built-in synthetic whole brain
     (138,639 neurons, 15,091,983 connections) with TestExportBrain: Connectivity.parquet and
     Completeness.csv in Shiu's layout, the same connections as raw int32 arrays for Brian2 (pandas
     cannot read parquet without pyarrow, which Debian does not ship), and the two excitations:
     low = DefaultExcite (21 neurons), high = HighExcite (2,000 neurons), both at r_poi = 150 Hz;
  2. for each regime, runs neuropil through lif.Run (TestRunFromEnv: parquet load, the trials, all
     output files) and reads its summary (sim_seconds, load_seconds, spikes);
  3. builds Shiu's Brian2 model on the same connections (NeuronGroup method='linear',
     refractory='rfc', Synapses on_pre='g += w' with delay t_dly, rfc = 0 for driven neurons) with
     the cython target, runs 0.1 ms to compile, then times 1 s of simulation, --reps times, each
     run alternated with neuropil's runs (min and median reported). The driven neurons get
     their Poisson input from one PoissonGroup through one-to-one Synapses (on_pre='v += w_syn*f_poi',
     no delay) instead of one PoissonInput per neuron as in Shiu's model.py: the same process
     (Bernoulli(r_poi*dt) per step, landing in the same step's synapses slot, dropped while
     refractory) with one code object instead of thousands to compile;
  4. prints per-trial seconds of both and their ratios, and writes lif_brian2.json.

Brian2 runs one trial (one process, as each of Shiu's joblib workers does; its later seconds
continue the same network, whose activity is stationary); neuropil's per-trial time is
sim_seconds/trials with the trials run in parallel on all cores, and a 1-trial run is reported
too. Timings on a shared machine are noisy: the script prints the load average.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def go_test(binary, run, env):
    e = dict(os.environ, **env)
    out = subprocess.run([binary, '-test.run', f'^{run}$', '-test.v', '-test.timeout', '60m'],
                         cwd=os.path.join(ROOT, 'lif'), env=e, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f'{run} failed:\n{out.stdout}\n{out.stderr}')
    return out.stdout


def neuropil(binary, d, excite, trials):
    out = go_test(binary, 'TestRunFromEnv', {
        'NEUROPIL_LIF_RUN': d, 'NEUROPIL_LIF_EXCITE': excite,
        'NEUROPIL_LIF_TRIALS': str(trials), 'NEUROPIL_LIF_OUT': os.path.join(d, f'out{trials}')})
    line = next(l for l in out.splitlines() if l.startswith('summary: '))
    return json.loads(line[len('summary: '):])


def brian2(d, excite_file):
    """Shiu's model on the exported connections; returns the network, its monitor, setup seconds."""
    from brian2 import (NeuronGroup, Synapses, PoissonGroup, SpikeMonitor, Network,
                        mV, ms, Hz, prefs)
    prefs.codegen.target = 'cython'
    params = {'v_0': -52 * mV, 'v_rst': -52 * mV, 'v_th': -45 * mV, 't_mbr': 20 * ms,
              'tau': 5 * ms, 't_rfc': 2.2 * ms, 't_dly': 1.8 * ms, 'w_syn': .275 * mV,
              'r_poi': 150 * Hz, 'f_poi': 250}
    eqs = '''
    dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
    dg/dt = -g / tau               : volt (unless refractory)
    rfc                            : second
    '''
    ids = np.loadtxt(os.path.join(d, 'Completeness.csv'), delimiter=',', skiprows=1, usecols=0,
                     dtype=np.int64)
    index = {v: i for i, v in enumerate(ids)}
    exc = [index[int(x)] for x in open(excite_file).read().split()]
    pre = np.fromfile(os.path.join(d, 'pre.i32'), dtype='<i4')
    post = np.fromfile(os.path.join(d, 'post.i32'), dtype='<i4')
    cnt = np.fromfile(os.path.join(d, 'count.i32'), dtype='<i4')
    t0 = time.time()
    neu = NeuronGroup(len(ids), eqs, method='linear', threshold='v > v_th',
                      reset='v = v_rst; w = 0; g = 0 * mV', refractory='rfc', namespace=params)
    neu.v = params['v_0']
    neu.g = 0
    neu.rfc = params['t_rfc']
    neu.rfc[exc] = 0 * ms
    syn = Synapses(neu, neu, 'w : volt', on_pre='g += w', delay=params['t_dly'])
    syn.connect(i=pre, j=post)
    syn.w = cnt * params['w_syn']
    pg = PoissonGroup(len(exc), params['r_poi'])
    kick = Synapses(pg, neu, on_pre='v += w_syn*f_poi', namespace=params)
    kick.connect(i=np.arange(len(exc)), j=np.array(exc))
    mon = SpikeMonitor(neu)
    net = Network(neu, syn, pg, kick, mon)
    net.run(0.1 * ms)  # code generation and compilation
    return net, mon, time.time() - t0


def brian2_second(net, mon):
    """Times one more simulated second of the Brian2 network; returns (seconds, spikes)."""
    from brian2 import ms
    n0 = mon.num_spikes
    t = time.time()
    net.run(1000 * ms)
    return time.time() - t, int(mon.num_spikes - n0)


def regime(binary, d, name, trials, reps):
    excite = os.path.join(d, {'low': 'excite.txt', 'high': 'excite_high.txt'}[name])
    net, mon, setup = brian2(d, excite)
    one, many, b = [], [], []
    for _ in range(reps):  # alternated, so that the machine's load falls on both sides alike
        one.append(neuropil(binary, d, excite, 1))
        b.append(brian2_second(net, mon))
        many.append(neuropil(binary, d, excite, trials))
    bt = sorted(x[0] for x in b)
    t1 = sorted(x['sim_seconds'] for x in one)
    tn = sorted(x['sim_seconds'] / trials for x in many)
    med = lambda v: v[len(v) // 2]
    r = {'brian2_setup_seconds': setup, 'brian2_seconds': bt, 'brian2_spikes': [x[1] for x in b],
         'neuropil_1_trial_seconds': t1, 'neuropil_spikes_1_trial': one[0]['spikes'],
         f'neuropil_per_trial_seconds_{trials}_trials': tn, 'neuropil_summary': many[0],
         'ratio_1_trial_min': bt[0] / t1[0], 'ratio_1_trial_median': med(bt) / med(t1),
         'ratio_per_trial_min': bt[0] / tn[0], 'ratio_per_trial_median': med(bt) / med(tn)}
    print(f"{name:5s} Brian2 (cython) {bt[0]:.2f} s/trial (min of {reps}, median {med(bt):.2f}), "
          f"{b[0][1]} spikes, setup {setup:.0f} s | neuropil 1 trial {t1[0] * 1e3:.0f} ms "
          f"(median {med(t1) * 1e3:.0f}), {one[0]['spikes']} spikes | {trials} trials "
          f"{tn[0] * 1e3:.1f} ms/trial (median {med(tn) * 1e3:.1f}), load {many[0]['load_seconds']:.1f} s, "
          f"peak RSS {many[0]['peak_rss_bytes'] / 2**20:.0f} MiB | ratio (min, median): "
          f"1 trial {r['ratio_1_trial_min']:.0f}x, {r['ratio_1_trial_median']:.0f}x; per trial of {trials} "
          f"{r['ratio_per_trial_min']:.0f}x, {r['ratio_per_trial_median']:.0f}x", flush=True)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--trials', type=int, default=30)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--regimes', default='low,high')
    ap.add_argument('--keep', help='keep the exported files in this directory')
    args = ap.parse_args()
    d = args.keep or tempfile.mkdtemp(prefix='lif_brian2_')
    os.makedirs(d, exist_ok=True)
    binary = os.path.join(d, 'lif.test')
    subprocess.run(['go', 'test', '-c', '-o', binary, './lif'], cwd=ROOT, check=True)
    if not os.path.exists(os.path.join(d, 'Connectivity.parquet')):
        go_test(binary, 'TestExportBrain', {'NEUROPIL_LIF_EXPORT': d})
    results = {'load_average': os.getloadavg(), 'cpus': os.cpu_count(), 'regimes': {}}
    for name in args.regimes.split(','):
        results['regimes'][name] = regime(binary, d, name, args.trials, args.reps)
    results['load_average_end'] = os.getloadavg()
    with open(os.path.join(d, 'lif_brian2.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print('load average', results['load_average'], '->', results['load_average_end'])
    print('results in', os.path.join(d, 'lif_brian2.json'))


if __name__ == '__main__':
    main()
