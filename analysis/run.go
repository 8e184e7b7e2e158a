package analysis

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/neuropil/neuropil/opticlobe"
)

// Analyses are the names RunAnalysis knows, with a one-line description.
func Analyses() map[string]string {
	return map[string]string{
		"flash":       "flyvis's ON/OFF flashes (full field and radius 6) and flash response indices",
		"moving-edge": "flyvis's ON/OFF edges in 12 directions at 6 speeds: peak responses, DSI, preferred directions",
		"rest":        "the network at rest under grey: drift after training's 0.5 s, steady state, slowest mode, sensitivity to the resting potentials",
	}
}

// Job is one analysis run from the command line.
type Job struct {
	Spec, Params, Out string // flyvis description; parameters (opticlobe.LoadParams; "": initial values); output directory
	Extent            int    // 0: opticlobe.DefaultExtent
	Workers           int
	Warn              io.Writer // the analyses' warnings, one a line (nil: none)
	choice            string    // the checkpoint each ensemble member runs (opticlobe.SplitParams: "", latest, N)
}

// memberParams is the --params of an ensemble member: its directory with
// the ensemble's checkpoint choice.
func (j Job) memberParams(member string) string {
	if j.choice == "" {
		return member
	}
	return member + "@" + j.choice
}

// RunAnalysis builds the network of j.Spec with j.Params, runs the
// analysis called name and writes its files into j.Out (created), and
// returns the paths written. For a flyvis ensemble directory
// (EnsembleMembers; ENSEMBLE@latest or @N chooses each member's
// checkpoint as for a network directory) it runs every member into j.Out/NAME and writes the
// ensemble's table and figure beside them.
func RunAnalysis(name string, j Job) ([]string, error) {
	if _, ok := Analyses()[name]; !ok {
		return nil, fmt.Errorf("analysis: unknown analysis %q (known: flash, moving-edge, rest)", name)
	}
	if j.Spec == "" || j.Out == "" {
		return nil, fmt.Errorf("analysis: --spec and --out are required")
	}
	if j.Extent == 0 {
		j.Extent = opticlobe.DefaultExtent
	}
	net, err := opticlobe.BuildFile(j.Spec, j.Extent)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(j.Out, 0o755); err != nil {
		return nil, err
	}
	base, choice := opticlobe.SplitParams(j.Params)
	if members := EnsembleMembers(base); len(members) > 0 {
		j.choice = choice
		if name == "rest" {
			return restEnsemble(net, members, j)
		}
		if name == "moving-edge" {
			return edgeEnsemble(net, members, j, EdgeSettings{Workers: j.Workers})
		}
		return flashEnsemble(net, members, j)
	}
	var p *opticlobe.Params
	if j.Params != "" {
		q, err := opticlobe.LoadParams(net, j.Params)
		if err != nil {
			return nil, fmt.Errorf("--params: %w", err)
		}
		p = &q
	}
	if name == "rest" {
		r, err := Rest(net, RestSettings{Params: p})
		if err != nil {
			return nil, err
		}
		j.warn(name, j.Params, r.warnings())
		return r.Write(j.Out)
	}
	if name == "moving-edge" {
		r, err := MovingEdge(net, EdgeSettings{Params: p, Workers: j.Workers})
		if err != nil {
			return nil, err
		}
		j.warn(name, j.Params, r.Warnings)
		return r.Write(j.Out)
	}
	r, err := Flash(net, FlashSettings{Params: p, Workers: j.Workers})
	if err != nil {
		return nil, err
	}
	j.warn(name, j.Params, r.Warnings)
	return r.Write(j.Out)
}

// warn writes the warnings of analysis name of the network of params to
// j.Warn.
func (j Job) warn(name, params string, ws []string) {
	if j.Warn == nil {
		return
	}
	if params == "" {
		params = "the initial network"
	}
	for _, w := range ws {
		fmt.Fprintf(j.Warn, "warning: analyze %s, %s: %s\n", name, params, w)
	}
}

// addWarnings appends to ws those of add it does not hold yet.
func addWarnings(ws, add []string) []string {
	for _, w := range add {
		if !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	return ws
}
