// Package analysis probes the optic lobe (package opticlobe) with the
// stimuli of flyvis (Lappalainen et al. 2024) and reads the responses
// through flyvis's analyses, with flyvis's parameters and formulas.
//
// # Flashes
//
// Flash follows flyvis's Flashes dataset and flash_responses: every
// sample starts from the grey steady state (TPre seconds of grey 0.5 from
// the resting potentials, flyvis's steady_state), then shows grey for
// TPre, the flash for TStim and grey for TPre again (alternations 0, 1,
// 0), integrated with explicit Euler at Dt. The flash sets the columns
// within hexagonal distance max(|u|, |v|, |u+v|) <= radius to the
// intensity (radius -1: every column); the rest stay at the baseline 0.5.
// Samples are ordered as flyvis's: (intensity 0, each radius), then
// (intensity 1, each radius). Response frame i is the state after Euler
// step i, at flyvis time i·Dt − TPre.
//
// The flash response index of a cell (flyvis flash_response_index) takes
// the frames with −Dt <= time <= TStim of the ON (intensity 1) and OFF
// (intensity 0) samples of one radius, shifts both by the absolute value
// of their joint minimum, and is (on − off) / (on + off + 1e-16) with on
// and off the peaks of the shifted ON and OFF traces.
//
// # Ensembles
//
// A flyvis ensemble directory (its members 000, 001, ... each a network
// directory with chkpts/) runs every member; fri_ensemble.csv has, per
// radius, the median and the 25th and 75th percentiles over the members
// (numpy's linear quantiles) and every member's FRI.
//
// # Moving edges
//
// MovingEdge follows flyvis's MovingEdge dataset as moving_edge_responses
// configures it (edges 80 LEDs wide and high, offsets −10..10 LEDs of
// 2.25°, 12 directions, intensities 0 and 1 on grey 0.5, speeds 2.4 to 25
// columns of 5.8° per second, t_pre = t_post = 1 s, dt = 1/200 s). Each
// offset is rendered as flyvis's HexEye(721, 25) renders it: the edge
// drawn on a 775×775 monitor, rotated by the direction with PIL's
// bilinear rotation (edge padding to the diagonal, uint8 levels, PIL's
// transposes at 90°, 180°, 270°: grey becomes 127/255 there), and each
// column the mean of the monitor pixels inside its hexagon (EdgeFrames),
// the pixels inside decided in float16 as flyvis's HexEye does (every
// operation of its test rounded to float16 by Half; in float64 2,046 of
// 382,383 pixel-hexagon pairs would differ and a column move by up to
// 0.0063). The frames equal those of a NumPy reimplementation of flyvis's
// rendering with float16 hexagons (testdata/gen/moving_edge_render.py,
// whose hexagons PyTorch's float16 tensors give too) within rounding. The offsets are resampled onto
// int(t_stim/dt) frames with flyvis's float32 linspace (ResampleIndices),
// preceded by grey up to int((t_stim + t_pre)/dt) frames and followed by
// the last offset up to int((t_stim + t_pre + t_post)/dt) frames (flyvis
// pads with NaN beyond that to the slowest speed's length; here each
// speed is its own batch of every (angle, intensity) and stops there).
// Every sample starts from the grey steady state, as for flashes.
//
// The peak response of a cell is the largest rectified response within
// the time the edge passes the central column (EdgeWindow, flyvis
// time_window), and DirectionSelectivity computes flyvis's direction
// selectivity index and preferred direction from the peaks
// [intensity][speed][angle]. Files: dsi.csv, peaks.npy, edges.csv and
// tuning.png (polar plots of T4a–d for ON and T5a–d for OFF edges). An
// ensemble writes every member into its own directory and
// dsi_ensemble.csv (median, quartiles and every member's DSI and
// preferred direction) and tuning_ensemble.png (every member's
// speed-averaged tuning and their median).
//
// # Rest
//
// Rest is not flyvis's: it asks whether the network has a stable rest
// under grey, which every protocol above (and training) assumes when it
// starts a stimulus after TPre seconds of grey. In float64 at batch 1 it
// takes the network from its resting potentials through training's
// 0.5 s of grey (euler at 0.02 s) and reports the largest |dV/dt| there
// (the drift a stimulus starts with), goes on to the steady state (steps
// of 2 ms, up to 40 s), and there measures the largest real part of the
// Jacobian's eigenvalues (power iteration on the adjoint of the
// linearised dynamics, RK4 steps of 5 ms for 10 s) and, for a stable
// rest, the derivative of the sum of the central voltages by each type's
// resting potential (the adjoint's steady state): large where a loop
// amplifies. Files: rest.json (the scalars), rest.csv (per type: the
// central voltage at rest and the sensitivity), rest_state.npy (every
// neuron's voltage at the end) and rest.png (both per type). It warns when the drift is above
// opticlobe.RestDrift or the rest is missing or unstable.
//
// Traces are laid out [samples][frames][cell types] (the central column
// of each type, in type order).
package analysis
