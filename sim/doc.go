// Package sim runs one simulation of any model of package model: Run takes
// the model, an input, a readout and solver settings and returns a Result
// with the recorded activity, the output times, the solver's statistics
// and the time the solve took. Package sim knows nothing of what a model
// computes: an ODE model (model.ODE) is integrated by package ode with its
// Derivative as the fused right-hand side (ode.Problem.FBlocks), a discrete
// model (model.Discrete) is stepped once per input frame, and a model with
// discrete events (model.Events) has them applied after every step.
//
// # Layouts
//
// As in packages model and ode, a state is [dim][batch]: variable i of
// sample b at y[i*batch+b]. An input is [frames][batch][inputs], the
// layout of a time-major PyTorch tensor, frame k held over
// [T0 + k·(T1−T0)/frames, T0 + (k+1)·(T1−T0)/frames). The activity a run
// returns is [times][batch][width] (time-first, torchode's layout), or
// [batch][times][width] with Readout.BatchFirst (PyTorch's batch_first),
// where width is what the readout records per sample: every state
// variable, a chosen subset, or the outputs of a projection W_ho h + b.
//
// # Discrete models
//
// A discrete model takes one step per input frame: its output times are
// 1, 2, …, frames, the state after each frame (time counts frames, the
// state at time 0 is the initial one), and its Stats count one
// right-hand-side evaluation and one accepted step per frame and sample.
//
// # Events
//
// Events(y, t) is called after every step with the state and each
// sample's time: after every frame of a discrete model, and for an ODE
// through ode.Problem.Events after every step of a fixed-step or adaptive
// solve (an adaptive one then steps onto the output times, and evaluates
// its first stage anew after events that changed the state). An output
// holds the state after the events of its time.
//
// # Memory
//
// A run holds every state variable at every output time of one solve. When
// the readout records less than the whole state, Settings.MaxValues bounds
// that: the output times are then solved in windows, each starting from
// the last state of the one before. Fixed-step solves are the same whatever
// the windows (steps end on output times anyway); an adaptive solve
// restarts its step size control at each window.
//
// # Runs from files
//
// NetworkConfig describes a run of the connectome ODE RNN (or its discrete
// twin) whose connectome, input and parameters are files, as "neuropil
// simulate" makes it; LoadNetwork reads them and builds the model, and the
// Network runs, summarises and plots itself. Its errors name the settings
// through a Namer, so that a command can name its flags instead of the
// fields. LoadDigits reads a seeded batch of MNIST digits, the default
// input of a run.
package sim
