#!/usr/bin/python3
"""Brian2 against neuropil on Shiu et al.'s whole-brain LIF model, same protocol, one run.

Run from the repository root with Debian's interpreter (python3-brian 2.5.1, gcc, Cython):

    /usr/bin/python3 bench/lif_brian2.py [--trials 30] [--regimes low,high] [--keep DIR]

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
     the cython target, runs 0.1 ms to compile, then times one 1-s trial. The driven neurons get
     their Poisson input from one PoissonGroup through one-to-one Synapses (on_pre='v += w_syn*f_poi',
     no delay) instead of one PoissonInput per neuron as in Shiu's model.py: the same process
     (Bernoulli(r_poi*dt) per step, landing in the same step's synapses slot, dropped while
     refractory) with one code object instead of thousands to compile;
  4. prints per-trial seconds of both and their ratio, and writes lif_brian2.json.

Brian2 runs one trial (one process, as each of Shiu's joblib workers does); neuropil's per-trial
time is sim_seconds/trials with the trials run in parallel on all cores, and a 1-trial run is
reported too. Timings on a shared machine are noisy: the script prints the load average.
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
    setup = time.time() - t0
    t1 = time.time()
    net.run(1000 * ms)
    run = time.time() - t1
    return {'setup_seconds': setup, 'run_seconds': run, 'spikes': int(mon.num_spikes)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--trials', type=int, default=30)
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
    for regime in args.regimes.split(','):
        excite = os.path.join(d, {'low': 'excite.txt', 'high': 'excite_high.txt'}[regime])
        one = neuropil(binary, d, excite, 1)
        many = neuropil(binary, d, excite, args.trials)
        b = brian2(d, excite)
        per_trial = many['sim_seconds'] / args.trials
        r = {'neuropil_1_trial': one, f'neuropil_{args.trials}_trials': many, 'brian2_1_trial': b,
             'neuropil_seconds_per_trial': per_trial,
             'ratio_1_trial': b['run_seconds'] / one['sim_seconds'],
             'ratio_per_trial': b['run_seconds'] / per_trial}
        results['regimes'][regime] = r
        print(f"{regime:5s} Brian2 (cython) {b['run_seconds']:8.2f} s/trial, {b['spikes']} spikes "
              f"(setup {b['setup_seconds']:.0f} s) | neuropil 1 trial {one['sim_seconds']:.3f} s, "
              f"{one['spikes']} spikes | {args.trials} trials {many['sim_seconds']:.3f} s = "
              f"{per_trial * 1e3:.1f} ms/trial, load {many['load_seconds']:.1f} s, "
              f"peak RSS {many['peak_rss_bytes'] / 2**20:.0f} MiB | ratio {r['ratio_1_trial']:.0f}x "
              f"(1 trial), {r['ratio_per_trial']:.0f}x (per trial, {args.trials} trials)", flush=True)
    results['load_average_end'] = os.getloadavg()
    with open(os.path.join(d, 'lif_brian2.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print('load average', results['load_average'], '->', results['load_average_end'])
    print('results in', os.path.join(d, 'lif_brian2.json'))


if __name__ == '__main__':
    main()
