package opticlobe

import (
	"fmt"
	"math"
	"strings"

	"github.com/neuropil/neuropil/plot/hexplot"
	"gonum.org/v1/plot/vg"
)

// Nearest returns the index of the output time nearest t on the evenly
// spaced times of Simulate; the last for NaN.
func (r *Result) Nearest(t float64) int {
	k := len(r.Times) - 1
	if math.IsNaN(t) || k < 1 {
		return k
	}
	if dt := r.Times[1] - r.Times[0]; dt > 0 {
		k = max(0, min(k, int(math.Round((t-r.Times[0])/dt))))
	}
	return k
}

// Trace returns the voltage of neuron i (a neuron of the network, which
// must be recorded) in sample b over all output times.
func (r *Result) Trace(i, b int) ([]float32, error) {
	j := -1
	for p, q := range r.Record {
		if q == i {
			j = p
			break
		}
	}
	if j < 0 {
		return nil, fmt.Errorf("opticlobe: neuron %d was not recorded", i)
	}
	out := make([]float32, len(r.Times))
	for k := range out {
		out[k] = r.At(k, b)[j]
	}
	return out, nil
}

// PlotTypes writes a PNG of hexagonal maps, one per named cell type, of the
// voltages v, [neurons] (e.g. Result.At(k, b) of a run that recorded every
// neuron). An unknown type name is an error listing the known ones.
func (net *Network) PlotTypes(path, title string, v []float32, types []string) error {
	if len(v) != net.Neurons() {
		return fmt.Errorf("opticlobe: %d voltages for %d neurons (record every neuron to plot maps)", len(v), net.Neurons())
	}
	var panels []hexplot.Panel
	for _, name := range types {
		s, e, ok := net.TypeNeurons(name)
		if !ok {
			return fmt.Errorf("opticlobe: unknown cell type %q (known: %s)", name, strings.Join(net.Conn.TypeNames, ", "))
		}
		panels = append(panels, hexplot.Panel{Title: name, Unit: "voltage (a.u.)", U: net.U[s:e], V: net.V[s:e], Values: v[s:e]})
	}
	cols := min(len(panels), 4)
	return hexplot.Maps(path, title, panels, cols, 2.5*vg.Inch)
}

// PlotCentral writes a PNG of the voltage of the central-column neuron of
// every cell type over time, one panel per type labelled by its name, for
// sample b of res, each panel scaled to its own trace. Every central neuron (Network.Central) must have been
// recorded.
func (net *Network) PlotCentral(path, title string, res *Result, b int) error {
	var traces []hexplot.Trace
	for k, i := range net.Central() {
		if i < 0 {
			continue
		}
		y, err := res.Trace(i, b)
		if err != nil {
			return fmt.Errorf("opticlobe: central %s: %w", net.Conn.TypeNames[k], err)
		}
		traces = append(traces, hexplot.Trace{Title: net.Conn.TypeNames[k], Y: y})
	}
	return hexplot.Traces(path, title, res.Times, traces, 8, "time (s)", "voltage (a.u.)", 2*vg.Inch, false)
}
