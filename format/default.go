package format

import (
	"fmt"

	"github.com/neuropil/neuropil/connectome"
)

// LoadOrDefault reads the connectome in path as Load does, or builds the
// built-in connectome.Default when path is empty. It also returns a
// description of the connectome for reports: the path, or what the
// built-in one is.
func LoadOrDefault(path string, opt Options) (*connectome.Connectome, string, error) {
	if path == "" {
		c := connectome.Default()
		return c, fmt.Sprintf("built-in random (%d neurons, %d synapses, seed %d)", c.Neurons(), c.Synapses(), connectome.DefaultSeed), nil
	}
	c, err := Load(path, opt)
	if err != nil {
		return nil, "", err
	}
	return c, path, nil
}
