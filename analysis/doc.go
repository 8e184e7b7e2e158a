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
// # Direction selectivity
//
// For moving edges (flyvis's MovingEdge: offsets −10..10 LEDs of 2.25°,
// 12 directions, speeds 2.4 to 25 columns of 5.8° per second) the peak
// response of a cell is the largest rectified response within the time
// the edge passes the central column (EdgeWindow, flyvis time_window),
// and DirectionSelectivity computes flyvis's direction selectivity index
// and preferred direction from the peaks [intensity][speed][angle]. The
// rendering of the edges themselves (flyvis's HexEye render_offset_bars)
// is not in this package yet, so there is no moving-edge run.
//
// Traces are laid out [samples][frames][cell types] (the central column
// of each type, in type order).
package analysis
