package opticlobe

import (
	"math"
	"slices"
	"strings"
)

// Save writes net's connectome to path (SaveConnectome) and, for tables
// other than "none", its neuron, edge and pair tables beside it in that
// format (WriteTables at TablePrefix(path)). It returns the files written.
func (net *Network) Save(path, tables string) ([]string, error) {
	withTables := tables != "none"
	if err := net.SaveConnectome(path, withTables); err != nil {
		return nil, err
	}
	written := []string{path}
	if !withTables {
		return written, nil
	}
	p := TablePrefix(path)
	if err := net.WriteTables(p, tables); err != nil {
		return written, err
	}
	for _, t := range []string{"neurons", "edges", "pairs"} {
		written = append(written, p+"."+t+"."+strings.ToLower(tables))
	}
	return written, nil
}

// BuildFile reads the description in path (LoadSpec) and expands it on
// the lattice of the given extent (Build).
func BuildFile(path string, extent int) (*Network, error) {
	spec, err := LoadSpec(path)
	if err != nil {
		return nil, err
	}
	return Build(spec, extent)
}

// WithParams returns a copy of net whose connectome holds the weights of
// p, W[post, pre] = sign·n_syn·strength with a flyvis checkpoint's
// edges_sign·exp(edges_syn_count) as sign·n_syn (when p.Coef is set) and
// its syn_strength (clamped at 0 when read), the edge table's Sign and
// NSyn and the pairs' Strength set to match, so that the tables still give every
// weight; the rest is shared with net. Time constants and resting
// potentials have no place in a connectome (SaveParams writes them).
func (net *Network) WithParams(p Params) (*Network, error) {
	if err := p.Validate(net); err != nil {
		return nil, err
	}
	out := *net
	conn := *net.Conn
	conn.W = net.weights(p.Coef, p.Strength)
	out.Conn = &conn
	if p.Coef != nil {
		out.Edges.NSyn = make([]float32, len(p.Coef))
		out.Edges.Sign = make([]int8, len(p.Coef))
		for k, c := range p.Coef {
			out.Edges.NSyn[k] = float32(math.Abs(float64(c)))
			out.Edges.Sign[k] = 1
			if c < 0 {
				out.Edges.Sign[k] = -1
			}
		}
	}
	out.Pairs = slices.Clone(net.Pairs)
	for k := range out.Pairs {
		out.Pairs[k].Strength = p.Strength[k]
	}
	return &out, nil
}

// WithParamsFile is WithParams with the parameters in path (LoadParams),
// which it also writes to paramsOut (SaveParams; "": not written).
func (net *Network) WithParamsFile(path, paramsOut string) (*Network, error) {
	p, err := LoadParams(net, path)
	if err != nil {
		return nil, err
	}
	if paramsOut != "" {
		if err := SaveParams(net, p, paramsOut, 0); err != nil {
			return nil, err
		}
	}
	return net.WithParams(p)
}
