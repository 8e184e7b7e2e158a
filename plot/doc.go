// Package plot draws the figures of neuropil as PNG files: heat maps of
// connectivity blocks, activity traces over time, learning curves. It uses
// gonum.org/v1/plot (no cgo) and returns errors, never panics, for data it
// cannot draw (empty series, NaN).
package plot
