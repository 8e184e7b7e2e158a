// Package lif is the leaky integrate-and-fire whole-brain model of Shiu et
// al. (Nature 2024, "A Drosophila computational brain model reveals
// sensorimotor processing"), matching their Brian2 2.5.1 implementation
// step for step:
//
//	dv/dt = (v_0 − v + g)/t_mbr    (unless refractory)
//	dg/dt = −g/tau                 (unless refractory)
//	v > v_th: spike; v = v_rst, g = 0; refractory for t_rfc
//	a spike of i adds w_syn·(Excitatory x Connectivity)[i→j] to g_j after t_dly
//	a Poisson input event adds w_syn·f_poi to v of its target
//
// Units are SI throughout (volts, seconds, hertz), as Brian2 stores them;
// state is float64, as Brian2's.
//
// # Brian2's conventions, reproduced
//
// Each step n (t = n·dt) runs, in Brian2's default schedule:
//
//  1. groups: every neuron's exact ('linear') update over dt, except
//     while refractory, that is while n − lastspike < timestep(t_rfc) =
//     22 steps: then v and g are not written at all;
//  2. thresholds: v > v_th and not refractory spikes, lastspike = n;
//  3. synapses: spikes of step n − round(t_dly/dt) (18 steps) add their
//     weights to g; Poisson events (Bernoulli(r_poi·dt) per step and
//     driven neuron: PoissonInput with N = 1) and replayed input events
//     add w_syn·f_poi to v;
//  4. resets: v = v_rst, g = 0 for the neurons that spiked.
//
// Brian2 makes every write to a variable declared (unless refractory)
// conditional on not_refractory, and the threshold clears not_refractory
// of the neurons that spike: so the input of step 3 is lost, not delayed,
// when it reaches a refractory neuron or one that spiked in the same step.
// Only the reset writes regardless.
//
// Driven neurons (Excite, Excite2, and the targets of Input events) have a
// refractory period of 0, as Shiu's poi() sets it.
//
// # How it is fast
//
// The dynamics are linear between inputs and the rest state (v_0, 0) is a
// fixed point, so a neuron is only touched when it gets input. A quiet
// ("lazy") neuron is held as the two coefficients of the exact solution
// relative to a reference step shared by the trial (lazy.go): an input
// adds to them with factors that depend only on the step, so a delivery
// reads and writes 16 bytes of the target and its refractory step, and no
// neuron is ever advanced in time. After each input a bound on the future
// trajectory, v − v_0 ≤ max(v − v_0, 0) + max(g, 0)·max_t h(t), tells
// whether the neuron can cross the threshold without further input; only
// those ("live") neurons are held as (v, g) and stepped every step, with
// Brian2's own one-step formula, so that threshold crossings happen at the
// same step as in Brian2. Spikes wait in a ring of delay+1 slots; a
// delivery walks one row of the presynaptic-major CSR. Trials are
// independent, each with its own state (20 bytes a neuron, made when the
// trial starts and dropped when it ends), and run in parallel on the
// worker team (internal/team): a spike of one trial rarely coincides with
// the same neuron's spike in another, so a shared pass over the synapses
// (trials as lanes) would not save memory traffic.
//
// t_mbr = tau is not supported (the two exponentials of the solution
// coincide); Validate says so.
//
// # Relation to package model
//
// Sim implements model.Model (Dim = 2 per neuron, v and g; Batch =
// trials). It does not implement model.Discrete or model.Events: its state
// is float64, kept in two forms per neuron, with a spike queue and refractory
// clocks that a [dim][batch] float32 state cannot carry; State exports v
// and g as [neurons][trials] on demand, and Step advances every trial one
// dt.
package lif
