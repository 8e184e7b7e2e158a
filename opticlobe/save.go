package opticlobe

import "strings"

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
